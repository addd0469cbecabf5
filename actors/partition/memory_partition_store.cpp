#include "actors/partition/memory_partition_store.hpp"

#include <chrono>

namespace herald {

MemoryPartitionStore::MemoryPartitionStore(Options options) : clock_(std::move(options.clock)) {
  if (!clock_)
    clock_ = [] {
      using namespace std::chrono;
      return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    };
  if (options.num_partitions == 0) options.num_partitions = 1;
  parts_.reserve(options.num_partitions);
  for (uint32_t i = 0; i < options.num_partitions; ++i)
    parts_.push_back(std::make_unique<Part>(i, options));
}

std::string MemoryPartitionStore::bad_partition(uint32_t partition) {
  return "no partition " + std::to_string(partition);
}

LogStatus MemoryPartitionStore::status_of(const PartitionState& s) {
  return LogStatus{s.log_size(), s.oldest_unacked_ms()};
}

template <class F>
StoreResult<StoreReport> MemoryPartitionStore::change(uint32_t partition, F&& f) {
  StoreResult<StoreReport> out;
  if (partition >= parts_.size()) {
    out.error = bad_partition(partition);
    return out;
  }
  Part& p = *parts_[partition];
  std::lock_guard lock(p.mu);
  const uint64_t emitted = p.state.emitted(), dropped = p.state.dropped();
  f(p.state);
  out.value.emitted = p.state.emitted() - emitted;
  out.value.dropped = p.state.dropped() - dropped;
  out.value.next_due_ms = p.state.next_due();
  out.value.log = status_of(p.state);
  return out;
}

void MemoryPartitionStore::apply(uint32_t partition, std::string node,
                                 std::vector<PresenceChange> changes,
                                 Callback<StoreReport> done) {
  const int64_t now = clock_();
  done(change(partition, [&](PartitionState& s) {
    for (const auto& c : changes) {
      if (c.kind == PresenceChange::Kind::add)
        s.add(c.channel, c.info, node, c.ttl_ms, now);
      else
        s.remove(c.channel, c.info.client, c.reason, now);
    }
  }));
}

void MemoryPartitionStore::sweep(uint32_t partition, std::vector<std::string> dead_nodes,
                                 Callback<StoreReport> done) {
  const int64_t now = clock_();
  done(change(partition, [&](PartitionState& s) { s.sweep(now, dead_nodes); }));
}

void MemoryPartitionStore::fire_due(uint32_t partition, Callback<StoreReport> done) {
  const int64_t now = clock_();
  done(change(partition, [&](PartitionState& s) { s.fire_due(now); }));
}

void MemoryPartitionStore::presence(uint32_t partition, std::string channel,
                                    Callback<PresenceMapResult> done) {
  StoreResult<PresenceMapResult> out;
  if (partition >= parts_.size()) {
    out.error = bad_partition(partition);
  } else {
    const int64_t now = clock_();
    out.value =
        inspect(partition, [&](const PartitionState& s) { return s.presence(channel, now); });
  }
  done(std::move(out));
}

void MemoryPartitionStore::presence_stats(uint32_t partition, std::string channel,
                                          Callback<PresenceStats> done) {
  StoreResult<PresenceStats> out;
  if (partition >= parts_.size()) {
    out.error = bad_partition(partition);
  } else {
    const int64_t now = clock_();
    out.value = inspect(partition, [&](const PartitionState& s) { return s.stats(channel, now); });
  }
  done(std::move(out));
}

void MemoryPartitionStore::read(uint32_t partition, uint64_t after, size_t max,
                                Callback<LogRead> done) {
  StoreResult<LogRead> out;
  if (partition >= parts_.size()) {
    out.error = bad_partition(partition);
  } else {
    out.value = inspect(partition, [&](const PartitionState& s) {
      return LogRead{s.read(after, max), status_of(s)};
    });
  }
  done(std::move(out));
}

void MemoryPartitionStore::ack(uint32_t partition, uint64_t up_to, Callback<LogStatus> done) {
  StoreResult<LogStatus> out;
  if (partition >= parts_.size()) {
    out.error = bad_partition(partition);
  } else {
    Part& p = *parts_[partition];
    std::lock_guard lock(p.mu);
    p.state.ack(up_to);
    out.value = status_of(p.state);
  }
  done(std::move(out));
}

}  // namespace herald
