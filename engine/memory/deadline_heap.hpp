// The clock every memory store takes its time from, and the min-heap of deadlines they share.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace herald::memory {

/// Monotonic time; callers pass `now` into every call so tests never sleep.
using Clock = std::chrono::steady_clock;

/// Min-heap of (deadline, key, generation) with lazy invalidation.
///
/// Design: stores never erase from the heap. When an item becomes due, the store checks it
/// against its live entry: gone or re-created (other generation) ⇒ drop the item; deadline
/// extended ⇒ push again with the new deadline; otherwise expire the entry. So a refresh is
/// O(1) (no heap work), each live entry owns exactly one item, and an expiry costs O(log n).
template <class Key>
class DeadlineHeap {
 public:
  struct Item {
    Clock::time_point when;
    Key key;
    uint64_t generation = 0;
  };

  /// O(log n).
  void push(Clock::time_point when, Key key, uint64_t generation) {
    items_.push_back(Item{when, std::move(key), generation});
    std::push_heap(items_.begin(), items_.end(), Later{});
  }

  /// Removes and returns the earliest item if it is due (`when <= now`). O(log n).
  std::optional<Item> pop_due(Clock::time_point now) {
    if (items_.empty() || items_.front().when > now) return std::nullopt;
    std::pop_heap(items_.begin(), items_.end(), Later{});
    Item item = std::move(items_.back());
    items_.pop_back();
    return item;
  }

  /// Earliest deadline, if any: lets the owner arm a single timer. O(1).
  std::optional<Clock::time_point> next() const {
    if (items_.empty()) return std::nullopt;
    return items_.front().when;
  }

  size_t size() const { return items_.size(); }

 private:
  struct Later {
    bool operator()(const Item& a, const Item& b) const { return a.when > b.when; }
  };
  std::vector<Item> items_;
};

/// Converts a millisecond TTL from the domain types into a deadline.
inline Clock::time_point deadline_after(Clock::time_point now, int64_t ttl_ms) {
  return now + std::chrono::milliseconds(ttl_ms);
}

}  // namespace herald::memory
