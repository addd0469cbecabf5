// Where the partitions' state lives: the port between the partition actors and a backend.
// Two implementations: MemoryPartitionStore (one node, PartitionState in process) and, next,
// a Redis store (one Lua script per transition, every key of a partition hash-tagged `{p}`;
// README.md in this folder lists what it must do).
//
// Asynchronous and callback-based, plain C++ (no CAF): a call returns at once and its
// callback runs exactly once, either before the call returns (memory) or later on another
// thread (Redis). Thread-safe: every partition actor of the node calls the same store.
// Callers keep their own order: a store serializes the calls of one partition in the order
// they are made, and each change of a batch is applied atomically, in order.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/partition/partition_state.hpp"

namespace herald {

/// One presence write of a batch.
struct PresenceChange {
  enum class Kind : uint8_t { add, remove };
  Kind kind = Kind::add;
  std::string channel;
  ClientInfo info;  ///< `info.client` identifies the member
  int64_t ttl_ms = 0;                               ///< add: the entry lapses after it
  StateReason reason = StateReason::unsubscribe;    ///< remove: carried by a `vacated`
};

/// The undelivered part of a partition's log.
struct LogStatus {
  uint64_t backlog = 0;                ///< events not acknowledged
  std::optional<int64_t> oldest_ms;    ///< time of the oldest of them
};

/// What a call did to a partition, for the counters and the owner's timers.
struct StoreReport {
  uint64_t emitted = 0;  ///< events appended to the log
  uint64_t dropped = 0;  ///< events trimmed from a full log (the caller logs and counts them)
  /// When sweep/fire_due next has work (store clock, unix ms); none: nothing will be due.
  std::optional<int64_t> next_due_ms;
  LogStatus log;  ///< the log after the call
};

struct LogRead {
  std::vector<LoggedEvent> events;  ///< oldest first
  LogStatus status;
};

/// A store call's outcome: `error` empty on success (then `value` holds the answer).
template <class T>
struct StoreResult {
  std::string error;
  T value{};
  bool ok() const { return error.empty(); }
};

class PartitionStore {
 public:
  template <class T>
  using Callback = std::function<void(StoreResult<T>)>;
  using PresenceMapResult = std::map<std::string, ClientInfo>;

  virtual ~PartitionStore() = default;

  virtual uint32_t num_partitions() const = 0;
  /// The clock the store stamps events and schedules with (unix ms), as this node reads it.
  virtual int64_t now_ms() const = 0;

  // -- every node ----------------------------------------------------------------------------
  /// Applies presence writes of `node`'s clients in order; each may emit `occupied` (add),
  /// cancel a pending `vacated` (add) or make its channel pending (remove).
  virtual void apply(uint32_t partition, std::string node, std::vector<PresenceChange> changes,
                     Callback<StoreReport> done) = 0;
  virtual void presence(uint32_t partition, std::string channel,
                        Callback<PresenceMapResult> done) = 0;
  virtual void presence_stats(uint32_t partition, std::string channel,
                              Callback<PresenceStats> done) = 0;

  // -- the partition's owner -----------------------------------------------------------------
  /// Removes lapsed entries (presence_expired) and those of `dead_nodes` (node_lost).
  virtual void sweep(uint32_t partition, std::vector<std::string> dead_nodes,
                     Callback<StoreReport> done) = 0;
  /// Emits `vacated` for the pending channels whose delay is over.
  virtual void fire_due(uint32_t partition, Callback<StoreReport> done) = 0;
  /// Up to `max` undelivered events with seq > `after`, oldest first.
  virtual void read(uint32_t partition, uint64_t after, size_t max, Callback<LogRead> done) = 0;
  /// The backend confirmed every event up to `up_to`: they leave the log.
  virtual void ack(uint32_t partition, uint64_t up_to, Callback<LogStatus> done) = 0;
};

using PartitionStorePtr = std::shared_ptr<PartitionStore>;

}  // namespace herald
