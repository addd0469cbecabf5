// The Redis engine against real redis-server processes: the scripts (publish, history,
// idempotency, meta TTL and epochs), presence TTL and stats, PUB/SUB deliveries and control
// messages, on one Redis, two client-side shards and a 3-master Redis Cluster; Redis going
// away and coming back. Every wait has a deadline that fails the test.
#include "engine/redis/redis_engine.hpp"

#include <gtest/gtest.h>

#include <variant>

#include "engine/redis/engine_codec.hpp"
#include "engine/redis/redis_engine_factory.hpp"
#include "engine/redis/shard.hpp"
#include "tests/engine/redis/redis_test_util.hpp"
#include "tests/support/redis_server.hpp"

namespace herald::redis {
namespace {

using namespace test;
using namespace std::chrono_literals;

struct Delivered {
  std::string kind;  ///< "pub", "join", "leave", "control", "interrupted"
  std::string channel;
  Publication pub;
  std::string epoch;
  ClientInfo info;
  ControlMessage control;
  std::vector<std::string> channels;
};

class Recorder final : public EngineHandler {
 public:
  void publication(std::string channel, Publication pub, std::string epoch) override {
    box.push({"pub", std::move(channel), std::move(pub), std::move(epoch), {}, {}, {}});
  }
  void join(std::string channel, ClientInfo info) override {
    box.push({"join", std::move(channel), {}, {}, std::move(info), {}, {}});
  }
  void leave(std::string channel, ClientInfo info) override {
    box.push({"leave", std::move(channel), {}, {}, std::move(info), {}, {}});
  }
  void control(ControlMessage m) override { box.push({"control", {}, {}, {}, {}, std::move(m), {}}); }
  void interrupted(std::vector<std::string> channels) override {
    box.push({"interrupted", {}, {}, {}, {}, {}, std::move(channels)});
  }
  /// The next delivery of `kind` (others before it are dropped); fails after `timeout`.
  Delivered next(const std::string& kind, std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      auto d = box.pop(std::max(left, 1ms));
      if (!d) {
        ADD_FAILURE() << "no '" << kind << "' delivery within " << timeout.count() << " ms";
        return {};
      }
      if (d->kind == kind) return std::move(*d);
    }
  }
  Mailbox<Delivered> box;
};

struct Published {
  Error error;
  StreamPosition position;
  bool from_cache = false;
};

/// Waits for a callback's values; a missing answer fails the test.
template <class T>
T await(Mailbox<T>& box, std::chrono::milliseconds timeout = 5s) {
  auto v = box.pop(timeout);
  if (!v) {
    ADD_FAILURE() << "no answer within " << timeout.count() << " ms";
    return T{};
  }
  return std::move(*v);
}

Published publish(RedisEngine& e, const std::string& ch, Publication pub, PublishOptions o) {
  Mailbox<Published> box;
  e.publish(ch, pub, o, [&box](Error err, StreamPosition p, bool cached) {
    box.push({std::move(err), std::move(p), cached});
  });
  return await(box);
}

std::pair<Error, HistoryResult> history(RedisEngine& e, const std::string& ch, HistoryQuery q) {
  Mailbox<std::pair<Error, HistoryResult>> box;
  e.history(ch, q, [&box](Error err, HistoryResult r) { box.push({std::move(err), std::move(r)}); });
  return await(box);
}

Error done_of(const std::function<void(Done)>& call) {
  Mailbox<Error> box;
  call([&box](Error e) { box.push(std::move(e)); });
  return await(box);
}

std::map<std::string, ClientInfo> presence(RedisEngine& e, const std::string& ch) {
  Mailbox<std::pair<Error, std::map<std::string, ClientInfo>>> box;
  e.presence(ch, [&box](Error err, std::map<std::string, ClientInfo> m) {
    box.push({std::move(err), std::move(m)});
  });
  auto r = await(box);
  EXPECT_FALSE(r.first) << r.first.message;
  return r.second;
}

PresenceStats stats(RedisEngine& e, const std::string& ch) {
  Mailbox<std::pair<Error, PresenceStats>> box;
  e.presence_stats(ch, [&box](Error err, PresenceStats s) { box.push({std::move(err), s}); });
  auto r = await(box);
  EXPECT_FALSE(r.first) << r.first.message;
  return r.second;
}

PublishOptions with_history(uint64_t size = 10) {
  PublishOptions o;
  o.history_size = size;
  o.history_ttl_ms = 300000;
  o.history_meta_ttl_ms = 3600000;
  return o;
}

Publication pub_of(std::string data, std::string client = "c1") {
  Publication p;
  p.data = std::move(data);
  p.info = ClientInfo{"u1", std::move(client), "{}", ""};
  p.time_ms = 1700000000000;
  return p;
}

std::vector<uint64_t> offsets(const HistoryResult& r) {
  std::vector<uint64_t> out;
  for (const auto& p : r.publications) out.push_back(p.offset);
  return out;
}

/// Polls `condition` until it holds; fails the test after `timeout`.
template <class Fn>
bool eventually(Fn condition, std::chrono::milliseconds timeout = 5s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  ADD_FAILURE() << "condition not met within " << timeout.count() << " ms";
  return false;
}

Options fast_options() {
  Options o;
  o.connect_timeout = 500ms;
  o.io_timeout = 1000ms;
  o.reconnect_max = 200ms;
  return o;
}

EngineOptions single(const herald::test::RedisServer& s, std::string uid = "node-a") {
  EngineOptions o;
  o.node_uid = std::move(uid);
  o.broker.prefix = "t";
  o.broker.shards = {*parse_address(s.address())};
  o.broker.connection = fast_options();
  return o;
}

// -- scripts on one Redis ---------------------------------------------------------------------

class RedisEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server.start());
    engine = make_redis_engine(io.executor(), single(server));
    engine->set_handler(recorder);
  }
  void TearDown() override {
    if (engine) engine->close();
  }

  IoThread io;
  herald::test::RedisServer server;
  std::shared_ptr<Recorder> recorder = std::make_shared<Recorder>();
  std::shared_ptr<RedisEngine> engine;
};

