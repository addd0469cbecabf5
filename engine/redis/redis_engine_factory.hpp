// Makes the Redis engine. Separate from redis_engine.hpp so that the engine's users (the
// actor) see no Asio type; only the process runtime (cmd/) and tests include this.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "engine/redis/redis_engine.hpp"

namespace herald::redis {

/// Starts connecting at once (every shard, its PUB/SUB connection and the control channels).
/// The executor's io_context must keep running while the engine is used and until close()
/// was processed.
std::shared_ptr<RedisEngine> make_redis_engine(boost::asio::any_io_executor executor,
                                               EngineOptions options);

}  // namespace herald::redis
