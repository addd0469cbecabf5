// A hashed timer wheel: O(1) arm and cancel, no allocation per timer, one owner at a time
// (TimerService puts one behind each of its shard locks).
//
// Time is cut into slots of `slot_width`; a timer sits in the slot of its deadline, modulo
// the wheel's size, and keeps its exact deadline: it fires on the first collect_due() whose
// `now` reaches that deadline, never early, whatever the slot width. A collect visits only
// the slots of the ticks since the last one (all of them once when time jumped a whole turn),
// so a timer a few turns away is looked at once per turn and passed over.
//
// Entries live in fixed chunks and are reused through a free list; an id names an entry and
// its generation, so cancelling a timer that already fired (and whose entry now holds another
// timer) finds nothing. Chunks are kept once allocated: the wheel's memory is its peak number
// of pending timers (56 bytes each), reused by later timers.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "actors/timer/timer_callback.hpp"

namespace herald {

class TimerWheel {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;
  /// Never 0; below 2^60, so an owner may add a few bits of its own.
  using Id = uint64_t;
  static constexpr int kIdBits = 60;

  struct Due {
    TimePoint deadline;
    Id id;
    TimerCallback callback;
  };

  explicit TimerWheel(std::chrono::nanoseconds slot_width = std::chrono::milliseconds(10),
                      uint32_t slots = 4096);

  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  /// Adds a timer due at `when` (a past `when` is due at the next collect).
  Id add(TimePoint when, TimerCallback callback);

  /// Removes a pending timer and hands its callback to `*dropped` (so the caller can destroy
  /// it outside its lock); false when the timer already fired, was removed, or never was.
  bool remove(Id id, TimerCallback* dropped = nullptr);

  /// Removes every timer due at `now` and appends it to `out`: timers of one deadline in the
  /// order they were added, deadlines in no particular order (the caller sorts).
  void collect_due(TimePoint now, std::vector<Due>& out);

  /// The earliest pending deadline, if any: a scan of every pending timer (for tests).
  std::optional<TimePoint> next_deadline() const;

  /// Timers pending.
  size_t size() const { return size_; }
  /// Entries allocated: the most timers pending at once, rounded up to a chunk.
  size_t capacity() const { return chunks_.size() * kChunk; }

 private:
  static constexpr uint32_t kNil = UINT32_MAX;
  static constexpr uint32_t kChunk = 512;
  static constexpr uint32_t kGenerationMask = (1u << (kIdBits - 32)) - 1;

  struct Entry {
    TimePoint deadline;
    TimerCallback callback;
    uint32_t prev = kNil;  ///< in its slot's circular list
    uint32_t next = kNil;  ///< in its slot's circular list, or the free list
    uint32_t generation = 1;
    uint32_t slot = kNil;  ///< kNil while free
  };

  Entry& at(uint32_t i) { return chunks_[i / kChunk][i % kChunk]; }
  const Entry& at(uint32_t i) const { return chunks_[i / kChunk][i % kChunk]; }
  int64_t tick_of(TimePoint t) const;
  uint32_t allocate();
  void release(uint32_t i);
  void link(uint32_t slot, uint32_t i);
  void unlink(uint32_t i);
  void collect_slot(uint32_t slot, TimePoint now, std::vector<Due>& out);

  const int64_t slot_width_ns_;
  std::vector<uint32_t> heads_;  ///< per slot: first entry, or kNil
  std::vector<std::unique_ptr<Entry[]>> chunks_;
  uint32_t free_ = kNil;
  size_t size_ = 0;
  bool started_ = false;  ///< whether a collect has run (and cursor_ means something)
  int64_t cursor_ = 0;    ///< the tick of the last collect: its slot may hold later timers
};

}  // namespace herald