TEST_F(RedisEngineTest, PublishAssignsOffsetsAndOneEpochAndKeepsHistorySize) {
  auto p1 = publish(*engine, "ch", pub_of("1"), with_history(2));
  ASSERT_FALSE(p1.error) << p1.error.message;
  EXPECT_EQ(p1.position.offset, 1u);
  EXPECT_EQ(p1.position.epoch.size(), 8u);
  for (char c : p1.position.epoch) EXPECT_TRUE(std::isalpha(static_cast<unsigned char>(c)));
  auto p2 = publish(*engine, "ch", pub_of("2"), with_history(2));
  auto p3 = publish(*engine, "ch", pub_of("3"), with_history(2));
  EXPECT_EQ(p3.position, (StreamPosition{3, p1.position.epoch}));
  EXPECT_FALSE(p2.from_cache);

  auto [err, h] = history(*engine, "ch", HistoryQuery{-1, std::nullopt, false, 0});
  ASSERT_FALSE(err);
  EXPECT_EQ(offsets(h), (std::vector<uint64_t>{2, 3}));  // MAXLEN 2
  EXPECT_EQ(h.position, p3.position);
  EXPECT_EQ(h.publications[1].data, "3");
  EXPECT_EQ(h.publications[1].info, pub_of("3").info);
  EXPECT_EQ(h.publications[1].time_ms, 1700000000000);

  // Key layout and TTLs as docs/protocol.md §7.1.
  EXPECT_EQ(server.command({"XLEN", "t.stream.ch"}), "2");
  EXPECT_EQ(server.command({"HGET", "t.stream.meta.ch", "s"}), "3");
  EXPECT_EQ(server.command({"HGET", "t.stream.meta.ch", "e"}), p1.position.epoch);
  long stream_ttl = std::stol(server.command({"TTL", "t.stream.ch"}));
  EXPECT_GT(stream_ttl, 290);
  EXPECT_LE(stream_ttl, 300);
  EXPECT_GT(std::stol(server.command({"TTL", "t.stream.meta.ch"})), 3500);
  // The stored entry is the protobuf Publication under field "d", id <offset>-0.
  std::string entry = server.command({"XRANGE", "t.stream.ch", "3", "3"});
  EXPECT_NE(entry.find(encode_publication(pub_of("3"))), std::string::npos);
}

