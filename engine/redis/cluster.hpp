// Redis Cluster client: slot map discovery (CLUSTER SLOTS), one pipelined Connection per
// master, commands routed by their key's slot, MOVED/ASK redirects, TRYAGAIN/CLUSTERDOWN
// retries, and sharded pub/sub (SSUBSCRIBE) that follows its slots around the cluster.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "engine/redis/address.hpp"
#include "engine/redis/options.hpp"
#include "engine/redis/pubsub.hpp"
#include "engine/redis/reply.hpp"

namespace herald::redis {

namespace detail {
class ClusterImpl;
}

struct ClusterOptions {
  /// Settings of every node connection (timeouts, AUTH, client name, backoff). `db` is
  /// ignored: a cluster has database 0 only.
  Options node;
  /// MOVED/ASK hops one command may take before failing with Errc::too_many_redirects.
  /// 5: a slot map change costs one hop; more means the cluster is reconfiguring under us.
  int max_redirects = 5;
  /// TRYAGAIN (multi-key command during a migration) and CLUSTERDOWN are retried this many
  /// times, after retry_delay × attempt; then Redis' error reply is passed on.
  int max_retries = 5;
  std::chrono::milliseconds retry_delay{50};
  /// CLUSTER SLOTS is re-read this often even without redirects, so sharded subscriptions
  /// follow slots that moved while idle (0 = only on demand). Redirects, node failures and
  /// lost sharded subscriptions trigger a refresh at once.
  std::chrono::milliseconds refresh_interval{5000};
};

struct ClusterHandlers {
  /// Cluster-wide: up when a slot map is loaded (first time, or again after down), down when
  /// no node answered CLUSTER SLOTS, resubscribed when sharded subscriptions were moved to
  /// another node or restored after a node reconnected (messages may have been missed).
  StateCallback on_state;
  /// Per node connection (endpoint "host:port"), each transition once: for logs.
  std::function<void(const std::string& endpoint, Event event, const std::string& reason)>
      on_node_state;
  /// `smessage` pushes of ssubscribe'd channels.
  MessageCallback on_message;
};

/// Threading and lifetime as for Connection: any thread may call; callbacks run on the
/// client's strand (all node connections share it); the io_context must run until close()
/// was processed. Commands issued before the first slot map wait for it (discovery is bounded
/// by the seeds' connect timeouts); afterwards, a command to a node that is down fails fast.
///
/// Commands failing with a client error (connection_lost, timeout) are not retried: they may
/// have executed. Only redirects and TRYAGAIN/CLUSTERDOWN are retried, which Redis guarantees
/// did not execute.
class ClusterClient {
 public:
  /// Starts discovery from `seeds` (tried in order). Credentials of the first seed (or of
  /// options.node) are used for every node.
  ClusterClient(boost::asio::any_io_executor executor, std::vector<Address> seeds,
                ClusterOptions options = {}, ClusterHandlers handlers = {});
  ~ClusterClient();  ///< close()
  ClusterClient(const ClusterClient&) = delete;
  ClusterClient& operator=(const ClusterClient&) = delete;

  /// Sends `args` to the master owning key_slot(key). Every key of a multi-key command must
  /// hash to that slot (use {hash tags}).
  void command(std::string key, Args args, ReplyCallback callback = {});
  /// A Sender routed by `key` (for Script::run). Safe to call after the client is gone.
  Sender sender_for(std::string key) const;

  /// Sharded pub/sub: each channel is subscribed on the master owning its slot, and moved
  /// when the slot moves. `done` fires once every channel is confirmed (or with the first
  /// failure: a node that is down fails fast, like commands).
  void ssubscribe(std::vector<std::string> channels, ReplyCallback done = {});
  void sunsubscribe(std::vector<std::string> channels, ReplyCallback done = {});

  /// Re-reads CLUSTER SLOTS now (at most one refresh runs at a time).
  void refresh();
  void close();

  struct Stats {
    uint64_t moved = 0;      ///< MOVED redirects followed
    uint64_t ask = 0;        ///< ASK redirects followed
    uint64_t retries = 0;    ///< TRYAGAIN/CLUSTERDOWN retries
    uint64_t refreshes = 0;  ///< CLUSTER SLOTS rounds started
    uint64_t nodes = 0;      ///< node connections open now
  };
  Stats stats() const;

 private:
  std::shared_ptr<detail::ClusterImpl> impl_;
};

}  // namespace herald::redis
