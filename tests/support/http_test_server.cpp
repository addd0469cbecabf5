#include "tests/support/http_test_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

namespace herald::test {

struct HttpTestServer::State {
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  Handler handler;
  std::vector<TestRequest> requests;
  size_t accepted = 0;
  size_t open = 0;
  size_t tls_failures = 0;
  bool stopping = false;
  uint64_t release_epoch = 0;  ///< bumped by release_hung()
  struct Conn {
    int fd = -1;
    bool idle = false;  ///< waiting for the next request
    bool closed = false;
    bool close_when_idle = false;  ///< close_idle() came while it was answering
  };
  std::map<size_t, Conn> conns;
  std::vector<std::thread> threads;
  SSL_CTX* ssl_ctx = nullptr;

  template <class Pred>
  bool wait(std::chrono::milliseconds timeout, Pred pred) const {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, pred);
  }
};

namespace {

/// Reads and writes a connection, plain or TLS.
struct Io {
  int fd;
  SSL* ssl = nullptr;
  long read(char* buf, size_t n) {
    if (ssl) return SSL_read(ssl, buf, static_cast<int>(n));
    return ::recv(fd, buf, n, 0);
  }
  bool write_all(const std::string& s) {
    size_t sent = 0;
    while (sent < s.size()) {
      long n = ssl ? SSL_write(ssl, s.data() + sent, static_cast<int>(s.size() - sent))
                   : ::send(fd, s.data() + sent, s.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string reason_of(int status) {
  switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

std::string render(const TestReply& r) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason_of(r.status) + "\r\n";
  out += "Content-Type: application/json\r\n";
  for (const auto& [k, v] : r.headers) out += k + ": " + v + "\r\n";
  if (r.chunked) {
    out += "Transfer-Encoding: chunked\r\n\r\n";
    // Two chunks, to exercise the client's chunk parsing.
    const size_t half = r.body.size() / 2;
    auto chunk = [&out](std::string_view part) {
      if (part.empty()) return;
      char size[32];
      std::snprintf(size, sizeof(size), "%zx\r\n", part.size());
      out += size;
      out += part;
      out += "\r\n";
    };
    chunk(std::string_view(r.body).substr(0, half));
    chunk(std::string_view(r.body).substr(half));
    out += "0\r\n\r\n";
  } else {
    out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n\r\n" + r.body;
  }
  return out;
}

}  // namespace

HttpTestServer::HttpTestServer() : st_(std::make_shared<State>()) {
  st_->handler = [](const TestRequest&) { return TestReply{}; };
}

HttpTestServer::~HttpTestServer() { stop(); }

void HttpTestServer::set_handler(Handler handler) {
  std::lock_guard lock(st_->mu);
  st_->handler = std::move(handler);
}

bool HttpTestServer::start(const Tls* tls) {
  // OpenSSL writes with write(2) (a TLS 1.3 ticket, an alert), even inside SSL_read: a peer
  // that is gone must give EPIPE, not kill the test.
  ::signal(SIGPIPE, SIG_IGN);
  if (tls) {
    tls_ = true;
    st_->ssl_ctx = SSL_CTX_new(TLS_server_method());
    BIO* cb = BIO_new_mem_buf(tls->cert_pem.data(), static_cast<int>(tls->cert_pem.size()));
    X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    BIO_free(cb);
    BIO* kb = BIO_new_mem_buf(tls->key_pem.data(), static_cast<int>(tls->key_pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
    BIO_free(kb);
    const bool ok = cert && key && SSL_CTX_use_certificate(st_->ssl_ctx, cert) == 1 &&
                    SSL_CTX_use_PrivateKey(st_->ssl_ctx, key) == 1;
    X509_free(cert);
    EVP_PKEY_free(key);
    if (!ok) return false;
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) return false;
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return false;
  if (::listen(listen_fd_, 64) != 0) return false;
  socklen_t len = sizeof(addr);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  if (::pipe(wake_) != 0) return false;
  acceptor_ = std::thread([this] { accept_loop(); });
  return true;
}

std::string HttpTestServer::url(const std::string& path) const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
}

void HttpTestServer::accept_loop() {
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents) return;
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    std::lock_guard lock(st_->mu);
    if (st_->stopping) {
      ::close(fd);
      return;
    }
    const size_t index = ++st_->accepted;
    ++st_->open;
    st_->conns[index] = State::Conn{fd, false, false};
    st_->threads.emplace_back([this, fd, index] { serve(fd, index); });
    st_->cv.notify_all();
  }
}

void HttpTestServer::serve(int fd, size_t index) {
  auto st = st_;
  Io io{fd};
  auto finish = [&] {
    if (io.ssl) SSL_free(io.ssl);
    std::lock_guard lock(st->mu);
    auto& c = st->conns[index];
    if (!c.closed) {
      c.closed = true;
      ::shutdown(fd, SHUT_RDWR);
      ::close(fd);
      --st->open;
    }
    st->cv.notify_all();
  };
  if (st->ssl_ctx) {
    io.ssl = SSL_new(st->ssl_ctx);
    SSL_set_fd(io.ssl, fd);
    if (SSL_accept(io.ssl) != 1) {
      {
        std::lock_guard lock(st->mu);
        ++st->tls_failures;
      }
      return finish();
    }
  }
  std::string buf;
  char chunk[16 * 1024];
  while (true) {
    bool close_now = false;
    {
      std::lock_guard lock(st->mu);
      auto& c = st->conns[index];
      c.idle = buf.empty();
      close_now = c.idle && c.close_when_idle;
    }
    if (close_now) return finish();
    size_t head_end;
    while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
      long n = io.read(chunk, sizeof(chunk));
      if (n <= 0) return finish();
      buf.append(chunk, static_cast<size_t>(n));
      std::lock_guard lock(st->mu);
      st->conns[index].idle = false;
    }
    TestRequest req;
    req.connection = index;
    const std::string head = buf.substr(0, head_end);
    size_t line_end = head.find("\r\n");
    const std::string request_line = head.substr(0, line_end);
    const size_t sp1 = request_line.find(' ');
    const size_t sp2 = request_line.find(' ', sp1 + 1);
    req.method = request_line.substr(0, sp1);
    req.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t end = head.find("\r\n", pos);
      if (end == std::string::npos) end = head.size();
      const std::string line = head.substr(pos, end - pos);
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        req.headers[lower(line.substr(0, colon))] = value;
      }
      pos = end + 2;
    }
    size_t length = 0;
    if (auto it = req.headers.find("content-length"); it != req.headers.end())
      length = std::stoul(it->second);
    buf.erase(0, head_end + 4);
    while (buf.size() < length) {
      long n = io.read(chunk, sizeof(chunk));
      if (n <= 0) return finish();
      buf.append(chunk, static_cast<size_t>(n));
    }
    req.body = buf.substr(0, length);
    buf.erase(0, length);

