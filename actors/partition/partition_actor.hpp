// A partition actor per channel-state partition on every node: it serializes the presence
// writes of its channels (those of namespaces with `state_proxy_enabled`) into batched store
// calls, and, on the node that owns the partition, runs its timers and hands its events to
// the webhook pool in order. The state machine itself is PartitionState, behind the store.
//
// Presence of the partition's channels: the engine's presence messages, with the same answers,
// so a connection subscribes the same way whichever actor keeps its channel's presence
//   pres_add(channel, ClientInfo, ttl_ms)        -> true | error 100
//       Adds or refreshes an entry (may emit `occupied`, cancels a pending `vacated`).
//       Answered once the store applied it.
//   pres_rm(channel, ClientInfo)                 -> true | error 100
//       pres_drop(..., unsubscribe).
//   A remove the store failed (Redis unreachable) is answered with error 100 and still kept:
//   it goes again after a backoff, before any newer write (nobody else would repeat it: its
//   client has unsubscribed or gone).
//   pres_drop(channel, ClientInfo, StateReason)  -> true | error 100
//       Removes an entry; the last one makes `vacated` due after the delay, with `reason`.
//   presence(channel)                            -> PresenceMap | error 100
//   pres_stat(channel)                           -> PresenceStats | error 100
//
// Ownership: the seam for node leases (Redis). With the memory engine the node owns every
// partition from the start.
//   own(bool)                                    -> ()
//       This node now owns the partition (sweeps, fires due vacated events, delivers: from
//       the oldest undelivered event on), or no longer does (its timers stop).
//   nodes_lost(node uids)                        -> ()
//       Owner: those nodes are gone; their entries are removed with reason node_lost.
//
// What it sends: deliver(partition, ChannelStateBatch) to the webhook pool (state_sink_actor),
// one batch at a time per partition, oldest events first. `true` = the backend confirmed:
// the events are acknowledged in the store and the next batch goes. `false`, an error or
// a timeout: the same events (and maybe more) go again after a backoff (100 ms doubling up to
// 20 s by default), so delivery is at-least-once and in order; ids let the backend drop
// repeats. On losing ownership with a batch in flight it sends wh_forget(partition): the pool
// stops retrying that batch (the new owner delivers from the oldest unacknowledged event).
//
// Private: task(PartitionTask) runs a store callback inside the actor; timer(kind, id) is
// one of its TimerService timers.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/messages.hpp"
#include "actors/partition/partition_store.hpp"
#include "actors/timer/timer_service.hpp"

namespace herald {

/// The presence messages the engine and the partition actors both answer.
using presence_actor =
    caf::typed_actor<caf::replies_to<pres_add_atom, std::string, ClientInfo, int64_t>::with<bool>,
                     caf::replies_to<pres_rm_atom, std::string, ClientInfo>::with<bool>,
                     caf::replies_to<presence_atom, std::string>::with<PresenceMap>,
                     caf::replies_to<pres_stat_atom, std::string>::with<PresenceStats>>;

using partition_actor = presence_actor::extend<
    caf::replies_to<pres_drop_atom, std::string, ClientInfo, StateReason>::with<bool>,
    caf::reacts_to<own_atom, bool>, caf::reacts_to<nodes_lost_atom, std::vector<std::string>>>;

/// Where batches go: the webhook pool (actors/webhook), or a fake in tests.
using state_sink_actor =
    caf::typed_actor<caf::replies_to<deliver_atom, uint32_t, ChannelStateBatch>::with<bool>,
                     caf::replies_to<wh_forget_atom, uint32_t>::with<uint32_t>>;

/// Undelivered events per partition, summed into ChannelStateCounters' gauges.
class PartitionGauges {
 public:
  explicit PartitionGauges(uint32_t num_partitions);
  /// What a partition has left undelivered.
  void set(uint32_t partition, const LogStatus& status);
  uint64_t queue_length() const;
  /// Time of the oldest undelivered event over all partitions (unix ms).
  std::optional<int64_t> oldest_ms() const;

