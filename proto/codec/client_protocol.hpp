// The client protocol's messages as plain C++ structs (proto/client.proto, docs/protocol.md §1).
// Byte fields (`data`, `conn_info`, ...) hold raw bytes: JSON text for JSON clients, anything
// for protobuf clients. Only the v6.0 fields Herald uses are mirrored; HEAD-only fields are
// ignored on decode and never encoded.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/types.hpp"

namespace herald::protocol {

/// Encoding of one connection, fixed for its lifetime.
enum class Protocol : uint8_t { json, protobuf };

// -- requests (Command fields) -------------------------------------------------------------

struct SubscribeRequest {
  std::string channel;
  std::string token;
  bool recover = false;
  std::string epoch;
  uint64_t offset = 0;
  std::string data;
  bool positioned = false;
  bool recoverable = false;
  bool join_leave = false;
  std::string delta;  ///< requested delta type, e.g. "fossil"

  friend bool operator==(const SubscribeRequest&, const SubscribeRequest&) = default;
};

struct ConnectRequest {
  std::string token;
  std::string data;
  std::map<std::string, SubscribeRequest> subs;  ///< recovery of server-side subscriptions
  std::string name;
  std::string version;
  std::map<std::string, std::string> headers;  ///< "emulated headers" (v6+)

  friend bool operator==(const ConnectRequest&, const ConnectRequest&) = default;
};

struct UnsubscribeRequest {
  std::string channel;
  friend bool operator==(const UnsubscribeRequest&, const UnsubscribeRequest&) = default;
};

struct PublishRequest {
  std::string channel;
  std::string data;
  friend bool operator==(const PublishRequest&, const PublishRequest&) = default;
};

struct PresenceRequest {
  std::string channel;
  friend bool operator==(const PresenceRequest&, const PresenceRequest&) = default;
};

struct PresenceStatsRequest {
  std::string channel;
  friend bool operator==(const PresenceStatsRequest&, const PresenceStatsRequest&) = default;
};

struct HistoryRequest {
  std::string channel;
  int32_t limit = 0;
  std::optional<StreamPosition> since;  ///< set when present, even as an empty object
  bool reverse = false;
  friend bool operator==(const HistoryRequest&, const HistoryRequest&) = default;
};

struct PingRequest {
  friend bool operator==(const PingRequest&, const PingRequest&) = default;
};

struct SendRequest {
  std::string data;
  friend bool operator==(const SendRequest&, const SendRequest&) = default;
};

struct RpcRequest {
  std::string data;
  std::string method;
  friend bool operator==(const RpcRequest&, const RpcRequest&) = default;
};

struct RefreshRequest {
  std::string token;
  friend bool operator==(const RefreshRequest&, const RefreshRequest&) = default;
};

struct SubRefreshRequest {
  std::string channel;
  std::string token;
  friend bool operator==(const SubRefreshRequest&, const SubRefreshRequest&) = default;
};

/// What a decoded Command asks for. `pong` is an empty command (id 0 and no `send`);
/// `unknown` is id > 0 without any request field (the connection answers 3501).
enum class CommandKind : uint8_t {
  connect,
  subscribe,
  unsubscribe,
  publish,
  presence,
  presence_stats,
  history,
  ping,
  send,
  rpc,
  refresh,
  sub_refresh,
  pong,
  unknown,
};

std::string_view to_string(CommandKind kind);

/// One client command. `request` holds the alternative matching `kind` (monostate for pong
/// and unknown). Only the dispatched request is decoded: other request fields of the same
/// command are only checked for well-formedness (JSON syntax / protobuf lengths) and
/// dropped, as Centrifuge ignores them.
struct Command {
  uint32_t id = 0;
  CommandKind kind = CommandKind::unknown;
  std::variant<std::monostate, ConnectRequest, SubscribeRequest, UnsubscribeRequest,
               PublishRequest, PresenceRequest, PresenceStatsRequest, HistoryRequest,
               PingRequest, SendRequest, RpcRequest, RefreshRequest, SubRefreshRequest>
      request;
};

// -- results (Reply fields) ----------------------------------------------------------------

struct SubscribeResult {
  bool expires = false;
  uint32_t ttl = 0;  ///< seconds
  bool recoverable = false;
  std::string epoch;
  std::vector<Publication> publications;
  bool recovered = false;
  uint64_t offset = 0;
  bool positioned = false;
  std::string data;
  bool was_recovering = false;
  bool delta = false;
};

/// Also the payload of the Connect push (same content, other field numbers on the wire).
struct ConnectResult {
  std::string client;
  std::string version;
  bool expires = false;
  uint32_t ttl = 0;  ///< seconds
  std::string data;
  std::map<std::string, SubscribeResult> subs;
  uint32_t ping = 0;  ///< seconds
  bool pong = false;
  std::string session;
  std::string node;
  int64_t time = 0;  ///< unix ms, only with client.connect_include_server_time
};

struct UnsubscribeResult {};
struct PublishResult {};
struct PingResult {};

struct PresenceResult {
  std::map<std::string, ClientInfo> presence;  ///< by client id
};

// PresenceStats and HistoryResult from engine/types.hpp are the presence_stats and history
// results: history's epoch/offset come from HistoryResult::position.

struct RpcResult {
  std::string data;
};

struct RefreshResult {
  std::string client;
  std::string version;
  bool expires = false;
  uint32_t ttl = 0;
};

struct SubRefreshResult {
  bool expires = false;
  uint32_t ttl = 0;
};

// -- pushes ----------------------------------------------------------------------------------

struct JoinPush {
  ClientInfo info;
};

struct LeavePush {
  ClientInfo info;
};

struct UnsubscribePush {
  uint32_t code = 0;
  std::string reason;
};

struct MessagePush {
  std::string data;
};

/// Server-side subscription.
struct SubscribePush {
  bool recoverable = false;
  std::string epoch;
  uint64_t offset = 0;
  bool positioned = false;
  std::string data;
};

struct DisconnectPush {
  uint32_t code = 0;
  std::string reason;
  bool reconnect = false;
};

struct RefreshPush {
  bool expires = false;
  uint32_t ttl = 0;
};

/// Connect, Disconnect and Refresh pushes are for unidirectional transports only.
struct Push {
  std::string channel;
  std::variant<Publication, JoinPush, LeavePush, UnsubscribePush, MessagePush, SubscribePush,
               ConnectResult, DisconnectPush, RefreshPush>
      body;
};

/// A server message. With an `error` (code != 0) the result is not encoded. `id` 0, no
/// error and monostate is the server ping (`{}` / 0x00).
struct Reply {
  uint32_t id = 0;
  Error error;
  std::variant<std::monostate, Push, ConnectResult, SubscribeResult, UnsubscribeResult,
               PublishResult, PresenceResult, PresenceStats, HistoryResult, PingResult,
               RpcResult, RefreshResult, SubRefreshResult>
      result;
};

}  // namespace herald::protocol
