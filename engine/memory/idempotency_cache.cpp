#include "engine/memory/idempotency_cache.hpp"

#include <utility>

namespace herald::memory {

std::string IdempotencyCache::compose(const std::string& channel, const std::string& key) {
  std::string out = std::to_string(channel.size());
  out.reserve(out.size() + 1 + channel.size() + key.size());
  out += ':';
  out += channel;
  out += key;
  return out;
}

std::optional<StreamPosition> IdempotencyCache::get(const std::string& channel,
                                                    const std::string& key,
                                                    Clock::time_point now) {
  auto it = entries_.find(compose(channel, key));
  if (it == entries_.end()) return std::nullopt;
  if (it->second.deadline <= now) {
    entries_.erase(it);  // its heap item turns stale and is dropped when due
    return std::nullopt;
  }
  return it->second.position;
}

void IdempotencyCache::put(const std::string& channel, const std::string& key,
                           StreamPosition position, Clock::time_point now) {
  std::string composed = compose(channel, key);
  const Clock::time_point deadline = now + ttl_;
  auto [it, inserted] = entries_.try_emplace(composed);
  Entry& entry = it->second;
  entry.position = std::move(position);
  entry.deadline = deadline;
  if (inserted) {
    entry.generation = next_generation_++;
    deadlines_.push(deadline, std::move(composed), entry.generation);
  }
}

size_t IdempotencyCache::expire(Clock::time_point now) {
  size_t dropped = 0;
  while (auto item = deadlines_.pop_due(now)) {
    auto it = entries_.find(item->key);
    if (it == entries_.end() || it->second.generation != item->generation) continue;
    if (it->second.deadline > now) {
      deadlines_.push(it->second.deadline, std::move(item->key), item->generation);
      continue;
    }
    entries_.erase(it);
    ++dropped;
  }
  return dropped;
}

}  // namespace herald::memory
