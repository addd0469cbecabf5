// The Redis store against real redis-server processes, next to the memory store: the scenarios
// of partition_state_test.cpp run through the PartitionStore interface on the memory store, a
// single Redis, two client-side shards and a 3-master Redis Cluster, and must emit the same
// events; a random differential test runs PartitionState (the specification) and the Lua
// scripts side by side and compares every answer and every event. Then what only Redis has:
// keys without TTL in one slot, binary-safe values, the start-up checks, Redis going away.
#include "actors/partition/redis_partition_store.hpp"

#include <gtest/gtest.h>

#include <future>
#include <map>
#include <random>
#include <set>

#include "actors/messages.hpp"
#include "actors/partition/memory_partition_store.hpp"
#include "engine/redis/router_factory.hpp"
#include "engine/redis/slot.hpp"
#include "tests/engine/redis/redis_test_util.hpp"
#include "tests/support/redis_server.hpp"

namespace herald {
namespace {

using Type = ChannelStateEvent::Type;
using namespace std::chrono_literals;

constexpr int64_t kDelay = 5000;
constexpr int64_t kTtl = 60000;
constexpr uint32_t kPartition = 7;

ClientInfo client(const std::string& id, const std::string& user = "u") {
  return ClientInfo{user, id, "", ""};
}

// -- servers shared by the whole binary ------------------------------------------------------

struct Servers {
  test::RedisServer single, shard_a, shard_b;
  test::RedisCluster cluster;
  bool single_ok = false, shards_ok = false, cluster_ok = false;
  bool cluster_tried = false;
};

Servers& servers() {
  static Servers s;
  return s;
}

enum class Topology { memory, single, shards, cluster };

std::string name_of(Topology t) {
  switch (t) {
    case Topology::memory:
      return "memory";
    case Topology::single:
      return "single";
    case Topology::shards:
      return "shards";
    case Topology::cluster:
      return "cluster";
  }
  return "?";
}

/// The deployment of a topology (its servers started on first use); nullopt if they failed.
std::optional<redis::DeploymentOptions> deployment(Topology t) {
  Servers& s = servers();
  redis::DeploymentOptions d;
  d.connection.io_timeout = 2000ms;
  d.connection.connect_timeout = 500ms;
  auto addr = [](const std::string& a) { return *redis::parse_address(a); };
  switch (t) {
    case Topology::memory:
      return std::nullopt;
    case Topology::single:
      if (!s.single_ok) s.single_ok = s.single.start();
      if (!s.single_ok) return std::nullopt;
      d.shards = {addr(s.single.address())};
      return d;
    case Topology::shards:
      if (!s.shards_ok) s.shards_ok = s.shard_a.start() && s.shard_b.start();
      if (!s.shards_ok) return std::nullopt;
      d.shards = {addr(s.shard_a.address()), addr(s.shard_b.address())};
      return d;
    case Topology::cluster:
      if (!s.cluster_tried) {
        s.cluster_tried = true;
        s.cluster_ok = s.cluster.start(3);
      }
      if (!s.cluster_ok) return std::nullopt;
      for (const auto& a : s.cluster.addresses()) d.cluster.push_back(addr(a));
      return d;
  }
  return std::nullopt;
}

/// Runs `call(callback)` and waits for its answer (a failure after 5 s).
template <class T, class Call>
StoreResult<T> wait(Call call) {
  auto p = std::make_shared<std::promise<StoreResult<T>>>();
  auto f = p->get_future();
  call([p](StoreResult<T> r) { p->set_value(std::move(r)); });
  if (f.wait_for(5s) != std::future_status::ready) {
    ADD_FAILURE() << "no answer from the store within 5 s";
    return {"timeout", {}};
  }
  return f.get();
}

std::string unique_prefix() {
  static int n = 0;
  return "t" + std::to_string(::getpid()) + "-" + std::to_string(++n);
}

// -- the fixture: one store of a topology ----------------------------------------------------

class StoreSpec : public ::testing::TestWithParam<Topology> {
 protected:
  void SetUp() override { make(PartitionLimits{kDelay, 100}, 0); }
  void TearDown() override {
    store_.reset();
    if (router_) router_->close();
  }

