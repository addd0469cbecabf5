// What the node may ask of a connection on behalf of the server API.
//
//   sub(ServerSubscribeRequest)   -> Error: subscribe the connection server-side (code 0 = ok)
//   unsub(channel)                -> (): unsubscribe it (push code 2000)
//   disconn(code, reason)         -> (): close it with a disconnect code
//   refresh(ServerRefreshRequest) -> (): new expiry / info, or expire now
//   repres()                      -> (): write its presence entries again now (the node's
//                                    lease had lapsed: other nodes may have removed them)
#pragma once

#include <optional>
#include <string>

#include "actors/messages.hpp"

namespace herald {

using connection_control_actor =
    caf::typed_actor<caf::replies_to<sub_atom, ServerSubscribeRequest>::with<Error>,
                     caf::reacts_to<unsub_atom, std::string>,
                     caf::reacts_to<disconn_atom, uint32_t, std::string>,
                     caf::reacts_to<refresh_atom, ServerRefreshRequest>,
                     caf::reacts_to<repres_atom>>;

/// A connection as the node knows it.
struct ConnectionEntry {
  std::string client;
  std::string user;
  std::string session;
  connection_control_actor control;
  uint32_t connection_limit = 0;       ///< client.connection_limit: per node; 0 = none
  uint32_t user_connection_limit = 0;  ///< client.user_connection_limit: per user and node
};

}  // namespace herald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::ConnectionEntry)
