// Which request of a Command is dispatched, shared by the JSON and protobuf decoders.
// Internal to proto/codec.
#pragma once

#include <cstdint>
#include <string_view>

#include "proto/codec/client_protocol.hpp"

namespace herald::protocol::detail {

/// Command field numbers (proto/client.proto).
enum Field : uint8_t {
  kId = 1,
  kConnect = 4,
  kSubscribe = 5,
  kUnsubscribe = 6,
  kPublish = 7,
  kPresence = 8,
  kPresenceStats = 9,
  kHistory = 10,
  kPing = 11,
  kSend = 12,
  kRpc = 13,
  kRefresh = 14,
  kSubRefresh = 15,
};

/// Bit `1 << field` is set for every request field present (non-null).
using PresentMask = uint32_t;

constexpr PresentMask bit(uint32_t field) { return PresentMask{1} << field; }

/// Centrifuge's dispatch: id 0 without `send` is a pong whatever else is set; otherwise the
/// first present request in Centrifuge's dispatch order (rpc before send; ping last, as
/// Centrifuge only handles it when nothing else matches). Returns 0 for pong/unknown.
/// Deliberate difference: id 0 with `send` always dispatches `send` (Centrifuge would run
/// any other request present and reply with id 0, which clients take for a ping).
inline uint32_t pick_request(uint32_t id, PresentMask present) {
  if (id == 0) return (present & bit(kSend)) != 0 ? kSend : 0;
  constexpr uint8_t kOrder[] = {kConnect, kSubscribe, kUnsubscribe, kPublish, kPresence,
                                kPresenceStats, kHistory, kRpc, kSend, kRefresh,
                                kSubRefresh, kPing};
  for (uint8_t f : kOrder) {
    if ((present & bit(f)) != 0) return f;
  }
  return 0;
}

/// The JSON key of a Command field, or 0 for keys the decoder ignores.
inline uint32_t command_field(std::string_view key) {
  switch (key.size()) {
    case 2: return key == "id" ? kId : 0;
    case 3: return key == "rpc" ? kRpc : 0;
    case 4: return key == "ping" ? kPing : key == "send" ? kSend : 0;
    case 7: return key == "connect" ? kConnect : key == "publish" ? kPublish
                   : key == "history" ? kHistory : key == "refresh" ? kRefresh : 0;
    case 8: return key == "presence" ? kPresence : 0;
    case 9: return key == "subscribe" ? kSubscribe : 0;
    case 11: return key == "unsubscribe" ? kUnsubscribe : key == "sub_refresh" ? kSubRefresh : 0;
    case 14: return key == "presence_stats" ? kPresenceStats : 0;
    default: return 0;
  }
}

/// The kind for a field picked by pick_request() (0 ⇒ pong when id is 0, else unknown).
inline CommandKind kind_of(uint32_t field, uint32_t id) {
  switch (field) {
    case kConnect: return CommandKind::connect;
    case kSubscribe: return CommandKind::subscribe;
    case kUnsubscribe: return CommandKind::unsubscribe;
    case kPublish: return CommandKind::publish;
    case kPresence: return CommandKind::presence;
    case kPresenceStats: return CommandKind::presence_stats;
    case kHistory: return CommandKind::history;
    case kPing: return CommandKind::ping;
    case kSend: return CommandKind::send;
    case kRpc: return CommandKind::rpc;
    case kRefresh: return CommandKind::refresh;
    case kSubRefresh: return CommandKind::sub_refresh;
    default: return id == 0 ? CommandKind::pong : CommandKind::unknown;
  }
}

}  // namespace herald::protocol::detail
