// PartitionState: every transition of a channel-state partition, and a randomized property
// test (fixed seeds) of strict alternation and of the final state matching membership.
#include "actors/partition/partition_state.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

namespace herald {
namespace {

using Type = ChannelStateEvent::Type;

constexpr int64_t kDelay = 5000;
constexpr int64_t kTtl = 60000;

ClientInfo client(const std::string& id, const std::string& user = "u") {
  return ClientInfo{user, id, "", ""};
}

class PartitionStateTest : public ::testing::Test {
 protected:
  PartitionState st{7, PartitionLimits{kDelay, 100}};
  int64_t now = 1'000'000;

  std::vector<ChannelStateEvent> drain() {
    std::vector<ChannelStateEvent> out;
    auto got = st.read(0, 1000);
    for (auto& e : got) out.push_back(e.event);
    if (!got.empty()) st.ack(got.back().seq);
    return out;
  }
};

TEST(PartitionHash, IsStable) {
  // FNV-1a 64 mod n, pinned: the mapping of channels to partitions must never change.
  // fnv1a64("a") = 0xaf63dc4c8601ec8c, fnv1a64("foobar") = 0x85944171f73967e8.
  EXPECT_EQ(partition_of("a", 128), 0x8cu % 128);
  EXPECT_EQ(partition_of("foobar", 1000), 0x85944171f73967e8ull % 1000);
  EXPECT_EQ(partition_of("", 7), 0xcbf29ce484222325ull % 7);
  EXPECT_EQ(partition_of("chat:index", 1), 0u);
}

TEST_F(PartitionStateTest, FirstSubscriberEmitsOccupied) {
  EXPECT_TRUE(st.add("chat:a", client("c1"), "n1", kTtl, now));
  auto ev = drain();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, Type::occupied);
  EXPECT_EQ(ev[0].channel, "chat:a");
  EXPECT_EQ(ev[0].gen, 1u);
  EXPECT_EQ(ev[0].id, "7-1");
  EXPECT_EQ(ev[0].time_ms, now);
  EXPECT_EQ(ev[0].reason, "");
  EXPECT_TRUE(st.occupied("chat:a"));
  EXPECT_EQ(st.occupied_gen("chat:a"), 1u);
}

TEST_F(PartitionStateTest, SecondSubscriberEmitsNothing) {
  st.add("ch", client("c1"), "n1", kTtl, now);
  EXPECT_FALSE(st.add("ch", client("c2"), "n1", kTtl, now));
  EXPECT_FALSE(st.add("ch", client("c1"), "n1", kTtl, now + 10));  // a refresh
  EXPECT_EQ(drain().size(), 1u);
  EXPECT_EQ(st.members("ch"), 2u);
}

TEST_F(PartitionStateTest, TwoSubscribersOneLeaves) {
  st.add("ch", client("c1"), "n1", kTtl, now);
  st.add("ch", client("c2"), "n1", kTtl, now);
  drain();
  EXPECT_TRUE(st.remove("ch", "c1", StateReason::unsubscribe, now));
  EXPECT_FALSE(st.pending("ch"));
  EXPECT_EQ(st.fire_due(now + 10 * kDelay), 0u);
  EXPECT_TRUE(drain().empty());
  EXPECT_TRUE(st.occupied("ch"));
}

TEST_F(PartitionStateTest, LastLeavesThenVacatedAfterDelay) {
  st.add("ch", client("c1"), "n1", kTtl, now);
  drain();
  EXPECT_TRUE(st.remove("ch", "c1", StateReason::unsubscribe, now));
  EXPECT_TRUE(st.pending("ch"));
  EXPECT_EQ(st.next_due(), now + kDelay);
  EXPECT_EQ(st.fire_due(now + kDelay - 1), 0u);
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(st.fire_due(now + kDelay), 1u);
  auto ev = drain();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, Type::vacated);
  EXPECT_EQ(ev[0].gen, 2u);
  EXPECT_EQ(ev[0].id, "7-2");
  EXPECT_EQ(ev[0].reason, "unsubscribe");
  EXPECT_EQ(ev[0].time_ms, now + kDelay);
  EXPECT_FALSE(st.occupied("ch"));
  EXPECT_FALSE(st.pending("ch"));
  EXPECT_EQ(st.next_due(), std::nullopt);
}

