// PubSub against real redis-server processes: SUBSCRIBE/SSUBSCRIBE, messages, batching,
// and the subscription set restored after a restart.
#include "engine/redis/pubsub.hpp"

#include <gtest/gtest.h>

#include "engine/redis/connection.hpp"
#include "engine/redis/errors.hpp"
#include "tests/engine/redis/redis_test_util.hpp"
#include "tests/support/redis_server.hpp"

namespace herald::redis {
namespace {

using namespace test;
using Message = std::pair<std::string, std::string>;

class RedisPubSubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server.start());
    address = *parse_address(server.address());
    publisher = std::make_unique<Connection>(io.executor(), address, Options{},
                                             publisher_events.callback());
    publisher_events.wait(Event::up);
  }

  /// Opens the PubSub and waits until it is up.
  PubSub& open(Options opts = {}) {
    PubSubHandlers h;
    h.on_state = events.callback();
    h.on_message = [this](std::string_view channel, std::string_view payload) {
      messages.push({std::string(channel), std::string(payload)});
    };
    h.on_lost = [this](const std::string& channel, bool) { lost.push(channel); };
    pubsub = std::make_unique<PubSub>(io.executor(), address, opts, std::move(h));
    events.wait(Event::up);
    return *pubsub;
  }

  /// Publishes and returns how many subscribers Redis delivered to (its own count).
  long long publish(const std::string& channel, const std::string& payload,
                    const char* command = "PUBLISH") {
    Replies r;
    publisher->command({command, channel, payload}, r.callback());
    Result result = r.get();
    EXPECT_FALSE(result.ec) << result.ec.message();
    EXPECT_TRUE(result.reply.is_integer()) << result.reply.to_string();
    return result.reply.integer();
  }

  Result wait(std::function<void(ReplyCallback)> start) {
    Replies r;
    start(r.callback());
    return r.get();
  }

  void expect_message(const std::string& channel, const std::string& payload) {
    auto m = messages.pop();
    ASSERT_TRUE(m.has_value()) << "no message on " << channel;
    EXPECT_EQ(*m, Message(channel, payload));
  }

  IoThread io;
  herald::test::RedisServer server;
  Address address;
  Events events;
  Events publisher_events;
  Mailbox<Message> messages;
  Mailbox<std::string> lost;
  std::unique_ptr<Connection> publisher;
  std::unique_ptr<PubSub> pubsub;
};

TEST_F(RedisPubSubTest, DeliversMessagesOfSubscribedChannels) {
  PubSub& ps = open();
  Result sub = wait([&](auto cb) { ps.subscribe({"a", "b"}, cb); });
  EXPECT_FALSE(sub.ec);
  EXPECT_EQ(sub.reply, Reply::status_value("OK"));

  EXPECT_EQ(publish("a", "hello"), 1);
  expect_message("a", "hello");
  const std::string binary("x\0y\r\n", 5);
  EXPECT_EQ(publish("b", binary), 1);
  expect_message("b", binary);

  EXPECT_FALSE(wait([&](auto cb) { ps.unsubscribe({"a"}, cb); }).ec);
  EXPECT_EQ(publish("a", "gone"), 0);  // Redis itself says nobody listens any more
  EXPECT_EQ(publish("b", "still"), 1);
  expect_message("b", "still");
}

TEST_F(RedisPubSubTest, ShardedChannelsOnAStandaloneServer) {
  PubSub& ps = open();
  EXPECT_FALSE(wait([&](auto cb) { ps.ssubscribe({"s1", "s2", "{tag}x"}, cb); }).ec);
  EXPECT_EQ(publish("s2", "sharded", "SPUBLISH"), 1);
  expect_message("s2", "sharded");
  EXPECT_EQ(publish("s2", "plain"), 0);  // a plain PUBLISH does not reach SSUBSCRIBE
  EXPECT_FALSE(wait([&](auto cb) { ps.sunsubscribe({"s2"}, cb); }).ec);
  EXPECT_EQ(publish("s2", "gone", "SPUBLISH"), 0);
}

