// An HTTP/1.1 client for proxy calls: POSTs to one endpoint over a small pool of keep-alive
// connections, with a deadline per request. Never blocks: post() queues and returns; the
// answer comes through a callback on an io thread. No Asio or Beast types in this header;
// they live in http_client.cpp (the one Beast translation unit of this folder).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "transport/webhook/endpoint.hpp"
#include "transport/webhook/tls_options.hpp"

namespace boost::asio {
class io_context;
}

namespace herald {

struct HttpClientOptions {
  /// One attempt, from the moment a connection takes the request to the last byte of the
  /// answer: writing, waiting, reading. Waiting for a free connection is not counted (each
  /// busy connection is bounded by this deadline, connecting by connect_timeout). The
  /// proxy's `timeout` (Centrifugo's default: 1 s).
  std::chrono::milliseconds timeout{1000};
  /// Connecting one connection (TCP and TLS handshake). A failed or timed-out connect fails
  /// the requests waiting for a connection at once, so a dead endpoint answers fast.
  std::chrono::milliseconds connect_timeout{1000};
  /// Connections opened to the endpoint at most; requests beyond wait for a free one. Each
  /// state partition has at most one batch in flight, so this bounds the backend's
  /// concurrency, not Herald's.
  size_t max_connections = 8;
  /// An idle keep-alive connection is closed after this (the server may close it earlier:
  /// that is noticed at once, as every connection always has a read pending).
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  /// Larger answers fail the request (the body is only checked for an `error` object).
  size_t max_answer_bytes = 1024 * 1024;
  /// Added to every request (the proxy's `http.static_headers`). Host, Content-Length,
  /// Content-Type, Transfer-Encoding and Connection are the client's own and cannot be set
  /// here; names must be tokens and values must not contain CR, LF or NUL.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type = "application/json";
  std::string user_agent = "Herald";
  /// For https:// endpoints (ignored for http://).
  TlsClientOptions tls;
};

/// What a request got: an HTTP answer (status > 0), or a failure before one (status 0, `error`
/// says why: "connect: Connection refused", "timeout after 1000 ms", ...).
struct HttpAnswer {
  int status = 0;
  std::string body;
  std::string error;
};

/// Counters for tests and metrics; every field only grows except `open_connections`.
struct HttpClientStats {
  uint64_t connects = 0;          ///< connection attempts
  uint64_t connect_failures = 0;  ///< attempts that failed or timed out
  uint64_t requests = 0;          ///< requests written (each resend counts)
  uint64_t reused = 0;            ///< of which on a connection that had served before
  uint64_t resent = 0;            ///< requests sent again after a kept-alive connection dropped
  uint64_t timeouts = 0;
  uint64_t open_connections = 0;  ///< connected or connecting now
};

/// Threading: every method may be called from any thread. Everything runs on one strand of
/// the io_context given at construction; callbacks run there and must not block. The
/// io_context must keep running until close() has been processed (destroy the client, then
/// let run() return).
class HttpPostClient {
 public:
  using Callback = std::function<void(HttpAnswer)>;

  /// nullptr with `*error` set when the endpoint is not http(s)://, a header is invalid, or
  /// the TLS material cannot be loaded. Connects lazily, on the first request.
  static std::unique_ptr<HttpPostClient> create(boost::asio::io_context& ioc,
                                                const std::string& endpoint,
                                                HttpClientOptions options, std::string* error);
  /// close().
  ~HttpPostClient();
  HttpPostClient(const HttpPostClient&) = delete;
  HttpPostClient& operator=(const HttpPostClient&) = delete;

  /// POSTs `body`; `done` is called exactly once, never inside post(). A request that fails
  /// on a reused keep-alive connection before any byte of the answer arrived (the server
  /// closed it meanwhile) is sent again on another connection within the same deadline: a
  /// POST may then reach the server twice, which at-least-once receivers handle anyway.
  void post(std::string body, Callback done);

  /// Fails everything queued or in flight with "closed" and closes the connections.
  /// Idempotent; later posts fail with "closed".
  void close();

  HttpClientStats stats() const;
  const ProxyEndpoint& endpoint() const;

  struct Impl;

 private:
  explicit HttpPostClient(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace herald
