// What nodes tell each other through the engine: server API commands that must reach a client
// on whichever node it is connected to, node announcements, and surveys (questions every node
// answers, e.g. which channels it has). Plain types: the Redis engine encodes them with
// msgpack (control_codec.hpp), the memory engine never sends them anywhere.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/types.hpp"

namespace herald {

/// Which connections a server API command targets (empty fields match anything).
struct ConnectionFilter {
  std::string user;
  std::string client;
  std::string session;
  std::vector<std::string> whitelist;  ///< client ids left alone by `disconnect`

  friend bool operator==(const ConnectionFilter&, const ConnectionFilter&) = default;
};

/// The server API's `subscribe` for live connections.
struct ServerSubscribeRequest {
  std::string channel;
  int64_t expire_at = 0;  ///< unix seconds; 0 = never
  std::string info;       ///< chan_info bytes
  std::string data;       ///< returned in the Subscribe push
  std::optional<StreamPosition> recover_since;
  std::map<std::string, bool> override;  ///< presence, join_leave, force_recovery, ...

  friend bool operator==(const ServerSubscribeRequest&, const ServerSubscribeRequest&) = default;
};

/// The server API's `refresh` for live connections.
struct ServerRefreshRequest {
  bool expired = false;
  int64_t expire_at = 0;
  std::string info;

  friend bool operator==(const ServerRefreshRequest&, const ServerRefreshRequest&) = default;
};

/// A node as the `info` API shows it.
struct NodeInfo {
  std::string uid;
  std::string name;
  std::string version;
  uint32_t num_clients = 0;
  uint32_t num_users = 0;
  uint32_t num_channels = 0;
  uint32_t num_subs = 0;
  uint64_t uptime_s = 0;

  friend bool operator==(const NodeInfo&, const NodeInfo&) = default;
};

/// Local subscribers per channel, as the `channels` API counts them.
using ChannelCounts = std::map<std::string, uint32_t>;

namespace control {

struct Subscribe {
  ConnectionFilter filter;
  ServerSubscribeRequest request;
  friend bool operator==(const Subscribe&, const Subscribe&) = default;
};
struct Unsubscribe {
  ConnectionFilter filter;
  std::string channel;
  friend bool operator==(const Unsubscribe&, const Unsubscribe&) = default;
};
struct Disconnect {
  ConnectionFilter filter;
  uint32_t code = 0;
  std::string reason;
  friend bool operator==(const Disconnect&, const Disconnect&) = default;
};
struct Refresh {
  ConnectionFilter filter;
  ServerRefreshRequest request;
  friend bool operator==(const Refresh&, const Refresh&) = default;
};
/// "I am alive", sent periodically; a node not heard from for a while is dropped.
struct Alive {
  NodeInfo node;
  friend bool operator==(const Alive&, const Alive&) = default;
};
/// A question to every other node; each answers with a SurveyReply to the sender.
struct SurveyRequest {
  uint64_t id = 0;
  std::string op;  ///< "channels"
  friend bool operator==(const SurveyRequest&, const SurveyRequest&) = default;
};
struct SurveyReply {
  uint64_t id = 0;
  ChannelCounts channels;
  friend bool operator==(const SurveyReply&, const SurveyReply&) = default;
};

}  // namespace control

/// One node-to-node message. `to` empty = every node but the sender.
struct ControlMessage {
  using Body = std::variant<control::Subscribe, control::Unsubscribe, control::Disconnect,
                            control::Refresh, control::Alive, control::SurveyRequest,
                            control::SurveyReply>;
  std::string from;  ///< the sender's node uid
  std::string to;
  Body body;

  friend bool operator==(const ControlMessage&, const ControlMessage&) = default;
};

}  // namespace herald
