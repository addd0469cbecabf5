// The node actor: one per process. It owns the channel actors (spawned with the first local
// subscriber, stopped after the last), lists them in LocalChannels, where the engine's
// deliveries find them without passing through this actor, and tells the engine's broker
// which channels this node needs. It keeps the registry of
// local connections that server API commands act on, applies those commands here and sends
// them on to the other nodes, and knows the other nodes from their announcements. It monitors
// every registered connection, so one that dies without saying goodbye (an exception, a kill)
// leaves nothing behind.
//
// From connections and channel actors
//   ch_sub(channel, SubscriberSpec)      -> true | error 100
//       Local subscribe; answered once the broker delivers the channel to this node (a
//       history read after the answer misses nothing).
//   ch_unsub(channel, subscriber_actor)  -> ()
//   released(channel)                    -> (): a channel actor removed a subscriber
//   conn(ConnectionEntry)                -> bool: registered, or refused by a limit
//   conn_gone(client_id)                 -> (): a connection is gone
//
// From the server API (applied to local connections, and sent to every other node)
//   sub(ConnectionFilter, ServerSubscribeRequest) -> Error: the first failure among the
//                                           matched local connections (code 0: none failed)
//   unsub(ConnectionFilter, channel)        -> uint32 local connections matched
//   disconn(ConnectionFilter, code, reason) -> uint32
//   refresh(ConnectionFilter, ServerRefreshRequest) -> uint32
//   info()                                  -> NodeCounts (this node)
//   nodes()                                 -> vector<NodeInfo>: live nodes, this one first
//   channels()                              -> ChannelCounts of the whole cluster (a survey)
//
// From the engine (through NodeBrokerHandler; its deliveries go to LocalChannels' actors)
//   deliver(BrokerEventPtr)                 -> (): to the channel actor, if any (a path
//                                           for callers that hold only the node)
//   control(ControlMessage)                 -> (): a command or announcement of another node
//   interrupt(channels)                     -> (): the broker may have lost publications
//
//   repres()                                -> (): every local connection writes its presence
//                                           entries again (channel state: this node's lease
//                                           had lapsed and other nodes may have removed them)
//   shutdown()                              -> (): stop the channel actors and quit
#pragma once

#include <chrono>
#include <map>
#include <unordered_map>

#include "actors/channel/channel_actor.hpp"
#include "actors/engine/engine_actor.hpp"
#include "actors/node/connection_control.hpp"
#include "actors/node/local_channels.hpp"
#include "actors/node/node_directory.hpp"
#include "actors/node/node_registry.hpp"

namespace herald {

/// Who this node is.
struct NodeIdentity {
  std::string uid;
  std::string name;
  std::string version;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

using node_actor = caf::typed_actor<
    caf::replies_to<ch_sub_atom, std::string, SubscriberSpec>::with<bool>,
    caf::reacts_to<ch_unsub_atom, std::string, subscriber_actor>,
    caf::reacts_to<released_atom, std::string>,
    caf::replies_to<conn_atom, ConnectionEntry>::with<bool>,
    caf::reacts_to<conn_gone_atom, std::string>,
    caf::replies_to<sub_atom, ConnectionFilter, ServerSubscribeRequest>::with<Error>,
    caf::replies_to<unsub_atom, ConnectionFilter, std::string>::with<uint32_t>,
    caf::replies_to<disconn_atom, ConnectionFilter, uint32_t, std::string>::with<uint32_t>,
    caf::replies_to<refresh_atom, ConnectionFilter, ServerRefreshRequest>::with<uint32_t>,
    caf::replies_to<info_atom>::with<NodeCounts>,
    caf::replies_to<nodes_atom>::with<std::vector<NodeInfo>>,
    caf::replies_to<channels_atom>::with<ChannelCounts>,
    caf::reacts_to<deliver_atom, BrokerEventPtr>, caf::reacts_to<control_atom, ControlMessage>,
    caf::reacts_to<interrupt_atom, std::vector<std::string>>, caf::reacts_to<repres_atom>,
    caf::reacts_to<shutdown_atom>>;

/// Timing of node announcements; a node not heard within `lapse` is dropped from `nodes()`.
struct NodeTiming {
  std::chrono::milliseconds announce_interval{3000};
  std::chrono::milliseconds lapse{10000};
  std::chrono::milliseconds survey_timeout{1000};
};

struct NodeActorState {
  NodeRegistry<channel_actor, connection_control_actor> registry;
  /// The registry's channel actors, for the engine's threads.
  std::shared_ptr<LocalChannels> local = std::make_shared<LocalChannels>();
  NodeIdentity identity;
  NodeTiming timing;
  engine_actor engine;
  NodeDirectory directory{std::chrono::milliseconds(10000)};
  /// Channels whose broker subscription is not confirmed yet: who waits for it, and which
  /// incarnation of the channel asked (a channel dropped and re-added asks again).
  struct PendingBroker {
    uint64_t generation = 0;
    std::vector<caf::typed_response_promise<bool>> waiting;
  };
  std::unordered_map<std::string, PendingBroker> pending_broker;
  uint64_t generation = 0;
  /// `channels` surveys in flight.
  struct Survey {
    caf::typed_response_promise<ChannelCounts> promise;
    ChannelCounts merged;
    size_t replies_left = 0;
  };
  std::map<uint64_t, Survey> surveys;
  uint64_t next_survey = 1;
  static inline const char* name = "herald.node";
};

/// The node's own timers (announcements, survey deadlines) are private messages.
using node_actor_impl_type =
    node_actor::extend<caf::reacts_to<announce_atom>, caf::reacts_to<timer_atom, uint64_t>>;

/// Registers itself as the engine's broker handler.
node_actor_impl_type::behavior_type node_actor_impl(
    node_actor_impl_type::stateful_pointer<NodeActorState> self, engine_actor engine,
    NodeIdentity identity, NodeTiming timing);

}  // namespace herald
