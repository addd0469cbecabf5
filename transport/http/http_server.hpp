// The HTTP/1.1 server (Boost.Beast): keep-alive, one strand per connection, no thread per
// request. Requests are handed to an HttpHandler as plain values; its responder may be called
// from any thread (an actor) and posts the write back onto the connection's strand.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>

#include "transport/http/http_types.hpp"

namespace boost::asio {
class io_context;
}

namespace herald {

struct HttpServerOptions {
  std::string address;  ///< "" = all interfaces
  uint16_t port = 8000;
  /// Largest request body accepted; larger ones get 413 and the connection closes.
  uint64_t body_limit = 64 * 1024 * 1024;
  /// An idle keep-alive connection (or a slow request) is closed after this.
  std::chrono::seconds idle_timeout{60};
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& ioc, HttpServerOptions options, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds and starts accepting. On failure (port taken, bad address) returns the error.
  std::error_code listen();
  /// The bound port (useful with port 0).
  uint16_t port() const;
  /// Stops accepting and closes idle keep-alive connections; requests in flight finish.
  void stop();
  /// Requests read but not yet answered.
  uint64_t in_flight() const;

  struct Impl;  ///< public only so the .cpp's session type can name it

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace herald
