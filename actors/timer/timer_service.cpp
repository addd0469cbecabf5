#include "actors/timer/timer_service.hpp"

#include <algorithm>
#include <vector>

namespace herald {

TimerService::TimePoint TimerService::now() const {
  std::lock_guard lock(now_mu_);
  return now_ ? *now_ : Clock::now();
}

size_t TimerService::own_shard() {
  static std::atomic<size_t> next{0};
  thread_local const size_t shard = next.fetch_add(1, std::memory_order_relaxed) % kShards;
  return shard;
}

TimerService::TimerId TimerService::schedule(TimePoint when, Callback cb) {
  const size_t shard = own_shard();
  Shard& s = shards_[shard];
  std::lock_guard lock(s.mu);
  return (s.wheel.add(when, std::move(cb)) << kShardBits) | shard;
}

bool TimerService::cancel(TimerId id) {
  if (id == 0) return false;
  Callback dropped;  // destroyed after the lock is released: it may own actor references
  Shard& s = shards_[id & (kShards - 1)];
  std::lock_guard lock(s.mu);
  return s.wheel.remove(id >> kShardBits, &dropped);
}

size_t TimerService::advance(TimePoint now) {
  {
    std::lock_guard lock(now_mu_);
    if (!now_ || *now_ < now) now_ = now;
  }
  std::vector<TimerWheel::Due> due;
  for (size_t shard = 0; shard < kShards; ++shard) {
    Shard& s = shards_[shard];
    const size_t first = due.size();
    {
      std::lock_guard lock(s.mu);
      s.wheel.collect_due(now, due);
    }
    for (size_t k = first; k < due.size(); ++k) due[k].id = (due[k].id << kShardBits) | shard;
  }
  std::stable_sort(due.begin(), due.end(),
                   [](const TimerWheel::Due& a, const TimerWheel::Due& b) {
                     return a.deadline < b.deadline;
                   });
  for (auto& d : due)
    if (d.callback) d.callback(d.id);
  return due.size();
}

std::optional<TimerService::TimePoint> TimerService::next_deadline() const {
  std::optional<TimePoint> best;
  for (const Shard& s : shards_) {
    std::lock_guard lock(s.mu);
    auto d = s.wheel.next_deadline();
    if (d && (!best || *d < *best)) best = d;
  }
  return best;
}

size_t TimerService::size() const {
  size_t n = 0;
  for (const Shard& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.wheel.size();
  }
  return n;
}

}  // namespace herald
