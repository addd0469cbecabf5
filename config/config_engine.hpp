// Engine, broker and presence manager parts of the config tree (see config.hpp).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "config/config_proxy.hpp"

namespace herald {

/// Channel state events bookkeeping (Herald and Centrifugo PRO). engine.memory's drives the
/// partitions of a memory-engine node; the Redis sections' wait for the store shared by the
/// nodes (`state_proxy_enabled` is refused with the Redis engine until then).
struct ChannelStateConfig {
  /// Wait after the last subscriber leaves before `vacated`; a resubscribe cancels it.
  std::chrono::milliseconds vacated_event_delay = std::chrono::seconds(5);
  /// Partitions serializing events (1..65536); must not change on live state.
  int num_partitions = 128;
};

/// engine.redis.channel_state: the Redis engine's bookkeeping adds a node lease.
struct RedisChannelStateConfig : ChannelStateConfig {
  /// Herald extension: lifetime of a node's lease on the channel state it tracks in Redis;
  /// a node that stops renewing it is treated as gone once it expires. > 0.
  std::chrono::milliseconds node_lease = std::chrono::seconds(5);
  /// Herald extension: start even when num_partitions differs from the count the live state
  /// in Redis was made with (that state is orphaned: docs/channel-state-events.md). Without
  /// it such a node refuses to start.
  bool force_num_partitions = false;
};

/// A Redis deployment: one address, several (client-side sharding) or a cluster.
struct RedisConfig {
  /// "redis://[user:pass@]host:port[/db]", "rediss://…", "unix://…" or "host:port".
  /// JSON accepts one string or an array; several = client-side sharding.
  std::vector<std::string> address{"redis://127.0.0.1:6379"};
  std::string prefix = "centrifugo";  ///< prepended to every key and PUB/SUB channel
  /// Per connection attempt.
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(1);
  /// Per command round trip; 0 = none.
  std::chrono::milliseconds io_timeout = std::chrono::seconds(4);
  int db = 0;                  ///< SELECT index (not with cluster)
  std::string user;            ///< ACL user (Redis 6+)
  std::string password;        ///< AUTH password
  std::string client_name;     ///< CLIENT SETNAME, shows in CLIENT LIST
  bool force_resp2 = false;    ///< hiredis 0.14 speaks RESP2 only anyway
  /// Redis Cluster seed nodes; when set, `address` is ignored.
  std::vector<std::string> cluster_address;
  std::vector<std::string> sentinel_address;  ///< Sentinel: not supported yet (refused)
  std::string sentinel_master_name;           ///< used only with sentinel_address
  std::string sentinel_user;                  ///< used only with sentinel_address
  std::string sentinel_password;              ///< used only with sentinel_address
  std::string sentinel_client_name;           ///< used only with sentinel_address
  TlsConfig tls;                              ///< hiredis 0.14 has no TLS: enabled is refused
  /// Presence entry lifetime without refresh (client.presence_update_interval refreshes).
  std::chrono::milliseconds presence_ttl = std::chrono::seconds(60);
  /// Redis 7.4 HEXPIRE per field instead of a zset: not supported yet (refused).
  bool presence_hash_field_ttl = false;
  /// A user→count hash for fast presence_stats: not supported yet (refused).
  bool presence_user_mapping = false;
  bool history_use_lists = false;        ///< history in lists: not supported yet (refused)
  RedisChannelStateConfig channel_state;  ///< channel state events
};

/// engine.memory: Herald extension (Centrifugo's memory engine has no options).
struct MemoryEngineConfig {
  ChannelStateConfig channel_state;  ///< channel state events with the memory engine
};

/// The `engine` section: where pub/sub, history and presence live by default.
struct EngineConfig {
  std::string type = "memory";  ///< "memory" (single node) or "redis"
  MemoryEngineConfig memory;    ///< used when type is "memory"
  RedisConfig redis;            ///< used when type is "redis"
};

/// The `broker` section: a separate pub/sub + history backend.
struct BrokerConfig {
  /// off = the engine is the broker. On: a Redis broker beside the Redis engine; any other
  /// combination is not supported yet (refused).
  bool enabled = false;
  std::string type;      ///< "memory" or "redis" (Centrifugo's "nats" is not supported)
  RedisConfig redis;     ///< used when type is "redis"
};

/// The `presence_manager` section: a separate presence backend (e.g. a dedicated,
/// non-evicting Redis for channel state keys).
struct PresenceManagerConfig {
  /// off = the engine keeps presence. On: a Redis presence manager beside the Redis engine;
  /// any other combination is not supported yet (refused).
  bool enabled = false;
  std::string type;      ///< "memory" or "redis"
  RedisConfig redis;     ///< used when type is "redis"
};

}  // namespace herald