TEST_F(RedisEngineTest, HistorySinceLimitReverse) {
  std::string epoch;
  for (int i = 1; i <= 5; ++i)
    epoch = publish(*engine, "h", pub_of(std::to_string(i)), with_history()).position.epoch;
  auto q = [&](int limit, std::optional<StreamPosition> since, bool reverse) {
    return history(*engine, "h", HistoryQuery{limit, since, reverse, 0});
  };
  EXPECT_EQ(offsets(q(-1, StreamPosition{2, epoch}, false).second), (std::vector<uint64_t>{3, 4, 5}));
  EXPECT_EQ(offsets(q(2, StreamPosition{2, epoch}, false).second), (std::vector<uint64_t>{3, 4}));
  EXPECT_EQ(offsets(q(2, std::nullopt, true).second), (std::vector<uint64_t>{5, 4}));
  EXPECT_EQ(offsets(q(-1, StreamPosition{4, epoch}, true).second), (std::vector<uint64_t>{3, 2, 1}));
  EXPECT_EQ(offsets(q(-1, StreamPosition{1, epoch}, true).second), (std::vector<uint64_t>{}));
  EXPECT_EQ(offsets(q(-1, StreamPosition{5, epoch}, false).second), (std::vector<uint64_t>{}));
  auto position_only = q(0, std::nullopt, false);
  EXPECT_TRUE(position_only.second.publications.empty());
  EXPECT_EQ(position_only.second.position, (StreamPosition{5, epoch}));
  // Offset 1 carries the epoch (engine/types.hpp); others do not.
  auto all = q(-1, std::nullopt, false).second;
  EXPECT_EQ(all.publications.front().epoch, epoch);
  EXPECT_EQ(all.publications.back().epoch, "");

  EXPECT_EQ(q(-1, StreamPosition{0, epoch}, true).first.code, 107u);
  auto other = q(-1, StreamPosition{2, "otherEpo"}, false);
  EXPECT_EQ(other.first.code, 112u);
}

TEST_F(RedisEngineTest, HistoryRemoveDropsThePublicationsNotThePosition) {
  auto p = publish(*engine, "r", pub_of("x"), with_history());
  EXPECT_FALSE(done_of([&](Done d) { engine->remove_history("r", std::move(d)); }));
  auto [err, h] = history(*engine, "r", HistoryQuery{-1, std::nullopt, false, 0});
  EXPECT_TRUE(h.publications.empty());
  EXPECT_EQ(h.position, p.position);
  EXPECT_EQ(publish(*engine, "r", pub_of("y"), with_history()).position.offset, 2u);
}

