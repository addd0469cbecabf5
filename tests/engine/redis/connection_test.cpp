// Connection against real redis-server processes: commands, binary safety, pipelining,
// io_timeout, reconnects, AUTH, SELECT.
#include "engine/redis/connection.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "engine/redis/errors.hpp"
#include "tests/engine/redis/redis_test_util.hpp"
#include "tests/support/redis_server.hpp"

namespace herald::redis {
namespace {

using namespace test;
using herald::test::RedisServer;

Address address_of(const RedisServer& s) { return *parse_address(s.address()); }

// Runs one command and waits for its result.
Result run(Connection& c, Args args) {
  Replies replies;
  c.command(std::move(args), replies.callback());
  return replies.get();
}

// A started server and an io thread; connect() opens a Connection and waits until it is up.
class RedisConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server.start()); }
  Connection& connect(Options opts = {}) {
    connections_.push_back(
        std::make_unique<Connection>(io.executor(), address_of(server), opts, events.callback()));
    events.wait(Event::up);
    return *connections_.back();
  }

  IoThread io;  // first: destroyed after the connections below
  RedisServer server;
  Events events;

 private:
  std::vector<std::unique_ptr<Connection>> connections_;
};

TEST_F(RedisConnectionTest, BasicCommands) {
  Connection& c = connect();

  EXPECT_EQ(run(c, {"SET", "k", "v"}).reply, Reply::status_value("OK"));
  EXPECT_EQ(run(c, {"GET", "k"}).reply, Reply::string_value("v"));
  EXPECT_TRUE(run(c, {"GET", "missing"}).reply.is_nil());
  EXPECT_EQ(run(c, {"INCRBY", "n", "5"}).reply, Reply::integer_value(5));
  run(c, {"RPUSH", "list", "a", "b"});
  Result list = run(c, {"LRANGE", "list", "0", "-1"});
  EXPECT_FALSE(list.ec);
  EXPECT_EQ(list.reply, Reply::array_value({Reply::string_value("a"), Reply::string_value("b")}));
  Result wrong = run(c, {"INCR", "list"});
  EXPECT_FALSE(wrong.ec);  // Redis answered: an error reply, not a client failure
  EXPECT_TRUE(wrong.reply.error_is("WRONGTYPE")) << wrong.reply.to_string();
  EXPECT_TRUE(run(c, {}).reply.is_error());
  EXPECT_TRUE(c.is_up());
}

TEST_F(RedisConnectionTest, ArgumentsAndRepliesAreBinarySafe) {
  Connection& c = connect();
  const std::string key("k\0ey\r\n", 6);
  const std::string value("\0\x01\xff\r\n$3\r\nend\0", 14);
  EXPECT_EQ(run(c, {"SET", key, value}).reply, Reply::status_value("OK"));
  Result got = run(c, {"GET", key});
  EXPECT_EQ(got.reply.str(), value);
  EXPECT_EQ(got.reply.str().size(), 14u);
  EXPECT_EQ(server.command({"STRLEN", key}), "14");
}

// All commands issued within one event-loop turn leave in one flush (one write(2), or a few
// when the kernel takes a big buffer in parts).
TEST_F(RedisConnectionTest, CommandsOfOneLoopTurnLeaveInOneWrite) {
  Connection& c = connect();
  Stats before = c.stats();

  constexpr int kCommands = 10000;
  std::atomic<int> done{0};
  Mailbox<bool> finished;
  io.post([&] {
    for (int i = 0; i < kCommands; ++i) {
      c.command({"INCR", "counter"}, [&](std::error_code ec, Reply r) {
        EXPECT_FALSE(ec);
        if (++done == kCommands) finished.push(r.integer() == kCommands);
      });
    }
  });
  auto last_saw_all = finished.pop(10s);
  ASSERT_TRUE(last_saw_all.has_value());
  EXPECT_TRUE(*last_saw_all);
  Stats after = c.stats();
  EXPECT_EQ(after.commands - before.commands, uint64_t{kCommands});
  EXPECT_EQ(after.flushes - before.flushes, 1u);
  EXPECT_LE(after.writes - before.writes, 32u) << "writes: " << after.writes - before.writes;
}

// From another thread the event loop may flush while the loop is still issuing: still far
// fewer writes than commands.
TEST_F(RedisConnectionTest, CommandsFromAnotherThreadArePipelined) {
  Connection& c = connect();
  Stats before = c.stats();
  constexpr int kCommands = 10000;
  std::atomic<int> done{0};
  Mailbox<bool> finished;
  for (int i = 0; i < kCommands; ++i) {
    c.command({"SET", "k" + std::to_string(i % 100), "v"}, [&](std::error_code ec, Reply) {
      if (!ec && ++done == kCommands) finished.push(true);
    });
  }
  ASSERT_TRUE(finished.pop(10s).has_value());
  uint64_t writes = c.stats().writes - before.writes;
  EXPECT_LT(writes, uint64_t{kCommands / 10}) << "writes: " << writes;
}

