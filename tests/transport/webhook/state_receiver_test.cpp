// The HTTP state sender against the Python receivers: tests/support/state_receiver.py (records
// every request, fails on demand) and the documentation's Flask example, run unchanged.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "proto/state/state_json.hpp"
#include "tests/proto/state/sample_events.hpp"
#include "tests/support/state_receiver.hpp"
#include "tests/transport/webhook/io_thread.hpp"
#include "transport/webhook/state_sender.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;
using Result = ChannelStateSender::Result;
using test::Awaited;
using test::StateReceiver;

class StateReceiverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(StateReceiver::python().empty())
        << "no python3 with Flask: install python3-flask (scripts/install-deps.sh)";
  }

  ChannelStateSenderPtr sender_for(const StateReceiver& receiver,
                                   std::chrono::milliseconds timeout = 10s) {
    StateSenderOptions o;
    o.endpoint = receiver.url();
    o.timeout = timeout;
    o.headers = {{"X-Herald-Test", "1"}};
    auto made = make_state_sender(io_.ioc(), o);
    EXPECT_TRUE(made.sender) << made.error;
    return made.sender;
  }

  static Result send(ChannelStateSender& s, ChannelStateBatch b = test::occupied_then_vacated()) {
    Awaited<Result> result;
    s.send(std::move(b), result.setter());
    return result.get(30s).value_or(Result{false, "no answer within 30 s"});
  }

  test::IoThread io_;
};

TEST_F(StateReceiverTest, RecordsEveryRequest) {
  StateReceiver receiver;
  ASSERT_TRUE(receiver.start()) << receiver.log();
  auto s = sender_for(receiver);
  Result r = send(*s);
  ASSERT_TRUE(r.ok) << r.error << "\n" << receiver.log();
  auto lines = receiver.records();
  ASSERT_EQ(lines.size(), 1u);
  auto rec = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(rec["path"], "/centrifugo/channel_events");
  EXPECT_EQ(rec["headers"]["content-type"], "application/json");
  EXPECT_EQ(rec["headers"]["x-herald-test"], "1");
  EXPECT_EQ(rec["mode"], "ok");
  EXPECT_EQ(state::decode_json(rec["body"].dump()), test::occupied_then_vacated());
  EXPECT_NE(receiver.log().find("Channel chat:index occupied at 1697206286533"),
            std::string::npos);
}

TEST_F(StateReceiverTest, FailsOnDemand) {
  StateReceiver receiver;
  ASSERT_TRUE(receiver.start()) << receiver.log();
  auto s = sender_for(receiver);

  ASSERT_TRUE(receiver.set_mode("error"));
  Result r = send(*s);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "error 1000: receiver told to fail");

  ASSERT_TRUE(receiver.set_mode("status500", 2));  // two failures, then it answers again
  EXPECT_EQ(send(*s).error, "HTTP status 500");
  EXPECT_EQ(send(*s).error, "HTTP status 500");
  EXPECT_TRUE(send(*s).ok);

  auto lines = receiver.records();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(nlohmann::json::parse(lines[0])["mode"], "error");
  EXPECT_EQ(nlohmann::json::parse(lines[3])["mode"], "ok");
}

TEST_F(StateReceiverTest, HangingReceiverTimesOut) {
  StateReceiver receiver;
  ASSERT_TRUE(receiver.start()) << receiver.log();
  ASSERT_TRUE(receiver.set_mode("hang"));
  auto s = sender_for(receiver, 500ms);
  Result r = send(*s);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "timeout after 500 ms");
  ASSERT_TRUE(receiver.set_mode("ok"));  // releases the hung request
  auto again = sender_for(receiver);
  EXPECT_TRUE(send(*again).ok);
}

TEST_F(StateReceiverTest, DocumentationExampleWorksUnchanged) {
  StateReceiver example;
  ASSERT_TRUE(example.start(std::string(HERALD_SOURCE_DIR) +
                            "/docs/examples/channel_state_receiver.py"))
      << example.log();
  auto s = sender_for(example);
  Result r = send(*s);  // with Herald's gen/id/reason, which the example does not know
  EXPECT_TRUE(r.ok) << r.error << "\n" << example.log();
  const std::string log = example.log();
  EXPECT_NE(log.find("Channel chat:index occupied at 1697206286533"), std::string::npos) << log;
  EXPECT_NE(log.find("Channel chat:index vacated at 1697206291533"), std::string::npos) << log;
}

}  // namespace
}  // namespace herald
