// The engine interface: broker (publish, join/leave fan-in), history and presence.
//
// Implemented by the memory engine actor (one node) and, later, the Redis engine actor (many
// nodes). Callers never know which one they talk to.
//
//   handler(broker_handler_actor)                 -> (): who receives deliveries (the node)
//   publish(channel, Publication, PublishOptions) -> PublishOutcome | error 100
//   join(channel, ClientInfo) / leave(channel, ClientInfo) -> (): fan out to subscribers
//   history(channel, HistoryQuery)               -> HistoryResult | error 112
//   hist_rm(channel)                              -> bool
//   presence(channel)                             -> PresenceMap
//   pres_stat(channel)                            -> PresenceStats
//   pres_add(channel, ClientInfo, ttl_ms)         -> (): add or refresh one entry
//   pres_rm(channel, client_id)                   -> ()
//   tick()                                        -> (): internal expiry timer
#pragma once

#include "actors/messages.hpp"

namespace herald {

/// Receives what the broker delivers for channels (publications, joins, leaves).
using broker_handler_actor = caf::typed_actor<caf::reacts_to<deliver_atom, BrokerEventPtr>>;

using engine_actor = caf::typed_actor<
    caf::reacts_to<handler_atom, broker_handler_actor>,
    caf::replies_to<publish_atom, std::string, Publication, PublishOptions>::with<PublishOutcome>,
    caf::reacts_to<join_atom, std::string, ClientInfo>,
    caf::reacts_to<leave_atom, std::string, ClientInfo>,
    caf::replies_to<history_atom, std::string, HistoryQuery>::with<HistoryResult>,
    caf::replies_to<hist_rm_atom, std::string>::with<bool>,
    caf::replies_to<presence_atom, std::string>::with<PresenceMap>,
    caf::replies_to<pres_stat_atom, std::string>::with<PresenceStats>,
    caf::reacts_to<pres_add_atom, std::string, ClientInfo, int64_t>,
    caf::reacts_to<pres_rm_atom, std::string, std::string>,
    caf::reacts_to<tick_atom>>;

}  // namespace herald