TEST_F(PartitionStateTest, ResubscribeDuringDelayCancelsVacated) {
  st.add("ch", client("c1"), "n1", kTtl, now);
  st.remove("ch", "c1", StateReason::disconnect, now);
  EXPECT_FALSE(st.add("ch", client("c1"), "n1", kTtl, now + kDelay - 1));
  EXPECT_FALSE(st.pending("ch"));
  EXPECT_EQ(st.fire_due(now + 10 * kDelay), 0u);
  auto ev = drain();
  ASSERT_EQ(ev.size(), 1u);  // the first occupied only
  EXPECT_EQ(ev[0].type, Type::occupied);
}

TEST_F(PartitionStateTest, ReoccupiedAfterVacatedGetsHigherGen) {
  st.add("ch", client("c1"), "n1", kTtl, now);
  st.remove("ch", "c1", StateReason::unsubscribe, now);
  st.fire_due(now + kDelay);
  st.add("ch", client("c2"), "n1", kTtl, now + kDelay + 1);
  auto ev = drain();
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[2].type, Type::occupied);
  EXPECT_EQ(ev[2].gen, 3u);
}

TEST_F(PartitionStateTest, GenerationsComeFromOnePartitionCounter) {
  st.add("a", client("c1"), "n1", kTtl, now);  // S: 0 → 1
  st.add("b", client("c2"), "n1", kTtl, now);  // 1 → 3
  st.remove("a", "c1", StateReason::unsubscribe, now);
  st.fire_due(now + kDelay);                   // 3 → 4
  st.add("c", client("c3"), "n1", kTtl, now);  // 4 → 5
  auto ev = drain();
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[0].gen, 1u);
  EXPECT_EQ(ev[1].gen, 3u);
  EXPECT_EQ(ev[2].gen, 4u);
  EXPECT_EQ(ev[2].channel, "a");
  EXPECT_EQ(ev[3].gen, 5u);
  EXPECT_EQ(st.counter(), 5u);
}

TEST_F(PartitionStateTest, InitialCounterSeedsGenerations) {
  PartitionState seeded{0, PartitionLimits{kDelay, 10}, 1'700'000'000'000'000};
  seeded.add("a", client("c1"), "n1", kTtl, now);
  auto got = seeded.read(0, 10);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].event.gen, 1'700'000'000'000'001u);
}

TEST_F(PartitionStateTest, RemoveOfUnknownClientChangesNothing) {
  EXPECT_FALSE(st.remove("ch", "nobody", StateReason::unsubscribe, now));
  st.add("ch", client("c1"), "n1", kTtl, now);
  EXPECT_FALSE(st.remove("ch", "nobody", StateReason::unsubscribe, now));
  EXPECT_FALSE(st.pending("ch"));
}

TEST_F(PartitionStateTest, VacatedCarriesTheReasonOfTheLastRemoval) {
  st.add("ch", client("c1"), "n1", kTtl, now);
  st.add("ch", client("c2"), "n1", kTtl, now);
  st.remove("ch", "c1", StateReason::unsubscribe, now);
  st.remove("ch", "c2", StateReason::disconnect, now);
  st.fire_due(now + kDelay);
  auto ev = drain();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].reason, "disconnect");
}

TEST_F(PartitionStateTest, LapsedPresenceIsSweptAsPresenceExpired) {
  st.add("ch", client("c1"), "n1", 1000, now);
  EXPECT_EQ(st.next_due(), now + 1000);
  EXPECT_EQ(st.sweep(now + 999), 0u);
  EXPECT_EQ(st.presence("ch", now + 999).size(), 1u);
  EXPECT_TRUE(st.presence("ch", now + 1000).empty());  // reads never see lapsed entries
  EXPECT_EQ(st.stats("ch", now + 1000).num_clients, 0u);
  EXPECT_EQ(st.sweep(now + 1000), 1u);
  EXPECT_TRUE(st.pending("ch"));
  EXPECT_EQ(st.next_due(), now + 1000 + kDelay);
  st.fire_due(now + 1000 + kDelay);
  auto ev = drain();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].reason, "presence_expired");
}