  /// (Re)creates the store with these limits and initial counter.
  void make(PartitionLimits limits, uint64_t initial) {
    store_.reset();
    if (router_) router_->close();
    router_.reset();
    if (GetParam() == Topology::memory) {
      MemoryPartitionStore::Options o;
      o.num_partitions = 8;
      o.limits = limits;
      o.initial_gen = initial;
      o.clock = [this] { return now; };
      memory_ = std::make_shared<MemoryPartitionStore>(o);
      store_ = memory_;
      return;
    }
    auto d = deployment(GetParam());
    if (!d) GTEST_SKIP() << "redis-server could not start for " << name_of(GetParam());
    router_ = redis::make_router(io_.executor(), *d, "test");
    RedisPartitionStore::Options o;
    o.prefix = prefix_;
    o.num_partitions = 8;
    o.limits = limits;
    o.clock = [this] { return now; };
    o.initial_counter = [initial] { return initial; };
    redis_ = std::make_shared<RedisPartitionStore>(router_, o);
    store_ = redis_;
  }

  PartitionStore& store() { return *store_; }

  StoreReport ok(StoreResult<StoreReport> r) {
    EXPECT_TRUE(r.ok()) << r.error;
    last = r.value;
    return r.value;
  }
  StoreReport add(const std::string& ch, const ClientInfo& info, const std::string& node = "n1",
                  int64_t ttl = kTtl) {
    return ok(wait<StoreReport>([&](auto cb) {
      store().apply(kPartition, node, {PresenceChange{PresenceChange::Kind::add, ch, info, ttl, {}}},
                    cb);
    }));
  }
  StoreReport remove(const std::string& ch, const std::string& cl,
                     StateReason why = StateReason::unsubscribe) {
    return ok(wait<StoreReport>([&](auto cb) {
      store().apply(kPartition, "n1",
                    {PresenceChange{PresenceChange::Kind::remove, ch, client(cl), 0, why}}, cb);
    }));
  }
  StoreReport sweep(std::vector<std::string> dead = {}) {
    return ok(wait<StoreReport>([&](auto cb) { store().sweep(kPartition, dead, cb); }));
  }
  StoreReport fire() {
    return ok(wait<StoreReport>([&](auto cb) { store().fire_due(kPartition, cb); }));
  }
  std::vector<LoggedEvent> read(uint64_t after, size_t max) {
    auto r = wait<LogRead>([&](auto cb) { store().read(kPartition, after, max, cb); });
    EXPECT_TRUE(r.ok()) << r.error;
    return r.value.events;
  }
  LogStatus ack(uint64_t up_to) {
    auto r = wait<LogStatus>([&](auto cb) { store().ack(kPartition, up_to, cb); });
    EXPECT_TRUE(r.ok()) << r.error;
    return r.value;
  }
  /// Every undelivered event, then acknowledged.
  std::vector<ChannelStateEvent> drain() {
    std::vector<ChannelStateEvent> out;
    auto got = read(0, 1000);
    for (auto& e : got) out.push_back(e.event);
    if (!got.empty()) ack(got.back().seq);
    return out;
  }
  PresenceMap presence(const std::string& ch) {
    auto r = wait<PresenceMap>([&](auto cb) { store().presence(kPartition, ch, cb); });
    EXPECT_TRUE(r.ok()) << r.error;
    return r.value;
  }
  PresenceStats stats(const std::string& ch) {
    auto r = wait<PresenceStats>([&](auto cb) { store().presence_stats(kPartition, ch, cb); });
    EXPECT_TRUE(r.ok()) << r.error;
    return r.value;
  }

