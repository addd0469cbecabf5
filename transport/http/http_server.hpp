// The HTTP/1.1 server (Boost.Beast): keep-alive, one strand per connection, no thread per
// request. Requests are handed to an HttpHandler as plain values; its responder may be called
// from any thread (an actor) and posts the write back onto the connection's strand.
// A WebSocket upgrade request for `websocket_path` is handed, socket and all, to an
// HttpUpgradeHandler instead (transport/ws implements it); other requests to that path still
// go to the HttpHandler.
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

/// A connection taken over by an upgrade: the socket (on its strand) and the parsed request.
/// Defined with Beast types in transport/http/upgrade.hpp, which only the .cpp files of the
/// server and of the WebSocket module include.
struct HttpUpgrade;

/// Takes over connections whose request asked for a WebSocket upgrade.
class HttpUpgradeHandler {
 public:
  virtual ~HttpUpgradeHandler() = default;
  /// Owns the connection from now on. Called on the connection's strand (an io thread).
  virtual void upgrade(HttpUpgrade&& upgrade) = 0;
  /// From HttpServer::stop(): close every connection (WebSocket: 3001 "shutdown") and close
  /// later upgrades the same way. Any thread.
  virtual void shutdown() = 0;
  /// Connections not yet fully closed (HttpServer::in_flight() counts them). Any thread.
  virtual uint64_t open_connections() const = 0;
};

struct HttpServerOptions {
  std::string address;  ///< "" = all interfaces
  uint16_t port = 8000;
  /// Largest request body accepted; larger ones get 413 and the connection closes.
  uint64_t body_limit = 64 * 1024 * 1024;
  // Deadlines of Centrifugo's (Go's) HTTP server; zero or less = none. A request starts
  // when its first byte arrives (on a new connection: at accept); one that misses a
  // deadline is dropped without an answer.
  /// The request's headers must be in within this of its start.
  std::chrono::milliseconds read_header_timeout{std::chrono::seconds(10)};
  /// The whole request, body included, must be in within this of its start.
  std::chrono::milliseconds read_timeout{std::chrono::seconds(30)};
  /// A keep-alive connection waiting for its next request is closed after this.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(30)};
  /// Writing one response must finish within this.
  std::chrono::milliseconds write_timeout{std::chrono::seconds(10)};
  /// Exact request path whose WebSocket upgrades go to `upgrade_handler` (e.g.
  /// "/connection/websocket"); "" or no handler = no upgrades (they reach the HttpHandler).
  std::string websocket_path;
  std::shared_ptr<HttpUpgradeHandler> upgrade_handler;
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
  /// Stops accepting and closes idle keep-alive connections; requests in flight — also
  /// those partly received — finish; upgraded connections are closed by the upgrade handler
  /// (WebSocket: 3001 "shutdown").
  void stop();
  /// Requests read but not yet answered (after stop(), also those partly received), plus
  /// upgraded connections not yet closed: after stop(), 0 means every request is answered
  /// and every close handshake is over, so the io threads may stop.
  uint64_t in_flight() const;

  struct Impl;  ///< public only so the .cpp's session type can name it

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace herald
