// Key table of the engine, broker and presence manager structs (see fields.hpp).
#pragma once

#include "config/config_engine.hpp"
#include "config/fields_base.hpp"

namespace herald {

template <ConfigOf<ChannelStateConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("vacated_event_delay", c.vacated_event_delay, kFieldPlain);
  v("num_partitions", c.num_partitions, kFieldPlain);
}

template <ConfigOf<RedisChannelStateConfig> C, class V>
void visit_fields(C& c, V&& v) {
  visit_fields(as_base<ChannelStateConfig>(c), v);
  v("node_lease", c.node_lease, kFieldPlain);
  v("force_num_partitions", c.force_num_partitions, kFieldPlain);
}

template <ConfigOf<MemoryEngineConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("channel_state", c.channel_state, kFieldPlain);
}

template <ConfigOf<RedisConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("address", c.address, kFieldSingleString);
  v("prefix", c.prefix, kFieldPlain);
  v("connect_timeout", c.connect_timeout, kFieldPlain);
  v("io_timeout", c.io_timeout, kFieldPlain);
  v("db", c.db, kFieldPlain);
  v("user", c.user, kFieldPlain);
  v("password", c.password, kFieldPlain);
  v("client_name", c.client_name, kFieldPlain);
  v("force_resp2", c.force_resp2, kFieldPlain);
  v("cluster_address", c.cluster_address, kFieldSingleString);
  v("sentinel_address", c.sentinel_address, kFieldSingleString);
  v("sentinel_master_name", c.sentinel_master_name, kFieldPlain);
  v("sentinel_user", c.sentinel_user, kFieldPlain);
  v("sentinel_password", c.sentinel_password, kFieldPlain);
  v("sentinel_client_name", c.sentinel_client_name, kFieldPlain);
  v("tls", c.tls, kFieldPlain);
  v("presence_ttl", c.presence_ttl, kFieldPlain);
  v("presence_hash_field_ttl", c.presence_hash_field_ttl, kFieldPlain);
  v("presence_user_mapping", c.presence_user_mapping, kFieldPlain);
  v("history_use_lists", c.history_use_lists, kFieldPlain);
  v("channel_state", c.channel_state, kFieldPlain);
}

template <ConfigOf<EngineConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("type", c.type, kFieldPlain);
  v("memory", c.memory, kFieldPlain);
  v("redis", c.redis, kFieldPlain);
}

template <ConfigOf<BrokerConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("enabled", c.enabled, kFieldPlain);
  v("type", c.type, kFieldPlain);
  v("redis", c.redis, kFieldPlain);
}

template <ConfigOf<PresenceManagerConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("enabled", c.enabled, kFieldPlain);
  v("type", c.type, kFieldPlain);
  v("redis", c.redis, kFieldPlain);
}

}  // namespace herald