  /// One raw command on the partition's server.
  redis::Reply raw(redis::Args args) {
    auto p = std::make_shared<std::promise<redis::Reply>>();
    auto f = p->get_future();
    router_->sender(RedisPartitionStore::partition_tag(prefix_, kPartition))(
        std::move(args), [p](std::error_code, redis::Reply r) { p->set_value(std::move(r)); });
    if (f.wait_for(5s) != std::future_status::ready) return redis::Reply::error_value("timeout");
    return f.get();
  }
  std::string key(const std::string& suffix) const {
    return "{" + RedisPartitionStore::partition_tag(prefix_, kPartition) + "}:" + suffix;
  }

  // The state behind the interface: PartitionState's accessors, or the keys.
  bool occupied(const std::string& ch) {
    if (memory_)
      return memory_->inspect(kPartition, [&](const PartitionState& s) { return s.occupied(ch); });
    return raw({"HEXISTS", key("occ"), ch}).integer() == 1;
  }
  bool pending(const std::string& ch) {
    if (memory_)
      return memory_->inspect(kPartition, [&](const PartitionState& s) { return s.pending(ch); });
    return !raw({"ZSCORE", key("pend"), ch}).is_nil();
  }
  size_t members(const std::string& ch) {
    if (memory_)
      return memory_->inspect(kPartition, [&](const PartitionState& s) { return s.members(ch); });
    return static_cast<size_t>(raw({"HLEN", key("m:" + ch)}).integer());
  }

  int64_t now = 1'000'000;
  StoreReport last;
  redis::test::IoThread io_;  // destroyed last: the router's close runs on it
  std::string prefix_ = unique_prefix();
  std::shared_ptr<redis::Router> router_;
  std::shared_ptr<MemoryPartitionStore> memory_;
  std::shared_ptr<RedisPartitionStore> redis_;
  std::shared_ptr<PartitionStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Topologies, StoreSpec,
                         ::testing::Values(Topology::memory, Topology::single, Topology::shards,
                                           Topology::cluster),
                         [](const auto& info) { return name_of(info.param); });

// -- the scenarios of partition_state_test.cpp -----------------------------------------------

TEST_P(StoreSpec, FirstSubscriberEmitsOccupied) {
  auto r = add("chat:a", client("c1"));
  EXPECT_EQ(r.emitted, 1u);
  EXPECT_EQ(r.log.backlog, 1u);
  EXPECT_EQ(r.log.oldest_ms, now);
  EXPECT_EQ(r.next_due_ms, now + kTtl);
  auto ev = drain();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, Type::occupied);
  EXPECT_EQ(ev[0].channel, "chat:a");
  EXPECT_EQ(ev[0].gen, 1u);
  EXPECT_EQ(ev[0].id, "7-1");
  EXPECT_EQ(ev[0].time_ms, now);
  EXPECT_EQ(ev[0].reason, "");
  EXPECT_TRUE(occupied("chat:a"));
}

TEST_P(StoreSpec, SecondSubscriberEmitsNothing) {
  add("ch", client("c1"));
  EXPECT_EQ(add("ch", client("c2")).emitted, 0u);
  now += 10;
  EXPECT_EQ(add("ch", client("c1")).emitted, 0u);  // a refresh
  EXPECT_EQ(drain().size(), 1u);
  EXPECT_EQ(members("ch"), 2u);
}

TEST_P(StoreSpec, TwoSubscribersOneLeaves) {
  add("ch", client("c1"));
  add("ch", client("c2"));
  drain();
  remove("ch", "c1");
  EXPECT_FALSE(pending("ch"));
  now += 10 * kDelay;
  EXPECT_EQ(fire().emitted, 0u);
  EXPECT_TRUE(drain().empty());
  EXPECT_TRUE(occupied("ch"));
}

TEST_P(StoreSpec, LastLeavesThenVacatedAfterDelay) {
  add("ch", client("c1"));
  drain();
  auto r = remove("ch", "c1");
  EXPECT_TRUE(pending("ch"));
  EXPECT_EQ(r.next_due_ms, now + kDelay);
  const int64_t left = now;
  now = left + kDelay - 1;
  EXPECT_EQ(fire().emitted, 0u);
  EXPECT_TRUE(drain().empty());
  now = left + kDelay;
  r = fire();
  EXPECT_EQ(r.emitted, 1u);
  EXPECT_EQ(r.next_due_ms, std::nullopt);
  auto ev = drain();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, Type::vacated);
  EXPECT_EQ(ev[0].gen, 2u);
  EXPECT_EQ(ev[0].id, "7-2");
  EXPECT_EQ(ev[0].reason, "unsubscribe");
  EXPECT_EQ(ev[0].time_ms, left + kDelay);
  EXPECT_FALSE(occupied("ch"));
  EXPECT_FALSE(pending("ch"));
}

