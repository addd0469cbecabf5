// A tiny scripted HTTP/1.1 server over POSIX sockets for client tests: 127.0.0.1 on a free
// port, a thread per connection, optional TLS (OpenSSL). Each request is recorded and
// answered as the test's handler says: an answer, an answer and then a silent close, a close
// without an answer, or no answer at all (until the request is released or the server stops).
// No Beast, so tests using it compile fast.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace herald::test {

struct TestRequest {
  size_t connection = 0;  ///< 1 for the first connection accepted, 2 for the next, ...
  size_t index = 0;       ///< 1 for the first request the server got
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  ///< lower-cased names
  std::string body;
};

struct TestReply {
  enum class Action {
    respond,             ///< answer; the connection stays open (keep-alive)
    respond_then_close,  ///< answer as if keeping the connection, then close it silently
    close,               ///< close the connection without answering
    hang,                ///< never answer (until release_hung() or stop(): then close)
  };
  Action action = Action::respond;
  int status = 200;
  std::string body = R"({"result":{}})";
  std::vector<std::pair<std::string, std::string>> headers;  ///< extra answer headers
  bool chunked = false;  ///< send the body with Transfer-Encoding: chunked

  static TestReply with(int status, std::string body) {
    TestReply r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  static TestReply doing(Action action) {
    TestReply r;
    r.action = action;
    return r;
  }
};

class HttpTestServer {
 public:
  using Handler = std::function<TestReply(const TestRequest&)>;

  struct Tls {
    std::string cert_pem;
    std::string key_pem;
  };

  HttpTestServer();
  ~HttpTestServer();  ///< stop()
  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;

  /// Answers every later request (default: 200 {"result":{}}). Thread-safe.
  void set_handler(Handler handler);
  /// The same reply to every later request.
  void reply_always(TestReply reply) {
    set_handler([reply](const TestRequest&) { return reply; });
  }
  /// Listens on 127.0.0.1, port 0; with `tls`, every connection starts with a TLS handshake.
  bool start(const Tls* tls = nullptr);
  void stop();

  uint16_t port() const { return port_; }
  /// "http://127.0.0.1:PORT" + path ("https://" with TLS).
  std::string url(const std::string& path = "/") const;

  std::vector<TestRequest> requests() const;
  size_t connections() const;        ///< accepted so far
  size_t open_connections() const;   ///< not yet closed by either side
  size_t tls_failures() const;       ///< connections whose TLS handshake failed
  /// Waits until `n` requests arrived; false after `timeout`.
  bool wait_requests(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  bool wait_connections(size_t n,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  /// Waits until at most `n` connections are open.
  bool wait_open_at_most(size_t n,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  bool wait_tls_failures(size_t n,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

  /// Closes every open connection as soon as it waits for its next request (as a server's
  /// idle timeout): at once when idle, right after its answer when answering.
  void close_idle();
  /// Ends every hanging request by closing its connection.
  void release_hung();

  struct State;

 private:
  void accept_loop();
  void serve(int fd, size_t index);

  std::shared_ptr<State> st_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  uint16_t port_ = 0;
  bool tls_ = false;
  std::thread acceptor_;
};

}  // namespace herald::test
