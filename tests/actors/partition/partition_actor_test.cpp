// The partition actor on CAF's test coordinator: the vacated delay and its cancellation,
// batching of writes and of deliveries, order, redelivery after a failed delivery, ack only
// after success, ownership, counters. Time moves only when the test says so.
#include "actors/partition/partition_actor.hpp"

#include <gtest/gtest.h>

#include "actors/partition/memory_partition_store.hpp"
#include "tests/actors/deterministic.hpp"

namespace herald {
namespace {

using Type = ChannelStateEvent::Type;
using namespace std::chrono_literals;

/// The webhook pool's `deliver` message: records every batch, answers `answer` (the next of
/// `answers` first), or, with `hold`, keeps the answer until release(ok) gives it (a promise
/// is delivered from inside its actor only).
struct SinkLog {
  std::vector<std::pair<uint32_t, ChannelStateBatch>> calls;
  std::vector<uint32_t> forgotten;  ///< wh_forget(partition) calls
  std::vector<bool> answers;  ///< answered in order; then `answer`
  bool answer = true;
  bool hold = false;
  std::vector<caf::typed_response_promise<bool>> held;
};

using fake_sink_actor = state_sink_actor::extend<caf::reacts_to<released_atom, bool>>;

fake_sink_actor spawn_sink(caf::actor_system& sys, std::shared_ptr<SinkLog> log) {
  return sys.spawn([log](fake_sink_actor::pointer self) -> fake_sink_actor::behavior_type {
    return {
        [=](deliver_atom, uint32_t partition, ChannelStateBatch& batch) {
          log->calls.emplace_back(partition, batch);
          auto rp = self->make_response_promise<bool>();
          if (log->hold) {
            log->held.push_back(rp);
          } else if (!log->answers.empty()) {
            const bool a = log->answers.front();
            rp.deliver(a);
            log->answers.erase(log->answers.begin());
          } else {
            rp.deliver(log->answer);
          }
          return rp;
        },
        [=](wh_forget_atom, uint32_t partition) -> uint32_t {
          // As the pool: what it holds is answered `false`.
          log->forgotten.push_back(partition);
          auto held = std::move(log->held);
          log->held.clear();
          for (auto& rp : held) rp.deliver(false);
          return static_cast<uint32_t>(held.size());
        },
        [=](released_atom, bool ok) {
          if (log->held.empty()) return;
          auto rp = log->held.front();
          log->held.erase(log->held.begin());
          rp.deliver(ok);
        },
    };
  });
}

/// Forwards to a memory store and records the size of every write batch.
class CountingStore final : public PartitionStore {
 public:
  explicit CountingStore(std::shared_ptr<MemoryPartitionStore> inner) : inner_(std::move(inner)) {}
  std::vector<size_t> apply_sizes;
  int fail_applies = 0;  ///< the next this many apply calls fail (Redis unreachable)

  uint32_t num_partitions() const override { return inner_->num_partitions(); }
  int64_t now_ms() const override { return inner_->now_ms(); }
  void apply(uint32_t p, std::string node, std::vector<PresenceChange> changes,
             Callback<StoreReport> done) override {
    apply_sizes.push_back(changes.size());
    if (fail_applies > 0) {
      --fail_applies;
      return done(StoreResult<StoreReport>{"not connected to Redis", {}});
    }
    inner_->apply(p, std::move(node), std::move(changes), std::move(done));
  }
  void presence(uint32_t p, std::string ch, Callback<PresenceMapResult> done) override {
    inner_->presence(p, std::move(ch), std::move(done));
  }
  void presence_stats(uint32_t p, std::string ch, Callback<PresenceStats> done) override {
    inner_->presence_stats(p, std::move(ch), std::move(done));
  }
  void sweep(uint32_t p, std::vector<std::string> dead, Callback<StoreReport> done) override {
    inner_->sweep(p, std::move(dead), std::move(done));
  }
  void fire_due(uint32_t p, Callback<StoreReport> done) override {
    inner_->fire_due(p, std::move(done));
  }
  void read(uint32_t p, uint64_t after, size_t max, Callback<LogRead> done) override {
    inner_->read(p, after, max, std::move(done));
  }
  void ack(uint32_t p, uint64_t up_to, Callback<LogStatus> done) override {
    inner_->ack(p, up_to, std::move(done));
  }