 private:
  std::unique_ptr<std::atomic<uint64_t>[]> backlog_;
  std::unique_ptr<std::atomic<int64_t>[]> oldest_;  ///< 0 = none
  uint32_t n_;
};

/// The node's channel state counters at one moment, for `info` (and later /metrics).
struct ChannelStateSnapshot {
  uint64_t emitted = 0, delivered = 0, retried = 0, dropped = 0, batches = 0;
  uint64_t last_batch_size = 0;
  int64_t queue_length = 0;           ///< events waiting, over the partitions this node owns
  int64_t oldest_undelivered_ms = 0;  ///< age of the oldest of them (0: none)
};

/// What every partition actor of the node shares.
struct PartitionContext {
  PartitionStorePtr store;
  std::shared_ptr<TimerService> timers;
  std::shared_ptr<ChannelStateCounters> counters;
  std::shared_ptr<PartitionGauges> gauges;
  state_sink_actor sink;  ///< invalid: events wait in the store (bounded) until one is set
  std::string node;       ///< this node's uid, recorded with each presence entry
  /// Whether an event goes to the backend (a namespace's `state_events`); empty: all do.
  /// Events it refuses are acknowledged without being sent.
  std::function<bool(const ChannelStateEvent&)> wanted;
  size_t max_batch = 100;  ///< events per deliver
  /// Owner: also look at the store this often (0 = never). The memory store needs no polling:
  /// every write passes through this actor. A shared store (Redis) does: other nodes' writes
  /// make vacated events due and append events.
  std::chrono::milliseconds poll_interval{0};
  std::chrono::milliseconds retry_min{100};  ///< first wait after a failed delivery
  std::chrono::milliseconds retry_max{20000};
  double retry_jitter = 0.2;  ///< a retry waits [1 - jitter, 1] × the backoff
  /// How long a deliver may take before it counts as failed; 0 = no limit (the pool answers
  /// or dies).
  std::chrono::milliseconds deliver_timeout{0};
  /// After a store error, housekeeping is tried again this much later.
  std::chrono::milliseconds store_retry{1000};

  /// Refreshes the counters' queue_length and oldest_undelivered_ms (age at `now_ms`).
  void publish_gauges(int64_t now_ms) const;
  /// The counters now (gauges refreshed first).
  ChannelStateSnapshot snapshot() const;
};

/// A store callback to run inside the partition actor.
struct PartitionTask {
  std::function<void()> run;
};

/// Timers of a partition actor.
enum class PartitionTimer : uint8_t { due, retry, write_retry };

using partition_actor_impl_type = partition_actor::extend<
    caf::reacts_to<task_atom, PartitionTask>,
    caf::reacts_to<timer_atom, uint8_t, TimerService::TimerId>>;

struct PartitionActorState {
  std::shared_ptr<const PartitionContext> ctx;
  uint32_t partition = 0;
  bool owner = false;
  struct Write {
    PresenceChange change;
    caf::typed_response_promise<bool> rp;
  };
  std::vector<Write> queued;  ///< writes waiting for the store call in flight
  bool writing = false;       ///< a store apply is in flight
  /// Removes whose store call failed wait at the head of `queued` for this timer (nothing
  /// newer is written before them); the backoff doubles as the delivery's does.
  TimerService::TimerId write_retry_timer = 0;
  std::chrono::milliseconds write_backoff{0};
  bool housekeeping = false;  ///< sweep + fire_due in flight
  std::vector<std::string> lost_nodes;  ///< to sweep at the next housekeeping
  bool housekeep_again = false;
  bool delivering = false;  ///< read → deliver → ack in flight, or waiting to retry
  std::chrono::milliseconds backoff{0};
  TimerService::TimerId due_timer = 0;
  int64_t due_at_ms = 0;  ///< store clock, while due_timer is armed
  TimerService::TimerId retry_timer = 0;
  uint64_t retry_seed = 0;
  static inline const char* name = "herald.partition";
};

using partition_pointer = partition_actor_impl_type::stateful_pointer<PartitionActorState>;

partition_actor_impl_type::behavior_type partition_actor_impl(
    partition_pointer self, std::shared_ptr<const PartitionContext> ctx, uint32_t partition,
    bool owner);

}  // namespace herald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::StateReason)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::PartitionTask)
