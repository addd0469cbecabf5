// Domain types shared by every layer: what a publication, a client and a stream position are.
// Plain structs with no dependencies, so transport/, engine/ and actors/ can all use them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace herald {

/// Who a connection is, as shown in presence, join/leave and client publications.
/// `conn_info` and `chan_info` are raw bytes (JSON text for JSON clients), never parsed.
struct ClientInfo {
  std::string user;
  std::string client;
  std::string conn_info;
  std::string chan_info;

  friend bool operator==(const ClientInfo&, const ClientInfo&) = default;
};

/// A point in a channel's history stream: the offset of the last publication and the epoch
/// (one incarnation of the stream; a new epoch means offsets restarted).
struct StreamPosition {
  uint64_t offset = 0;
  std::string epoch;

  friend bool operator==(const StreamPosition&, const StreamPosition&) = default;
};

/// One message in a channel. `data` is the raw payload (JSON text from the HTTP API).
struct Publication {
  std::string data;
  std::optional<ClientInfo> info;  ///< set when a client published it
  uint64_t offset = 0;             ///< 0 when the channel keeps no history
  std::map<std::string, std::string> tags;
  int64_t time_ms = 0;  ///< unix milliseconds when the node accepted it
  /// The stream's epoch, carried only by the publication at offset 1: how a subscriber that
  /// saw the stream start learns its epoch (Centrifugo does the same).
  std::string epoch;

  friend bool operator==(const Publication&, const Publication&) = default;
};

/// How a publish is stored (the namespace's history settings, resolved by the caller).
struct PublishOptions {
  uint64_t history_size = 0;        ///< 0 with history_ttl 0: no history
  int64_t history_ttl_ms = 0;       ///< retention of the whole stream, refreshed per publish
  int64_t history_meta_ttl_ms = 0;  ///< how long the stream's epoch/offset outlive activity
  std::string idempotency_key;      ///< "" = none; repeats within 300 s get the first result
  bool skip_history = false;

  bool use_history() const { return !skip_history && history_size > 0 && history_ttl_ms > 0; }
};

/// A history read: `limit` 0 = position only, -1 = all; `since` = read after this position.
struct HistoryQuery {
  int32_t limit = 0;
  std::optional<StreamPosition> since;
  bool reverse = false;
  int64_t history_meta_ttl_ms = 0;  ///< refreshes the meta TTL on read (Centrifugo does)
};

struct HistoryResult {
  std::vector<Publication> publications;
  StreamPosition position;  ///< the current top of the stream
};

struct PresenceStats {
  uint32_t num_clients = 0;
  uint32_t num_users = 0;
};

/// An error with a Centrifugo protocol code (see codes.hpp); `code` 0 means success.
struct Error {
  uint32_t code = 0;
  std::string message;
  bool temporary = false;

  explicit operator bool() const { return code != 0; }
  friend bool operator==(const Error&, const Error&) = default;
};

}  // namespace herald
