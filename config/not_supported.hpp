// The one list of config keys that turn on something Herald does not do yet. validate()
// refuses a config that sets one of them to anything but its default (or to the one value
// named), with "path.to.key: not supported yet", at start and in `herald checkconfig` alike,
// instead of loading it and silently doing less than asked.
//
// Supporting a feature = deleting its line here (and saying in docs/configuration.md what the
// key does now). Keys that Herald ignores because they change nothing observable are not
// here: docs/configuration.md says why each is harmless.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace herald {

/// For keys whose feature works in some setups only: true where it is missing.
inline bool without_redis_broker(const Config& c) {
  return c.engine.type != "redis" || c.broker.type != "redis";
}
inline bool without_redis_presence_manager(const Config& c) {
  return c.engine.type != "redis" || c.presence_manager.type != "redis";
}

struct NotSupportedKey {
  /// Dotted key path. An array item is `name[]` (any index); `*` is any one segment
  /// (`channel.*.x` = `channel.without_namespace.x` and `channel.namespaces[].x`); `**` is
  /// any run of segments, including none.
  std::string_view pattern;
  /// "" = refused when different from the default. Else (string keys, and each item of a
  /// string list) refused only when equal to this, or starting with it when it ends in `*`:
  /// for keys where one value names the missing feature.
  std::string_view value = {};
  /// nullptr = missing everywhere. Else the key is refused only in configs for which this is
  /// true, and the message adds `where` in parentheses: where the feature does work.
  bool (*missing)(const Config&) = nullptr;
  std::string_view where = {};
};

inline constexpr NotSupportedKey kNotSupportedYet[] = {
    // TLS: the listener speaks plain HTTP, hiredis 0.14 has none, proxies and the gRPC API do
    // not exist yet. (channel.proxy.state's http.tls/grpc.tls work: the state event sender.)
    {"http_server.tls.enabled"},
    {"grpc_api.tls.enabled"},
    {"*.redis.tls.enabled"},
    {"*.redis.address", "rediss://*"},
    {"*.redis.cluster_address", "rediss://*"},
    {"client.proxy.*.*.tls.enabled"},
    {"channel.proxy.subscribe.*.tls.enabled"},
    {"channel.proxy.publish.*.tls.enabled"},
    {"channel.proxy.sub_refresh.*.tls.enabled"},
    {"channel.proxy.subscribe_stream.*.tls.enabled"},
    {"rpc.proxy.*.tls.enabled"},
    {"proxies[].*.tls.enabled"},
    // One listener: no internal port or address.
    {"http_server.internal_address"},
    {"http_server.internal_port"},
    {"http_server.internal_tls.enabled"},
    {"http_server.tls_external"},
    // Listener features.
    {"http_server.tls_autocert.enabled"},
    {"http_server.http3.enabled"},
    // Redis options the Redis engine does not have.
    {"*.redis.address", "unix:*"},
    {"*.redis.cluster_address", "unix:*"},
    {"*.redis.sentinel_address"},
    {"*.redis.presence_hash_field_ttl"},
    {"*.redis.presence_user_mapping"},
    {"*.redis.history_use_lists"},
    // Separate pub/sub and presence backends: Redis ones beside the Redis engine only.
    {"broker.enabled", {}, without_redis_broker,
     "only broker.type \"redis\" with engine.type \"redis\""},
    {"presence_manager.enabled", {}, without_redis_presence_manager,
     "only presence_manager.type \"redis\" with engine.type \"redis\""},
    // Clients.
    {"client.proxy.connect.enabled"},
    {"client.proxy.refresh.enabled"},
    {"client.*.jwks_public_endpoint"},
    {"client.*.hmac_previous_secret_key"},
    {"client.user_id_http_header"},
    {"client.connection_rate_limit"},
    {"client.channel_position_max_time_lag"},
    {"client.subscribe_to_user_personal_channel.enabled"},
    // Channels.
    {"channel.*.force_recovery_mode", "cache"},
    {"channel.*.allow_tags_filter"},
    {"channel.*.subscription_type", "map*"},
    {"channel.*.subscription_type", "shared_poll"},
    {"channel.*.publication_data_format"},
    {"channel.*.subscribe_proxy_enabled"},
    {"channel.*.publish_proxy_enabled"},
    {"channel.*.sub_refresh_proxy_enabled"},
    {"channel.*.subscribe_stream_proxy_enabled"},
    // Client RPC.
    {"rpc.*.proxy_enabled"},
    {"rpc.ping.enabled"},
    // Endpoints, transport options, node.
    {"grpc_api.enabled"},
    {"prometheus.enabled"},
    {"admin.enabled"},
    {"websocket.compression_min_size"},
    {"node.info_metrics_aggregate_interval"},  // the info API reports a fixed 60 s
    // Centrifugo sections of features Herald lacks.
    {"sse.enabled"},
    {"http_stream.enabled"},
    {"uni_websocket.enabled"},
    {"uni_sse.enabled"},
    {"uni_http_stream.enabled"},
    {"uni_grpc.enabled"},
    {"webtransport.enabled"},
    {"init.enabled"},
    {"swagger.enabled"},
    {"debug.enabled"},
    {"opentelemetry.enabled"},
    {"graphite.enabled"},
    {"controller.enabled"},
    {"consumers[].enabled"},
};

/// True if `path` (a key path, array indexes allowed: `channel.namespaces[2].x`) matches
/// `pattern` as described in NotSupportedKey.
bool key_pattern_matches(std::string_view pattern, std::string_view path);

/// Appends "path: not supported yet" (plus " (where)" for a conditional entry) for every key
/// of `cfg` that kNotSupportedYet refuses, also when another rule finds the key wrong: both
/// are true, and fixing one alone would not make the config start.
void check_not_supported(const Config& cfg, std::vector<std::string>& errors);

}  // namespace herald
