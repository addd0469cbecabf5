// The Redis engine behind engine_actor: nodes sharing Redis form one cluster. It wraps the
// plain engine of engine/redis/redis_engine.hpp (which runs on Asio threads) and keeps the
// CAF side safe:
//
// - Requests are answered from this actor only: a Redis callback (on an Asio thread) sends
//   the answer back here as a private `rdone(token, RedisAnswer)` message and the promise is
//   delivered in this actor's turn (CAF 0.17 must not deliver promises from foreign threads).
// - Deliveries, control messages and interruptions go straight from the Asio thread to the
//   BrokerHandler (thread-safe by contract): no hop through this actor.
// - `bsub` requests handled in one turn are batched: they join a pending list and a private
//   `rflush` message, queued behind them, subscribes all their channels at once (one
//   SUBSCRIBE per shard); each answers once Redis confirmed. A `bunsub` flushes first, so
//   Redis sees subscribe and unsubscribe of a channel in the order the node sent them.
// - A safety net: a request with no answer after `request_deadline` fails with error 100
//   (the Redis client already bounds every command by io_timeout; this guards the actor's
//   promise should anything be lost). Checked by a tick while requests are pending.
#pragma once

#include <chrono>
#include <unordered_map>
#include <variant>

#include "actors/engine/engine_actor.hpp"
#include "engine/redis/redis_engine.hpp"

namespace herald {

using rdone_atom = caf::atom_constant<caf::atom("rdone")>;
using rflush_atom = caf::atom_constant<caf::atom("rflush")>;

/// One Redis answer carried back to the actor.
struct RedisAnswer {
  Error error;
  std::variant<std::monostate, PublishOutcome, PresenceMap, PresenceStats, HistoryResult> value;
};

using redis_engine_actor =
    engine_actor::extend<caf::reacts_to<rdone_atom, uint64_t, RedisAnswer>,
                         caf::reacts_to<rflush_atom>, caf::reacts_to<tick_atom>>;

struct RedisEngineActorOptions {
  /// Requests unanswered for this long fail with error 100 (checked every `tick`).
  std::chrono::milliseconds request_deadline{10000};
  std::chrono::milliseconds tick{1000};
};

struct RedisEngineState {
  std::shared_ptr<redis::RedisEngine> engine;
  RedisEngineActorOptions options;
  BrokerHandlerPtr handler;
  struct Pending {
    std::function<void(RedisAnswer&)> answer;
    uint64_t born_tick = 0;
  };
  std::unordered_map<uint64_t, Pending> pending;
  uint64_t next_token = 1;
  uint64_t ticks = 0;
  bool tick_armed = false;
  /// bsub requests of this turn, subscribed together by `rflush`.
  std::vector<std::string> batch;
  std::vector<caf::typed_response_promise<bool>> batch_waiters;
  bool flush_queued = false;

  ~RedisEngineState() {
    if (engine) engine->close();
  }
  static inline const char* name = "herald.engine.redis";
};

redis_engine_actor::behavior_type redis_engine_actor_impl(
    redis_engine_actor::stateful_pointer<RedisEngineState> self,
    std::shared_ptr<redis::RedisEngine> engine, RedisEngineActorOptions options);

}  // namespace herald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::RedisAnswer)
