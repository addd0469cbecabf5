// Channel state events in the process: the partition actors (one per partition, all owned by
// this node with the memory engine), the router that sends the presence of state-tracked
// channels to them, and the webhook pool that delivers their batches to
// `channel.proxy.state.endpoint` through the HTTP or gRPC sender. Started by node_runtime.cpp.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/partition/partition_actor.hpp"
#include "actors/partition/presence_router.hpp"
#include "actors/webhook/webhook_actor.hpp"
#include "config/config.hpp"

namespace boost::asio {
class io_context;
}

namespace herald {

struct ChannelStateRuntime {
  std::shared_ptr<ChannelStateCounters> counters = std::make_shared<ChannelStateCounters>();
  std::shared_ptr<PartitionContext> context;  ///< null when no namespace sends state events
  std::vector<partition_actor> partitions;
  std::shared_ptr<const PresenceRouter> router;
  webhook_actor webhooks;  ///< the pool; invalid when disabled
  ChannelStateSenderPtr sender;  ///< the pool's transport; null when disabled
  std::string error;       ///< why it could not start (the node must not run)

  bool enabled() const { return !partitions.empty(); }
  /// Stops the webhook pool and the partition actors (undelivered events of the memory store
  /// are lost with them).
  void stop() const;
  /// Closes the sender's connections; its io_context must run afterwards (node_runtime.cpp
  /// polls it once more after the io threads stopped).
  void close_transport() const {
    if (sender) sender->close();
  }
};

/// True when the channels without namespace or some namespace set `state_proxy_enabled`.
bool channel_state_enabled(const Config& config);

/// When channel state events are enabled: the sender for channel.proxy.state (its callbacks
/// run on `ioc`), a webhook pool of `workers` actors and the partition actors. The router
/// always exists: without partitions, every channel's presence is the engine's.
ChannelStateRuntime start_channel_state(caf::actor_system& system, boost::asio::io_context& ioc,
                                        const Config& config, const engine_actor& engine,
                                        const std::string& node_uid,
                                        std::shared_ptr<TimerService> timers, size_t workers);

}  // namespace herald