TEST_F(RedisEngineTest, IdempotentPublishRepeatsTheFirstOutcome) {
  PublishOptions o = with_history();
  o.idempotency_key = "k1";
  auto first = publish(*engine, "i", pub_of("a"), o);
  auto again = publish(*engine, "i", pub_of("a"), o);
  EXPECT_FALSE(first.from_cache);
  EXPECT_TRUE(again.from_cache);
  EXPECT_EQ(again.position, first.position);
  EXPECT_EQ(server.command({"XLEN", "t.stream.i"}), "1");
  long ttl = std::stol(server.command({"TTL", "t.result.i.k1"}));
  EXPECT_GT(ttl, 290);
  EXPECT_LE(ttl, 300);

  PublishOptions bare;  // no history
  bare.idempotency_key = "k2";
  ASSERT_FALSE(done_of([&](Done d) { engine->subscribe({"i"}, std::move(d)); }));
  EXPECT_FALSE(publish(*engine, "i", pub_of("b"), bare).from_cache);
  EXPECT_TRUE(publish(*engine, "i", pub_of("b"), bare).from_cache);
  EXPECT_EQ(recorder->next("pub").pub.data, "b");
  publish(*engine, "i", pub_of("c"), PublishOptions{});
  EXPECT_EQ(recorder->next("pub").pub.data, "c");  // "b" was published once
}

TEST_F(RedisEngineTest, ANewEpochStartsWhenTheMetaExpires) {
  PublishOptions o = with_history();
  o.history_meta_ttl_ms = 1000;
  auto first = publish(*engine, "m", pub_of("1"), o);
  publish(*engine, "m", pub_of("2"), o);
  EXPECT_LE(std::stol(server.command({"TTL", "t.stream.meta.m"})), 1);
  // A read refreshes the meta TTL (given one).
  history(*engine, "m", HistoryQuery{0, std::nullopt, false, 60000});
  EXPECT_GT(std::stol(server.command({"TTL", "t.stream.meta.m"})), 50);
  server.command({"DEL", "t.stream.meta.m"});  // as if it expired (or was evicted)
  auto fresh = publish(*engine, "m", pub_of("3"), o);
  EXPECT_EQ(fresh.position.offset, 1u);
  EXPECT_NE(fresh.position.epoch, first.position.epoch);
  auto [err, h] = history(*engine, "m", HistoryQuery{-1, std::nullopt, false, 0});
  EXPECT_EQ(offsets(h), (std::vector<uint64_t>{1}));  // the old stream went with the epoch
  EXPECT_EQ(h.publications[0].data, "3");
  // Expiry proper: the meta lapses after its TTL.
  EXPECT_TRUE(eventually([&] { return server.command({"EXISTS", "t.stream.meta.m"}) == "0"; }));
}

TEST_F(RedisEngineTest, AReadBeforeAnyPublishFixesTheEpochThatPublishesKeep) {
  auto [err, h] = history(*engine, "e", HistoryQuery{0, std::nullopt, false, 0});
  ASSERT_FALSE(err);
  EXPECT_EQ(h.position.offset, 0u);
  EXPECT_EQ(h.position.epoch.size(), 8u);
  EXPECT_EQ(publish(*engine, "e", pub_of("1"), with_history()).position,
            (StreamPosition{1, h.position.epoch}));
}

TEST_F(RedisEngineTest, PresenceExpiresAndStatsCountDistinctUsers) {
  ClientInfo a{"alice", "c1", "{}", ""}, a2{"alice", "c2", "", ""}, b{"bob", "c3", "", "x"};
  for (const auto& info : {a, a2, b})
    // 2 s: expiry is in whole seconds, so a 1 s entry made just before a second boundary
    // lapses within milliseconds (seen in CI); 2 s keeps it over a second.
    ASSERT_FALSE(done_of([&](Done d) { engine->add_presence("p", info, 2000ms, std::move(d)); }));
  auto m = presence(*engine, "p");
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m["c3"], b);
  auto s = stats(*engine, "p");
  EXPECT_EQ(s.num_clients, 3u);
  EXPECT_EQ(s.num_users, 2u);
  EXPECT_FALSE(done_of([&](Done d) { engine->remove_presence("p", a2, std::move(d)); }));
  EXPECT_EQ(presence(*engine, "p").size(), 2u);
  EXPECT_EQ(server.command({"HLEN", "t.presence.data.p"}), "2");
  EXPECT_EQ(server.command({"ZCARD", "t.presence.expire.p"}), "2");
  // An entry whose expiry passed is dropped from both structures by the next read.
  server.command({"HSET", "t.presence.data.p", "old", encode_client_info({"zed", "old", "", ""})});
  server.command({"ZADD", "t.presence.expire.p", "1", "old"});
  EXPECT_EQ(stats(*engine, "p").num_clients, 2u);
  EXPECT_EQ(server.command({"HEXISTS", "t.presence.data.p", "old"}), "0");
  // A foreign, undecodable entry is skipped, not fatal.
  server.command({"HSET", "t.presence.data.p", "junk", "\x0a\xff"});
  EXPECT_EQ(presence(*engine, "p").size(), 2u);
  server.command({"HDEL", "t.presence.data.p", "junk"});
  // Without refresh, entries lapse after the TTL (1 s granularity, as Centrifugo).
  EXPECT_TRUE(eventually([&] { return presence(*engine, "p").empty(); }, 5s));
  EXPECT_EQ(stats(*engine, "p").num_users, 0u);
}

