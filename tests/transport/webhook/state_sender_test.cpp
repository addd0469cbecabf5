// The HTTP state sender end to end: the body it POSTs and how it reads the backend's answer.
#include "transport/webhook/state_sender.hpp"

#include <gtest/gtest.h>

#include "proto/state/state_json.hpp"
#include "tests/proto/state/sample_events.hpp"
#include "tests/support/http_test_server.hpp"
#include "tests/transport/webhook/io_thread.hpp"
#include "transport/webhook/grpc_state_sender.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;
using test::Awaited;
using test::TestReply;
using Result = ChannelStateSender::Result;

ChannelStateBatch sample() { return test::occupied_then_vacated(); }

class StateSenderTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.start()); }

  ChannelStateSenderPtr make(StateSenderOptions o = {}) {
    o.endpoint = server_.url("/centrifugo/channel_events");
    auto made = make_state_sender(io_.ioc(), std::move(o));
    EXPECT_TRUE(made.sender) << made.error;
    return made.sender;
  }

  static Result send(ChannelStateSender& s, ChannelStateBatch b = sample()) {
    Awaited<Result> result;
    s.send(std::move(b), result.setter());
    return result.get().value_or(Result{false, "no answer within 10 s"});
  }

  test::IoThread io_;
  test::HttpTestServer server_;
};

TEST_F(StateSenderTest, PostsTheJsonBodyAndAcceptsTheDocumentedAnswer) {
  StateSenderOptions o;
  o.headers = {{"X-Api-Key", "k"}};
  auto s = make(o);
  Result r = send(*s);
  EXPECT_TRUE(r.ok) << r.error;
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].body, state::encode_json(sample()));
  EXPECT_EQ(reqs[0].headers["content-type"], "application/json");
  EXPECT_EQ(reqs[0].headers["x-api-key"], "k");
  EXPECT_EQ(state::decode_json(reqs[0].body), sample());
}

TEST_F(StateSenderTest, Status500Fails) {
  server_.reply_always(TestReply::with(500, R"({"result":{}})"));
  auto s = make();
  Result r = send(*s);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "HTTP status 500");
}

TEST_F(StateSenderTest, ErrorObjectFails) {
  server_.reply_always(TestReply::with(200, R"({"error":{"code":1000,"message":"try later"}})"));
  auto s = make();
  Result r = send(*s);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "error 1000: try later");
}

TEST_F(StateSenderTest, NonJsonAnswerFails) {
  server_.reply_always(TestReply::with(200, "OK"));
  auto s = make();
  EXPECT_FALSE(send(*s).ok);
}

TEST_F(StateSenderTest, TransportFailureKeepsItsReason) {
  server_.reply_always(TestReply::doing(TestReply::Action::hang));
  StateSenderOptions o;
  o.timeout = 200ms;
  auto s = make(o);
  Result r = send(*s);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "timeout after 200 ms");
  server_.release_hung();
}

TEST_F(StateSenderTest, FactoryPicksTheTransportByScheme) {
  StateSenderOptions o;
  o.endpoint = "grpc://127.0.0.1:1";
  auto made = make_state_sender(io_.ioc(), o);
  ASSERT_TRUE(made.sender) << made.error;
  EXPECT_TRUE(dynamic_cast<GrpcStateSender*>(made.sender.get()));

  o.endpoint = server_.url();
  made = make_state_sender(io_.ioc(), o);
  ASSERT_TRUE(made.sender) << made.error;
  EXPECT_TRUE(dynamic_cast<HttpStateSender*>(made.sender.get()));

  o.endpoint = "localhost:3000";
  made = make_state_sender(io_.ioc(), o);
  EXPECT_FALSE(made.sender);
  EXPECT_EQ(made.error, "endpoint must start with http://, https:// or grpc://");

  o.endpoint = "grpc://127.0.0.1:1";
  o.grpc_tls = true;
  o.tls.insecure_skip_verify = true;
  made = make_state_sender(io_.ioc(), o);
  EXPECT_FALSE(made.sender);
  EXPECT_NE(made.error.find("insecure_skip_verify"), std::string::npos);
}

}  // namespace
}  // namespace herald