TEST_P(StoreSpec, ResubscribeDuringDelayCancelsVacated) {
  add("ch", client("c1"));
  remove("ch", "c1", StateReason::disconnect);
  now += kDelay - 1;
  EXPECT_EQ(add("ch", client("c1")).emitted, 0u);
  EXPECT_FALSE(pending("ch"));
  now += 10 * kDelay;
  EXPECT_EQ(fire().emitted, 0u);
  auto ev = drain();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, Type::occupied);
}

TEST_P(StoreSpec, ReoccupiedAfterVacatedGetsHigherGen) {
  add("ch", client("c1"));
  remove("ch", "c1");
  now += kDelay;
  fire();
  now += 1;
  add("ch", client("c2"));
  auto ev = drain();
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[2].type, Type::occupied);
  EXPECT_EQ(ev[2].gen, 3u);
}

TEST_P(StoreSpec, GenerationsComeFromOnePartitionCounter) {
  add("a", client("c1"));
  add("b", client("c2"));
  remove("a", "c1");
  now += kDelay;
  fire();
  add("c", client("c3"));
  auto ev = drain();
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[0].gen, 1u);
  EXPECT_EQ(ev[1].gen, 3u);
  EXPECT_EQ(ev[2].gen, 4u);
  EXPECT_EQ(ev[2].channel, "a");
  EXPECT_EQ(ev[3].gen, 5u);
}

TEST_P(StoreSpec, InitialCounterSeedsGenerations) {
  make(PartitionLimits{kDelay, 10}, 1'700'000'000'000'000);
  add("a", client("c1"));
  auto got = read(0, 10);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].event.gen, 1'700'000'000'000'001u);
  EXPECT_EQ(got[0].event.id, "7-1700000000000001");
}

TEST_P(StoreSpec, RemoveOfUnknownClientChangesNothing) {
  EXPECT_EQ(remove("ch", "nobody").emitted, 0u);
  add("ch", client("c1"));
  remove("ch", "nobody");
  EXPECT_FALSE(pending("ch"));
  EXPECT_EQ(members("ch"), 1u);
}

TEST_P(StoreSpec, VacatedCarriesTheReasonOfTheLastRemoval) {
  add("ch", client("c1"));
  add("ch", client("c2"));
  remove("ch", "c1", StateReason::unsubscribe);
  remove("ch", "c2", StateReason::disconnect);
  now += kDelay;
  fire();
  auto ev = drain();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].reason, "disconnect");
}

TEST_P(StoreSpec, LapsedPresenceIsSweptAsPresenceExpired) {
  const int64_t t0 = now;
  EXPECT_EQ(add("ch", client("c1"), "n1", 1000).next_due_ms, t0 + 1000);
  now = t0 + 999;
  sweep();
  EXPECT_EQ(presence("ch").size(), 1u);
  now = t0 + 1000;
  EXPECT_TRUE(presence("ch").empty());  // reads never see lapsed entries
  EXPECT_EQ(stats("ch").num_clients, 0u);
  auto r = sweep();
  EXPECT_TRUE(pending("ch"));
  EXPECT_EQ(r.next_due_ms, t0 + 1000 + kDelay);
  now = t0 + 1000 + kDelay;
  fire();
  auto ev = drain();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].reason, "presence_expired");
}