TEST_F(RedisEngineTest, DeliversPublicationsJoinsAndLeavesOfSubscribedChannels) {
  ASSERT_FALSE(done_of([&](Done d) { engine->subscribe({"s1", "s2"}, std::move(d)); }));
  auto p = publish(*engine, "s1", pub_of("hello"), with_history());
  auto d = recorder->next("pub");
  EXPECT_EQ(d.channel, "s1");
  EXPECT_EQ(d.pub.data, "hello");
  EXPECT_EQ(d.pub.offset, 1u);
  EXPECT_EQ(d.epoch, p.position.epoch);
  EXPECT_EQ(d.pub.epoch, p.position.epoch);  // offset 1
  publish(*engine, "s2", pub_of("bare"), PublishOptions{});
  d = recorder->next("pub");
  EXPECT_EQ(d.channel, "s2");
  EXPECT_EQ(d.pub.offset, 0u);
  EXPECT_EQ(d.epoch, "");
  engine->join("s1", ClientInfo{"u", "c", "", ""});
  EXPECT_EQ(recorder->next("join").info.client, "c");
  engine->leave("s1", ClientInfo{"u", "c", "", ""});
  EXPECT_EQ(recorder->next("leave").info.client, "c");

  // Garbage on a subscribed channel is dropped; what follows still arrives.
  server.command({"PUBLISH", "t.client.s1", "__p1:oops"});
  server.command({"PUBLISH", "t.client.s1", "\x22\x7f"});
  engine->unsubscribe({"s2"});
  EXPECT_TRUE(eventually(
      [&] { return server.command({"PUBSUB", "NUMSUB", "t.client.s2"}) == "t.client.s2\n0"; }));
  publish(*engine, "s2", pub_of("after unsubscribe"), PublishOptions{});
  publish(*engine, "s1", pub_of("last"), PublishOptions{});
  d = recorder->next("pub");  // same connection, in order: s2's would have come first
  EXPECT_EQ(d.channel, "s1");
  EXPECT_EQ(d.pub.data, "last");
}

TEST_F(RedisEngineTest, ControlMessagesReachOtherNodesOnly) {
  auto other_rec = std::make_shared<Recorder>();
  auto other = make_redis_engine(io.executor(), single(server, "node-b"));
  other->set_handler(other_rec);
  ControlMessage m;
  m.from = "node-a";
  m.body = control::Disconnect{ConnectionFilter{"alice", "", "", {}}, 4000, "bye"};
  // Both nodes' control subscriptions are confirmed once a message gets through.
  EXPECT_TRUE(eventually([&] {
    engine->control(m);
    return other_rec->box.pop(100ms).has_value();
  }));
  ControlMessage reply;
  reply.from = "node-b";
  reply.to = "node-a";
  reply.body = control::SurveyRequest{7, "channels"};
  other->control(reply);
  auto got = recorder->next("control");
  EXPECT_EQ(got.control, reply);
  // node-a never hears its own broadcasts, nor messages to another node: node-b's next
  // message to node-a is the first thing node-a gets (Redis pushes in publish order, and
  // node-b answers only after node-a's broadcast went through Redis).
  ControlMessage to_c = reply;
  to_c.to = "node-c";
  other->control(to_c);
  ControlMessage last = m;
  last.body = control::Disconnect{ConnectionFilter{"last", "", "", {}}, 4000, "bye"};
  engine->control(last);
  for (auto d = other_rec->next("control"); d.control != last; d = other_rec->next("control")) {
    if (::testing::Test::HasFailure()) return;
  }
  other->control(reply);
  auto first = recorder->box.pop(5s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->control, reply);
  other->close();
}

