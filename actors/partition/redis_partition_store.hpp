// The Redis store: every partition's state in Redis, shared by the nodes, one Lua script per
// transition (engine/redis/channel_state_scripts.hpp lists the keys; README.md in this folder
// maps PartitionState's methods to them). Each write appends its events to the partition's
// stream in the same atomic call, so a state change without its event cannot happen.
//
// A partition's keys share the hash tag `{<prefix>.cs.<p>}`: one server (client-side shards:
// shard_index of the tag) and one slot (Redis Cluster). The changes of one `apply` call are
// one script call: a partition actor's turn of writes leaves together.
//
// Callbacks run on the Redis client's threads (the router's executor). No Asio here: the
// caller builds the router (engine/redis/router_factory.hpp).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/partition/partition_store.hpp"
#include "engine/redis/router.hpp"

namespace herald::redis {
class Script;
}

namespace herald {

class RedisPartitionStore final : public PartitionStore {
 public:
  struct Options {
    std::string prefix = "centrifugo";  ///< the Redis section's prefix
    uint32_t num_partitions = 128;
    PartitionLimits limits;
    /// Lapsed entries removed, and vacated events fired, per script call: bounds the time
    /// one call holds Redis (the rest follows at once: the answer's due time is now).
    size_t batch_limit = 1000;
    /// Unix milliseconds; empty: the system clock.
    std::function<int64_t()> clock;
    /// Where S and the log positions of a partition without them start; empty: the clock
    /// in µs (generations keep growing if Redis loses its data). Tests pass 0.
    std::function<uint64_t()> initial_counter;
  };

  RedisPartitionStore(std::shared_ptr<redis::Router> router, Options options);

  /// `<prefix>.cs.<p>`: the hash tag of partition p's keys (without braces).
  static std::string partition_tag(const std::string& prefix, uint32_t partition);
  /// `<prefix>.cs`: the tag of the cluster-wide keys (node leases, config).
  static std::string cluster_tag(const std::string& prefix);

  uint32_t num_partitions() const override { return options_.num_partitions; }
  int64_t now_ms() const override { return clock_(); }

  void apply(uint32_t partition, std::string node, std::vector<PresenceChange> changes,
             Callback<StoreReport> done) override;
  void presence(uint32_t partition, std::string channel,
                Callback<PresenceMapResult> done) override;
  void presence_stats(uint32_t partition, std::string channel,
                      Callback<PresenceStats> done) override;
  void sweep(uint32_t partition, std::vector<std::string> dead_nodes,
             Callback<StoreReport> done) override;
  void fire_due(uint32_t partition, Callback<StoreReport> done) override;
  void read(uint32_t partition, uint64_t after, size_t max, Callback<LogRead> done) override;
  void ack(uint32_t partition, uint64_t up_to, Callback<LogStatus> done) override;

  // -- start-up checks (cmd/ runs them before the partitions start) --------------------------

  /// `maxmemory-policy` of every server holding partitions: the distinct answers, a value
  /// that could not be read as "?<why>".
  void maxmemory_policies(Callback<std::vector<std::string>> done);
  /// True for the policies that never evict keys without a TTL (noeviction, volatile-*).
  static bool safe_policy(const std::string& policy);

  struct PartitionCountCheck {
    std::optional<uint32_t> stored;  ///< what the state under this prefix was made with
    bool live = false;               ///< some partition of that count still holds state
    bool written = false;            ///< the configured count is now the stored one
  };
  /// Reads the stored num_partitions; stores the configured one when there is none, when
  /// it is the same, when no partition of the stored count holds state, or when `force`.
  /// Otherwise leaves it (the caller refuses to start).
  void check_num_partitions(bool force, Callback<PartitionCountCheck> done);

 private:
  void write(const char* what, uint32_t partition, const redis::Script& script,
             std::vector<std::string> extra, Callback<StoreReport> done);
  std::vector<std::string> common_args(uint32_t partition) const;
  redis::Sender sender(uint32_t partition) const;
  std::string base(uint32_t partition) const;  ///< "{<prefix>.cs.<p>}"
  void hgetall_members(uint32_t partition, std::string channel,
                       std::function<void(StoreResult<PresenceMapResult>)> done);

  std::shared_ptr<redis::Router> router_;
  Options options_;
  std::function<int64_t()> clock_;
};

}  // namespace herald
