// Centrifugo's client error, unsubscribe and disconnect codes (docs/protocol.md §2), in one table.
#pragma once

#include <cstdint>
#include <string_view>

#include "engine/types.hpp"

namespace herald {

// -- client and server API error codes (Reply.error / API error) ---------------------------

enum class ErrorCode : uint32_t {
  internal = 100,
  unauthorized = 101,
  unknown_channel = 102,
  permission_denied = 103,
  method_not_found = 104,
  already_subscribed = 105,
  limit_exceeded = 106,
  bad_request = 107,
  not_available = 108,
  token_expired = 109,
  expired = 110,
  too_many_requests = 111,
  unrecoverable_position = 112,
};

constexpr std::string_view error_message(ErrorCode c) {
  switch (c) {
    case ErrorCode::internal: return "internal server error";
    case ErrorCode::unauthorized: return "unauthorized";
    case ErrorCode::unknown_channel: return "unknown channel";
    case ErrorCode::permission_denied: return "permission denied";
    case ErrorCode::method_not_found: return "method not found";
    case ErrorCode::already_subscribed: return "already subscribed";
    case ErrorCode::limit_exceeded: return "limit exceeded";
    case ErrorCode::bad_request: return "bad request";
    case ErrorCode::not_available: return "not available";
    case ErrorCode::token_expired: return "token expired";
    case ErrorCode::expired: return "expired";
    case ErrorCode::too_many_requests: return "too many requests";
    case ErrorCode::unrecoverable_position: return "unrecoverable position";
  }
  return "unknown error";
}

/// The documented Error for a code (message and `temporary` as Centrifugo sends them).
inline Error make_error(ErrorCode c) {
  return Error{static_cast<uint32_t>(c), std::string(error_message(c)),
               c == ErrorCode::internal || c == ErrorCode::too_many_requests};
}

// -- unsubscribe codes (Push.unsubscribe.code) ---------------------------------------------

enum class UnsubscribeCode : uint32_t {
  client = 0,
  disconnect = 1,
  server = 2000,
  insufficient_state = 2500,
  expired = 2501,
};

// -- disconnect codes (WebSocket close code + reason) --------------------------------------

struct DisconnectCode {
  uint32_t code;
  std::string_view reason;
};

namespace disconnect {
inline constexpr DisconnectCode connection_closed{3000, "connection closed"};
inline constexpr DisconnectCode shutdown{3001, "shutdown"};
inline constexpr DisconnectCode server_error{3004, "internal server error"};
inline constexpr DisconnectCode expired{3005, "connection expired"};
inline constexpr DisconnectCode subscription_expired{3006, "subscription expired"};
inline constexpr DisconnectCode slow{3008, "slow"};
inline constexpr DisconnectCode write_error{3009, "write error"};
inline constexpr DisconnectCode insufficient_state{3010, "insufficient state"};
inline constexpr DisconnectCode force_reconnect{3011, "force reconnect"};
inline constexpr DisconnectCode no_pong{3012, "no pong"};
inline constexpr DisconnectCode too_many_requests{3013, "too many requests"};
inline constexpr DisconnectCode invalid_token{3500, "invalid token"};
inline constexpr DisconnectCode bad_request{3501, "bad request"};
inline constexpr DisconnectCode stale{3502, "stale"};
inline constexpr DisconnectCode force_no_reconnect{3503, "force disconnect"};
inline constexpr DisconnectCode connection_limit{3504, "connection limit"};
inline constexpr DisconnectCode channel_limit{3505, "channel limit"};
inline constexpr DisconnectCode inappropriate_protocol{3506, "inappropriate protocol"};
inline constexpr DisconnectCode permission_denied{3507, "permission denied"};
inline constexpr DisconnectCode not_available{3508, "not available"};
inline constexpr DisconnectCode too_many_errors{3509, "too many errors"};
}  // namespace disconnect

}  // namespace herald
