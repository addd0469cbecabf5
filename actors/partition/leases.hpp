// Leases of a shared partition store: which node is alive (node lease) and which node owns
// each partition (partition lease). The lease actor (lease_actor.hpp) drives them; this is
// the port to where they live, plain C++ and callback-based like PartitionStore.
//
// RedisLeases keeps them beside the partitions (engine/redis/channel_state_scripts.hpp):
//   {<prefix>.cs}:node:<uid>   a live node's lease, SET PX node_lease
//   {<prefix>.cs}:nodes        zset of the nodes seen, scored by the end of their last lease
//   {<prefix>.cs.<p>}:lease    uid of partition p's owner, SET NX PX / renewed with a Lua
//                              compare-and-pexpire, deleted by its owner on release
// A node is *lapsed* when it is listed in `nodes` but its lease key has expired: the owners
// of the partitions then remove its presence entries (reason node_lost). It stays listed for
// `keep_lapsed_ms`, then is forgotten.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/partition/partition_store.hpp"

namespace herald::redis {
class Router;
}

namespace herald {

/// What a node-lease renewal saw.
struct HeartbeatResult {
  bool was_alive = false;            ///< this node's lease had not lapsed before the renewal
  std::vector<std::string> live;     ///< uids with a live lease (this node included)
  std::vector<std::string> lapsed;   ///< uids listed whose lease has lapsed
};

/// A partition lease after an operation.
struct LeaseAnswer {
  bool ours = false;    ///< this node holds it (after take), or did (probe)
  std::string holder;   ///< "" when nobody does
};

class LeaseBackend {
 public:
  template <class T>
  using Callback = std::function<void(StoreResult<T>)>;
  enum class Op : uint8_t {
    take,     ///< acquire when free, renew when ours (lease_ms from now)
    release,  ///< delete when ours
    probe,    ///< only look
  };

  virtual ~LeaseBackend() = default;
  /// Renews (or creates) `uid`'s node lease for `lease_ms`; lists live and lapsed nodes.
  virtual void heartbeat(const std::string& uid, int64_t lease_ms,
                         Callback<HeartbeatResult> done) = 0;
  /// Ends `uid`'s node lease now (a graceful stop): the others see it lapsed at once.
  virtual void leave(const std::string& uid, Callback<bool> done) = 0;
  virtual void lease(uint32_t partition, const std::string& uid, int64_t lease_ms, Op op,
                     Callback<LeaseAnswer> done) = 0;
};

class RedisLeases final : public LeaseBackend {
 public:
  /// `clock`: unix ms (empty: the system clock) for the scores of `nodes`.
  RedisLeases(std::shared_ptr<redis::Router> router, std::string prefix,
              int64_t keep_lapsed_ms = 600000, std::function<int64_t()> clock = {});

  void heartbeat(const std::string& uid, int64_t lease_ms,
                 Callback<HeartbeatResult> done) override;
  void leave(const std::string& uid, Callback<bool> done) override;
  void lease(uint32_t partition, const std::string& uid, int64_t lease_ms, Op op,
             Callback<LeaseAnswer> done) override;

 private:
  std::shared_ptr<redis::Router> router_;
  std::string prefix_;
  int64_t keep_ms_;
  std::function<int64_t()> clock_;
};

}  // namespace herald
