#include "transport/webhook/grpc_state_sender.hpp"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <unordered_map>

#include "proto/proxy.grpc.pb.h"
#include "proto/state/state_proto.hpp"
#include "transport/webhook/endpoint.hpp"

namespace herald {

namespace proxypb = centrifugal::centrifugo::proxy;

namespace {
struct Call;
}

struct GrpcStateSender::Impl {
  std::unique_ptr<proxypb::CentrifugoProxy::Stub> stub;
  GrpcClientOptions options;
  std::vector<std::pair<std::string, std::string>> metadata;  ///< lower-cased keys
  mutable std::mutex mu;
  std::unordered_map<Call*, std::weak_ptr<Call>> in_flight;
};

namespace {

struct Call {
  grpc::ClientContext ctx;
  proxypb::NotifyChannelStateRequest request;
  proxypb::NotifyChannelStateResponse response;
  ChannelStateSender::Done done;
  std::shared_ptr<GrpcStateSender::Impl> owner;
};

}  // namespace

std::shared_ptr<GrpcStateSender> GrpcStateSender::create(const std::string& endpoint,
                                                         GrpcClientOptions options,
                                                         std::string* error) {
  auto fail = [error](std::string why) -> std::shared_ptr<GrpcStateSender> {
    if (error) *error = std::move(why);
    return nullptr;
  };
  std::string why;
  auto ep = parse_proxy_endpoint(endpoint, &why);
  if (!ep) return fail("endpoint " + why);
  if (ep->scheme != ProxyEndpoint::Scheme::grpc)
    return fail("endpoint must be grpc://host:port for the gRPC client");

  grpc::ChannelArguments args;
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (options.tls_enabled) {
    const auto& t = options.tls;
    if (t.insecure_skip_verify)
      return fail("tls: insecure_skip_verify is not supported for gRPC proxies");
    grpc::SslCredentialsOptions ssl;
    if (!load_pem(t.ca_pem, t.ca_pem_file, ssl.pem_root_certs, &why) ||
        !load_pem(t.cert_pem, t.cert_pem_file, ssl.pem_cert_chain, &why) ||
        !load_pem(t.key_pem, t.key_pem_file, ssl.pem_private_key, &why))
      return fail("tls: " + why);
    if (ssl.pem_cert_chain.empty() != ssl.pem_private_key.empty())
      return fail("tls: a client certificate needs its key, and a key its certificate");
    if (!t.server_name.empty()) args.SetSslTargetNameOverride(t.server_name);
    creds = grpc::SslCredentials(ssl);
  } else {
    creds = grpc::InsecureChannelCredentials();
  }
  if (options.compression) args.SetCompressionAlgorithm(GRPC_COMPRESS_GZIP);

  auto impl = std::make_shared<Impl>();
  for (auto [key, value] : options.metadata) {
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    impl->metadata.emplace_back(std::move(key), std::move(value));
  }
  if (!options.credentials_key.empty()) {
    std::string key = options.credentials_key;
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    impl->metadata.emplace_back(std::move(key), options.credentials_value);
  }
  impl->options = std::move(options);
  impl->stub = proxypb::CentrifugoProxy::NewStub(
      grpc::CreateCustomChannel(ep->authority, creds, args));
  return std::shared_ptr<GrpcStateSender>(new GrpcStateSender(std::move(impl)));
}

GrpcStateSender::~GrpcStateSender() {
  // Cancel outside the lock: gRPC may run the completion (which takes the lock) inline.
  std::vector<std::shared_ptr<Call>> calls;
  {
    std::lock_guard lock(impl_->mu);
    for (const auto& [ptr, weak] : impl_->in_flight)
      if (auto call = weak.lock()) calls.push_back(std::move(call));
  }
  for (const auto& call : calls) call->ctx.TryCancel();
}

void GrpcStateSender::send(ChannelStateBatch batch, Done done) {
  auto call = std::make_shared<Call>();
  call->done = std::move(done);
  call->owner = impl_;
  state::to_proto(batch, call->request);
  call->ctx.set_deadline(std::chrono::system_clock::now() + impl_->options.timeout);
  for (const auto& [key, value] : impl_->metadata) call->ctx.AddMetadata(key, value);
  {
    std::lock_guard lock(impl_->mu);
    impl_->in_flight.emplace(call.get(), call);
  }
  impl_->stub->async()->NotifyChannelState(
      &call->ctx, &call->request, &call->response, [call](grpc::Status status) {
        {
          std::lock_guard lock(call->owner->mu);
          call->owner->in_flight.erase(call.get());
        }
        auto done = std::move(call->done);
        done(state::judge_grpc_answer(static_cast<int>(status.error_code()),
                                      status.error_message(), call->response));
      });
}

size_t GrpcStateSender::in_flight() const {
  std::lock_guard lock(impl_->mu);
  return impl_->in_flight.size();
}

}  // namespace herald
