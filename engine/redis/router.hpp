// Commands to one Redis deployment, routed by hash tag: a single server, client-side shards
// (the tag picks the shard: shard_index(tag, n)) or a Redis Cluster (the slot of "{tag}").
// For stores whose keys are grouped by a tag (channel state partitions): every key of one
// command or script carries the same `{tag}`, so it lands on one server and one slot.
//
// No Asio here: make_router() (router_factory.hpp) builds one on an executor. Thread-safe;
// senders may be called from any thread and only queue (pipelining: commands issued within
// one turn of the client's event loop leave in one write).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "engine/redis/reply.hpp"

namespace herald::redis {

class Router {
 public:
  virtual ~Router() = default;
  /// Sends commands whose keys all carry the hash tag `{tag}` (`tag` without the braces).
  virtual Sender sender(const std::string& tag) = 0;
  /// Standalone servers (1 for a single Redis, n for shards); 0 on a Redis Cluster.
  virtual size_t shards() const = 0;
  /// Fails what is pending with Errc::closed; idempotent.
  virtual void close() = 0;
};

}  // namespace herald::redis
