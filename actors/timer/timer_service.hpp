// Timers for many small owners (connections), without a CAF delayed message per timer.
//
// Design note: a CAF `delayed_send` keeps a reference to its receiver until it fires, so a
// connection that closed an hour before its token expiry stayed in memory for that hour. Here
// a timer is an entry in a deadline-ordered map that its owner cancels when it goes away, so a
// closed connection frees everything at once. Entries are spread over shards by id, each with
// its own mutex: owners on different worker threads rarely contend. Nothing here has a clock
// of its own: whoever drives the service calls `advance(now)` (an Asio timer in the node
// runtime, the test itself in tests), which makes timer logic testable without sleeping.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

namespace herald {

class TimerService {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;
  /// 0 is never a valid id, so owners can use it for "not armed".
  using TimerId = uint64_t;
  /// What a due timer runs (with its id), outside any lock, on the thread calling advance().
  using Callback = std::function<void(TimerId)>;

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

  /// Fires every timer due at `now`, in deadline order per shard; returns how many fired.
  /// Callbacks may schedule and cancel timers.
  size_t advance(TimePoint now);

  /// The earliest pending deadline, if any.
  std::optional<TimePoint> next_deadline() const;
  /// Timers pending (for metrics and tests).
  size_t size() const;

 private:
  static constexpr size_t kShards = 8;

  struct Shard {
    mutable std::mutex mu;
    std::multimap<TimePoint, std::pair<TimerId, Callback>> by_deadline;
    std::unordered_map<TimerId, decltype(by_deadline)::iterator> by_id;
  };

  Shard& shard_of(TimerId id) { return shards_[id % kShards]; }

  std::array<Shard, kShards> shards_;
  mutable std::mutex now_mu_;
  std::optional<TimePoint> now_;  ///< set by advance(); the clock until then
  std::mutex id_mu_;
  TimerId next_id_ = 1;
};

}  // namespace herald
