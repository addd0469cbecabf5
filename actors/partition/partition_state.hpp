// The state machine of one channel-state partition, as a plain class (no CAF, no I/O): the
// executable specification of channel state events. The memory store runs it as it is; the
// Redis store's Lua scripts mirror it one script per transition (README.md in this folder
// maps each method to its keys and script).
//
// Design note. A channel is *occupied* from the `occupied` event of its first subscriber until
// its `vacated` event. A channel that is occupied but has no member any more is *pending*:
// its `vacated` is due `vacated_delay_ms` after the last member left, and a member that comes
// back before that cancels it without any event. So, per channel, events can only alternate,
// starting with `occupied`, whatever the order of adds and removes:
//
//     members > 0            ⇒ occupied and not pending
//     occupied, members == 0 ⇔ pending
//
// Generations come from one counter S per partition: `occupied` takes the next odd number
// above S, `vacated` the next even one, and S becomes it. A channel's generations therefore
// grow with each of its transitions without the partition remembering vacated channels, and
// "<partition>-<gen>" identifies one transition for good (the event id).
//
// Events go to an append-only log with positions (seq) 1, 2, 3...; `ack(up_to)` removes what
// the backend has confirmed, so the log holds exactly the events not delivered yet and a new
// reader starts from its head (at-least-once). The log is bounded: appending to a full log
// trims the oldest event, counted in `dropped()` for the caller to log and report.
//
// Times are unix milliseconds passed by the caller (the store's clock). Not thread-safe: one
// owner serializes calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/types.hpp"
#include "proto/state/channel_state.hpp"

namespace herald {

/// Why a presence entry went away; a `vacated` event carries the reason of the removal that
/// left its channel empty.
enum class StateReason : uint8_t { unsubscribe, disconnect, presence_expired, node_lost };

/// "unsubscribe", "disconnect", "presence_expired", "node_lost".
std::string_view to_string(StateReason reason);

/// The partition of a channel: FNV-1a 64 of the channel name (redis::fnv1a64, the hash the
/// Redis shards use too) mod num_partitions. Part of the persistent format: never change it.
uint32_t partition_of(std::string_view channel, uint32_t num_partitions);

/// One event in a partition's log, at position `seq` (1, 2, 3... per partition).
struct LoggedEvent {
  uint64_t seq = 0;
  ChannelStateEvent event;

  friend bool operator==(const LoggedEvent&, const LoggedEvent&) = default;
};

struct PartitionLimits {
  /// Wait after the last member leaves before `vacated`
  /// (engine.*.channel_state.vacated_event_delay).
  int64_t vacated_delay_ms = 5000;
  /// Events kept undelivered per partition; appending beyond it trims the oldest (dropped).
  size_t max_log = 10000;
};

class PartitionState {
 public:
  /// `initial_gen`: the counter S before the first transition (the memory store starts it
  /// from the clock so that generations keep growing across restarts).
  PartitionState(uint32_t partition, PartitionLimits limits, uint64_t initial_gen = 0);

  // -- transitions -------------------------------------------------------------------------

  /// Adds `info.client` to `channel`, or refreshes it (info, node, expiry = now + ttl).
  /// Emits `occupied` when the channel was not occupied; cancels a pending `vacated` without
  /// any event. Returns true when it emitted.
  bool add(const std::string& channel, const ClientInfo& info, const std::string& node,
           int64_t ttl_ms, int64_t now_ms);
  /// Removes a member; when it was the last one, `vacated` becomes due at now + delay with
  /// `reason`. Returns false when the client was not a member (nothing changes).
  bool remove(const std::string& channel, const std::string& client, StateReason reason,
              int64_t now_ms);
  /// Removes members whose expiry has passed (presence_expired) and every member of the
  /// `dead_nodes` (node_lost). Returns how many members it removed.
  size_t sweep(int64_t now_ms, const std::vector<std::string>& dead_nodes = {});
  /// Emits `vacated` for each pending channel whose due time has come. Returns how many.
  size_t fire_due(int64_t now_ms);

  // -- the log -----------------------------------------------------------------------------

  /// Up to `max` logged events with seq > `after`, oldest first.
  std::vector<LoggedEvent> read(uint64_t after, size_t max) const;
  /// Removes the events with seq <= `up_to` (delivered); returns how many.
  size_t ack(uint64_t up_to);
  size_t log_size() const { return log_.size(); }
  /// Time of the oldest event not acknowledged.
  std::optional<int64_t> oldest_unacked_ms() const;

  // -- reads -------------------------------------------------------------------------------

  /// Members of `channel` not expired at `now`, by client id.
  std::map<std::string, ClientInfo> presence(const std::string& channel, int64_t now_ms) const;
  /// Clients and distinct users (anonymous "" counts as one) not expired at `now`.
  PresenceStats stats(const std::string& channel, int64_t now_ms) const;

  // -- bookkeeping -------------------------------------------------------------------------

  /// When sweep() or fire_due() next has work: the earliest member expiry or vacated due.
  std::optional<int64_t> next_due() const;
  bool occupied(const std::string& channel) const { return occupied_.count(channel) > 0; }
  /// The generation of the channel's `occupied` event while it is occupied.
  std::optional<uint64_t> occupied_gen(const std::string& channel) const;
  bool pending(const std::string& channel) const { return pending_.count(channel) > 0; }
  /// Members, expired or not (until swept).
  size_t members(const std::string& channel) const;
  size_t occupied_count() const { return occupied_.size(); }
  size_t pending_count() const { return pending_.size(); }
  uint64_t counter() const { return counter_; }
  /// Events appended since construction, and trimmed from a full log.
  uint64_t emitted() const { return emitted_; }
  uint64_t dropped() const { return dropped_; }
  uint32_t partition() const { return partition_; }

 private:
  struct Member {
    ClientInfo info;
    int64_t expire_at_ms = 0;
    std::string node;
  };
  using Key = std::pair<std::string, std::string>;  ///< (channel, client)
  struct Pending {
    int64_t due_ms = 0;
    StateReason reason = StateReason::unsubscribe;
  };

  uint64_t next_gen(bool odd);
  void emit(const std::string& channel, ChannelStateEvent::Type type, uint64_t gen,
            int64_t now_ms, std::string reason);
  /// Drops a member from every index; makes the channel pending when it was the last one.
  void erase_member(const std::string& channel, const std::string& client, StateReason reason,
                    int64_t now_ms);

  uint32_t partition_;
  PartitionLimits limits_;
  uint64_t counter_;  ///< S: the last generation handed out
  std::unordered_map<std::string, std::unordered_map<std::string, Member>> channels_;
  std::unordered_map<std::string, uint64_t> occupied_;  ///< channel → gen of its `occupied`
  std::unordered_map<std::string, Pending> pending_;
  std::set<std::pair<int64_t, std::string>> pending_by_due_;
  std::set<std::pair<int64_t, Key>> by_expiry_;
  std::unordered_map<std::string, std::set<Key>> by_node_;
  std::deque<LoggedEvent> log_;
  uint64_t next_seq_ = 1;
  uint64_t emitted_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace herald
