// The memory engine: a single node's broker, history and presence, behind engine_actor.
// Publications are stored first, then delivered to the broker handler (the node actor), so a
// subscriber that sees offset N can read N back from history.
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
  broker_handler_actor handler;  ///< where deliveries go; set by the node at start
  bool tick_armed = false;
  static inline const char* name = "herald.engine.memory";
};

/// How often expired history, presence and idempotency results are freed. Reads never see
/// expired data regardless; this only bounds memory held by expired entries.
inline constexpr std::chrono::seconds kMemoryEngineSweepInterval{1};

/// An empty `now` reads the steady clock.
engine_actor::behavior_type memory_engine_actor_impl(
    engine_actor::stateful_pointer<MemoryEngineState> self, EngineClock now);

}  // namespace herald
