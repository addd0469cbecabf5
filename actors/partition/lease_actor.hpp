// The lease actor: one per node when the partitions live in a shared store (Redis). It keeps
// the node's lease alive, takes and renews partition leases so that every partition has
// exactly one owner among the live nodes (each holding about num_partitions / live nodes),
// and tells the partition actors what they own and which nodes are gone.
//
// Each round (every `round_interval`, a quarter of the node lease by default):
//   1. heartbeat: renews the node lease; learns the live and the lapsed nodes. Newly lapsed
//      nodes go to every owned partition as nodes_lost (their entries are removed with reason
//      node_lost); lapsed nodes are sent again every `relost_rounds` rounds while listed (an
//      entry a dying node wrote late is not left behind). A heartbeat error drops every
//      lease of this node (it can no longer prove it holds them).
//   2. renews the leases it holds and probes the others; a lease it failed to renew is
//      given up (own(false)).
//   3. target = ceil(num_partitions / live nodes): above it, releases the surplus (own(false),
//      then the lease is deleted so that another node takes it at its next round); below it,
//      takes free partitions (own(true), then nodes_lost(every lapsed node)).
// A lease is also given up locally when `partition_lease` has passed since the last renewal
// that succeeded was sent (Redis unreachable): the expiry timer checks this between rounds.
// A renewal that finds this node's own lease lapsed (the node or Redis stalled longer than
// the lease) calls `on_lapsed` at once and again one node lease later: the other nodes may
// have removed this node's presence entries as node_lost, and the node writes them again
// (the second call covers a sweep that a node which saw the lapse just before the renewal
// runs after the first rewrite).
//
// Messages:
//   tick()                  -> bool
//       Runs a round now (or joins the one in flight); answers once it is over: true when
//       the heartbeat succeeded. The rounds of the timer are the same without an answer.
//   owned_atom              -> std::vector<uint32_t>
//       The partitions this node holds now, ascending (tests, info).
//   shutdown()              -> bool
//       Gives up and releases every lease, ends the node lease (the other nodes sweep what
//       this node left at their next round), answers true once Redis answered, then quits.
// What it sends: own(bool) and nodes_lost(uids) to the partition actors (partition_actor.hpp).
// Private: task(PartitionTask) runs a backend callback inside the actor; timer(kind, id) is
// one of its TimerService timers (round, expiry, reassert).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "actors/messages.hpp"
#include "actors/partition/leases.hpp"
#include "actors/partition/partition_actor.hpp"
#include "actors/timer/timer_service.hpp"

namespace herald {

using owned_atom = caf::atom_constant<caf::atom("owned")>;

using lease_actor =
    caf::typed_actor<caf::replies_to<tick_atom>::with<bool>,
                     caf::replies_to<owned_atom>::with<std::vector<uint32_t>>,
                     caf::replies_to<shutdown_atom>::with<bool>>;

struct LeaseContext {
  std::shared_ptr<LeaseBackend> backend;
  std::shared_ptr<TimerService> timers;  ///< rounds and expiry (driven by the node's tick)
  std::vector<partition_actor> partitions;  ///< index = partition
  std::string node;  ///< this node's uid (as recorded with its presence entries)
  std::chrono::milliseconds node_lease{5000};
  std::chrono::milliseconds partition_lease{5000};
  std::chrono::milliseconds round_interval{0};  ///< 0: node_lease / 4
  unsigned relost_rounds = 8;
  /// Called inside the actor when this node's lease is found lapsed (see above); may be empty.
  std::function<void()> on_lapsed;
};

/// Timers of the lease actor.
enum class LeaseTimer : uint8_t { round, expiry, reassert };

using lease_actor_impl_type = lease_actor::extend<
    caf::reacts_to<task_atom, PartitionTask>,
    caf::reacts_to<timer_atom, uint8_t, TimerService::TimerId>>;

struct LeaseActorState {
  std::shared_ptr<const LeaseContext> ctx;
  /// Per partition: held, and until when (TimerService clock) the last renewal proves it.
  std::vector<bool> held;
  std::vector<TimerService::TimePoint> valid_until;
  std::set<std::string> lapsed;  ///< lapsed nodes already announced
  bool in_round = false;
  bool round_ok = false;  ///< the heartbeat of the current round succeeded
  std::vector<caf::typed_response_promise<bool>> waiting;  ///< tick()s of the current round
  bool first = true;
  bool stopping = false;
  uint64_t rounds = 0;
  TimerService::TimerId round_timer = 0;
  TimerService::TimerId expiry_timer = 0;
  TimerService::TimerId reassert_timer = 0;  ///< the second on_lapsed after a lapse
  static inline const char* name = "herald.lease";
};

using lease_pointer = lease_actor_impl_type::stateful_pointer<LeaseActorState>;

/// Starts with a round at once.
lease_actor_impl_type::behavior_type lease_actor_impl(lease_pointer self,
                                                      std::shared_ptr<const LeaseContext> ctx);

}  // namespace herald