TEST_P(StoreSpec, RefreshPushesExpiryBack) {
  const int64_t t0 = now;
  add("ch", client("c1"), "n1", 1000);
  now = t0 + 900;
  add("ch", client("c1"), "n1", 1000);
  now = t0 + 1500;
  auto r = sweep();
  EXPECT_EQ(members("ch"), 1u);
  EXPECT_EQ(r.next_due_ms, t0 + 1900);
}

TEST_P(StoreSpec, LostNodeTakesItsEntriesOnly) {
  add("a", client("c1"), "dead");
  add("a", client("c2"), "alive");
  add("b", client("c3"), "dead");
  drain();
  sweep({"dead"});
  EXPECT_FALSE(pending("a"));
  EXPECT_EQ(members("a"), 1u);
  EXPECT_TRUE(pending("b"));
  now += kDelay;
  fire();
  auto ev = drain();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].channel, "b");
  EXPECT_EQ(ev[0].reason, "node_lost");
  sweep({"dead"});
  EXPECT_EQ(members("a"), 1u);
}

TEST_P(StoreSpec, EntryMovedToAnotherNodeIsNotLostWithTheOld) {
  add("a", client("c1"), "n1");
  add("a", client("c1"), "n2");  // the same client id, now through n2
  sweep({"n1"});
  EXPECT_EQ(members("a"), 1u);
  sweep({"n2"});
  EXPECT_EQ(members("a"), 0u);
}

TEST_P(StoreSpec, PresenceAndStats) {
  add("ch", client("c1", "alice"));
  add("ch", client("c2", "alice"));
  add("ch", client("c3", ""));
  auto p = presence("ch");
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p["c1"].user, "alice");
  auto s = stats("ch");
  EXPECT_EQ(s.num_clients, 3u);
  EXPECT_EQ(s.num_users, 2u);
  EXPECT_TRUE(presence("other").empty());
}

TEST_P(StoreSpec, ReadAfterAndAck) {
  for (int i = 0; i < 5; ++i) add("ch" + std::to_string(i), client("c"));
  auto first = read(0, 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].seq, 1u);
  EXPECT_EQ(first[1].seq, 2u);
  auto next = read(2, 10);
  ASSERT_EQ(next.size(), 3u);
  EXPECT_EQ(next[0].seq, 3u);
  auto st = ack(2);
  EXPECT_EQ(st.backlog, 3u);
  EXPECT_EQ(read(0, 10).front().seq, 3u);  // the head is the oldest unacknowledged
  EXPECT_EQ(st.oldest_ms, now);
  st = ack(100);
  EXPECT_EQ(st.backlog, 0u);
  EXPECT_EQ(st.oldest_ms, std::nullopt);
  EXPECT_TRUE(read(0, 10).empty());
}

TEST_P(StoreSpec, FullLogDropsTheOldestAndCountsIt) {
  make(PartitionLimits{kDelay, 3}, 0);
  uint64_t emitted = 0, dropped = 0;
  for (int i = 0; i < 5; ++i) {
    auto r = add("ch" + std::to_string(i), client("c"));
    emitted += r.emitted;
    dropped += r.dropped;
  }
  EXPECT_EQ(emitted, 5u);
  EXPECT_EQ(dropped, 2u);
  auto got = read(0, 10);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].event.channel, "ch2");
  EXPECT_EQ(got[0].seq, 3u);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(occupied("ch" + std::to_string(i)));
}

