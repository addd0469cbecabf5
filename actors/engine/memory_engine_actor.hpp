// The memory engine: a single node's broker, history and presence, behind engine_actor.
// Publications are stored first, then delivered to the broker handler (the node actor), so a
// subscriber that sees offset N can read N back from history.
#pragma once

#include "actors/engine/engine_actor.hpp"
#include "engine/memory/memory_engine_core.hpp"

namespace herald {

struct MemoryEngineState {
  memory::MemoryEngineCore core;
  broker_handler_actor handler;  ///< where deliveries go; set by the node at start
  bool tick_armed = false;
  static inline const char* name = "herald.engine.memory";
};

/// How often expired history, presence and idempotency results are freed. Reads never see
/// expired data regardless; this only bounds memory held by expired entries.
inline constexpr std::chrono::seconds kMemoryEngineSweepInterval{1};

engine_actor::behavior_type memory_engine_actor_impl(
    engine_actor::stateful_pointer<MemoryEngineState> self);

}  // namespace herald