 private:
  std::shared_ptr<MemoryPartitionStore> inner_;
};

class PartitionActorTest : public ::testing::Test, public test::DeterministicSystem {
 protected:
  PartitionActorTest() {
    MemoryPartitionStore::Options o;
    o.num_partitions = 4;
    o.limits.vacated_delay_ms = 5000;
    o.clock = [clock = clock_] { return *clock; };
    memory_ = std::make_shared<MemoryPartitionStore>(o);
    store_ = std::make_shared<CountingStore>(memory_);
    auto ctx = std::make_shared<PartitionContext>();
    ctx->store = store_;
    ctx->timers = timers();
    ctx->counters = counters_;
    ctx->gauges = std::make_shared<PartitionGauges>(4);
    sink_actor_ = spawn_sink(sys(), sink_);
    ctx->sink = sink_actor_;
    ctx->node = "node-1";
    ctx->max_batch = 3;
    ctx->retry_jitter = 0;  // exact retry times
    ctx_ = ctx;
  }
  void TearDown() override {
    sink_->held.clear();  // a held promise keeps the sink actor alive
    for (auto& a : actors_) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(ctx_->sink, caf::exit_reason::user_shutdown);
    run();
  }

  partition_actor spawn(uint32_t partition = 0, bool owner = true) {
    auto a = sys().spawn(partition_actor_impl, ctx_, partition, owner);
    actors_.push_back(a);
    run();
    return a;
  }
  /// Store clock and timers move together.
  void tick(std::chrono::milliseconds d) {
    *clock_ += d.count();
    advance(d);
  }
  bool add(const partition_actor& a, const std::string& ch, const std::string& client,
           int64_t ttl_ms = 60000) {
    return ask<bool>(a, pres_add_atom::value, ch, ClientInfo{"u", client, "", ""}, ttl_ms)
        .value_or(false);
  }
  bool rm(const partition_actor& a, const std::string& ch, const std::string& client) {
    return ask<bool>(a, pres_rm_atom::value, ch, ClientInfo{"u", client, "", ""}).value_or(false);
  }
  /// The sink answers the oldest delivery it holds.
  void release(bool ok) {
    caf::anon_send(sink_actor_, released_atom::value, ok);
    run();
  }
  /// Every event delivered so far, in order.
  std::vector<ChannelStateEvent> delivered() const {
    std::vector<ChannelStateEvent> out;
    for (auto& [p, batch] : sink_->calls) out.insert(out.end(), batch.begin(), batch.end());
    return out;
  }
  size_t log_size(uint32_t p = 0) const {
    return memory_->inspect(p, [](const PartitionState& s) { return s.log_size(); });
  }

  std::shared_ptr<int64_t> clock_ = std::make_shared<int64_t>(1'700'000'000'000);
  std::shared_ptr<MemoryPartitionStore> memory_;
  std::shared_ptr<CountingStore> store_;
  std::shared_ptr<ChannelStateCounters> counters_ = std::make_shared<ChannelStateCounters>();
  std::shared_ptr<SinkLog> sink_ = std::make_shared<SinkLog>();
  fake_sink_actor sink_actor_;
  std::shared_ptr<const PartitionContext> ctx_;
  std::vector<partition_actor> actors_;
};

TEST_F(PartitionActorTest, FirstSubscriberIsDeliveredAsOccupied) {
  auto p = spawn(2);
  EXPECT_TRUE(add(p, "chat:a", "c1"));
  ASSERT_EQ(sink_->calls.size(), 1u);
  EXPECT_EQ(sink_->calls[0].first, 2u);
  ASSERT_EQ(sink_->calls[0].second.size(), 1u);
  const auto& ev = sink_->calls[0].second[0];
  EXPECT_EQ(ev.type, Type::occupied);
  EXPECT_EQ(ev.channel, "chat:a");
  EXPECT_EQ(ev.id, "2-1");
  EXPECT_EQ(ev.time_ms, *clock_);
  EXPECT_EQ(log_size(2), 0u);  // acknowledged
  EXPECT_EQ(counters_->emitted, 1u);
  EXPECT_EQ(counters_->queue_length, 0);

  EXPECT_TRUE(add(p, "chat:a", "c2"));  // a second subscriber: nothing
  EXPECT_EQ(sink_->calls.size(), 1u);
}

TEST_F(PartitionActorTest, VacatedAfterTheDelay) {
  auto p = spawn();
  add(p, "ch", "c1");
  EXPECT_TRUE(rm(p, "ch", "c1"));
  tick(4999ms);
  EXPECT_EQ(delivered().size(), 1u);
  tick(1ms);
  auto ev = delivered();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].type, Type::vacated);
  EXPECT_EQ(ev[1].reason, "unsubscribe");
  EXPECT_EQ(ev[1].gen, 2u);
  EXPECT_EQ(ev[1].id, "0-2");
}