TEST_F(RedisEngineTest, RedisDownFailsFastAndAComebackInterruptsSubscriptions) {
  ASSERT_FALSE(done_of([&](Done d) { engine->subscribe({"live"}, std::move(d)); }));
  server.kill();
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(publish(*engine, "live", pub_of("x"), with_history()).error.code, 100u);
    EXPECT_EQ(history(*engine, "live", HistoryQuery{}).first.code, 100u);
    EXPECT_EQ(done_of([&](Done d) { engine->subscribe({"other"}, std::move(d)); }).code, 100u);
  }
  // Bounded by connect_timeout + io_timeout (0.5 s + 1 s) for the first, at once afterwards.
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);

  ASSERT_TRUE(server.restart());
  auto d = recorder->next("interrupted", 10s);
  EXPECT_EQ(d.channels, (std::vector<std::string>{"live"}));
  // The command connection reconnects on its own schedule: publish once it is back.
  EXPECT_TRUE(eventually(
      [&] { return !publish(*engine, "live", pub_of("back"), with_history()).error; }));
  EXPECT_EQ(recorder->next("pub").pub.data, "back");
}

// -- topologies -------------------------------------------------------------------------------

TEST(RedisEngineShards, ChannelsLiveOnTheirShardAndControlReachesEveryNode) {
  IoThread io;
  herald::test::RedisServer s0, s1;
  ASSERT_TRUE(s0.start());
  ASSERT_TRUE(s1.start());
  auto opts = [&](std::string uid) {
    EngineOptions o = single(s0, std::move(uid));
    o.broker.shards.push_back(*parse_address(s1.address()));
    return o;
  };
  auto rec_a = std::make_shared<Recorder>(), rec_b = std::make_shared<Recorder>();
  auto a = make_redis_engine(io.executor(), opts("a"));
  auto b = make_redis_engine(io.executor(), opts("b"));
  a->set_handler(rec_a);
  b->set_handler(rec_b);
  std::vector<std::string> channels;
  for (int i = 0; i < 8; ++i) channels.push_back("ch" + std::to_string(i));
  ASSERT_FALSE(done_of([&](Done d) { b->subscribe(channels, std::move(d)); }));
  size_t on_second = 0;
  for (const auto& ch : channels) {
    auto p = publish(*a, ch, pub_of(ch), with_history());
    ASSERT_FALSE(p.error);
    auto d = rec_b->next("pub");
    EXPECT_EQ(d.channel, ch);
    EXPECT_EQ(d.pub.data, ch);
    herald::test::RedisServer& owner = shard_index(ch, 2) == 0 ? s0 : s1;
    herald::test::RedisServer& other = shard_index(ch, 2) == 0 ? s1 : s0;
    EXPECT_EQ(owner.command({"XLEN", "t.stream." + ch}), "1") << ch;
    EXPECT_EQ(other.command({"EXISTS", "t.stream." + ch}), "0") << ch;
    on_second += shard_index(ch, 2);
  }
  EXPECT_GT(on_second, 0u);
  EXPECT_LT(on_second, channels.size());
  // Control messages go round-robin over the shards; every shard carries the control channel.
  ControlMessage m;
  m.from = "a";
  m.body = control::SurveyRequest{1, "channels"};
  for (int i = 0; i < 4; ++i) {
    std::get<control::SurveyRequest>(m.body).id = i;
    a->control(m);
    EXPECT_EQ(std::get<control::SurveyRequest>(rec_b->next("control").control.body).id, i);
  }
  a->close();
  b->close();
}

