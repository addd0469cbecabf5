#include "actors/timer/timer_wheel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "actors/timer/timer_callback.hpp"

namespace herald {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using TimePoint = TimerWheel::TimePoint;

// A small wheel (8 slots of 10 ms: one turn is 80 ms) so tests cross turns quickly.
class TimerWheelTest : public ::testing::Test {
 protected:
  TimerWheel wheel_{milliseconds(10), 8};
  const TimePoint t0_ = TimePoint{} + seconds(1000);
  std::vector<std::string> fired_;

  TimerWheel::Id add(milliseconds at, std::string name) {
    return wheel_.add(t0_ + at, [this, name](uint64_t) { fired_.push_back(name); });
  }
  /// Collects at t0 + `at` and runs what is due, in deadline order (as TimerService does).
  std::vector<std::string> collect(milliseconds at) {
    std::vector<TimerWheel::Due> due;
    wheel_.collect_due(t0_ + at, due);
    std::stable_sort(due.begin(), due.end(),
                     [](const auto& a, const auto& b) { return a.deadline < b.deadline; });
    fired_.clear();
    for (auto& d : due) d.callback(d.id);
    return fired_;
  }
  using Names = std::vector<std::string>;
};

TEST_F(TimerWheelTest, FiresAtItsDeadlineNeverBefore) {
  collect(milliseconds(0));
  add(milliseconds(15), "a");
  EXPECT_EQ(collect(milliseconds(14)), Names{});  // same slot as the deadline, not yet due
  EXPECT_EQ(wheel_.size(), 1u);
  EXPECT_EQ(collect(milliseconds(15)), Names{"a"});
  EXPECT_EQ(collect(milliseconds(500)), Names{});  // once
  EXPECT_EQ(wheel_.size(), 0u);
}

TEST_F(TimerWheelTest, DeadlinesFireInOrderAndOneDeadlineInTheOrderAdded) {
  collect(milliseconds(0));
  add(milliseconds(30), "c");
  add(milliseconds(10), "a1");
  add(milliseconds(20), "b");
  add(milliseconds(10), "a2");
  add(milliseconds(10), "a3");
  EXPECT_EQ(collect(milliseconds(35)), (Names{"a1", "a2", "a3", "b", "c"}));
}

TEST_F(TimerWheelTest, TimersTurnsAwayWaitTheirTurn) {
  collect(milliseconds(0));
  add(milliseconds(85), "next turn");      // the slot of 5 ms, one turn later
  add(milliseconds(805), "ten turns");     // the same slot, ten turns later
  for (int ms = 5; ms < 85; ms += 5) EXPECT_EQ(collect(milliseconds(ms)), Names{}) << ms;
  EXPECT_EQ(collect(milliseconds(85)), Names{"next turn"});
  for (int ms = 90; ms < 805; ms += 7) EXPECT_EQ(collect(milliseconds(ms)), Names{}) << ms;
  EXPECT_EQ(collect(milliseconds(805)), Names{"ten turns"});
}

TEST_F(TimerWheelTest, AJumpOfManyTurnsFiresEverythingDueAndKeepsTheRest) {
  collect(milliseconds(0));
  add(milliseconds(5), "a");
  add(milliseconds(333), "b");
  add(milliseconds(1000), "c");
  add(milliseconds(1001), "d");
  EXPECT_EQ(collect(milliseconds(1000)), (Names{"a", "b", "c"}));
  EXPECT_EQ(collect(milliseconds(1001)), Names{"d"});
}

TEST_F(TimerWheelTest, APastDeadlineFiresAtTheNextCollect) {
  collect(milliseconds(100));
  add(milliseconds(20), "late");  // a tick already collected
  add(milliseconds(100), "now");
  EXPECT_EQ(collect(milliseconds(100)), (Names{"late", "now"}));
}

TEST_F(TimerWheelTest, TimersAddedBeforeTheFirstCollectAreFound) {
  add(milliseconds(-50), "past");
  add(milliseconds(40), "soon");
  add(milliseconds(2000), "later");
  EXPECT_EQ(collect(milliseconds(0)), Names{"past"});
  EXPECT_EQ(collect(milliseconds(40)), Names{"soon"});
  EXPECT_EQ(collect(milliseconds(2000)), Names{"later"});
}

TEST_F(TimerWheelTest, TimeGoingBackFiresNothingNewAndLosesNothing) {
  collect(milliseconds(100));
  add(milliseconds(120), "a");
  EXPECT_EQ(collect(milliseconds(50)), Names{});
  EXPECT_EQ(collect(milliseconds(120)), Names{"a"});
}

TEST_F(TimerWheelTest, RemovedTimersDoNotFireAndTheirCallbackIsHandedBack) {
  collect(milliseconds(0));
  auto owned = std::make_shared<int>(7);
  auto id = wheel_.add(t0_ + milliseconds(10), [owned](uint64_t) {});
  add(milliseconds(10), "kept");
  EXPECT_EQ(owned.use_count(), 2);
  TimerCallback dropped;
  EXPECT_TRUE(wheel_.remove(id, &dropped));
  EXPECT_TRUE(dropped);
  EXPECT_EQ(owned.use_count(), 2);  // the caller decides where the capture dies
  dropped.reset();
  EXPECT_EQ(owned.use_count(), 1);
  EXPECT_FALSE(wheel_.remove(id));  // twice
  EXPECT_EQ(collect(milliseconds(10)), Names{"kept"});
}

TEST_F(TimerWheelTest, AnIdOfAFiredTimerDoesNotRemoveTheTimerThatReusedItsEntry) {
  collect(milliseconds(0));
  auto old_id = add(milliseconds(10), "old");
  EXPECT_EQ(collect(milliseconds(10)), Names{"old"});
  auto new_id = add(milliseconds(20), "new");  // takes the entry "old" had
  EXPECT_NE(new_id, old_id);
  EXPECT_EQ(new_id & 0xffffffffu, old_id & 0xffffffffu);
  EXPECT_FALSE(wheel_.remove(old_id));
  EXPECT_FALSE(wheel_.remove(0));
  EXPECT_FALSE(wheel_.remove(uint64_t{1} << 40 | 99999));  // an entry never allocated
  EXPECT_EQ(collect(milliseconds(20)), Names{"new"});
}

TEST_F(TimerWheelTest, RemovingTheHeadMiddleAndTailOfASlotKeepsTheOthers) {
  collect(milliseconds(0));
  std::vector<TimerWheel::Id> ids;
  for (int k = 0; k < 6; ++k) ids.push_back(add(milliseconds(10), std::to_string(k)));
  EXPECT_TRUE(wheel_.remove(ids[0]));
  EXPECT_TRUE(wheel_.remove(ids[3]));
  EXPECT_TRUE(wheel_.remove(ids[5]));
  EXPECT_EQ(collect(milliseconds(10)), (Names{"1", "2", "4"}));
}

TEST_F(TimerWheelTest, EntriesAreReusedNotGrown) {
  collect(milliseconds(0));
  for (int round = 0; round < 50; ++round) {
    std::vector<TimerWheel::Id> ids;
    for (int k = 0; k < 1000; ++k) ids.push_back(add(milliseconds(10 + k), "x"));
    for (auto id : ids) EXPECT_TRUE(wheel_.remove(id));
  }
  EXPECT_EQ(wheel_.size(), 0u);
  EXPECT_LE(wheel_.capacity(), 1024u);  // the peak of 1000 pending, in 512-entry chunks
}

TEST_F(TimerWheelTest, MatchesASortedListUnderRandomAddsRemovesAndCollects) {
  // The reference: every pending (deadline, sequence) pair; due ones fire in that order.
  std::mt19937 rng(12345);
  struct Pending {
    milliseconds at;
    int seq;
    TimerWheel::Id id;
  };
  std::vector<Pending> pending;
  int seq = 0;
  milliseconds now{0};
  collect(now);
  for (int step = 0; step < 3000; ++step) {
    switch (rng() % 4) {
      case 0:
      case 1: {
        // Mostly near, sometimes many turns away, sometimes already past.
        int64_t d = static_cast<int64_t>(rng() % 5 == 0 ? rng() % 2000 : rng() % 60) - 5;
        milliseconds at = now + milliseconds(d);
        pending.push_back({at, seq, add(at, std::to_string(seq))});
        ++seq;
        break;
      }
      case 2:
        if (!pending.empty()) {
          size_t k = rng() % pending.size();
          EXPECT_TRUE(wheel_.remove(pending[k].id));
          pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(k));
        }
        break;
      case 3: {
        now += milliseconds(rng() % 3 == 0 ? rng() % 400 : rng() % 25);
        std::vector<Pending> due;
        std::vector<Pending> rest;
        for (auto& p : pending) (p.at <= now ? due : rest).push_back(p);
        std::stable_sort(due.begin(), due.end(), [](const Pending& a, const Pending& b) {
          return a.at != b.at ? a.at < b.at : a.seq < b.seq;
        });
        Names expected;
        for (auto& p : due) expected.push_back(std::to_string(p.seq));
        ASSERT_EQ(collect(now), expected) << "step " << step;
        pending = std::move(rest);
        ASSERT_EQ(wheel_.size(), pending.size());
        std::optional<TimePoint> earliest;
        for (auto& p : pending)
          if (!earliest || t0_ + p.at < *earliest) earliest = t0_ + p.at;
        ASSERT_EQ(wheel_.next_deadline(), earliest);
        break;
      }
    }
  }
}

TEST(TimerCallbackTest, SmallCapturesStayInlineAndLargeOnesWork) {
  struct Small {
    std::shared_ptr<int> p;
    uint8_t k;
    void operator()(uint64_t) {}
  };
  EXPECT_TRUE(TimerCallback::stored_inline<Small>);
  std::string big_text(100, 'x');
  uint64_t seen = 0;
  auto big = [big_text, &seen, pad = std::array<char, 64>{}](uint64_t id) {
    seen = id + big_text.size() + pad.size();
  };
  EXPECT_FALSE(TimerCallback::stored_inline<decltype(big)>);
  TimerCallback a(big);
  TimerCallback b(std::move(a));
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  b(1);
  EXPECT_EQ(seen, 1u + 100u + 64u);
  auto counted = std::make_shared<int>(0);
  TimerCallback c([counted](uint64_t) { ++*counted; });
  TimerCallback d;
  d = std::move(c);
  d(0);
  d(0);
  EXPECT_EQ(*counted, 2);
  EXPECT_EQ(counted.use_count(), 2);
  d = TimerCallback();
  EXPECT_EQ(counted.use_count(), 1);
}

}  // namespace
}  // namespace herald
