// ClusterClient against a real 3-master Redis Cluster: routing, MOVED after a migration,
// ASK and TRYAGAIN during one, scripts, and sharded pub/sub following a moved slot.
#include "engine/redis/cluster.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "engine/redis/errors.hpp"
#include "engine/redis/script.hpp"
#include "engine/redis/slot.hpp"
#include "tests/engine/redis/redis_test_util.hpp"
#include "tests/support/redis_server.hpp"

namespace herald::redis {
namespace {

using namespace test;
using Message = std::pair<std::string, std::string>;

class RedisClusterTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(cluster.start(3)) << "the cluster did not form"; }

  /// A client seeded with node 0 only (the rest is discovered); waits for its slot map.
  ClusterClient& connect(ClusterOptions opts = {}, bool wait_up = true) {
    ClusterHandlers h;
    h.on_state = events.callback();
    h.on_message = [this](std::string_view channel, std::string_view payload) {
      messages.push({std::string(channel), std::string(payload)});
    };
    h.on_node_state = [this](const std::string& endpoint, Event e, const std::string& reason) {
      if (reason.rfind("pub/sub", 0) != 0) node_events.push({endpoint, e});
    };
    client = std::make_unique<ClusterClient>(
        io.executor(), std::vector<Address>{*parse_address(cluster.node(0).address())}, opts,
        std::move(h));
    if (wait_up) events.wait(Event::up);
    return *client;
  }

  Result run(const std::string& key, Args args) {
    Replies r;
    client->command(key, std::move(args), r.callback());
    return r.get();
  }

  /// A key (prefix + number) whose slot node `i` owns.
  std::string key_on(size_t i, const std::string& prefix) {
    for (int n = 0; n < 1000; ++n) {
      std::string key = prefix + std::to_string(n);
      if (cluster.owner_of(key_slot(key)) == static_cast<int>(i)) return key;
    }
    ADD_FAILURE() << "no key " << prefix << "N on node " << i;
    return prefix;
  }

  IoThread io;
  herald::test::RedisCluster cluster;
  /// Waits until the command connection to `endpoint` reports `e`.
  void wait_node(const std::string& endpoint, Event e) {
    for (;;) {
      auto next = node_events.pop(10s);
      ASSERT_TRUE(next.has_value()) << "no " << to_string(e) << " from " << endpoint;
      if (*next == std::make_pair(endpoint, e)) return;
    }
  }

  Events events;
  Mailbox<Message> messages;
  Mailbox<std::pair<std::string, Event>> node_events;
  std::unique_ptr<ClusterClient> client;
};

TEST_F(RedisClusterTest, RoutesEachKeyToTheMasterOfItsSlot) {
  ClusterClient& c = connect({}, false);
  Replies early;
  c.command("early", {"SET", "early", "1"}, early.callback());  // before the slot map: waits
  EXPECT_EQ(early.get().reply, Reply::status_value("OK"));
  events.wait(Event::up);
  for (int i = 0; i < 200; ++i) {
    std::string key = "key:" + std::to_string(i);
    ASSERT_EQ(run(key, {"SET", key, std::to_string(i)}).reply, Reply::status_value("OK"));
  }
  long long total = 0;
  for (size_t n = 0; n < cluster.size(); ++n) {
    long long keys = std::stoll(cluster.node(n).command({"DBSIZE"}));
    EXPECT_GT(keys, 0) << "node " << n;
    total += keys;
  }
  EXPECT_EQ(total, 201);  // with "early"
  EXPECT_EQ(run("key:7", {"GET", "key:7"}).reply.str(), "7");
  EXPECT_EQ(c.stats().moved, 0u);  // the map was right from the start
  EXPECT_EQ(c.stats().nodes, 3u);  // one connection per master

  // Our slot function agrees with the server's, hash tags included.
  for (const char* key : {"foo", "{user1000}.following", "centrifugo.stream.{chat:1}", "a{}b"}) {
    EXPECT_EQ(std::to_string(key_slot(key)),
              cluster.node(0).command({"CLUSTER", "KEYSLOT", key}))
        << key;
  }

  // Scripts go through the same routing (EVALSHA, then EVAL on NOSCRIPT).
  Script incr("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  for (int round = 1; round <= 2; ++round) {
    Replies r;
    incr.run(c.sender_for("{counter}"), {"{counter}"}, {"5"}, r.callback());
    EXPECT_EQ(r.get().reply, Reply::integer_value(5 * round));
  }
}

