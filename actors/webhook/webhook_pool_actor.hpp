// The node's webhook pool: N webhook actors behind one router with the webhook actor's own
// interface, so a partition actor needs one handle (its state_sink_actor) for all of them.
//
//   deliver(partition, ChannelStateBatch) -> bool    delegated to worker partition % N (the
//                                                    worker answers the partition actor)
//   wh_forget(partition)                  -> uint32  delegated to the same worker
//   shutdown()                            -> ()      to every worker, then quits
//
// Keeping a partition on one worker keeps its batches in order; spreading partitions over
// workers spreads the bookkeeping over the scheduler's threads (the waiting is the
// transport's: a worker never blocks).
#pragma once

#include <memory>
#include <vector>

#include "actors/webhook/webhook_actor.hpp"

namespace herald {

struct WebhookPoolState {
  std::vector<webhook_actor> workers;
  static inline const char* name = "herald.webhook_pool";
};

using webhook_pool_pointer = webhook_actor::stateful_pointer<WebhookPoolState>;

/// Spawns `workers` (at least one) webhook actors sharing `ctx`, and routes to them.
webhook_actor::behavior_type webhook_pool_actor_impl(webhook_pool_pointer self,
                                                     std::shared_ptr<const WebhookContext> ctx,
                                                     size_t workers);

}  // namespace herald
