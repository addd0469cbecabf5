// Builds a Router (router.hpp). Separate so that the Router's users see no Asio type; only
// the process runtime (cmd/) and tests include this.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <string>

#include "engine/redis/redis_engine.hpp"
#include "engine/redis/router.hpp"

namespace herald::redis {

/// Connects at once: one pipelined Connection per address of `deployment.shards`, or one
/// ClusterClient when `deployment.cluster` is set. Each connection's up/down transitions are
/// logged once with `role` ("channel_state"). `deployment.prefix` is not used: the caller
/// names the keys. The executor's io_context must run until the router is closed.
std::shared_ptr<Router> make_router(boost::asio::any_io_executor executor,
                                    const DeploymentOptions& deployment, std::string role);

}  // namespace herald::redis
