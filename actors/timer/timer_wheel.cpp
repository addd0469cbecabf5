#include "actors/timer/timer_wheel.hpp"

#include <algorithm>
#include <stdexcept>

namespace herald {

TimerWheel::TimerWheel(std::chrono::nanoseconds slot_width, uint32_t slots)
    : slot_width_ns_(std::max<int64_t>(1, slot_width.count())),
      heads_(std::max<uint32_t>(1, slots), kNil) {}

int64_t TimerWheel::tick_of(TimePoint t) const {
  const int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  int64_t q = ns / slot_width_ns_;
  if (ns % slot_width_ns_ < 0) --q;  // floor, for time points before the clock's epoch
  return q;
}

uint32_t TimerWheel::allocate() {
  if (free_ == kNil) {
    if (chunks_.size() >= (kNil - 1) / kChunk) throw std::length_error("TimerWheel: too many timers");
    const auto base = static_cast<uint32_t>(chunks_.size() * kChunk);
    chunks_.push_back(std::make_unique<Entry[]>(kChunk));
    // Thread the new entries onto the free list, lowest index first.
    for (uint32_t k = kChunk; k-- > 0;) {
      chunks_.back()[k].next = free_;
      free_ = base + k;
    }
  }
  const uint32_t i = free_;
  free_ = at(i).next;
  return i;
}

void TimerWheel::release(uint32_t i) {
  Entry& e = at(i);
  e.slot = kNil;
  e.prev = kNil;
  e.generation = (e.generation + 1) & kGenerationMask;
  if (e.generation == 0) e.generation = 1;
  e.next = free_;
  free_ = i;
}

void TimerWheel::link(uint32_t slot, uint32_t i) {
  Entry& e = at(i);
  e.slot = slot;
  uint32_t& head = heads_[slot];
  if (head == kNil) {
    e.prev = e.next = i;
    head = i;
    return;
  }
  // Appended at the tail (the head's prev): timers of one deadline fire in the order added.
  Entry& h = at(head);
  const uint32_t tail = h.prev;
  e.prev = tail;
  e.next = head;
  at(tail).next = i;
  h.prev = i;
}

void TimerWheel::unlink(uint32_t i) {
  Entry& e = at(i);
  uint32_t& head = heads_[e.slot];
  if (e.next == i) {
    head = kNil;
  } else {
    at(e.prev).next = e.next;
    at(e.next).prev = e.prev;
    if (head == i) head = e.next;
  }
}

TimerWheel::Id TimerWheel::add(TimePoint when, TimerCallback callback) {
  int64_t tick = tick_of(when);
  // A deadline in a tick already collected goes to the current slot, the next collect's first.
  if (started_ && tick < cursor_) tick = cursor_;
  const uint32_t i = allocate();
  Entry& e = at(i);
  e.deadline = when;
  e.callback = std::move(callback);
  const auto n = static_cast<int64_t>(heads_.size());
  link(static_cast<uint32_t>(((tick % n) + n) % n), i);
  ++size_;
  return (static_cast<Id>(e.generation) << 32) | (static_cast<Id>(i) + 1);
}

bool TimerWheel::remove(Id id, TimerCallback* dropped) {
  const uint64_t low = id & 0xffffffffu;
  if (low == 0 || low > capacity()) return false;
  const auto i = static_cast<uint32_t>(low - 1);
  Entry& e = at(i);
  if (e.slot == kNil || e.generation != (id >> 32)) return false;
  unlink(i);
  if (dropped) *dropped = std::move(e.callback);
  e.callback.reset();
  release(i);
  --size_;
  return true;
}

void TimerWheel::collect_slot(uint32_t slot, TimePoint now, std::vector<Due>& out) {
  uint32_t i = heads_[slot];
  if (i == kNil) return;
  // One pass around the circular list; the tail is fixed before anything is removed.
  const uint32_t tail = at(i).prev;
  for (;;) {
    Entry& e = at(i);
    const uint32_t next = e.next;
    const bool last = i == tail;
    if (e.deadline <= now) {
      unlink(i);
      out.push_back(Due{e.deadline, (static_cast<Id>(e.generation) << 32) | (static_cast<Id>(i) + 1),
                        std::move(e.callback)});
      release(i);
      --size_;
    }
    if (last) break;
    i = next;
  }
}

void TimerWheel::collect_due(TimePoint now, std::vector<Due>& out) {
  const int64_t tick = tick_of(now);
  const auto n = static_cast<int64_t>(heads_.size());
  if (!started_ || tick - cursor_ >= n) {
    // First collect, or time jumped a whole turn: every slot once.
    for (uint32_t s = 0; s < heads_.size(); ++s) collect_slot(s, now, out);
  } else {
    // From the last collect's tick (its slot may hold timers that were not due yet) to now's;
    // when time went back, the last tick's slot alone (where late additions went).
    for (int64_t t = cursor_; t <= std::max(tick, cursor_); ++t)
      collect_slot(static_cast<uint32_t>(((t % n) + n) % n), now, out);
  }
  if (!started_ || tick > cursor_) cursor_ = tick;
  started_ = true;
}

std::optional<TimerWheel::TimePoint> TimerWheel::next_deadline() const {
  std::optional<TimePoint> best;
  for (uint32_t head : heads_) {
    if (head == kNil) continue;
    uint32_t i = head;
    do {
      const Entry& e = at(i);
      if (!best || e.deadline < *best) best = e.deadline;
      i = e.next;
    } while (i != head);
  }
  return best;
}

}  // namespace herald
