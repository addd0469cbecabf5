// Channel state events in the process: the partition actors (one per partition, all owned by
// this node with the memory engine; with the Redis engine the state is in Redis and a lease
// actor decides which partitions this node owns), the router that sends the presence of state-tracked
// channels to them, and the webhook pool that delivers their batches to
// `channel.proxy.state.endpoint` through the HTTP or gRPC sender. Started by node_runtime.cpp.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/partition/lease_actor.hpp"
#include "actors/partition/partition_actor.hpp"
#include "actors/partition/presence_router.hpp"
#include "actors/webhook/webhook_actor.hpp"
#include "config/config.hpp"

namespace boost::asio {
class io_context;
}

namespace herald::redis {
class Router;
}

namespace herald {

struct ChannelStateRuntime {
  std::shared_ptr<ChannelStateCounters> counters = std::make_shared<ChannelStateCounters>();
  std::shared_ptr<PartitionContext> context;  ///< null when no namespace sends state events
  std::vector<partition_actor> partitions;
  std::shared_ptr<const PresenceRouter> router;
  webhook_actor webhooks;  ///< the pool; invalid when disabled
  ChannelStateSenderPtr sender;  ///< the pool's transport; null when disabled
  /// Redis engine: the lease actor (which partitions this node owns) and the connections of
  /// the Redis store; invalid / null with the memory engine.
  lease_actor leases;
  std::shared_ptr<redis::Router> redis;
  std::string error;       ///< why it could not start (the node must not run)

  bool enabled() const { return !partitions.empty(); }
  /// Redis engine, while the io threads still run (graceful stop): releases this node's
  /// partition leases and ends its node lease, so that the other nodes take its partitions
  /// and sweep what it leaves at their next round instead of after node_lease.
  void leave() const;
  /// Stops the webhook pool, the partition actors and the lease actor (undelivered events of
  /// the memory store are lost with them; the Redis store keeps them for the next owner).
  void stop() const;
  /// Closes the sender's connections and the Redis store's (failing what is in flight); their
  /// io_context must run afterwards (node_runtime.cpp polls it once more after the io threads
  /// stopped and the actors are done): a command in flight and its connection refer to each
  /// other until then.
  void close_transport() const;
};

/// True when the channels without namespace or some namespace set `state_proxy_enabled`.
bool channel_state_enabled(const Config& config);

/// When channel state events are enabled: the sender for channel.proxy.state (its callbacks
/// run on `ioc`), a webhook pool of `workers` actors and the partition actors. The router
/// always exists: without partitions, every channel's presence is the engine's.
/// `on_lease_lapsed`: with Redis, called when this node's lease is found lapsed (the node
/// writes its presence entries again; LeaseContext::on_lapsed).
ChannelStateRuntime start_channel_state(caf::actor_system& system, boost::asio::io_context& ioc,
                                        const Config& config, const engine_actor& engine,
                                        const std::string& node_uid,
                                        std::shared_ptr<TimerService> timers, size_t workers,
                                        std::function<void()> on_lease_lapsed);

}  // namespace herald