    Handler handler;
    {
      std::lock_guard lock(st->mu);
      req.index = st->requests.size() + 1;
      st->requests.push_back(req);
      handler = st->handler;
      st->cv.notify_all();
    }
    const TestReply reply = handler(req);
    switch (reply.action) {
      case TestReply::Action::respond:
        if (!io.write_all(render(reply))) return finish();
        break;
      case TestReply::Action::respond_then_close:
        io.write_all(render(reply));
        return finish();
      case TestReply::Action::close:
        return finish();
      case TestReply::Action::hang: {
        std::unique_lock lock(st->mu);
        const uint64_t epoch = st->release_epoch;
        st->cv.wait(lock, [&] { return st->stopping || st->release_epoch != epoch; });
        lock.unlock();
        return finish();
      }
    }
  }
}

std::vector<TestRequest> HttpTestServer::requests() const {
  std::lock_guard lock(st_->mu);
  return st_->requests;
}

size_t HttpTestServer::connections() const {
  std::lock_guard lock(st_->mu);
  return st_->accepted;
}

size_t HttpTestServer::open_connections() const {
  std::lock_guard lock(st_->mu);
  return st_->open;
}

size_t HttpTestServer::tls_failures() const {
  std::lock_guard lock(st_->mu);
  return st_->tls_failures;
}

bool HttpTestServer::wait_requests(size_t n, std::chrono::milliseconds timeout) const {
  return st_->wait(timeout, [&] { return st_->requests.size() >= n; });
}

bool HttpTestServer::wait_connections(size_t n, std::chrono::milliseconds timeout) const {
  return st_->wait(timeout, [&] { return st_->accepted >= n; });
}

bool HttpTestServer::wait_open_at_most(size_t n, std::chrono::milliseconds timeout) const {
  return st_->wait(timeout, [&] { return st_->open <= n; });
}

bool HttpTestServer::wait_tls_failures(size_t n, std::chrono::milliseconds timeout) const {
  return st_->wait(timeout, [&] { return st_->tls_failures >= n; });
}

void HttpTestServer::close_idle() {
  std::lock_guard lock(st_->mu);
  // shutdown() wakes the connection's blocked read, whose thread then closes and counts it;
  // a connection still answering closes as soon as it is done.
  for (auto& [index, c] : st_->conns) {
    if (c.closed) continue;
    c.close_when_idle = true;
    if (c.idle) ::shutdown(c.fd, SHUT_RDWR);
  }
}

void HttpTestServer::release_hung() {
  std::lock_guard lock(st_->mu);
  ++st_->release_epoch;
  st_->cv.notify_all();
}

void HttpTestServer::stop() {
  if (listen_fd_ < 0) return;
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(st_->mu);
    st_->stopping = true;
    for (auto& [index, c] : st_->conns)
      if (!c.closed) ::shutdown(c.fd, SHUT_RDWR);
    st_->cv.notify_all();
  }
  if (wake_[1] >= 0) {
    char x = 1;
    [[maybe_unused]] auto n = ::write(wake_[1], &x, 1);
  }
  if (acceptor_.joinable()) acceptor_.join();
  {
    std::lock_guard lock(st_->mu);
    threads = std::move(st_->threads);
  }
  for (auto& t : threads) t.join();
  ::close(listen_fd_);
  listen_fd_ = -1;
  for (int& fd : wake_) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  if (st_->ssl_ctx) SSL_CTX_free(st_->ssl_ctx);
  st_->ssl_ctx = nullptr;
}

}  // namespace herald::test