TEST_F(PartitionActorTest, ResubscribeWithinTheDelayCancelsVacated) {
  auto p = spawn();
  add(p, "ch", "c1");
  rm(p, "ch", "c1");
  tick(3000ms);
  add(p, "ch", "c1");
  tick(10000ms);
  auto ev = delivered();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, Type::occupied);
}

TEST_F(PartitionActorTest, AFailedRemoveIsKeptAndGoesAgainBeforeNewerWrites) {
  auto p = spawn();
  ASSERT_TRUE(add(p, "ch", "c1"));
  store_->fail_applies = 1;
  EXPECT_FALSE(rm(p, "ch", "c1"));  // the caller hears of the failure...
  // ... and a newer write of the same client waits behind the kept remove.
  caf::anon_send(p, pres_add_atom::value, std::string("ch"), ClientInfo{"u", "c1", "", ""},
                 int64_t{60000});
  run();
  EXPECT_EQ(store_->apply_sizes, (std::vector<size_t>{1, 1}));
  tick(99ms);
  EXPECT_EQ(store_->apply_sizes.size(), 2u);
  tick(1ms);  // retry_min: the remove, then the add, in one call
  EXPECT_EQ(store_->apply_sizes, (std::vector<size_t>{1, 1, 2}));
  tick(10000ms);  // the add cancelled the vacated the remove made due
  ASSERT_EQ(delivered().size(), 1u);

  // Alone, a kept remove vacates the channel once the store is back.
  store_->fail_applies = 2;
  EXPECT_FALSE(rm(p, "ch", "c1"));
  tick(100ms);  // fails again: the backoff doubles
  EXPECT_EQ(store_->apply_sizes.size(), 5u);
  tick(199ms);
  EXPECT_EQ(store_->apply_sizes.size(), 5u);
  tick(1ms);
  EXPECT_EQ(store_->apply_sizes.size(), 6u);
  tick(5000ms);
  auto ev = delivered();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].type, Type::vacated);
  EXPECT_EQ(ev[1].reason, "unsubscribe");
}

TEST_F(PartitionActorTest, DropCarriesItsReason) {
  auto p = spawn();
  add(p, "ch", "c1");
  EXPECT_TRUE(ask<bool>(p, pres_drop_atom::value, std::string("ch"), ClientInfo{"u", "c1", "", ""},
                        StateReason::disconnect)
                  .value_or(false));
  tick(5000ms);
  auto ev = delivered();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].reason, "disconnect");
}

TEST_F(PartitionActorTest, LapsedPresenceVacatesAsPresenceExpired) {
  auto p = spawn();
  add(p, "ch", "c1", /*ttl_ms=*/1000);
  tick(1000ms);  // the sweep timer: the entry lapses, vacated becomes due
  EXPECT_EQ(delivered().size(), 1u);
  tick(5000ms);
  auto ev = delivered();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].reason, "presence_expired");
}

