// Handshake decisions of the WebSocket endpoint (docs/protocol.md §1.1) as pure functions, so they
// are tested without sockets. No Beast here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "proto/codec/client_protocol.hpp"

namespace herald::ws {

/// `*` matches any run of bytes (also empty); every other byte matches itself.
bool glob_match(std::string_view pattern, std::string_view text);

/// `client.allowed_origins`, as Centrifugo v6: a request without an Origin header (or with an
/// empty one) is always allowed; otherwise an empty list refuses it, `["*"]` allows it, and
/// other lists need a pattern matching the lower-cased Origin (patterns are lower-cased too).
bool origin_allowed(const std::vector<std::string>& allowed, std::string_view origin);

struct ProtocolChoice {
  protocol::Protocol protocol = protocol::Protocol::json;
  /// Subprotocol to echo in Sec-WebSocket-Protocol (a string literal), nullptr = none.
  const char* subprotocol = nullptr;
};

/// `offered`: the client's Sec-WebSocket-Protocol values joined with ','; `query`: the raw
/// query string. Offering `centrifuge-protobuf`, `?cf_protocol=protobuf` or
/// `?format=protobuf` selects protobuf. The echoed subprotocol is the one the client offered:
/// `centrifuge-protobuf` first, else `centrifuge-json`.
ProtocolChoice choose_protocol(std::string_view offered, std::string_view query);

/// `?cf_ws_frame_ping_pong=true`: native WebSocket pings instead of app-level ones.
bool wants_frame_ping_pong(std::string_view query);

/// The first value of a query parameter, percent-decoded; "" when absent.
std::string query_value(std::string_view query, std::string_view name);

}  // namespace herald::ws
