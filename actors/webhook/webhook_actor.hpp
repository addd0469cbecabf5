// A webhook actor delivers channel state batches to the backend through a ChannelStateSender
// (HTTP or gRPC, transport/webhook) and retries each one until the backend acknowledges it.
// The node runs a pool of them behind one router (webhook_pool_actor.hpp): partition p is
// always served by worker p % N, so one partition's batches stay in order. A worker has many
// batches in flight at once, for different partitions; a partition that fails waits out its
// own backoff without holding up the others.
//
// From partition actors (through the pool)
//   deliver(partition, ChannelStateBatch)  -> bool
//       Queued behind the partition's earlier batches (one in flight per partition), then
//       sent. Answered `true` once the backend acknowledged it. A failed attempt (connect
//       error, timeout, non-200, `error` in the answer) is retried with the SAME batch after
//       a full-jitter exponential backoff: uniform in [0, 100 ms], [0, 200 ms], ... up to
//       [0, 20 s]; the partition's backoff restarts after a success. Answered `false` only
//       when the batch is given up: forget() or shutdown(). An empty batch is answered
//       `true` at once, nothing is sent.
//   wh_forget(partition)                   -> uint32
//       Gives up the partition's batches (the one in flight too: its outcome is ignored),
//       answers them `false` and returns how many there were. For a partition this node no
//       longer owns.
//   shutdown()                             -> ()
//       Gives up every batch (answered `false`), cancels the retry timers, quits.
//
// Private
//   wh_sent(partition, attempt, ok, error) -> ()
//       The sender's verdict on an attempt, sent by the transport thread that got it: the
//       response promise is only ever touched here, on the actor.
//   timer(partition, attempt)              -> ()
//       The partition's backoff ran out (TimerService, driven by advance()).
//
// Counters (ChannelStateCounters): `retried` +1 per failed attempt; on success `batches` +1,
// `delivered` += events, `last_batch_size` = events. A failing endpoint is logged once when
// it starts failing and once when it recovers (EndpointHealth, shared by the pool).
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>

#include "actors/messages.hpp"
#include "actors/timer/timer_service.hpp"
#include "actors/webhook/delivery_backoff.hpp"
#include "actors/webhook/endpoint_health.hpp"
#include "proto/state/channel_state.hpp"

namespace herald {

using wh_sent_atom = caf::atom_constant<caf::atom("wh_sent")>;

using webhook_actor =
    caf::typed_actor<caf::replies_to<deliver_atom, uint32_t, ChannelStateBatch>::with<bool>,
                     caf::replies_to<wh_forget_atom, uint32_t>::with<uint32_t>,
                     caf::reacts_to<shutdown_atom>>;

struct WebhookOptions {
  std::chrono::milliseconds backoff_min{100};    ///< ceiling of the first retry's delay
  std::chrono::milliseconds backoff_max{20000};  ///< the ceiling stops doubling here
  /// Seed of the jitter; 0 = random. Tests fix it.
  uint64_t seed = 0;
};

/// What every webhook actor of the node shares.
struct WebhookContext {
  ChannelStateSenderPtr sender;
  std::shared_ptr<TimerService> timers;
  std::shared_ptr<ChannelStateCounters> counters;  ///< may be null
  std::shared_ptr<EndpointHealth> health = std::make_shared<EndpointHealth>();
  std::string endpoint;  ///< for log lines only
  WebhookOptions options;
};

using webhook_actor_impl_type =
    webhook_actor::extend<caf::reacts_to<wh_sent_atom, uint32_t, uint64_t, bool, std::string>,
                          caf::reacts_to<timer_atom, uint32_t, uint64_t>>;

struct WebhookActorState {
  /// One partition's batches, oldest first; the front one is in flight or waiting to retry.
  struct Partition {
    struct Item {
      ChannelStateBatch batch;
      caf::typed_response_promise<bool> promise;
    };
    std::deque<Item> items;
    uint64_t attempt = 0;  ///< id of the attempt in flight or the retry armed (0: none)
    bool in_flight = false;
    TimerService::TimerId timer = 0;
    DeliveryBackoff backoff;
  };

  std::shared_ptr<const WebhookContext> ctx;
  std::unordered_map<uint32_t, Partition> partitions;
  uint64_t next_attempt = 1;
  std::mt19937_64 rng;
  bool stopping = false;

  /// Answers `false` to whatever is still pending (an actor that ends without shutdown()).
  ~WebhookActorState();
  static inline const char* name = "herald.webhook";
};

using webhook_pointer = webhook_actor_impl_type::stateful_pointer<WebhookActorState>;

webhook_actor_impl_type::behavior_type webhook_actor_impl(
    webhook_pointer self, std::shared_ptr<const WebhookContext> ctx, uint32_t index);

}  // namespace herald
