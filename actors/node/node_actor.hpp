// The node actor: one per process. It is the broker handler of the engine (every delivery for
// a channel passes through it to that channel's actor), owns the channel actors (spawned with
// the first local subscriber, stopped after the last) and the registry of local connections
// that the server API acts on. It monitors every registered connection, so one that dies
// without saying goodbye (an exception, a kill) leaves nothing behind in the registry.
//
//   deliver(BrokerEventPtr)                 -> (): route to the channel actor, if any
//   sub(channel, SubscriberSpec)            -> (): local subscribe
//   unsub(channel, subscriber_actor)        -> (): local unsubscribe
//   conn(ConnectionEntry)                   -> bool: registered, or refused by a limit
//   disconn(client_id)                      -> (): a connection is gone
//   released(channel)                       -> (): a channel actor dropped a subscriber that
//                                               died without unsubscribing
//   sub(ConnectionFilter, ServerSubscribeRequest) -> Error: the first failure among matched
//                                               connections (code 0: all subscribed)
//   unsub(ConnectionFilter, channel)        -> uint32
//   disconn(ConnectionFilter, code, reason) -> uint32
//   refresh(ConnectionFilter, ServerRefreshRequest) -> uint32
//   info()                                  -> NodeCounts
//   channels()                              -> ChannelCounts (local subscribers per channel)
#pragma once

#include "actors/channel/channel_actor.hpp"
#include "actors/engine/engine_actor.hpp"
#include "actors/node/connection_control.hpp"
#include "actors/node/node_registry.hpp"

namespace herald {

using node_actor = caf::typed_actor<
    caf::reacts_to<deliver_atom, BrokerEventPtr>,
    caf::reacts_to<sub_atom, std::string, SubscriberSpec>,
    caf::reacts_to<unsub_atom, std::string, subscriber_actor>,
    caf::replies_to<conn_atom, ConnectionEntry>::with<bool>,
    caf::reacts_to<disconn_atom, std::string>, caf::reacts_to<released_atom, std::string>,
    caf::replies_to<sub_atom, ConnectionFilter, ServerSubscribeRequest>::with<Error>,
    caf::replies_to<unsub_atom, ConnectionFilter, std::string>::with<uint32_t>,
    caf::replies_to<disconn_atom, ConnectionFilter, uint32_t, std::string>::with<uint32_t>,
    caf::replies_to<refresh_atom, ConnectionFilter, ServerRefreshRequest>::with<uint32_t>,
    caf::replies_to<info_atom>::with<NodeCounts>, caf::replies_to<channels_atom>::with<ChannelCounts>,
    caf::reacts_to<shutdown_atom>>;

struct NodeActorState {
  NodeRegistry<channel_actor, connection_control_actor> registry;
  static inline const char* name = "herald.node";
};

/// `engine` receives the node as its broker handler.
node_actor::behavior_type node_actor_impl(node_actor::stateful_pointer<NodeActorState> self,
                                          engine_actor engine);

}  // namespace herald
