// Timers for many small owners (connections), without a CAF delayed message per timer.
//
// Design note: a CAF `delayed_send` keeps a reference to its receiver until it fires, so a
// connection that closed an hour before its token expiry stayed in memory for that hour. Here
// a timer is an entry in a timer wheel (timer_wheel.hpp: O(1) arm and cancel, no allocation
// per timer) that its owner cancels when it goes away, so a closed connection holds nothing.
// The service has one wheel per shard, each behind its own mutex, and a thread arms its timers
// on the shard it was given when it first armed one: connections handled on different threads
// rarely meet on a lock, and a cancel from another thread finds the shard in the timer's id.
// Nothing here has a clock of its own: whoever drives the service calls `advance(now)` (an
// Asio timer in the node runtime, the test itself in tests), which makes timer logic testable
// without sleeping.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <utility>

#include "actors/timer/timer_callback.hpp"
#include "actors/timer/timer_wheel.hpp"

namespace herald {

class TimerService {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;
  /// 0 is never a valid id, so owners can use it for "not armed".
  using TimerId = uint64_t;
  /// What a due timer runs (with its id), outside any lock, on the thread calling advance().
  using Callback = TimerCallback;

  /// The current time as the service sees it: the last advance(), or the clock before any.
  TimePoint now() const;

  /// Runs `cb` once `advance()` reaches `when`. Thread-safe.
  TimerId schedule(TimePoint when, Callback cb);
  TimerId schedule_after(std::chrono::milliseconds after, Callback cb) {
    return schedule(now() + after, std::move(cb));
  }
  /// Forgets a timer that has not fired; returns false when it already fired or never was.
  /// The callback (and whatever it captured) is destroyed before this returns.
  bool cancel(TimerId id);

  /// Fires every timer due at `now`, in deadline order (timers of one deadline and shard in
  /// the order they were scheduled); returns how many fired. Callbacks may schedule and
  /// cancel timers; one they schedule already due fires at the next advance().
  size_t advance(TimePoint now);

  /// The earliest pending deadline, if any: a scan of every pending timer (for tests).
  std::optional<TimePoint> next_deadline() const;
  /// Timers pending (for metrics and tests).
  size_t size() const;

 private:
  static constexpr int kShardBits = 3;
  static constexpr size_t kShards = size_t{1} << kShardBits;
  static_assert(TimerWheel::kIdBits + kShardBits <= 64);

  struct Shard {
    mutable std::mutex mu;
    TimerWheel wheel;
  };

  /// The calling thread's shard, assigned round robin on its first use.
  static size_t own_shard();

  std::array<Shard, kShards> shards_;
  mutable std::mutex now_mu_;
  std::optional<TimePoint> now_;  ///< set by advance(); the clock until then
};

}  // namespace herald