TEST_F(PartitionActorTest, PresenceReads) {
  auto p = spawn();
  add(p, "ch", "c1");
  ask<bool>(p, pres_add_atom::value, std::string("ch"), ClientInfo{"bob", "c2", "", ""},
            int64_t{60000});
  auto m = ask<PresenceMap>(p, presence_atom::value, std::string("ch"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->size(), 2u);
  EXPECT_EQ(m->at("c2").user, "bob");
  auto s = ask<PresenceStats>(p, pres_stat_atom::value, std::string("ch"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->num_clients, 2u);
  EXPECT_EQ(s->num_users, 2u);
}

TEST_F(PartitionActorTest, WritesArrivingTogetherGoInOneStoreCall) {
  auto p = spawn();
  for (int i = 0; i < 10; ++i)
    caf::anon_send(p, pres_add_atom::value, "ch" + std::to_string(i),
                   ClientInfo{"u", "c", "", ""}, int64_t{60000});
  run();
  // The first goes at once; the nine that queued meanwhile go together.
  EXPECT_EQ(store_->apply_sizes, (std::vector<size_t>{1, 9}));
  EXPECT_EQ(delivered().size(), 10u);
}

TEST_F(PartitionActorTest, OneBatchInFlightAndOrderKept) {
  sink_->hold = true;
  auto p = spawn();
  add(p, "a", "c1");
  ASSERT_EQ(sink_->calls.size(), 1u);
  for (auto ch : {"b", "c", "d", "e"}) add(p, ch, "c1");
  EXPECT_EQ(sink_->calls.size(), 1u);  // nothing more while one is in flight
  EXPECT_EQ(log_size(), 5u);           // and nothing acknowledged before the answer
  release(true);
  ASSERT_EQ(sink_->calls.size(), 2u);
  ASSERT_EQ(sink_->calls[1].second.size(), 3u);  // max_batch
  EXPECT_EQ(sink_->calls[1].second[0].channel, "b");
  EXPECT_EQ(sink_->calls[1].second[2].channel, "d");
  EXPECT_EQ(log_size(), 4u);
  release(true);
  ASSERT_EQ(sink_->calls.size(), 3u);
  EXPECT_EQ(sink_->calls[2].second[0].channel, "e");
  release(true);
  EXPECT_EQ(log_size(), 0u);
  std::string order;
  for (auto& e : delivered()) order += e.channel;
  EXPECT_EQ(order, "abcde");
}

TEST_F(PartitionActorTest, FailedDeliveryIsRetriedWithBackoffAndAckedOnlyAfterSuccess) {
  sink_->answers = {false, false};
  auto p = spawn();
  add(p, "a", "c1");
  ASSERT_EQ(sink_->calls.size(), 1u);
  EXPECT_EQ(log_size(), 1u);  // not acknowledged
  EXPECT_EQ(counters_->retried, 1u);
  tick(99ms);
  EXPECT_EQ(sink_->calls.size(), 1u);
  tick(1ms);  // 100 ms: the second attempt, which fails too
  ASSERT_EQ(sink_->calls.size(), 2u);
  EXPECT_EQ(sink_->calls[1].second, sink_->calls[0].second);  // the same events, same ids
  add(p, "b", "c1");  // joins the next attempt
  tick(199ms);
  EXPECT_EQ(sink_->calls.size(), 2u);
  tick(1ms);  // 200 ms: the third attempt succeeds
  ASSERT_EQ(sink_->calls.size(), 3u);
  ASSERT_EQ(sink_->calls[2].second.size(), 2u);
  EXPECT_EQ(sink_->calls[2].second[0].id, "0-1");
  EXPECT_EQ(sink_->calls[2].second[1].channel, "b");
  EXPECT_EQ(log_size(), 0u);
  EXPECT_EQ(counters_->retried, 2u);
}

TEST_F(PartitionActorTest, DeadSinkCountsAsAFailure) {
  caf::anon_send_exit(ctx_->sink, caf::exit_reason::user_shutdown);
  run();
  auto p = spawn();
  add(p, "a", "c1");
  EXPECT_EQ(log_size(), 1u);
  EXPECT_GE(counters_->retried, 1u);
}

TEST_F(PartitionActorTest, CountersShowTheQueue) {
  sink_->hold = true;
  auto p = spawn();
  add(p, "a", "c1");
  add(p, "b", "c1");
  tick(2000ms);
  ctx_->publish_gauges(*clock_);
  EXPECT_EQ(counters_->emitted, 2u);
  EXPECT_EQ(counters_->queue_length, 2);
  EXPECT_EQ(counters_->oldest_undelivered_ms, 2000);
  auto snap = ctx_->snapshot();
  EXPECT_EQ(snap.emitted, 2u);
  EXPECT_EQ(snap.queue_length, 2);
  EXPECT_EQ(snap.oldest_undelivered_ms, 2000);
  sink_->hold = false;
  release(true);
  EXPECT_EQ(counters_->queue_length, 0);
  EXPECT_EQ(counters_->oldest_undelivered_ms, 0);
}

TEST_F(PartitionActorTest, UnwantedEventsAreAcknowledgedWithoutBeingSent) {
  auto ctx = std::make_shared<PartitionContext>(*ctx_);
  ctx->wanted = [](const ChannelStateEvent& e) { return e.type == Type::vacated; };
  ctx_ = ctx;
  auto p = spawn();
  add(p, "a", "c1");
  EXPECT_TRUE(sink_->calls.empty());
  EXPECT_EQ(log_size(), 0u);
  rm(p, "a", "c1");
  tick(5000ms);
  auto ev = delivered();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, Type::vacated);
}

TEST_F(PartitionActorTest, OnlyTheOwnerDeliversAndFiresTimers) {
  auto p = spawn(1, /*owner=*/false);
  add(p, "a", "c1");
  rm(p, "a", "c1");
  tick(10000ms);
  EXPECT_TRUE(sink_->calls.empty());
  EXPECT_EQ(log_size(1), 1u);  // the occupied waits in the store
  caf::anon_send(p, own_atom::value, true);
  run();
  auto ev = delivered();
  ASSERT_EQ(ev.size(), 2u);  // the waiting occupied, then the vacated that was overdue
  EXPECT_EQ(ev[0].type, Type::occupied);
  EXPECT_EQ(ev[1].type, Type::vacated);
}

TEST_F(PartitionActorTest, LosingOwnershipStopsTimersAndDelivery) {
  sink_->answers = {false};
  auto p = spawn();
  add(p, "a", "c1");  // its delivery fails: a retry is armed
  caf::anon_send(p, own_atom::value, false);
  run();
  rm(p, "a", "c1");
  tick(20000ms);
  EXPECT_EQ(sink_->calls.size(), 1u);  // no retry, no vacated: not the owner
  EXPECT_EQ(log_size(), 1u);
  caf::anon_send(p, own_atom::value, true);
  run();
  auto ev = delivered();  // the failed attempt, then from the oldest undelivered on
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[1].type, Type::occupied);
  EXPECT_EQ(ev[1].id, ev[0].id);
  EXPECT_EQ(ev[2].type, Type::vacated);
  EXPECT_EQ(log_size(), 0u);
}

