// The engine interface: where channel data lives and how the nodes of a cluster reach each
// other. Two implementations: the memory engine (one node, in-process) and the Redis engine
// (many nodes joined by Redis). Callers never know which one they talk to. Timers and other
// private messages of an implementation are not part of this interface.
//
// Broker
//   handler(BrokerHandlerPtr)                -> ()
//       Where deliveries, control messages and interruptions go (the node, at start).
//   publish(channel, Publication, PublishOptions) -> PublishOutcome | error 100
//       Stores (when the options keep history: offset and epoch assigned) and delivers to
//       every node with subscribers. Idempotency keys repeat the first outcome for 300 s.
//   broadcast(channels, Publication, options per channel) -> vector<PublishReply>
//       publish() for many channels in one message: one answer per channel, in order.
//   join(channel, ClientInfo) / leave(channel, ClientInfo) -> ()
//       Fan-out of a join or leave push to every node with subscribers.
//   bsub(channels)   -> true | error 100
//       This node has its first local subscriber of these channels: from the answer on,
//       everything published to them reaches the handler. Answered after the broker confirmed
//       it, so a history read that follows misses nothing.
//   bunsub(channels) -> ()
//       This node has no local subscriber of these channels any more.
//   control(ControlMessage) -> ()
//       Delivered to the handler of every other node (or of the one `to` names). Never back
//       to the sender: the sender applies a command locally itself.
//
// Presence (answers tell the caller the write happened, so it can retry or observe)
//   pres_add(channel, ClientInfo, ttl_ms)    -> true | error 100
//       Adds or refreshes one entry; it lapses `ttl_ms` after the last add.
//   pres_rm(channel, ClientInfo)             -> true | error 100
//   presence(channel)                        -> PresenceMap | error 100
//   pres_stat(channel)                       -> PresenceStats | error 100
//
// History
//   history(channel, HistoryQuery)           -> HistoryResult | error 100, 112
//   hist_rm(channel)                         -> true | error 100
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "actors/messages.hpp"
#include "engine/control/control.hpp"

namespace herald {

/// Receives what the engine delivers. Called from any thread (an actor's, or an io thread of
/// the Redis client): implementations only hand the data on, never block.
class BrokerHandler {
 public:
  virtual ~BrokerHandler() = default;
  /// A publication, join or leave for a channel this node subscribed to (bsub).
  virtual void deliver(BrokerEventPtr event) = 0;
  /// A control message from another node.
  virtual void control(ControlMessage message) = 0;
  /// The broker may have missed publications of these channels (it reconnected): positioned
  /// subscribers cannot trust their position any more.
  virtual void interrupted(std::vector<std::string> channels) = 0;
};
using BrokerHandlerPtr = std::shared_ptr<BrokerHandler>;

/// One channel's answer within a broadcast.
struct PublishReply {
  Error error;  ///< code 0: `outcome` holds the result
  PublishOutcome outcome;
};

using engine_actor = caf::typed_actor<
    // broker
    caf::reacts_to<handler_atom, BrokerHandlerPtr>,
    caf::replies_to<publish_atom, std::string, Publication, PublishOptions>::with<PublishOutcome>,
    caf::replies_to<broadcast_atom, std::vector<std::string>, Publication,
                    std::vector<PublishOptions>>::with<std::vector<PublishReply>>,
    caf::reacts_to<join_atom, std::string, ClientInfo>,
    caf::reacts_to<leave_atom, std::string, ClientInfo>,
    caf::replies_to<bsub_atom, std::vector<std::string>>::with<bool>,
    caf::reacts_to<bunsub_atom, std::vector<std::string>>,
    caf::reacts_to<control_atom, ControlMessage>,
    // presence
    caf::replies_to<pres_add_atom, std::string, ClientInfo, int64_t>::with<bool>,
    caf::replies_to<pres_rm_atom, std::string, ClientInfo>::with<bool>,
    caf::replies_to<presence_atom, std::string>::with<PresenceMap>,
    caf::replies_to<pres_stat_atom, std::string>::with<PresenceStats>,
    // history
    caf::replies_to<history_atom, std::string, HistoryQuery>::with<HistoryResult>,
    caf::replies_to<hist_rm_atom, std::string>::with<bool>>;

}  // namespace herald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::BrokerHandlerPtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::PublishReply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<herald::PublishReply>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<herald::PublishOptions>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::ControlMessage)