// One apply call: its changes in order, each as its own transition.
TEST_P(StoreSpec, OneBatchAppliesItsChangesInOrder) {
  using K = PresenceChange::Kind;
  auto r = ok(wait<StoreReport>([&](auto cb) {
    store().apply(kPartition, "n1",
                  {PresenceChange{K::add, "a", client("c1"), kTtl, {}},
                   PresenceChange{K::remove, "a", client("c1"), 0, StateReason::disconnect},
                   PresenceChange{K::add, "a", client("c2"), kTtl, {}},
                   PresenceChange{K::add, "b", client("c1"), kTtl, {}},
                   PresenceChange{K::remove, "b", client("c1"), 0, StateReason::unsubscribe}},
                  cb);
  }));
  EXPECT_EQ(r.emitted, 2u);
  EXPECT_EQ(r.next_due_ms, now + kDelay);  // b pending
  auto ev = drain();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].channel, "a");
  EXPECT_EQ(ev[1].channel, "b");
  EXPECT_FALSE(pending("a"));
  EXPECT_TRUE(pending("b"));
}

// -- the specification and the scripts side by side ------------------------------------------

// Random adds, refreshes, removes, sweeps with lost nodes, fire_due, acks and time jumps over
// a few channels, clients and nodes, on PartitionState and on the store: every answer (events
// emitted and dropped, next due time, backlog, oldest) and every event (seq, id, channel,
// type, gen, time, reason) must be the same. A small log makes drops happen too.
TEST_P(StoreSpec, ScriptsMirrorPartitionState) {
  if (GetParam() == Topology::memory) GTEST_SKIP() << "the memory store is PartitionState";
  for (uint32_t seed : {1u, 7u, 2024u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    prefix_ = unique_prefix();
    make(PartitionLimits{200, 8}, 0);
    PartitionState spec{kPartition, PartitionLimits{200, 8}};
    std::mt19937 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
    now = 1'000'000;
    uint64_t spec_emitted = 0, spec_dropped = 0;
    auto spec_report = [&] {
      StoreReport r;
      r.emitted = spec.emitted() - spec_emitted;
      r.dropped = spec.dropped() - spec_dropped;
      spec_emitted = spec.emitted();
      spec_dropped = spec.dropped();
      r.next_due_ms = spec.next_due();
      r.log = LogStatus{spec.log_size(), spec.oldest_unacked_ms()};
      return r;
    };
    auto same = [&](const StoreReport& want, const StoreReport& got, int step) {
      ASSERT_EQ(got.emitted, want.emitted) << "step " << step;
      ASSERT_EQ(got.dropped, want.dropped) << "step " << step;
      ASSERT_EQ(got.next_due_ms, want.next_due_ms) << "step " << step;
      ASSERT_EQ(got.log.backlog, want.log.backlog) << "step " << step;
      ASSERT_EQ(got.log.oldest_ms, want.log.oldest_ms) << "step " << step;
    };
    const std::vector<std::string> nodes{"n1", "n2", "n3"};
    for (int step = 0; step < 2000; ++step) {
      using K = PresenceChange::Kind;
      std::vector<PresenceChange> batch;
      const int op = pick(10);
      if (op < 5) {  // a batch of 1..4 writes through one node
        const std::string node = nodes[static_cast<size_t>(pick(3))];
        for (int n = 1 + pick(4); n > 0; --n) {
          const std::string ch = "ch" + std::to_string(pick(6));
          ClientInfo info = client("c" + std::to_string(pick(3)), "u" + std::to_string(pick(2)));
          if (pick(2) > 0) {
            const int64_t ttl = 50 + pick(500);
            spec.add(ch, info, node, ttl, now);
            batch.push_back(PresenceChange{K::add, ch, info, ttl, {}});
          } else {
            const auto why = static_cast<StateReason>(pick(3));
            spec.remove(ch, info.client, why, now);
            batch.push_back(PresenceChange{K::remove, ch, info, 0, why});
          }
        }
        auto got = wait<StoreReport>([&](auto cb) { store().apply(kPartition, node, batch, cb); });
        ASSERT_TRUE(got.ok()) << got.error;
        same(spec_report(), got.value, step);
      } else if (op == 5) {
        std::vector<std::string> dead;
        if (pick(3) == 0) dead.push_back(nodes[static_cast<size_t>(pick(3))]);
        spec.sweep(now, dead);
        auto got = wait<StoreReport>([&](auto cb) { store().sweep(kPartition, dead, cb); });
        ASSERT_TRUE(got.ok()) << got.error;
        same(spec_report(), got.value, step);
      } else if (op == 6) {
        spec.fire_due(now);
        auto got = wait<StoreReport>([&](auto cb) { store().fire_due(kPartition, cb); });
        ASSERT_TRUE(got.ok()) << got.error;
        same(spec_report(), got.value, step);
      } else if (op == 7) {
        const auto want = spec.read(0, 1000);
        const auto got = read(0, 1000);
        ASSERT_EQ(got, want) << "step " << step;
        if (!want.empty() && pick(4) == 0) {
          const uint64_t upto = want[static_cast<size_t>(pick(static_cast<int>(want.size())))].seq;
          spec.ack(upto);
          EXPECT_EQ(ack(upto).backlog, spec.log_size());
        }
      } else if (op == 8) {
        const std::string ch = "ch" + std::to_string(pick(6));
        ASSERT_EQ(presence(ch), spec.presence(ch, now)) << "step " << step;
        const auto s = stats(ch), w = spec.stats(ch, now);
        ASSERT_EQ(s.num_clients, w.num_clients);
        ASSERT_EQ(s.num_users, w.num_users);
      } else {
        now += pick(300);
      }
      if (HasFatalFailure()) return;
    }
    ASSERT_EQ(read(0, 1000), spec.read(0, 1000));
    EXPECT_GT(spec.emitted(), 80u);  // the walk did walk
    EXPECT_GT(spec.dropped(), 0u);
  }
}

// -- Redis only ------------------------------------------------------------------------------

class RedisStore : public StoreSpec {};
INSTANTIATE_TEST_SUITE_P(Topologies, RedisStore,
                         ::testing::Values(Topology::single, Topology::shards, Topology::cluster),
                         [](const auto& info) { return name_of(info.param); });

TEST_P(RedisStore, KeysHaveNoTtlAndShareOnePartitionSlot) {
  add("chat:a", client("c1"));
  add("chat:b", client("c2"));
  remove("chat:b", "c2");
  const std::string b = "{" + RedisPartitionStore::partition_tag(prefix_, kPartition) + "}";
  for (const std::string k : {"m:chat:a", "exp", "node:n1", "occ", "pend", "why", "meta", "log"}) {
    EXPECT_EQ(raw({"TTL", key(k)}).integer(), -1) << k;  // exists, no expiry
    EXPECT_EQ(redis::key_slot(key(k)), redis::key_slot(b)) << k;
  }
}

TEST_P(RedisStore, ValuesAreBinarySafe) {
  ClientInfo info{"user|1", "c|1", std::string("conn\0info|x", 11), "{\"chan\":1}"};
  add("ns:a|b\x01", info);
  auto p = presence("ns:a|b\x01");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p["c|1"], info);
  remove("ns:a|b\x01", "c|1", StateReason::disconnect);
  now += kDelay;
  fire();
  auto ev = drain();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].channel, "ns:a|b\x01");
  EXPECT_EQ(ev[1].reason, "disconnect");
}

