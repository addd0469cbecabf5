// The gRPC state sender: NotifyChannelState of the proxy service (proto/proxy.proto) to a
// `grpc://host:port` endpoint. Uses gRPC's callback API: calls complete on gRPC's own threads,
// no io thread ever waits. No gRPC types in this header.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "proto/state/channel_state.hpp"
#include "transport/webhook/tls_options.hpp"

namespace herald {

struct GrpcClientOptions {
  /// Deadline of one call (the proxy's `timeout`, Centrifugo's default 1 s).
  std::chrono::milliseconds timeout{1000};
  /// TLS for the channel (the proxy's `grpc.tls.enabled`): grpc:// itself says nothing about
  /// it. `insecure_skip_verify` is not available with gRPC's credentials and is refused.
  bool tls_enabled = false;
  TlsClientOptions tls;
  /// Sent as metadata with every call (`grpc.credentials_key` / `grpc.credentials_value`).
  std::string credentials_key;
  std::string credentials_value;
  /// gzip the requests (`grpc.compression`).
  bool compression = false;
  /// More metadata sent with every call; keys are lower-cased.
  std::vector<std::pair<std::string, std::string>> metadata;
};

class GrpcStateSender final : public ChannelStateSender {
 public:
  /// nullptr with `*error` set when the endpoint is not grpc://host:port or the TLS material
  /// cannot be loaded. The channel connects lazily, on the first call.
  static std::shared_ptr<GrpcStateSender> create(const std::string& endpoint,
                                                 GrpcClientOptions options, std::string* error);
  /// Cancels the calls in flight and waits until gRPC is done with them (milliseconds; 10 s
  /// at most): their `done` has run, with a CANCELLED failure, when this returns. So it must
  /// not run inside a `done` callback (drop the last reference elsewhere).
  ~GrpcStateSender() override;

  /// One NotifyChannelState call with the batch; `done` runs on a gRPC thread.
  void send(ChannelStateBatch batch, Done done) override;

  /// Calls started and not yet finished (tests).
  size_t in_flight() const;

  struct Impl;

 private:
  explicit GrpcStateSender(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace herald
