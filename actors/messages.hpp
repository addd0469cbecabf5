// Every atom and message payload type exchanged between Herald's actors, in one place.
//
// Messages never leave the process (nodes talk through Redis with their own encoding), so
// payload types are whitelisted as "unsafe" (not serializable) instead of given inspectors.
// CAF 0.17 atoms hold at most 10 characters.
#pragma once

#include <caf/all.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/codes.hpp"
#include "engine/control/control.hpp"
#include "engine/types.hpp"
#include "proto/codec/api_reply.hpp"
#include "proto/state/channel_state.hpp"

namespace herald {

// -- atoms ----------------------------------------------------------------------------------

using publish_atom = caf::atom_constant<caf::atom("publish")>;
using history_atom = caf::atom_constant<caf::atom("history")>;
using hist_rm_atom = caf::atom_constant<caf::atom("hist_rm")>;
using presence_atom = caf::atom_constant<caf::atom("presence")>;
using pres_stat_atom = caf::atom_constant<caf::atom("pres_stat")>;
using pres_add_atom = caf::atom_constant<caf::atom("pres_add")>;
using pres_rm_atom = caf::atom_constant<caf::atom("pres_rm")>;
using join_atom = caf::atom_constant<caf::atom("join")>;
using leave_atom = caf::atom_constant<caf::atom("leave")>;
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;
using push_atom = caf::atom_constant<caf::atom("push")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using handler_atom = caf::atom_constant<caf::atom("handler")>;
using sub_atom = caf::atom_constant<caf::atom("sub")>;
using unsub_atom = caf::atom_constant<caf::atom("unsub")>;
using conn_atom = caf::atom_constant<caf::atom("conn")>;
using disconn_atom = caf::atom_constant<caf::atom("disconn")>;
using refresh_atom = caf::atom_constant<caf::atom("refresh")>;
using channels_atom = caf::atom_constant<caf::atom("channels")>;
using info_atom = caf::atom_constant<caf::atom("info")>;
using api_atom = caf::atom_constant<caf::atom("api")>;
using count_atom = caf::atom_constant<caf::atom("count")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;
using frame_atom = caf::atom_constant<caf::atom("frame")>;
using closed_atom = caf::atom_constant<caf::atom("closed")>;
using timer_atom = caf::atom_constant<caf::atom("timer")>;
using released_atom = caf::atom_constant<caf::atom("released")>;
using broadcast_atom = caf::atom_constant<caf::atom("broadcast")>;
using bsub_atom = caf::atom_constant<caf::atom("bsub")>;
using bunsub_atom = caf::atom_constant<caf::atom("bunsub")>;
using control_atom = caf::atom_constant<caf::atom("control")>;
using interrupt_atom = caf::atom_constant<caf::atom("interrupt")>;
using nodes_atom = caf::atom_constant<caf::atom("nodes")>;
using announce_atom = caf::atom_constant<caf::atom("announce")>;
using ch_sub_atom = caf::atom_constant<caf::atom("ch_sub")>;
using ch_unsub_atom = caf::atom_constant<caf::atom("ch_unsub")>;
using conn_gone_atom = caf::atom_constant<caf::atom("conn_gone")>;
using pres_drop_atom = caf::atom_constant<caf::atom("pres_drop")>;
using own_atom = caf::atom_constant<caf::atom("own")>;
using nodes_lost_atom = caf::atom_constant<caf::atom("nodes_lost")>;
using wh_forget_atom = caf::atom_constant<caf::atom("wh_forget")>;
using task_atom = caf::atom_constant<caf::atom("task")>;
using repres_atom = caf::atom_constant<caf::atom("repres")>;

// -- payloads -------------------------------------------------------------------------------

/// Presence of one channel: client id → ClientInfo.
using PresenceMap = std::map<std::string, ClientInfo>;

/// What the broker hands to the node for a channel: a publication, a join or a leave.
struct BrokerEvent {
  enum class Kind : uint8_t { publication, join, leave } kind = Kind::publication;
  std::string channel;
  Publication publication;  ///< for Kind::publication
  ClientInfo info;          ///< for join and leave
  std::string epoch;        ///< the stream's epoch, for positioned subscribers
};
using BrokerEventPtr = std::shared_ptr<const BrokerEvent>;

/// The result of a publish through an engine.
struct PublishOutcome {
  StreamPosition position;  ///< offset 0 / epoch "" when the channel keeps no history
  bool from_cache = false;  ///< an idempotent repeat: nothing was stored or delivered again
  /// The event handed to the broker handler (when this node made it), so a publisher
  /// subscribed to the channel can recognise its own publication arriving.
  BrokerEventPtr event;
};

/// A push encoded once per protocol, shared by every local subscriber of the channel.
/// A protocol's bytes are empty when no subscriber of that protocol exists.
struct EncodedPush {
  BrokerEventPtr event;
  std::string json;      ///< one JSON Reply object, no trailing newline
  std::string protobuf;  ///< one varint-length-prefixed protobuf Reply
  /// The payload is not JSON, so JSON clients cannot receive it (they get 3506).
  bool json_incompatible = false;
};
using EncodedPushPtr = std::shared_ptr<const EncodedPush>;

/// Counters of one node, as reported by the `info` API.
struct NodeCounts {
  uint32_t num_clients = 0;
  uint32_t num_users = 0;
  uint32_t num_channels = 0;
  uint32_t num_subs = 0;
};


}  // namespace herald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::ClientInfo)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::Publication)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::PublishOptions)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::PublishOutcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::HistoryQuery)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::HistoryResult)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::PresenceStats)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::PresenceMap)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::BrokerEventPtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::EncodedPushPtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::ApiReplyFn)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::NodeCounts)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::ChannelCounts)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::ConnectionFilter)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::ServerSubscribeRequest)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::ServerRefreshRequest)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::NodeInfo)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<herald::NodeInfo>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::Error)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::ChannelStateBatch)