TEST_P(RedisStore, ManyLapsedEntriesAreSweptInBoundedSteps) {
  using K = PresenceChange::Kind;
  RedisPartitionStore::Options o;
  std::vector<PresenceChange> batch;
  for (int i = 0; i < 2500; ++i)
    batch.push_back(PresenceChange{K::add, "ch" + std::to_string(i % 50),
                                   client("c" + std::to_string(i)), 10, {}});
  ok(wait<StoreReport>([&](auto cb) { store().apply(kPartition, "n1", batch, cb); }));
  drain();
  now += 10;
  auto r = sweep();  // at most 1000 a call: more are due now
  EXPECT_EQ(r.next_due_ms, now);
  sweep();
  r = sweep();
  EXPECT_EQ(r.next_due_ms, now + kDelay);  // all gone: only the pending vacated remain
  now += kDelay;
  EXPECT_EQ(fire().emitted, 50u);
}

TEST_P(RedisStore, NumPartitionsCheck) {
  auto check = [&](uint32_t n, bool force) {
    RedisPartitionStore::Options o;
    o.prefix = prefix_;
    o.num_partitions = n;
    o.clock = [this] { return now; };
    RedisPartitionStore s(router_, o);
    auto r = wait<RedisPartitionStore::PartitionCountCheck>(
        [&](auto cb) { s.check_num_partitions(force, cb); });
    EXPECT_TRUE(r.ok()) << r.error;
    return r.value;
  };
  auto fresh = check(8, false);
  EXPECT_FALSE(fresh.stored);
  EXPECT_TRUE(fresh.written);
  auto same = check(8, false);
  EXPECT_EQ(same.stored, 8u);
  EXPECT_TRUE(same.written);
  // No state yet: another count is taken.
  auto other = check(16, false);
  EXPECT_EQ(other.stored, 8u);
  EXPECT_FALSE(other.live);
  EXPECT_TRUE(other.written);
  check(8, false);
  add("ch", client("c1"));  // partition 7 of 8 holds state now
  auto refused = check(4, false);
  EXPECT_EQ(refused.stored, 8u);
  EXPECT_TRUE(refused.live);
  EXPECT_FALSE(refused.written);
  EXPECT_EQ(check(8, false).stored, 8u);  // still 8
  auto forced = check(4, true);
  EXPECT_TRUE(forced.live);
  EXPECT_TRUE(forced.written);
  EXPECT_EQ(check(4, false).stored, 4u);
}

