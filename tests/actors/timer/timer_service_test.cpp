#include "actors/timer/timer_service.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace herald {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(TimerServiceTest, FiresInDeadlineOrderAcrossThreadsShards) {
  TimerService timers;
  const auto t0 = TimerService::TimePoint{} + seconds(100);
  timers.advance(t0);
  std::vector<int> fired;
  std::mutex mu;
  // Each thread arms on its own shard; the order must still be by deadline overall.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int k = 0; k < 10; ++k) {
        int at = k * 4 + t;  // deadlines interleave between the threads
        timers.schedule(t0 + milliseconds(at), [&, at](TimerService::TimerId) {
          std::lock_guard lock(mu);
          fired.push_back(at);
        });
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(timers.size(), 40u);
  EXPECT_EQ(timers.advance(t0 + milliseconds(19)), 20u);
  EXPECT_EQ(timers.advance(t0 + seconds(1)), 20u);
  ASSERT_EQ(fired.size(), 40u);
  for (int k = 0; k < 40; ++k) EXPECT_EQ(fired[k], k);
}

TEST(TimerServiceTest, ACallbackMayCancelAndScheduleTimers) {
  TimerService timers;
  const auto t0 = TimerService::TimePoint{} + seconds(100);
  timers.advance(t0);
  int fired = 0;
  TimerService::TimerId victim = 0;
  TimerService::TimerId later = 0;
  timers.schedule(t0 + milliseconds(10), [&](TimerService::TimerId) {
    ++fired;
    EXPECT_TRUE(timers.cancel(victim));
    later = timers.schedule(t0 + milliseconds(5), [&](TimerService::TimerId) { fired += 100; });
  });
  victim = timers.schedule(t0 + milliseconds(50), [&](TimerService::TimerId) { fired += 10; });
  EXPECT_EQ(timers.advance(t0 + milliseconds(10)), 1u);
  EXPECT_EQ(fired, 1);
  // Scheduled already due from a callback: the next advance fires it.
  EXPECT_EQ(timers.advance(t0 + milliseconds(60)), 1u);
  EXPECT_EQ(fired, 101);
  EXPECT_FALSE(timers.cancel(later));
  EXPECT_EQ(timers.size(), 0u);
}

TEST(TimerServiceTest, CancelReleasesTheCaptureAtOnce) {
  TimerService timers;
  auto owner = std::make_shared<int>(1);
  auto id = timers.schedule_after(std::chrono::hours(1), [owner](TimerService::TimerId) {});
  EXPECT_EQ(owner.use_count(), 2);
  EXPECT_TRUE(timers.cancel(id));
  EXPECT_EQ(owner.use_count(), 1);
  EXPECT_FALSE(timers.cancel(id));
  EXPECT_FALSE(timers.cancel(0));
}

// Arming and cancelling on several threads while another advances: what each thread armed
// and did not cancel fires exactly once, nothing it cancelled fires (also run under TSan by
// scripts/tsan.sh).
TEST(TimerServiceTest, ThreadsArmAndCancelWhileAnotherAdvances) {
  TimerService timers;
  const auto t0 = TimerService::TimePoint{} + seconds(100);
  timers.advance(t0);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  std::vector<std::atomic<int>> fired(kThreads * kPerThread);
  std::vector<std::vector<char>> cancelled(kThreads, std::vector<char>(kPerThread, 0));
  std::atomic<bool> stop{false};
  std::atomic<int64_t> clock_ms{0};
  std::thread driver([&] {
    while (!stop.load()) {
      int64_t ms = clock_ms.fetch_add(1) + 1;
      timers.advance(t0 + milliseconds(ms));
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      std::vector<TimerService::TimerId> ids;
      for (int k = 0; k < kPerThread; ++k) {
        const int slot = t * kPerThread + k;
        ids.push_back(timers.schedule(t0 + milliseconds(clock_ms.load() + k % 50),
                                      [&fired, slot](TimerService::TimerId) { ++fired[slot]; }));
        if (k % 3 == 0) {
          const int victim = k / 2;
          if (timers.cancel(ids[victim])) cancelled[t][victim] = 1;
        }
      }
    });
  for (auto& th : threads) th.join();
  stop = true;
  driver.join();
  timers.advance(t0 + milliseconds(clock_ms.load() + 1000));
  EXPECT_EQ(timers.size(), 0u);
  for (int t = 0; t < kThreads; ++t)
    for (int k = 0; k < kPerThread; ++k)
      EXPECT_EQ(fired[t * kPerThread + k].load(), cancelled[t][k] ? 0 : 1) << t << "/" << k;
}

}  // namespace
}  // namespace herald
