// The memory engine: a single node's broker, history and presence, behind engine_actor.
// Publications are stored first, then handed to the broker handler (the node), so a
// subscriber that sees offset N can read N back from history. With one node there is nobody
// to send control messages to, and every channel is always "subscribed" at the broker.
#pragma once

#include <functional>

#include "actors/engine/engine_actor.hpp"
#include "engine/memory/memory_engine_core.hpp"

namespace herald {

/// Where the memory engine reads the time (a fake one in tests).
using EngineClock = std::function<memory::Clock::time_point()>;

struct MemoryEngineState {
  memory::MemoryEngineCore core;
  EngineClock now;
  BrokerHandlerPtr handler;  ///< where deliveries go; set by the node at start
  bool tick_armed = false;
  static inline const char* name = "herald.engine.memory";
};

/// The public interface plus the engine's private expiry timer.
using memory_engine_actor = engine_actor::extend<caf::reacts_to<tick_atom>>;

/// How often expired history, presence and idempotency results are freed. Reads never see
/// expired data regardless; this only bounds memory held by expired entries.
inline constexpr std::chrono::seconds kMemoryEngineSweepInterval{1};

/// An empty `now` reads the steady clock.
memory_engine_actor::behavior_type memory_engine_actor_impl(
    memory_engine_actor::stateful_pointer<MemoryEngineState> self, EngineClock now);

}  // namespace herald
