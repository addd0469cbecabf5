// The lease actor against a real redis-server: nodes are lease actors of one actor system,
// each with its own fake partition actors that record own() and nodes_lost(). Rounds run when
// the test sends tick() (answered once the round is over), and the actors' timers move only
// when the test advances their TimerService; Redis's own key expiry is the only real time
// (the lapsed-lease tests wait for it with a deadline).
#include "actors/partition/lease_actor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "engine/redis/router_factory.hpp"
#include "tests/engine/redis/redis_test_util.hpp"
#include "tests/support/redis_server.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;
constexpr uint32_t kPartitions = 8;

/// What the fake partition actors of one node received.
struct Record {
  std::mutex mu;
  std::map<uint32_t, bool> owner;                        ///< last own() per partition
  std::map<uint32_t, std::vector<std::string>> lost;     ///< nodes_lost() per partition
  size_t owns = 0;                                       ///< own() messages in all

  std::set<uint32_t> owned() {
    std::lock_guard lock(mu);
    std::set<uint32_t> out;
    for (auto [p, o] : owner)
      if (o) out.insert(p);
    return out;
  }
  std::vector<std::string> lost_of(uint32_t p) {
    std::lock_guard lock(mu);
    return lost[p];
  }
};

partition_actor spawn_fake(caf::actor_system& sys, std::shared_ptr<Record> rec, uint32_t p) {
  return sys.spawn([rec, p](partition_actor::pointer) -> partition_actor::behavior_type {
    return {
        [](pres_add_atom, std::string&, ClientInfo&, int64_t) { return true; },
        [](pres_rm_atom, std::string&, ClientInfo&) { return true; },
        [](presence_atom, std::string&) { return PresenceMap{}; },
        [](pres_stat_atom, std::string&) { return PresenceStats{}; },
        [](pres_drop_atom, std::string&, ClientInfo&, StateReason) { return true; },
        [rec, p](own_atom, bool own) {
          std::lock_guard lock(rec->mu);
          rec->owner[p] = own;
          ++rec->owns;
        },
        [rec, p](nodes_lost_atom, std::vector<std::string>& nodes) {
          std::lock_guard lock(rec->mu);
          auto& l = rec->lost[p];
          l.insert(l.end(), nodes.begin(), nodes.end());
        },
    };
  });
}

class LeaseActorTest : public ::testing::Test {
 protected:
  struct Node {
    std::string uid;
    std::shared_ptr<Record> rec = std::make_shared<Record>();
    std::shared_ptr<TimerService> timers = std::make_shared<TimerService>();
    std::vector<partition_actor> partitions;
    lease_actor actor;
  };

  /// The Redis the nodes share: one server (a Redis Cluster in LeaseActorClusterTest).
  virtual bool start_redis(redis::DeploymentOptions& d) {
    if (!server_.start()) return false;
    d.shards = {*redis::parse_address(server_.address())};
    return true;
  }

  void SetUp() override {
    redis::DeploymentOptions d;
    ASSERT_TRUE(start_redis(d));
    d.connection.connect_timeout = 300ms;
    d.connection.io_timeout = 3000ms;  // longer than any wait below on a frozen Redis
    router_ = redis::make_router(io_.executor(), d, "test");
    backend_ = std::make_shared<RedisLeases>(router_, "lt");
  }
  void TearDown() override {
    for (auto& n : nodes_) {
      if (n->actor) caf::anon_send_exit(n->actor, caf::exit_reason::user_shutdown);
      for (auto& p : n->partitions) caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
    }
    sys_.await_all_actors_done();
    if (router_) router_->close();
  }

  /// `lease`: long enough that a node's lease cannot lapse between two ticks of a test on a
  /// loaded machine (sanitizers, parallel builds); the lapse tests give the dying node less.
  Node& start(const std::string& uid, std::chrono::milliseconds lease = 3000ms,
              std::function<void()> on_lapsed = {}) {
    auto n = std::make_unique<Node>();
    n->uid = uid;
    auto ctx = std::make_shared<LeaseContext>();
    ctx->backend = backend_;
    ctx->timers = n->timers;
    for (uint32_t p = 0; p < kPartitions; ++p)
      n->partitions.push_back(spawn_fake(sys_, n->rec, p));
    ctx->partitions = n->partitions;
    ctx->node = uid;
    ctx->node_lease = lease;
    ctx->partition_lease = lease;
    ctx->round_interval = 1h;  // rounds only when the test ticks
    ctx->on_lapsed = std::move(on_lapsed);
    n->actor = sys_.spawn(lease_actor_impl, ctx);
    nodes_.push_back(std::move(n));
    return *nodes_.back();
  }