TEST_F(RedisClusterTest, FollowsMovedAfterASlotMigration) {
  ClusterClient& c = connect();
  std::string key = key_on(0, "moving:");
  ASSERT_EQ(run(key, {"SET", key, "v"}).reply, Reply::status_value("OK"));
  uint16_t slot = key_slot(key);

  cluster.begin_migration(slot, 0, 1);
  cluster.migrate_keys(slot, 0, 1);
  ASSERT_TRUE(cluster.finish_migration(slot, 1));
  ASSERT_EQ(cluster.owner_of(slot), 1);

  EXPECT_EQ(run(key, {"GET", key}).reply.str(), "v");  // MOVED → node 1
  EXPECT_EQ(c.stats().moved, 1u);
  EXPECT_EQ(run(key, {"GET", key}).reply.str(), "v");  // the map learnt it
  EXPECT_EQ(run(key, {"SET", key, "w"}).reply, Reply::status_value("OK"));
  EXPECT_EQ(c.stats().moved, 1u);
  EXPECT_EQ(cluster.node(1).command({"GET", key}), "w");
}

TEST_F(RedisClusterTest, FollowsAskAndRetriesTryAgainDuringAMigration) {
  ClusterOptions opts;
  opts.max_retries = 40;  // TRYAGAIN until the test completes the migration
  ClusterClient& c = connect(opts);
  std::string a = "{" + key_on(0, "ask:") + "}";
  uint16_t slot = key_slot(a);
  std::string b = a + ":b";  // same slot: only the part in braces is hashed
  ASSERT_EQ(key_slot(b), slot);
  ASSERT_EQ(run(a, {"SET", a, "A"}).reply, Reply::status_value("OK"));
  ASSERT_EQ(run(b, {"SET", b, "B"}).reply, Reply::status_value("OK"));

  cluster.begin_migration(slot, 0, 1);
  // Move `a` only: node 0 answers ASK for it, and TRYAGAIN for a command needing both.
  ASSERT_EQ(cluster.node(0).command({"MIGRATE", "127.0.0.1", std::to_string(cluster.node(1).port()),
                                     "", "0", "5000", "KEYS", a}),
            "OK");
  EXPECT_EQ(run(a, {"GET", a}).reply.str(), "A");  // ASK → ASKING + GET on node 1
  EXPECT_EQ(c.stats().ask, 1u);
  std::string fresh = a + ":new";
  EXPECT_EQ(run(fresh, {"SET", fresh, "N"}).reply, Reply::status_value("OK"));
  EXPECT_EQ(cluster.node(1).command({"CLUSTER", "COUNTKEYSINSLOT", std::to_string(slot)}), "2");
  EXPECT_EQ(c.stats().moved, 0u);  // ASK never changes the slot map

  Replies mget;
  c.command(a, {"MGET", a, b}, mget.callback());
  // Retried on TRYAGAIN while the slot is split; completing the migration lets it through.
  for (int i = 0; i < 500 && c.stats().retries == 0; ++i) std::this_thread::sleep_for(2ms);
  EXPECT_GE(c.stats().retries, 1u);
  cluster.migrate_keys(slot, 0, 1);
  ASSERT_TRUE(cluster.finish_migration(slot, 1));
  Result both = mget.get(10s);
  EXPECT_EQ(both.reply, Reply::array_value({Reply::string_value("A"), Reply::string_value("B")}))
      << both.reply.to_string();
}

