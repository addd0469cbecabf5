// The memory engine: a single node's broker, history and presence, behind engine_actor.
// Publications are stored first, then handed to the broker handler (the node), so a
// subscriber that sees offset N can read N back from history. With one node there is nobody
// to send control messages to, and every channel is always "subscribed" at the broker.
//
// The state lives in a MemoryEngine (memory_engine.hpp) that the actor shares with the
// threads publishing without a mailbox (the server API's io threads); the actor is its
// engine_actor face and runs its expiry sweep:
//   tick()  -> (): frees expired history, presence and idempotency results; scheduled
//                  kMemoryEngineSweepInterval after the engine asks for it, and again while
//                  something is left to expire (an idle engine sleeps)
#pragma once

#include <memory>

#include "actors/engine/engine_actor.hpp"
#include "actors/engine/memory_engine.hpp"

namespace herald {

struct MemoryEngineState {
  std::shared_ptr<MemoryEngine> engine;
  static inline const char* name = "herald.engine.memory";
};

/// The public interface plus the engine's private expiry timer.
using memory_engine_actor = engine_actor::extend<caf::reacts_to<tick_atom>>;

/// How often expired history, presence and idempotency results are freed. Reads never see
/// expired data regardless; this only bounds memory held by expired entries.
inline constexpr std::chrono::seconds kMemoryEngineSweepInterval{1};

/// An actor over an engine of its own; an empty `now` reads the steady clock.
memory_engine_actor::behavior_type memory_engine_actor_impl(
    memory_engine_actor::stateful_pointer<MemoryEngineState> self, EngineClock now);

/// An actor over `engine`, which others may publish to directly.
memory_engine_actor::behavior_type shared_memory_engine_actor_impl(
    memory_engine_actor::stateful_pointer<MemoryEngineState> self,
    std::shared_ptr<MemoryEngine> engine);

}  // namespace herald
