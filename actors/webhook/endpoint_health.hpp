// Whether the state proxy endpoint is failing, shared by every webhook actor of the node, so
// that a failing endpoint is logged once when it starts failing and once when it recovers —
// not once per attempt of every partition. Lock-free.
#pragma once

#include <atomic>
#include <cstdint>

namespace herald {

class EndpointHealth {
 public:
  /// A failed attempt. True for the first failure after a success (or the start): the caller
  /// logs "failing".
  bool on_failure() {
    failed_attempts_.fetch_add(1, std::memory_order_relaxed);
    return !failing_.exchange(true, std::memory_order_acq_rel);
  }

  /// A successful attempt. True when the endpoint was failing: the caller logs "recovered",
  /// with `*failed_attempts` the attempts that failed meanwhile.
  bool on_success(uint64_t* failed_attempts = nullptr) {
    if (!failing_.exchange(false, std::memory_order_acq_rel)) return false;
    const uint64_t n = failed_attempts_.exchange(0, std::memory_order_relaxed);
    if (failed_attempts) *failed_attempts = n;
    return true;
  }

  bool failing() const { return failing_.load(std::memory_order_acquire); }

 private:
  std::atomic<bool> failing_{false};
  std::atomic<uint64_t> failed_attempts_{0};
};

}  // namespace herald
