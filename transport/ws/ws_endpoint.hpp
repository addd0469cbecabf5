// The WebSocket endpoint: takes over upgrade requests from HttpServer, checks the Origin,
// negotiates the encoding, completes the handshake and hands each connection to a WsAcceptFn
// as a WsConnection. No Beast in this header.
//
//   auto ws = std::make_shared<WsEndpoint>(options, accept_fn);
//   http_options.websocket_path = "/connection/websocket";
//   http_options.upgrade_handler = ws;   // HttpServer::stop() then closes them with 3001
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "transport/http/http_server.hpp"
#include "proto/codec/ws_connection.hpp"

namespace herald {

struct WsOptions {
  /// `client.allowed_origins` glob patterns; [] = only requests without an Origin header.
  std::vector<std::string> allowed_origins;
  /// `websocket.message_size_limit`: bytes per incoming message; larger ⇒ close 1009.
  /// 0 = no limit (reads still grow their buffer by at most 64 KiB at a time).
  uint64_t message_size_limit = 65536;
  /// `websocket.write_timeout`: one coalesced write that takes longer drops the connection.
  std::chrono::milliseconds write_timeout{1000};
  /// `client.queue_max_size`: bytes pending + in flight; past it ⇒ close 3008 "slow".
  uint64_t queue_max_size = 1048576;
  /// `websocket.compression`: permessage-deflate when the client offers it.
  bool compression = false;
  int compression_level = 1;  ///< `websocket.compression_level`, zlib 1..9
  /// Native WebSocket ping period for `?cf_ws_frame_ping_pong=true` connections (Centrifugo:
  /// 25 s); a peer that answers no ping before the next one is dropped.
  std::chrono::milliseconds native_ping_interval{25000};
  /// Time to write the 101 response.
  std::chrono::milliseconds handshake_timeout{10000};
  /// After a close frame is sent or received: time for the closing handshake, then the TCP
  /// connection is dropped (Centrifugo: 5 s).
  std::chrono::milliseconds close_timeout{5000};
  /// Told about failures nobody else sees (what failed, the error), e.g. an exception thrown
  /// while handing a new connection over; the endpoint has no logger of its own.
  std::function<void(std::string_view what, std::string_view error)> on_error;
  /// Called (on the io thread) each time a connection stops reading because its owner has
  /// not handled what it got (WsConnection::kMaxUnconsumedMessages): a backpressure metric.
  std::function<void()> on_read_paused;
  /// Asked (on the io thread) before each upgrade: true = the node is full
  /// (`client.connection_limit`), the request gets HTTP 503 and no WebSocket, as Centrifugo
  /// answers before its WebSocket handler runs. Unset: no limit here.
  std::function<bool()> at_capacity;
};

namespace ws_detail {
struct EndpointState;
}

class WsEndpoint final : public HttpUpgradeHandler {
 public:
  /// `accept` runs on the connection's io thread for each completed handshake; it must call
  /// WsConnection::start() (now or later) to receive messages.
  WsEndpoint(WsOptions options, WsAcceptFn accept);
  ~WsEndpoint() override;
  WsEndpoint(const WsEndpoint&) = delete;
  WsEndpoint& operator=(const WsEndpoint&) = delete;

  void upgrade(HttpUpgrade&& upgrade) override;
  /// Closes every connection with 3001 "shutdown"; later upgrades get the same close right
  /// after their handshake and never reach `accept`.
  void shutdown() override;
  uint64_t open_connections() const override;

 private:
  std::shared_ptr<ws_detail::EndpointState> state_;
};

}  // namespace herald
