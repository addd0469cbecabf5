// Reconnect delays: exponential growth with "equal jitter" (half of each delay fixed, half
// random), so a fleet of clients that lost the same Redis does not reconnect in lockstep.
#pragma once

#include <algorithm>
#include <chrono>
#include <random>

namespace herald::redis {

class Backoff {
 public:
  using ms = std::chrono::milliseconds;
  Backoff(ms min, ms max, unsigned seed = std::random_device{}())
      : min_(std::max(min, ms(1))), max_(std::max(max, min_)), rng_(seed) {}

  /// Delay before the next attempt: d = min(max, min·2^n) for the n-th call since reset(),
  /// returned as d/2 + uniform[0, d/2]. Never below min/2, never above max.
  ms next() {
    ms d = min_;
    for (unsigned i = 0; i < attempt_ && d < max_; ++i) d *= 2;
    d = std::min(d, max_);
    if (attempt_ < 64) ++attempt_;
    std::uniform_int_distribution<long long> jitter(0, d.count() / 2);
    return ms(d.count() - d.count() / 2 + jitter(rng_));
  }
  void reset() { attempt_ = 0; }

 private:
  ms min_, max_;
  unsigned attempt_ = 0;
  std::minstd_rand rng_;
};

}  // namespace herald::redis
