// The Redis engine: broker (PUB/SUB, history, idempotent publish, control messages between
// nodes) and presence on Redis, so several Herald nodes sharing Redis form one cluster —
// the same keys, payloads and Lua roles as Centrifugo's Redis engine (docs/protocol.md §7).
//
// Plain C++ with callbacks (the actor actors/engine/redis_engine_actor wraps it). This header
// holds no Asio type: the engine is made by make_redis_engine() (redis_engine_factory.hpp),
// which takes the executor whose threads run every Redis client and every callback.
//
// Threading: every method may be called from any thread and never blocks. Callbacks — the
// per-call `done` callbacks and the EngineHandler — run on Asio threads; they must not block.
// Each `done` is called exactly once: with an Error of code 100 when Redis is unreachable,
// timed out (Options::io_timeout) or answered something unexpected. Nothing is queued while
// Redis is down: calls fail at once (or after the connection attempt in progress).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/control/control.hpp"
#include "engine/redis/address.hpp"
#include "engine/redis/options.hpp"
#include "engine/types.hpp"

namespace herald::redis {

/// One Redis deployment: a single server, several (client-side sharding by channel) or a
/// Redis Cluster.
struct DeploymentOptions {
  std::string prefix = "centrifugo";  ///< every key and PUB/SUB channel starts with "<prefix>."
  /// One address: a single Redis. Several: each channel lives on shard_index(channel, n).
  std::vector<Address> shards;
  /// Seeds of a Redis Cluster; non-empty ⇒ cluster mode (`shards` is ignored): keys are
  /// hash-tagged `{channel}` and PUB/SUB is sharded (SSUBSCRIBE/SPUBLISH).
  std::vector<Address> cluster;
  Options connection;  ///< timeouts, AUTH, SELECT, CLIENT SETNAME, reconnect backoff
};

struct EngineOptions {
  std::string node_uid;  ///< this node; control messages it sent itself are dropped
  /// PUB/SUB, history, idempotency results and control messages.
  DeploymentOptions broker;
  /// Presence on another Redis (presence_manager); nullopt ⇒ on the broker's.
  std::optional<DeploymentOptions> presence;
  std::chrono::seconds idempotent_result_ttl{300};
  /// Name used in logs ("engine", "broker", "presence_manager").
  std::string broker_role = "engine";
  std::string presence_role = "presence_manager";
};

/// What arrives from Redis for this node. Called on Asio threads, possibly concurrently.
class EngineHandler {
 public:
  virtual ~EngineHandler() = default;
  virtual void publication(std::string channel, Publication pub, std::string epoch) = 0;
  virtual void join(std::string channel, ClientInfo info) = 0;
  virtual void leave(std::string channel, ClientInfo info) = 0;
  /// From another node (never this one's own); `to` is empty or this node.
  virtual void control(ControlMessage message) = 0;
  /// PUB/SUB reconnected and resubscribed: publications of these channels may be lost.
  virtual void interrupted(std::vector<std::string> channels) = 0;
};

using Done = std::function<void(Error)>;
using PublishDone = std::function<void(Error, StreamPosition, bool from_cache)>;
using HistoryDone = std::function<void(Error, HistoryResult)>;
using PresenceDone = std::function<void(Error, std::map<std::string, ClientInfo>)>;
using PresenceStatsDone = std::function<void(Error, PresenceStats)>;

class RedisEngine {
 public:
  virtual ~RedisEngine() = default;

  /// Where messages go; before one is set they are dropped.
  virtual void set_handler(std::shared_ptr<EngineHandler> handler) = 0;

  /// Stores (when opts.use_history()) and publishes. Idempotency keys repeat the first
  /// outcome for idempotent_result_ttl with from_cache = true (nothing published again).
  virtual void publish(const std::string& channel, const Publication& pub,
                       const PublishOptions& opts, PublishDone done) = 0;
  /// Best effort (errors are not reported: a lost join/leave push is not retried).
  virtual void join(const std::string& channel, const ClientInfo& info) = 0;
  virtual void leave(const std::string& channel, const ClientInfo& info) = 0;
  /// `done` once Redis confirmed every channel's SUBSCRIBE (all channels of one call leave
  /// in one command per shard). From then on their messages reach the handler.
  virtual void subscribe(std::vector<std::string> channels, Done done) = 0;
  virtual void unsubscribe(std::vector<std::string> channels) = 0;
  /// Best effort, to every other node (`to` empty) or one node.
  virtual void control(const ControlMessage& message) = 0;

  virtual void add_presence(const std::string& channel, const ClientInfo& info,
                            std::chrono::milliseconds ttl, Done done) = 0;
  virtual void remove_presence(const std::string& channel, const ClientInfo& info,
                               Done done) = 0;
  virtual void presence(const std::string& channel, PresenceDone done) = 0;
  virtual void presence_stats(const std::string& channel, PresenceStatsDone done) = 0;

  /// Errors: 100, 107 (reverse from offset 0), 112 (since.epoch is not the current epoch).
  virtual void history(const std::string& channel, const HistoryQuery& query,
                       HistoryDone done) = 0;
  virtual void remove_history(const std::string& channel, Done done) = 0;

  /// Closes every connection: pending calls fail with code 100 and the handler is dropped
  /// (a message already being handled on an Asio thread may still finish). Idempotent; the
  /// destruction of the last handle does it too.
  virtual void close() = 0;
};

/// 8 random letters [a-zA-Z], as Centrifugo's epochs.
std::string generate_epoch();

}  // namespace herald::redis