TEST_F(RedisClusterTest, ShardedPubSubFollowsItsSlot) {
  ClusterClient& c = connect();
  std::vector<std::string> channels = {key_on(0, "news:"), key_on(1, "news:"), key_on(2, "news:")};
  Replies subscribed;
  c.ssubscribe(channels, subscribed.callback());
  Result sub = subscribed.get();
  EXPECT_FALSE(sub.ec);
  EXPECT_EQ(sub.reply, Reply::status_value("OK")) << sub.reply.to_string();
  for (const auto& ch : channels) {
    EXPECT_EQ(run(ch, {"SPUBLISH", ch, "to " + ch}).reply, Reply::integer_value(1)) << ch;
    auto m = messages.pop();
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(*m, Message(ch, "to " + ch));
  }

  // Move the first channel's slot to node 2: node 0 drops the subscription (an unsolicited
  // SUNSUBSCRIBE), the client re-subscribes on node 2 and says so.
  uint16_t slot = key_slot(channels[0]);
  cluster.begin_migration(slot, 0, 2);
  ASSERT_TRUE(cluster.finish_migration(slot, 2));
  EXPECT_EQ(events.wait(Event::resubscribed), "sharded subscriptions moved");
  EXPECT_EQ(run(channels[0], {"SPUBLISH", channels[0], "after"}).reply, Reply::integer_value(1));
  auto m = messages.pop();
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(*m, Message(channels[0], "after"));
  EXPECT_EQ(cluster.node(2).command({"PUBSUB", "SHARDNUMSUB", channels[0]}),
            channels[0] + "\n1");

  // Unsubscribed channels get nothing: Redis reports no subscriber.
  Replies unsubscribed;
  c.sunsubscribe({channels[1]}, unsubscribed.callback());
  EXPECT_FALSE(unsubscribed.get().ec);
  for (int i = 0; i < 500; ++i) {
    if (cluster.node(1).command({"PUBSUB", "SHARDNUMSUB", channels[1]}) == channels[1] + "\n0") {
      break;
    }
    std::this_thread::sleep_for(2ms);
  }
  EXPECT_EQ(run(channels[1], {"SPUBLISH", channels[1], "x"}).reply, Reply::integer_value(0));

  // The node of channels[2] restarts (same port, its nodes.conf keeps its slots): its
  // subscriptions are restored and the client says messages may have been missed.
  cluster.node(2).kill();
  wait_node(cluster.node(2).address(), Event::down);
  ASSERT_TRUE(cluster.node(2).restart());
  std::string reason = events.wait(Event::resubscribed, 15s);
  EXPECT_NE(reason.find("reconnected"), std::string::npos) << reason;
  wait_node(cluster.node(2).address(), Event::up);  // commands fail fast until then
  Result again = run(channels[2], {"SPUBLISH", channels[2], "restarted"});
  EXPECT_EQ(again.reply, Reply::integer_value(1)) << again.ec.message();
  m = messages.pop();
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(*m, Message(channels[2], "restarted"));
}

TEST(RedisClusterClient, WithoutAClusterCommandsFailFast) {
  IoThread io;
  herald::test::RedisServer standalone;  // answers CLUSTER SLOTS with an error
  ASSERT_TRUE(standalone.start());
  herald::test::RedisServer gone;
  ASSERT_TRUE(gone.start());
  gone.kill();
  Events events;
  ClusterHandlers h;
  h.on_state = events.callback();
  ClusterClient c(io.executor(),
                  {*parse_address(gone.address()), *parse_address(standalone.address())}, {},
                  std::move(h));
  Replies r;
  c.command("k", {"GET", "k"}, r.callback());
  EXPECT_EQ(r.get().ec, Errc::cluster_unavailable);
  EXPECT_EQ(events.wait(Event::down), "no node answered CLUSTER SLOTS");
  c.ssubscribe({"ch"}, r.callback());
  EXPECT_EQ(r.get().ec, Errc::cluster_unavailable);
}

}  // namespace
}  // namespace herald::redis
