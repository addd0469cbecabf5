// engine.type "redis": the Redis engine's options from the config (engine.redis, and broker.*
// / presence_manager.* when they name a separate Redis).
#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"
#include "engine/redis/redis_engine.hpp"

namespace herald {

/// nullopt with `*error` set when an address cannot be used or a combination is not
/// supported (a separate broker or presence manager of a type other than "redis").
std::optional<redis::EngineOptions> redis_engine_options(const Config& config,
                                                         const std::string& node_uid,
                                                         std::string* error);

}  // namespace herald
