// The gRPC state sender against an in-process grpc++ server implementing NotifyChannelState.
#include "transport/webhook/grpc_state_sender.hpp"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "proto/proxy.grpc.pb.h"
#include "proto/state/state_proto.hpp"
#include "tests/proto/state/sample_events.hpp"
#include "tests/support/test_tls.hpp"
#include "tests/transport/webhook/io_thread.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;
namespace proxypb = centrifugal::centrifugo::proxy;
using Result = ChannelStateSender::Result;
using test::Awaited;

ChannelStateBatch sample() { return test::occupied_then_vacated(); }

/// What the backend does with the next calls.
enum class Mode { ok, error, fail_status, hang };

class Backend final : public proxypb::CentrifugoProxy::Service {
 public:
  grpc::Status NotifyChannelState(grpc::ServerContext* ctx,
                                  const proxypb::NotifyChannelStateRequest* req,
                                  proxypb::NotifyChannelStateResponse* resp) override {
    std::unique_lock lock(mu_);
    received_.push_back(state::from_proto(*req));
    for (const auto& [k, v] : ctx->client_metadata())
      metadata_[std::string(k.data(), k.size())] = std::string(v.data(), v.size());
    cv_.notify_all();
    switch (mode_) {
      case Mode::ok:
        resp->mutable_result();
        return grpc::Status::OK;
      case Mode::error:
        resp->mutable_error()->set_code(1000);
        resp->mutable_error()->set_message("backend busy");
        return grpc::Status::OK;
      case Mode::fail_status:
        return grpc::Status(grpc::StatusCode::INTERNAL, "boom");
      case Mode::hang:
        // Until the client gives up (its deadline cancels the call) or the test ends;
        // IsCancelled() has no notification, so look again every few milliseconds.
        while (!ctx->IsCancelled() && !stopping_) cv_.wait_for(lock, 5ms);
        return grpc::Status::CANCELLED;
    }
    return grpc::Status::OK;
  }

  void set_mode(Mode m) {
    std::lock_guard lock(mu_);
    mode_ = m;
  }
  void stop_hanging() {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  bool wait_received(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 10s, [&] { return received_.size() >= n; });
  }
  std::vector<ChannelStateBatch> received() {
    std::lock_guard lock(mu_);
    return received_;
  }
  std::map<std::string, std::string> metadata() {
    std::lock_guard lock(mu_);
    return metadata_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  Mode mode_ = Mode::ok;
  bool stopping_ = false;
  std::vector<ChannelStateBatch> received_;
  std::map<std::string, std::string> metadata_;
};

class GrpcStateSenderTest : public ::testing::Test {
 protected:
  void start(std::shared_ptr<grpc::ServerCredentials> creds = grpc::InsecureServerCredentials()) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", creds, &port_);
    builder.RegisterService(&backend_);
    server_ = builder.BuildAndStart();
    ASSERT_TRUE(server_);
    ASSERT_GT(port_, 0);
  }
  void TearDown() override {
    backend_.stop_hanging();
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + 5s);
  }

  std::shared_ptr<GrpcStateSender> make(GrpcClientOptions o = {},
                                        const std::string& host = "127.0.0.1") {
    std::string error;
    auto s = GrpcStateSender::create("grpc://" + host + ":" + std::to_string(port_), o, &error);
    EXPECT_TRUE(s) << error;
    return s;
  }

  /// A call to a backend that never answers: the sender and where its result will land.
  std::shared_ptr<GrpcStateSender> send_to_hanging_backend(std::chrono::milliseconds timeout,
                                                           Awaited<Result>& result) {
    start();
    backend_.set_mode(Mode::hang);
    GrpcClientOptions o;
    o.timeout = timeout;
    auto s = make(o);
    s->send(sample(), result.setter());
    EXPECT_TRUE(backend_.wait_received(1));
    return s;
  }

  static Result send(ChannelStateSender& s) {
    Awaited<Result> result;
    s.send(sample(), result.setter());
    return result.get().value_or(Result{false, "no answer within 10 s"});
  }

  Backend backend_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(GrpcStateSenderTest, DeliversTheBatchWithHeraldFields) {
  start();
  GrpcClientOptions o;
  o.credentials_key = "Authorization";
  o.credentials_value = "Bearer s3cret";
  o.metadata = {{"X-Node", "n1"}};
  o.compression = true;
  auto s = make(o);
  Result r = send(*s);
  EXPECT_TRUE(r.ok) << r.error;
  auto got = backend_.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], sample());
  auto md = backend_.metadata();
  EXPECT_EQ(md["authorization"], "Bearer s3cret");
  EXPECT_EQ(md["x-node"], "n1");
  EXPECT_EQ(send(*s).ok, true);  // the channel is reused
}

TEST_F(GrpcStateSenderTest, ErrorInTheResponseOrAFailedStatusFails) {
  start();
  auto s = make();
  for (auto [mode, why] : {std::pair{Mode::error, "error 1000: backend busy"},
                           std::pair{Mode::fail_status, "gRPC status 13: boom"}}) {
    backend_.set_mode(mode);
    Result r = send(*s);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.error, why);
  }
}

TEST_F(GrpcStateSenderTest, DeadlineFails) {
  Awaited<Result> result;
  auto s = send_to_hanging_backend(300ms, result);
  auto r = result.get();
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->error.rfind("gRPC status 4", 0), 0u) << r->error;  // DEADLINE_EXCEEDED
}

TEST_F(GrpcStateSenderTest, UnreachableBackendFails) {
  start();
  server_->Shutdown(std::chrono::system_clock::now());
  server_->Wait();
  server_.reset();
  auto s = make();
  Result r = send(*s);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.rfind("gRPC status 14", 0), 0u) << r.error;  // UNAVAILABLE
}

TEST_F(GrpcStateSenderTest, DestroyingTheSenderCancelsCallsInFlight) {
  Awaited<Result> result;
  auto s = send_to_hanging_backend(60s, result);
  s.reset();
  auto r = result.get();
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->error.rfind("gRPC status 1", 0), 0u) << r->error;  // CANCELLED
}

TEST_F(GrpcStateSenderTest, Tls) {
  auto cert = test::make_test_certificate({"localhost"}, {"127.0.0.1"});
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({cert.key_pem, cert.cert_pem});
  start(grpc::SslServerCredentials(ssl));
  GrpcClientOptions o;
  o.tls_enabled = true;
  o.tls.ca_pem = cert.cert_pem;
  auto s = make(o, "localhost");
  Result r = send(*s);
  EXPECT_TRUE(r.ok) << r.error;

  GrpcClientOptions untrusted;
  untrusted.tls_enabled = true;
  untrusted.tls.ca_pem = test::make_test_certificate({"localhost"}, {}).cert_pem;
  auto bad = make(untrusted, "localhost");
  r = send(*bad);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.rfind("gRPC status 14", 0), 0u) << r.error;
}

TEST_F(GrpcStateSenderTest, BadOptions) {
  std::string error;
  EXPECT_FALSE(GrpcStateSender::create("http://h:1", {}, &error));
  EXPECT_NE(error.find("grpc://"), std::string::npos);
  GrpcClientOptions o;
  o.tls_enabled = true;
  o.tls.ca_pem_file = "/nonexistent.pem";
  EXPECT_FALSE(GrpcStateSender::create("grpc://h:1", o, &error));
  EXPECT_NE(error.find("cannot read"), std::string::npos);
}

}  // namespace
}  // namespace herald
