// Results of idempotent publishes, so a repeated publish returns the first result.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "engine/memory/deadline_heap.hpp"
#include "engine/types.hpp"

namespace herald::memory {

/// Remembers the StreamPosition of a publish per (channel, idempotency key) for a fixed TTL
/// counted from the first publish (Centrifugo: 300 s; a repeat does not extend it).
/// Not thread-safe: one actor owns an instance and serializes calls.
class IdempotencyCache {
 public:
  static constexpr std::chrono::milliseconds kDefaultTtl{300'000};

  /// ttl: how long a result is remembered; Centrifugo's fixed 300 s by default.
  explicit IdempotencyCache(std::chrono::milliseconds ttl = kDefaultTtl) : ttl_(ttl) {}

  /// The remembered result, unless absent or expired at `now`. O(1) average.
  std::optional<StreamPosition> get(const std::string& channel, const std::string& key,
                                    Clock::time_point now);

  /// Remembers `position` until now + ttl (overwrites a previous result).
  /// O(1) average + O(log n) heap push for a new key.
  void put(const std::string& channel, const std::string& key, StreamPosition position,
           Clock::time_point now);

  /// Forgets expired results; returns how many. O(log n) per result that came due.
  size_t expire(Clock::time_point now);

  size_t size() const { return entries_.size(); }
  /// Earliest pending deadline, to arm a timer instead of polling. O(1).
  std::optional<Clock::time_point> next_deadline() const { return deadlines_.next(); }
  std::chrono::milliseconds ttl() const { return ttl_; }

 private:
  struct Entry {
    StreamPosition position;
    Clock::time_point deadline;
    uint64_t generation = 0;
  };

  /// Length-prefixed so that no (channel, key) pair can collide with another.
  static std::string compose(const std::string& channel, const std::string& key);

  std::chrono::milliseconds ttl_;
  std::unordered_map<std::string, Entry> entries_;
  DeadlineHeap<std::string> deadlines_;
  uint64_t next_generation_ = 1;
};

}  // namespace herald::memory
