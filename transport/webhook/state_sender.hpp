// The ChannelStateSender implementations for `channel.proxy.state.endpoint`, and the one
// function cmd/ calls to get the right one for an endpoint: http:// and https:// POST the
// JSON body through HttpPostClient, grpc:// calls NotifyChannelState (GrpcStateSender).
// No Asio, Beast or gRPC types here.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "proto/state/channel_state.hpp"
#include "transport/webhook/http_client.hpp"
#include "transport/webhook/tls_options.hpp"

namespace boost::asio {
class io_context;
}

namespace herald {

/// Everything of `channel.proxy.state` a sender needs (cmd/ copies it from the config).
struct StateSenderOptions {
  std::string endpoint;  ///< http://…, https://… or grpc://host:port
  std::chrono::milliseconds timeout{1000};  ///< `timeout`: one attempt, connect included
  /// `http.static_headers` (HTTP) / `grpc.static_metadata`-like metadata (gRPC).
  std::vector<std::pair<std::string, std::string>> headers;
  /// `http.tls` for https:// (always TLS; no `enabled` needed), `grpc.tls` for grpc://.
  TlsClientOptions tls;
  bool grpc_tls = false;  ///< `grpc.tls.enabled`
  std::string grpc_credentials_key;    ///< `grpc.credentials_key`
  std::string grpc_credentials_value;  ///< `grpc.credentials_value`
  bool grpc_compression = false;       ///< `grpc.compression`
  size_t max_connections = 8;          ///< HTTP keep-alive connections at most
};

/// POSTs {"events":[...]} and applies the HTTP answer rule (proto/state/state_json.hpp).
class HttpStateSender final : public ChannelStateSender {
 public:
  explicit HttpStateSender(std::unique_ptr<HttpPostClient> client) : client_(std::move(client)) {}
  /// `done` runs on an io thread.
  void send(ChannelStateBatch batch, Done done) override;
  void close() override { client_->close(); }
  HttpPostClient& client() { return *client_; }

 private:
  std::unique_ptr<HttpPostClient> client_;
};

struct StateSenderOrError {
  ChannelStateSenderPtr sender;  ///< null on error
  std::string error;             ///< why, for a `channel.proxy.state...: reason` message
};

/// The sender for `options.endpoint`. Fails (with a reason) on an endpoint that is not
/// http(s):// or grpc://host:port, invalid static headers, or unusable TLS material. HTTP
/// callbacks run on `ioc`'s threads: the io_context must keep running until the sender has
/// been destroyed and its close processed.
StateSenderOrError make_state_sender(boost::asio::io_context& ioc, StateSenderOptions options);

}  // namespace herald
