// Retry delays of one partition's deliveries: exponential with "full jitter" — the n-th
// consecutive failure waits a uniform random time in [0, min(max, min·2^(n-1))]. Spreading
// the whole interval (not just a part of it) keeps the retries of many partitions that
// failed together (the endpoint went down) from arriving together when it comes back.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace herald {

class DeliveryBackoff {
 public:
  using ms = std::chrono::milliseconds;

  DeliveryBackoff() : DeliveryBackoff(ms(100), ms(20000)) {}
  DeliveryBackoff(ms min, ms max) : min_(std::max(min, ms(1))), max_(std::max(max, min_)) {}

  /// The upper bound of the next delay: min·2^failures, at most max.
  ms ceiling() const {
    ms d = min_;
    for (unsigned i = 0; i < failures_ && d < max_; ++i) d *= 2;
    return std::min(d, max_);
  }

  /// Counts a failure and returns the delay before the next attempt, uniform in
  /// [0, ceiling()] as it was before this call.
  template <class Rng>
  ms next(Rng& rng) {
    const ms top = ceiling();
    if (failures_ < 64) ++failures_;
    std::uniform_int_distribution<int64_t> pick(0, top.count());
    return ms(pick(rng));
  }

  /// After a success: the next failure starts again from `min`.
  void reset() { failures_ = 0; }
  unsigned failures() const { return failures_; }

 private:
  ms min_;
  ms max_;
  unsigned failures_ = 0;
};

}  // namespace herald