  /// One round of `n`, waited for.
  bool tick(Node& n) {
    caf::scoped_actor self{sys_};
    bool ok = false;
    self->request(n.actor, 5s, tick_atom::value)
        .receive([&](bool r) { ok = r; },
                 [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    return ok;
  }
  std::vector<uint32_t> owned(Node& n) {
    caf::scoped_actor self{sys_};
    std::vector<uint32_t> out;
    self->request(n.actor, 5s, owned_atom::value)
        .receive([&](std::vector<uint32_t>& r) { out = std::move(r); },
                 [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    return out;
  }
  /// The partition actors have processed what the lease actor sent before `owned` answered.
  std::set<uint32_t> settled_owned(Node& n) {
    const auto want = owned(n);
    const std::set<uint32_t> want_set(want.begin(), want.end());
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (n.rec->owned() != want_set && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(1ms);
    EXPECT_EQ(n.rec->owned(), want_set) << n.uid;
    return want_set;
  }

  test::RedisServer server_;
  redis::test::IoThread io_;
  caf::actor_system_config cfg_;
  caf::actor_system sys_{cfg_};
  std::shared_ptr<redis::Router> router_;
  std::shared_ptr<RedisLeases> backend_;
  std::vector<std::unique_ptr<Node>> nodes_;
};

TEST_F(LeaseActorTest, AloneItTakesEveryPartition) {
  auto& a = start("A");
  EXPECT_TRUE(tick(a));
  EXPECT_EQ(settled_owned(a).size(), kPartitions);
  for (uint32_t p = 0; p < kPartitions; ++p)
    EXPECT_EQ(server_.command({"GET", "{lt.cs." + std::to_string(p) + "}:lease"}), "A");
  // Renewals keep them, with no new own() message.
  auto owns = [&] {
    std::lock_guard lock(a.rec->mu);
    return a.rec->owns;
  };
  const size_t before = owns();
  EXPECT_TRUE(tick(a));
  EXPECT_EQ(settled_owned(a).size(), kPartitions);
  EXPECT_EQ(owns(), before);
}

TEST_F(LeaseActorTest, TwoNodesShareThePartitionsWithoutOverlap) {
  auto& a = start("A");
  tick(a);
  auto& b = start("B");
  tick(b);  // every partition is A's: B waits
  EXPECT_TRUE(owned(b).empty());
  tick(a);  // A sees two live nodes: releases its surplus
  EXPECT_EQ(owned(a).size(), kPartitions / 2);
  tick(b);  // B takes the free ones
  const auto sa = settled_owned(a), sb = settled_owned(b);
  EXPECT_EQ(sa.size(), kPartitions / 2);
  EXPECT_EQ(sb.size(), kPartitions / 2);
  for (uint32_t p : sa) EXPECT_FALSE(sb.count(p)) << p;
  // Stable from then on.
  tick(a);
  tick(b);
  EXPECT_EQ(settled_owned(a), sa);
  EXPECT_EQ(settled_owned(b), sb);
}

TEST_F(LeaseActorTest, AGracefulStopHandsEverythingOverAtTheNextRound) {
  auto& a = start("A");
  tick(a);
  auto& b = start("B");
  tick(b);
  tick(a);
  tick(b);
  const auto sb = settled_owned(b);
  ASSERT_EQ(sb.size(), kPartitions / 2);
  {
    caf::scoped_actor self{sys_};
    self->request(b.actor, 5s, shutdown_atom::value)
        .receive([](bool ok) { EXPECT_TRUE(ok); },
                 [](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
  }
  EXPECT_TRUE(b.rec->owned().empty());
  b.actor = nullptr;
  tick(a);  // B left: lapsed at once, its leases are free
  EXPECT_EQ(settled_owned(a).size(), kPartitions);
  // Partitions A held already and those it took: all told that B is gone (a taken partition
  // hears it right after its own(true): wait for the message, not only for the ownership).
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  for (uint32_t p = 0; p < kPartitions; ++p) {
    while (a.rec->lost_of(p).empty() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(1ms);
    EXPECT_EQ(a.rec->lost_of(p), std::vector<std::string>{"B"}) << p;
  }
}

TEST_F(LeaseActorTest, ADeadNodeLapsesAndItsPartitionsAreTaken) {
  auto& a = start("A");
  tick(a);
  auto& b = start("B", 1500ms);
  tick(b);
  tick(a);
  tick(b);
  ASSERT_EQ(settled_owned(b).size(), kPartitions / 2);
  // B dies without a word: its leases (1.5 s) lapse in Redis.
  caf::anon_send_exit(b.actor, caf::exit_reason::kill);
  b.actor = nullptr;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (settled_owned(a).size() < kPartitions) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "B's partitions were not taken";
    std::this_thread::sleep_for(50ms);
    tick(a);
  }
  for (uint32_t p = 0; p < kPartitions; ++p) {
    const auto lost = a.rec->lost_of(p);
    EXPECT_EQ(std::count(lost.begin(), lost.end(), "B"), 1) << p;
  }
}

TEST_F(LeaseActorTest, LapsedNodesAreAnnouncedAgainEveryFewRounds) {
  auto& a = start("A");
  tick(a);
  // Listed (as if its lease ended just now), no lease key: lapsed.
  server_.command({"ZADD", "{lt.cs}:nodes", "99999999999999", "ghost"});
  tick(a);
  settled_owned(a);
  EXPECT_EQ(a.rec->lost_of(0), std::vector<std::string>{"ghost"});
  tick(a);  // not on every round
  settled_owned(a);
  EXPECT_EQ(a.rec->lost_of(0).size(), 1u);
  // ... but within relost_rounds (8) rounds again.
  int rounds = 1;
  while (a.rec->lost_of(0).size() < 2 && rounds < 8) {
    tick(a);
    settled_owned(a);
    ++rounds;
  }
  EXPECT_EQ(a.rec->lost_of(0), (std::vector<std::string>{"ghost", "ghost"}));
}

// The node's own lease found lapsed (here: its key deleted, as if it had stalled past the
// lease): on_lapsed at once, so the node writes its presence again, and once more a node
// lease later on the node's timer clock; a renewal that finds the lease alive calls nothing.
TEST_F(LeaseActorTest, AnOwnLapseAsksForThePresenceAgainNowAndAfterALease) {
  std::atomic<int> calls{0};
  auto& a = start("A", 3000ms, [&calls] { ++calls; });
  const auto t0 = a.timers->now();
  a.timers->advance(t0);
  tick(a);
  tick(a);
  EXPECT_EQ(calls.load(), 0);
  server_.command({"DEL", "{lt.cs}:node:A"});
  tick(a);
  EXPECT_EQ(calls.load(), 1);
  tick(a);  // alive again
  EXPECT_EQ(calls.load(), 1);
  a.timers->advance(t0 + 2999ms);
  owned(a);  // the actor has handled whatever the timers sent
  EXPECT_EQ(calls.load(), 1);
  a.timers->advance(t0 + 3000ms);
  owned(a);
  EXPECT_EQ(calls.load(), 2);
  a.timers->advance(t0 + 10000ms);
  tick(a);
  EXPECT_EQ(calls.load(), 2);
}

TEST_F(LeaseActorTest, RedisDownGivesEverythingUp) {
  auto& a = start("A");
  tick(a);
  ASSERT_EQ(settled_owned(a).size(), kPartitions);
  server_.kill();
  EXPECT_FALSE(tick(a));
  EXPECT_TRUE(settled_owned(a).empty());
  ASSERT_TRUE(server_.restart());
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!tick(a)) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no round succeeded";
    std::this_thread::sleep_for(50ms);
  }
  tick(a);
  EXPECT_EQ(settled_owned(a).size(), kPartitions);
}

// Redis frozen: the renewals do not come back; once the lease has run out on the node's
// timer clock, the partitions are given up without waiting for an answer.
TEST_F(LeaseActorTest, UnrenewedLeasesAreGivenUpWhenTheyRunOut) {
  auto& a = start("A", 2000ms);
  const auto t0 = a.timers->now();
  a.timers->advance(t0);
  tick(a);
  tick(a);  // a round begun after advance(t0): every lease is proven until t0 + 2 s
  ASSERT_EQ(settled_owned(a).size(), kPartitions);
  server_.pause();
  caf::anon_send(a.actor, tick_atom::value);  // a round that will hang (until io_timeout)
  a.timers->advance(t0 + 1999ms);
  EXPECT_EQ(owned(a).size(), kPartitions);
  a.timers->advance(t0 + 2000ms);
  auto deadline = std::chrono::steady_clock::now() + 1s;  // well before the io_timeout
  while (!owned(a).empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  EXPECT_TRUE(settled_owned(a).empty());
  server_.resume();
}

// Every partition lease on its own slot of a 3-master cluster, the node keys on another.
class LeaseActorClusterTest : public LeaseActorTest {
 protected:
  bool start_redis(redis::DeploymentOptions& d) override {
    if (!cluster_.start(3)) return false;
    for (const auto& a : cluster_.addresses()) d.cluster.push_back(*redis::parse_address(a));
    return true;
  }
  test::RedisCluster cluster_;
};

TEST_F(LeaseActorClusterTest, TwoNodesShareThePartitionsAndAGracefulStopHandsOver) {
  auto& a = start("A");
  tick(a);
  EXPECT_EQ(settled_owned(a).size(), kPartitions);
  auto& b = start("B");
  tick(b);
  tick(a);
  tick(b);
  const auto sa = settled_owned(a), sb = settled_owned(b);
  EXPECT_EQ(sa.size(), kPartitions / 2);
  EXPECT_EQ(sb.size(), kPartitions / 2);
  for (uint32_t p : sa) EXPECT_FALSE(sb.count(p)) << p;
  {
    caf::scoped_actor self{sys_};
    self->request(b.actor, 5s, shutdown_atom::value)
        .receive([](bool ok) { EXPECT_TRUE(ok); },
                 [](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
  }
  b.actor = nullptr;
  tick(a);
  EXPECT_EQ(settled_owned(a).size(), kPartitions);
  for (uint32_t p = 0; p < kPartitions; ++p)
    EXPECT_EQ(a.rec->lost_of(p), std::vector<std::string>{"B"}) << p;
}

}  // namespace
}  // namespace herald