TEST_F(RedisConnectionTest, NoReplyWithinIoTimeoutFailsAndReconnects) {
  Options opts;
  opts.io_timeout = 300ms;
  opts.connect_timeout = 300ms;
  opts.health_check_interval = 0ms;  // only our command may time out
  Connection& c = connect(opts);

  server.pause();
  auto start = std::chrono::steady_clock::now();
  Replies replies;
  c.command({"GET", "k"}, replies.callback());
  Result r = replies.get(3s);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.ec, Errc::timeout);
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 1500ms);
  EXPECT_NE(events.wait(Event::down).find("io_timeout"), std::string::npos);
  EXPECT_EQ(c.stats().timeouts, 1u);

  server.resume();
  events.wait(Event::up, 10s);
  EXPECT_EQ(run(c, {"PING"}).reply, Reply::status_value("PONG"));
}

TEST_F(RedisConnectionTest, ReconnectsAfterRestartReportingEachTransitionOnce) {
  Connection& c = connect();
  ASSERT_EQ(run(c, {"SET", "k", "v"}).reply, Reply::status_value("OK"));

  server.kill();
  events.wait(Event::down);
  // Down: commands fail at once instead of waiting for Redis to come back.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(run(c, {"GET", "k"}).ec, Errc::not_connected);

  ASSERT_TRUE(server.restart());
  events.wait(Event::up, 10s);
  EXPECT_TRUE(run(c, {"GET", "k"}).reply.is_nil());  // no persistence: a fresh server
  EXPECT_EQ(events.all(), (std::vector<Event>{Event::up, Event::down, Event::up}));
  EXPECT_EQ(c.stats().connects, 2u);
}

TEST_F(RedisConnectionTest, CommandsIssuedBeforeTheFirstConnectWaitForIt) {
  Connection c(io.executor(), address_of(server));
  Replies replies;
  c.command({"SET", "early", "1"}, replies.callback());  // the attempt is still running
  EXPECT_EQ(replies.get().reply, Reply::status_value("OK"));
}

TEST_F(RedisConnectionTest, UnreachableServerFailsFastWithAClearReason) {
  server.kill();  // a port nobody listens on
  Connection c(io.executor(), address_of(server), {}, events.callback());
  EXPECT_NE(events.wait(Event::down).find("refused"), std::string::npos);
  EXPECT_EQ(run(c, {"PING"}).ec, Errc::not_connected);
}

TEST_F(RedisConnectionTest, AuthenticatesAsAnAclUser) {
  ASSERT_EQ(server.command({"ACL", "SETUSER", "alice", "on", ">s3cret", "~*", "&*", "+@all"}),
            "OK");
  Options opts;
  opts.client_name = "herald-test";
  Connection c(io.executor(), *parse_address("redis://alice:s3cret@" + server.address()), opts);
  EXPECT_EQ(run(c, {"ACL", "WHOAMI"}).reply.str(), "alice");
  EXPECT_EQ(run(c, {"CLIENT", "GETNAME"}).reply.str(), "herald-test");
}

TEST_F(RedisConnectionTest, WrongPasswordIsReportedOnceAndCommandsFail) {
  ASSERT_EQ(server.command({"ACL", "SETUSER", "alice", "on", ">s3cret", "~*", "+@all"}), "OK");
  Options opts;
  opts.user = "alice";
  opts.password = "wrong";
  opts.reconnect_min = opts.reconnect_max = 20ms;  // many failed attempts during the test
  Connection c(io.executor(), address_of(server), opts, events.callback());
  std::string reason = events.wait(Event::down);
  EXPECT_NE(reason.find("AUTH failed"), std::string::npos) << reason;
  EXPECT_NE(reason.find("WRONGPASS"), std::string::npos) << reason;
  EXPECT_EQ(run(c, {"PING"}).ec, Errc::not_connected);
  // Several more attempts ran (and failed) meanwhile; none was reported again.
  EXPECT_EQ(run(c, {"PING"}).ec, Errc::not_connected);
  EXPECT_EQ(events.all(), std::vector<Event>{Event::down});
}

TEST_F(RedisConnectionTest, SelectsTheDatabaseOfTheUrl) {
  Connection db3(io.executor(), *parse_address("redis://" + server.address() + "/3"));
  Connection db0(io.executor(), address_of(server));
  ASSERT_EQ(run(db3, {"SET", "k", "three"}).reply, Reply::status_value("OK"));
  EXPECT_TRUE(run(db0, {"GET", "k"}).reply.is_nil());
  EXPECT_EQ(run(db3, {"GET", "k"}).reply.str(), "three");
  Options opts;
  opts.db = 3;  // options win over the URL
  Connection other(io.executor(), address_of(server), opts);
  EXPECT_EQ(run(other, {"GET", "k"}).reply.str(), "three");
}

TEST_F(RedisConnectionTest, CloseFailsCommandsInFlight) {
  auto c = std::make_unique<Connection>(io.executor(), address_of(server), Options{},
                                        events.callback());
  events.wait(Event::up);
  server.pause();  // nothing will be answered
  Replies replies;
  c->command({"GET", "k"}, replies.callback());
  c->command({"GET", "k"}, replies.callback());
  c.reset();  // closes
  EXPECT_EQ(replies.get().ec, Errc::closed);
  EXPECT_EQ(replies.get().ec, Errc::closed);
  server.resume();
}

}  // namespace
}  // namespace herald::redis
