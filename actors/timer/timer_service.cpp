#include "actors/timer/timer_service.hpp"

namespace herald {

TimerService::TimePoint TimerService::now() const {
  std::lock_guard lock(now_mu_);
  return now_ ? *now_ : Clock::now();
}

TimerService::TimerId TimerService::schedule(TimePoint when, Callback cb) {
  TimerId id;
  {
    std::lock_guard lock(id_mu_);
    id = next_id_++;
  }
  Shard& s = shard_of(id);
  std::lock_guard lock(s.mu);
  auto it = s.by_deadline.emplace(when, std::make_pair(id, std::move(cb)));
  s.by_id.emplace(id, it);
  return id;
}

bool TimerService::cancel(TimerId id) {
  if (id == 0) return false;
  Callback dropped;  // destroyed after the lock is released: it may own actor references
  Shard& s = shard_of(id);
  {
    std::lock_guard lock(s.mu);
    auto it = s.by_id.find(id);
    if (it == s.by_id.end()) return false;
    dropped = std::move(it->second->second.second);
    s.by_deadline.erase(it->second);
    s.by_id.erase(it);
  }
  return true;
}

size_t TimerService::advance(TimePoint now) {
  {
    std::lock_guard lock(now_mu_);
    if (!now_ || *now_ < now) now_ = now;
  }
  size_t fired = 0;
  std::vector<std::pair<TimerId, Callback>> due;
  for (Shard& s : shards_) {
    {
      std::lock_guard lock(s.mu);
      auto end = s.by_deadline.upper_bound(now);
      for (auto it = s.by_deadline.begin(); it != end;) {
        due.emplace_back(it->second.first, std::move(it->second.second));
        s.by_id.erase(it->second.first);
        it = s.by_deadline.erase(it);
      }
    }
    for (auto& [id, cb] : due) {
      if (cb) cb(id);
      ++fired;
    }
    due.clear();
  }
  return fired;
}

std::optional<TimerService::TimePoint> TimerService::next_deadline() const {
  std::optional<TimePoint> best;
  for (const Shard& s : shards_) {
    std::lock_guard lock(s.mu);
    if (!s.by_deadline.empty() && (!best || s.by_deadline.begin()->first < *best))
      best = s.by_deadline.begin()->first;
  }
  return best;
}

size_t TimerService::size() const {
  size_t n = 0;
  for (const Shard& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.by_id.size();
  }
  return n;
}

}  // namespace herald
