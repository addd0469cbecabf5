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
/// Items of removed entries would stay until their deadline (a presence TTL: a minute of
/// connection churn); `compact` drops them once they outnumber the live entries, so memory
/// stays proportional to what is live, at an amortized O(1) per removal.
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

  /// Rebuilds the heap without the items `live(item)` rejects, when more than half of it is
  /// stale (`live_entries` = how many entries the store holds). Returns whether it did.
  template <class Live>
  bool compact(size_t live_entries, Live live) {
    if (items_.size() < kCompactMin || items_.size() <= 2 * live_entries) return false;
    std::erase_if(items_, [&](const Item& i) { return !live(i); });
    std::make_heap(items_.begin(), items_.end(), Later{});
    return true;
  }

 private:
  static constexpr size_t kCompactMin = 1024;  ///< small heaps are not worth a rebuild
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