TEST_F(PartitionStateTest, RefreshPushesExpiryBack) {
  st.add("ch", client("c1"), "n1", 1000, now);
  st.add("ch", client("c1"), "n1", 1000, now + 900);
  EXPECT_EQ(st.sweep(now + 1500), 0u);
  EXPECT_EQ(st.next_due(), now + 1900);
}

TEST_F(PartitionStateTest, LostNodeTakesItsEntriesOnly) {
  st.add("a", client("c1"), "dead", kTtl, now);
  st.add("a", client("c2"), "alive", kTtl, now);
  st.add("b", client("c3"), "dead", kTtl, now);
  drain();
  EXPECT_EQ(st.sweep(now, {"dead"}), 2u);
  EXPECT_FALSE(st.pending("a"));
  EXPECT_TRUE(st.pending("b"));
  st.fire_due(now + kDelay);
  auto ev = drain();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].channel, "b");
  EXPECT_EQ(ev[0].reason, "node_lost");
  EXPECT_EQ(st.sweep(now, {"dead"}), 0u);
}

TEST_F(PartitionStateTest, EntryMovedToAnotherNodeIsNotLostWithTheOld) {
  st.add("a", client("c1"), "n1", kTtl, now);
  st.add("a", client("c1"), "n2", kTtl, now);  // the same client id, now through n2
  EXPECT_EQ(st.sweep(now, {"n1"}), 0u);
  EXPECT_EQ(st.sweep(now, {"n2"}), 1u);
}

TEST_F(PartitionStateTest, PresenceAndStats) {
  st.add("ch", client("c1", "alice"), "n1", kTtl, now);
  st.add("ch", client("c2", "alice"), "n1", kTtl, now);
  st.add("ch", client("c3", ""), "n1", kTtl, now);
  auto p = st.presence("ch", now);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p["c1"].user, "alice");
  auto s = st.stats("ch", now);
  EXPECT_EQ(s.num_clients, 3u);
  EXPECT_EQ(s.num_users, 2u);
  EXPECT_TRUE(st.presence("other", now).empty());
}

TEST_F(PartitionStateTest, ReadAfterAndAck) {
  for (int i = 0; i < 5; ++i) st.add("ch" + std::to_string(i), client("c"), "n1", kTtl, now);
  auto first = st.read(0, 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].seq, 1u);
  EXPECT_EQ(first[1].seq, 2u);
  auto next = st.read(2, 10);
  ASSERT_EQ(next.size(), 3u);
  EXPECT_EQ(next[0].seq, 3u);
  EXPECT_EQ(st.ack(2), 2u);
  EXPECT_EQ(st.log_size(), 3u);
  EXPECT_EQ(st.read(0, 10).front().seq, 3u);  // the head is the oldest unacknowledged
  EXPECT_EQ(st.oldest_unacked_ms(), now);
  EXPECT_EQ(st.ack(100), 3u);
  EXPECT_EQ(st.oldest_unacked_ms(), std::nullopt);
  EXPECT_TRUE(st.read(0, 10).empty());
}

TEST_F(PartitionStateTest, FullLogDropsTheOldestAndCountsIt) {
  PartitionState small{0, PartitionLimits{kDelay, 3}};
  for (int i = 0; i < 5; ++i) small.add("ch" + std::to_string(i), client("c"), "n1", kTtl, now);
  EXPECT_EQ(small.emitted(), 5u);
  EXPECT_EQ(small.dropped(), 2u);
  auto got = small.read(0, 10);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].event.channel, "ch2");
  EXPECT_EQ(got[0].seq, 3u);
  // The state went on regardless: every channel is occupied.
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(small.occupied("ch" + std::to_string(i)));
}

// -- property ---------------------------------------------------------------------------------

