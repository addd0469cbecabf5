#include "transport/webhook/grpc_state_sender.hpp"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <condition_variable>
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
  std::condition_variable all_done;
  size_t live_calls = 0;  ///< Call objects not yet destroyed (their ClientContext included)
  std::unordered_map<Call*, std::weak_ptr<Call>> in_flight;  ///< for cancelling
};

namespace {

/// Counts a Call until it is completely gone: the first member, so destroyed last.
struct LiveCall {
  explicit LiveCall(GrpcStateSender::Impl* impl) : impl(impl) {
    std::lock_guard lock(impl->mu);
    ++impl->live_calls;
  }
  ~LiveCall() {
    // Notify under the lock: once it is released the sender may be destroyed, and this
    // thread touches nothing of it any more.
    std::lock_guard lock(impl->mu);
    --impl->live_calls;
    impl->all_done.notify_all();
  }
  GrpcStateSender::Impl* impl;
};

/// One NotifyChannelState call. Freed by gRPC's thread after the completion callback ran
/// (the callback owns the last reference), which is why the sender waits for LiveCall.
struct Call {
  explicit Call(GrpcStateSender::Impl* impl) : live(impl) {}
  LiveCall live;
  grpc::ClientContext ctx;
  proxypb::NotifyChannelStateRequest request;
  proxypb::NotifyChannelStateResponse response;
  ChannelStateSender::Done done;
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
  calls.clear();
  // Calls point at impl_: wait until gRPC's threads have destroyed the last of them, so that
  // nothing of this sender (or of a process that goes on to exit) is used afterwards.
  std::unique_lock lock(impl_->mu);
  if (!impl_->all_done.wait_for(lock, std::chrono::seconds(10),
                                [&] { return impl_->live_calls == 0; })) {
    // A cancelled call that never completes: keep what it points at alive for good.
    lock.unlock();
    new std::shared_ptr<Impl>(impl_);
  }
}

void GrpcStateSender::send(ChannelStateBatch batch, Done done) {
  auto call = std::make_shared<Call>(impl_.get());
  call->done = std::move(done);
  state::to_proto(batch, call->request);
  call->ctx.set_deadline(std::chrono::system_clock::now() + impl_->options.timeout);
  for (const auto& [key, value] : impl_->metadata) call->ctx.AddMetadata(key, value);
  {
    std::lock_guard lock(impl_->mu);
    impl_->in_flight.emplace(call.get(), call);
  }
  Impl* impl = impl_.get();
  impl_->stub->async()->NotifyChannelState(
      &call->ctx, &call->request, &call->response, [impl, call](grpc::Status status) {
        {
          std::lock_guard lock(impl->mu);
          impl->in_flight.erase(call.get());
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