TEST(RedisEngineCluster, PublishHistoryPresenceDeliveryAndControlOnACluster) {
  IoThread io;
  herald::test::RedisCluster cluster;
  ASSERT_TRUE(cluster.start(3));
  auto opts = [&](std::string uid) {
    EngineOptions o;
    o.node_uid = std::move(uid);
    o.broker.prefix = "t";
    o.broker.cluster = {*parse_address(cluster.node(0).address())};
    o.broker.connection = fast_options();
    return o;
  };
  auto rec_a = std::make_shared<Recorder>(), rec_b = std::make_shared<Recorder>();
  auto a = make_redis_engine(io.executor(), opts("a"));
  auto b = make_redis_engine(io.executor(), opts("b"));
  a->set_handler(rec_a);
  b->set_handler(rec_b);
  std::vector<std::string> channels{"news", "chat:index", "personal:#42", "x"};
  ASSERT_FALSE(done_of([&](Done d) { b->subscribe(channels, std::move(d)); }));
  for (const auto& ch : channels) {
    auto p = publish(*a, ch, pub_of(ch), with_history());
    ASSERT_FALSE(p.error) << p.error.message;
    EXPECT_EQ(p.position.offset, 1u);
    auto d = rec_b->next("pub");
    EXPECT_EQ(d.channel, ch);
    EXPECT_EQ(d.epoch, p.position.epoch);
    auto [err, h] = history(*b, ch, HistoryQuery{-1, std::nullopt, false, 0});
    EXPECT_EQ(offsets(h), (std::vector<uint64_t>{1}));
    ASSERT_FALSE(done_of([&](Done dn) {
      a->add_presence(ch, ClientInfo{"u", "c", "", ""}, 60s, std::move(dn));
    }));
    EXPECT_EQ(presence(*b, ch).size(), 1u);
  }
  // Keys are hash-tagged: a channel's stream and meta share a slot, found on its owner.
  std::string node_keys;
  for (size_t i = 0; i < cluster.size(); ++i)
    node_keys += cluster.node(i).command({"KEYS", "t.stream.{news}"});
  EXPECT_EQ(node_keys, "t.stream.{news}");
  ControlMessage m;
  m.from = "a";
  m.body = control::SurveyRequest{9, "channels"};
  EXPECT_TRUE(eventually([&] {
    a->control(m);
    return rec_b->box.pop(100ms).has_value();
  }));
  a->close();
  b->close();
}

TEST(RedisEngineSeparatePresence, PresenceLivesOnItsOwnRedis) {
  IoThread io;
  herald::test::RedisServer broker, pres;
  ASSERT_TRUE(broker.start());
  ASSERT_TRUE(pres.start());
  EngineOptions o = single(broker);
  DeploymentOptions p = o.broker;
  p.shards = {*parse_address(pres.address())};
  o.presence = p;
  auto e = make_redis_engine(io.executor(), o);
  ASSERT_FALSE(done_of([&](Done d) { e->add_presence("ch", ClientInfo{"u", "c", "", ""}, 60s, std::move(d)); }));
  EXPECT_EQ(pres.command({"HLEN", "t.presence.data.ch"}), "1");
  EXPECT_EQ(broker.command({"EXISTS", "t.presence.data.ch"}), "0");
  EXPECT_FALSE(publish(*e, "ch", pub_of("x"), with_history()).error);
  EXPECT_EQ(broker.command({"XLEN", "t.stream.ch"}), "1");
  e->close();
}

}  // namespace
}  // namespace herald::redis