// Random adds, refreshes, removes (every reason), sweeps with lost nodes, fire_due and time
// jumps over a few channels, clients and nodes. After every step the invariants hold; the log,
// read in order, alternates strictly per channel starting with `occupied`, odd gens for
// occupied and even for vacated, growing; and once everything due has fired, a channel is
// occupied (its last event is `occupied`) exactly when it has members.
TEST(PartitionStateProperty, AlternationHoldsUnderAnyInterleaving) {
  for (uint32_t seed : {1u, 2u, 3u, 42u, 1234u, 99991u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
    PartitionState st{3, PartitionLimits{200, 1000000}};
    int64_t now = 0;
    std::map<std::string, std::set<std::string>> live;  // channel → clients (model)
    std::map<std::string, std::pair<Type, uint64_t>> last;  // channel → its last event
    uint64_t last_gen = 0;
    uint64_t read_upto = 0;
    const std::vector<std::string> nodes{"n1", "n2", "n3"};
    std::map<std::pair<std::string, std::string>, std::string> node_of;

    auto check_log = [&] {
      for (auto& e : st.read(read_upto, 1000000)) {
        read_upto = e.seq;
        const auto& ev = e.event;
        ASSERT_GT(ev.gen, last_gen);
        last_gen = ev.gen;
        auto it = last.find(ev.channel);
        if (ev.type == Type::occupied) {
          ASSERT_EQ(ev.gen % 2, 1u);
          ASSERT_TRUE(it == last.end() || it->second.first == Type::vacated) << ev.channel;
        } else {
          ASSERT_EQ(ev.gen % 2, 0u);
          ASSERT_TRUE(it != last.end() && it->second.first == Type::occupied) << ev.channel;
          ASSERT_FALSE(ev.reason.empty());
        }
        last[ev.channel] = {ev.type, ev.gen};
      }
      if (pick(3) == 0) st.ack(read_upto);
    };

    for (int step = 0; step < 4000; ++step) {
      const std::string ch = "ch" + std::to_string(pick(6));
      const std::string cl = "c" + std::to_string(pick(5));
      switch (pick(8)) {
        case 0:
        case 1:
        case 2: {
          const std::string node = nodes[static_cast<size_t>(pick(3))];
          st.add(ch, ClientInfo{"u", cl, "", ""}, node, 50 + pick(500), now);
          live[ch].insert(cl);
          node_of[{ch, cl}] = node;
          break;
        }
        case 3:
        case 4:
          st.remove(ch, cl, pick(2) ? StateReason::unsubscribe : StateReason::disconnect, now);
          live[ch].erase(cl);
          break;
        case 5: {
          std::vector<std::string> dead;
          if (pick(4) == 0) dead.push_back(nodes[static_cast<size_t>(pick(3))]);
          st.sweep(now, dead);
          // The model follows: what the state still has is what is alive.
          for (auto& [c, clients] : live)
            for (auto it = clients.begin(); it != clients.end();)
              it = st.presence(c, now).count(*it) ? std::next(it) : clients.erase(it);
          break;
        }
        case 6:
          st.fire_due(now);
          break;
        case 7:
          now += pick(300);
          break;
      }
      // Invariants: members ⇒ occupied and not pending; occupied and empty ⇔ pending.
      for (int i = 0; i < 6; ++i) {
        const std::string c = "ch" + std::to_string(i);
        if (st.members(c) > 0) {
          ASSERT_TRUE(st.occupied(c));
          ASSERT_FALSE(st.pending(c));
        } else {
          ASSERT_EQ(st.pending(c), st.occupied(c));
        }
      }
      check_log();
      if (HasFatalFailure()) return;
    }
    // Quiet: whoever the model says is subscribed keeps refreshing; every delay passes.
    for (const auto& [c, clients] : live)
      for (const auto& cl : clients) st.add(c, ClientInfo{"u", cl, "", ""}, "n1", 1000000, now);
    now += 1000;
    st.sweep(now);
    st.fire_due(now);
    check_log();
    for (int i = 0; i < 6; ++i) {
      const std::string c = "ch" + std::to_string(i);
      const bool subscribed = !live[c].empty();
      auto it = last.find(c);
      const bool last_occupied = it != last.end() && it->second.first == Type::occupied;
      EXPECT_EQ(last_occupied, subscribed) << c;
      EXPECT_EQ(st.occupied(c), subscribed) << c;
      EXPECT_EQ(st.members(c), live[c].size()) << c;
    }
  }
}

}  // namespace
}  // namespace herald