TEST_P(RedisStore, MaxmemoryPolicies) {
  auto policies = [&] {
    auto r = wait<std::vector<std::string>>([&](auto cb) { redis_->maxmemory_policies(cb); });
    EXPECT_TRUE(r.ok()) << r.error;
    return r.value;
  };
  EXPECT_EQ(policies(), std::vector<std::string>{"noeviction"});
  EXPECT_TRUE(RedisPartitionStore::safe_policy("noeviction"));
  EXPECT_TRUE(RedisPartitionStore::safe_policy("volatile-lru"));
  EXPECT_FALSE(RedisPartitionStore::safe_policy("allkeys-lru"));
  EXPECT_FALSE(RedisPartitionStore::safe_policy("?ERR unknown command"));
  if (GetParam() != Topology::single) return;
  servers().single.command({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"});
  EXPECT_EQ(policies(), std::vector<std::string>{"allkeys-lru"});
  servers().single.command({"CONFIG", "SET", "maxmemory-policy", "noeviction"});
}

// Redis away: every call answers with an error at once (no hang, nothing queued).
TEST(RedisStoreDown, CallsFailFast) {
  test::RedisServer server;
  ASSERT_TRUE(server.start());
  redis::test::IoThread io;
  redis::DeploymentOptions d;
  d.shards = {*redis::parse_address(server.address())};
  d.connection.connect_timeout = 300ms;
  d.connection.io_timeout = 1000ms;
  auto router = redis::make_router(io.executor(), d, "test");
  RedisPartitionStore::Options o;
  o.prefix = unique_prefix();
  o.num_partitions = 2;
  RedisPartitionStore store(router, o);
  auto add = [&] {
    return wait<StoreReport>([&](auto cb) {
      store.apply(1, "n1", {PresenceChange{PresenceChange::Kind::add, "ch", client("c1"), 1000, {}}},
                  cb);
    });
  };
  ASSERT_TRUE(add().ok());
  server.kill();
  auto failed = add();
  EXPECT_FALSE(failed.ok());
  auto read = wait<LogRead>([&](auto cb) { store.read(1, 0, 10, cb); });
  EXPECT_FALSE(read.ok());
  ASSERT_TRUE(server.restart());
  // Back: the client reconnects with backoff; a write goes through within a few seconds.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!add().ok()) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no write went through";
    std::this_thread::sleep_for(50ms);
  }
  router->close();
}

}  // namespace
}  // namespace herald