TEST_F(RedisPubSubTest, ManyChannelsInFewCommands) {
  PubSub& ps = open();
  std::vector<std::string> channels;
  for (int i = 0; i < 2500; ++i) channels.push_back("ch" + std::to_string(i));
  uint64_t before = ps.stats().commands;
  EXPECT_FALSE(wait([&](auto cb) { ps.subscribe(channels, cb); }).ec);
  EXPECT_EQ(ps.stats().commands - before, 3u);  // chunks of 1000 channels
  EXPECT_EQ(server.command({"PUBSUB", "NUMSUB", "ch0", "ch2499"}), "ch0\n1\nch2499\n1");
  EXPECT_EQ(publish("ch1234", "m"), 1);
  expect_message("ch1234", "m");
}

TEST_F(RedisPubSubTest, ResubscribesEverythingAfterARestart) {
  PubSub& ps = open();
  ASSERT_FALSE(wait([&](auto cb) { ps.subscribe({"a", "b"}, cb); }).ec);
  ASSERT_FALSE(wait([&](auto cb) { ps.ssubscribe({"s"}, cb); }).ec);
  ASSERT_FALSE(wait([&](auto cb) { ps.unsubscribe({"b"}, cb); }).ec);

  server.kill();
  events.wait(Event::down);
  // Down: subscribing fails fast; unsubscribing just forgets.
  EXPECT_EQ(wait([&](auto cb) { ps.subscribe({"c"}, cb); }).ec, Errc::not_connected);
  ASSERT_TRUE(server.restart());
  events.wait(Event::up, 10s);
  events.wait(Event::resubscribed);
  EXPECT_EQ(events.all(),
            (std::vector<Event>{Event::up, Event::down, Event::up, Event::resubscribed}));
  publisher_events.wait(Event::down);  // the publisher went through the restart too
  publisher_events.wait(Event::up, 10s);

  EXPECT_EQ(publish("a", "back"), 1);
  expect_message("a", "back");
  EXPECT_EQ(publish("s", "sharded back", "SPUBLISH"), 1);
  expect_message("s", "sharded back");
  EXPECT_EQ(publish("b", "x"), 0);
  EXPECT_EQ(publish("c", "x"), 0);
  EXPECT_EQ(lost.size(), 0u);
}

TEST_F(RedisPubSubTest, FrozenServerIsDetectedByHealthChecks) {
  Options opts;
  opts.health_check_interval = 100ms;
  opts.io_timeout = 300ms;
  opts.connect_timeout = 300ms;
  PubSub& ps = open(opts);
  ASSERT_FALSE(wait([&](auto cb) { ps.subscribe({"a"}, cb); }).ec);
  server.pause();  // no command of ours is pending: only the health check can notice
  EXPECT_NE(events.wait(Event::down, 3s).find("io_timeout"), std::string::npos);
  server.resume();
  events.wait(Event::up, 10s);
  events.wait(Event::resubscribed);
  EXPECT_EQ(publish("a", "thawed"), 1);
  expect_message("a", "thawed");
}

TEST_F(RedisPubSubTest, RefusedSubscriptionReturnsRedisError) {
  ASSERT_EQ(server.command({"ACL", "SETUSER", "bob", "on", ">pw", "~*", "resetchannels",
                            "&allowed*", "+@all"}),
            "OK");
  address.user = "bob";
  address.password = "pw";
  PubSub& ps = open();
  Result refused = wait([&](auto cb) { ps.subscribe({"secret"}, cb); });
  EXPECT_FALSE(refused.ec);
  EXPECT_TRUE(refused.reply.error_is("NOPERM")) << refused.reply.to_string();
  EXPECT_FALSE(wait([&](auto cb) { ps.subscribe({"allowed1"}, cb); }).ec);
  EXPECT_EQ(publish("allowed1", "ok"), 1);
  expect_message("allowed1", "ok");
}

}  // namespace
}  // namespace herald::redis
