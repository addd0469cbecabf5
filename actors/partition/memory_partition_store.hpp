// The memory store: every partition's PartitionState in this process, one mutex each. Its
// callbacks run before the call returns, on the caller's thread. Used with the memory engine
// (one node: this node owns every partition) and by the tests.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "actors/partition/partition_store.hpp"

namespace herald {

class MemoryPartitionStore final : public PartitionStore {
 public:
  struct Options {
    uint32_t num_partitions = 128;
    PartitionLimits limits;
    /// The counter S every partition starts from. The node runtime passes the start time in
    /// microseconds, so that generations keep growing across restarts of the process (as
    /// long as a partition makes fewer than a million transitions a second).
    uint64_t initial_gen = 0;
    /// Unix milliseconds; empty: the system clock.
    std::function<int64_t()> clock;
  };

  explicit MemoryPartitionStore(Options options);

  uint32_t num_partitions() const override { return static_cast<uint32_t>(parts_.size()); }
  int64_t now_ms() const override { return clock_(); }

  void apply(uint32_t partition, std::string node, std::vector<PresenceChange> changes,
             Callback<StoreReport> done) override;
  void presence(uint32_t partition, std::string channel,
                Callback<PresenceMapResult> done) override;
  void presence_stats(uint32_t partition, std::string channel,
                      Callback<PresenceStats> done) override;
  void sweep(uint32_t partition, std::vector<std::string> dead_nodes,
             Callback<StoreReport> done) override;
  void fire_due(uint32_t partition, Callback<StoreReport> done) override;
  void read(uint32_t partition, uint64_t after, size_t max, Callback<LogRead> done) override;
  void ack(uint32_t partition, uint64_t up_to, Callback<LogStatus> done) override;

  /// Runs `f` on a partition's state under its lock (tests and diagnostics).
  template <class F>
  auto inspect(uint32_t partition, F&& f) const {
    const Part& p = *parts_.at(partition);
    std::lock_guard lock(p.mu);
    return f(p.state);
  }

 private:
  struct Part {
    Part(uint32_t i, const Options& o) : state(i, o.limits, o.initial_gen) {}
    mutable std::mutex mu;
    PartitionState state;
  };

  /// Runs `f(state)`, which changes the partition, and reports what it emitted and dropped.
  template <class F>
  StoreResult<StoreReport> change(uint32_t partition, F&& f);
  static LogStatus status_of(const PartitionState& s);
  static std::string bad_partition(uint32_t partition);

  std::vector<std::unique_ptr<Part>> parts_;
  std::function<int64_t()> clock_;
};

}  // namespace herald