TEST_F(PartitionActorTest, LosingOwnershipWithABatchInFlightGivesItUpInThePool) {
  sink_->hold = true;  // the pool is still retrying it
  auto p = spawn();
  add(p, "a", "c1");
  ASSERT_EQ(sink_->calls.size(), 1u);
  EXPECT_TRUE(sink_->forgotten.empty());
  caf::anon_send(p, own_atom::value, false);
  run();
  ASSERT_EQ(sink_->forgotten, std::vector<uint32_t>{0});
  EXPECT_EQ(counters_->retried.load(), 0u);  // given up, not failed: no retry here either
  tick(60000ms);
  EXPECT_EQ(sink_->calls.size(), 1u);
  EXPECT_EQ(log_size(), 1u);  // not acknowledged: the next owner delivers it
  sink_->hold = false;
  caf::anon_send(p, own_atom::value, true);
  run();
  ASSERT_EQ(sink_->calls.size(), 2u);
  EXPECT_EQ(sink_->calls[1].second[0].id, sink_->calls[0].second[0].id);
  EXPECT_EQ(log_size(), 0u);
}

TEST_F(PartitionActorTest, LostNodesAreSweptByTheOwner) {
  auto p = spawn();
  ask<bool>(p, pres_add_atom::value, std::string("ch"), ClientInfo{"u", "c1", "", ""},
            int64_t{60000});
  // Entries of another node (written through the store, as that node's actor would).
  memory_->apply(0, "node-2",
                 {PresenceChange{PresenceChange::Kind::add, "ch2", {"u", "c9", "", ""}, 60000, {}}},
                 [](StoreResult<StoreReport>) {});
  caf::anon_send(p, nodes_lost_atom::value, std::vector<std::string>{"node-2"});
  run();
  tick(5000ms);
  auto ev = delivered();
  ASSERT_EQ(ev.size(), 3u);  // occupied ch, occupied ch2 (written by node-2), vacated ch2
  EXPECT_EQ(ev[2].channel, "ch2");
  EXPECT_EQ(ev[2].type, Type::vacated);
  EXPECT_EQ(ev[2].reason, "node_lost");
}

// A shared store: another node's writes append events and make vacated events due without
// this actor knowing; the owner's poll finds both, and delivers.
TEST_F(PartitionActorTest, TheOwnerOfASharedStorePollsForOtherNodesWrites) {
  auto ctx = std::make_shared<PartitionContext>(*ctx_);
  ctx->poll_interval = 250ms;
  ctx_ = ctx;
  auto p = spawn();
  auto other_node = [&](PresenceChange::Kind kind) {
    memory_->apply(0, "node-2", {PresenceChange{kind, "ch", {"u", "c9", "", ""}, 60000, {}}},
                   [](StoreResult<StoreReport>) {});
  };
  other_node(PresenceChange::Kind::add);
  tick(249ms);
  EXPECT_TRUE(delivered().empty());
  tick(1ms);  // the poll
  auto ev = delivered();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, Type::occupied);
  other_node(PresenceChange::Kind::remove);
  tick(5000ms);  // due while polling: fired at the first poll after it
  ev = delivered();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].type, Type::vacated);
  EXPECT_EQ(log_size(), 0u);
}

// The gauges sum the partitions this node owns: a non-owner's writes do not count, and a
// partition given up stops counting.
TEST_F(PartitionActorTest, GaugesCountOwnedPartitionsOnly) {
  sink_->hold = true;
  auto owner = spawn(0);
  auto other = spawn(1, /*owner=*/false);
  add(owner, "a", "c1");  // delivery held: one waiting
  add(other, "b", "c1");  // waits in partition 1, another node's to report
  EXPECT_EQ(counters_->queue_length, 1);
  caf::anon_send(owner, own_atom::value, false);
  run();
  EXPECT_EQ(counters_->queue_length, 0);
}

}  // namespace
}  // namespace herald
