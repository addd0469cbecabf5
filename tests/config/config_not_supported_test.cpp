// Keys that turn on something Herald does not do yet are refused with
// "path.to.key: not supported yet" (config/not_supported.hpp); everything else still loads.
#include "config/not_supported.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "config/config_loader.hpp"
#include "config/fields.hpp"
#include "tests/config/test_util.hpp"

namespace herald {
namespace {

using testing_util::joined;
using Env = std::map<std::string, std::string>;

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

struct Case {
  const char* json;
  std::vector<std::string> errors;  // exactly these, in any order
};

// One case (at least) per line of kNotSupportedYet; EveryTableEntryHasACase checks that.
const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = {
      // TLS, wherever it appears.
      {R"({"http_server": {"tls": {"enabled": true, "cert_pem_file": "c.pem"}}})",
       {"http_server.tls.enabled: not supported yet"}},
      {R"({"grpc_api": {"tls": {"enabled": true}}})", {"grpc_api.tls.enabled: not supported yet"}},
      {R"({"engine": {"type": "redis", "redis": {"tls": {"enabled": true}}}})",
       {"engine.redis.tls.enabled: not supported yet"}},
      {R"({"broker": {"redis": {"tls": {"enabled": true}}}})",
       {"broker.redis.tls.enabled: not supported yet"}},
      {R"({"presence_manager": {"redis": {"tls": {"enabled": true}}}})",
       {"presence_manager.redis.tls.enabled: not supported yet"}},
      {R"({"engine": {"type": "redis", "redis": {"address": ["redis://a:1", "rediss://b:2"]}}})",
       {"engine.redis.address[1]: not supported yet"}},
      {R"({"broker": {"redis": {"cluster_address": "rediss://c:3"}}})",
       {"broker.redis.cluster_address[0]: not supported yet"}},
      {R"({"engine": {"type": "redis", "redis": {"address": "unix:///run/redis.sock",
                                                  "cluster_address": ["unix:/x", "h:1"]}}})",
       {"engine.redis.address[0]: not supported yet",
        "engine.redis.cluster_address[0]: not supported yet"}},
      {R"({"client": {"proxy": {"connect": {"http": {"tls": {"enabled": true}}}}}})",
       {"client.proxy.connect.http.tls.enabled: not supported yet"}},
      {R"({"channel": {"proxy": {"subscribe": {"grpc": {"tls": {"enabled": true}}}}}})",
       {"channel.proxy.subscribe.grpc.tls.enabled: not supported yet"}},
      {R"({"channel": {"proxy": {"publish": {"http": {"tls": {"enabled": true}}},
                                 "sub_refresh": {"grpc": {"tls": {"enabled": true}}},
                                 "subscribe_stream": {"http": {"tls": {"enabled": true}}}}}})",
       {"channel.proxy.publish.http.tls.enabled: not supported yet",
        "channel.proxy.sub_refresh.grpc.tls.enabled: not supported yet",
        "channel.proxy.subscribe_stream.http.tls.enabled: not supported yet"}},
      {R"({"rpc": {"proxy": {"http": {"tls": {"enabled": true}}}}})",
       {"rpc.proxy.http.tls.enabled: not supported yet"}},
      {R"({"proxies": [{"name": "p1", "endpoint": "grpc://h:1",
                        "grpc": {"tls": {"enabled": true}}}]})",
       {"proxies[0].grpc.tls.enabled: not supported yet"}},
      // One listener.
      {R"({"http_server": {"internal_address": "127.0.0.1"}})",
       {"http_server.internal_address: not supported yet"}},
      {R"({"http_server": {"internal_port": "9001"}})",
       {"http_server.internal_port: not supported yet"}},
      {R"({"http_server": {"internal_tls": {"enabled": true, "cert_pem": "x"},
                           "tls_external": true}})",
       {"http_server.internal_tls.enabled: not supported yet",
        "http_server.tls_external: not supported yet"}},
      // Listener features: the sections' other keys are Centrifugo's and ignored.
      {R"({"http_server": {"tls_autocert": {"enabled": true, "host_whitelist": "a.com"},
                           "http3": {"enabled": true}}})",
       {"http_server.tls_autocert.enabled: not supported yet",
        "http_server.http3.enabled: not supported yet"}},
      {R"({"client": {"token": {"hmac_previous_secret_key": "old"},
                      "subscription_token": {"enabled": true, "hmac_secret_key": "s",
                                             "hmac_previous_secret_key": "old"}}})",
       {"client.token.hmac_previous_secret_key: not supported yet",
        "client.subscription_token.hmac_previous_secret_key: not supported yet"}},
      {R"({"channel": {"namespaces": [{"name": "maps", "subscription_type": "map_users"},
                                      {"name": "polls", "subscription_type": "shared_poll"},
                                      {"name": "tags", "allow_tags_filter": true,
                                       "publication_data_format": "json_object"}]}})",
       {"channel.namespaces[0].subscription_type: not supported yet",
        "channel.namespaces[1].subscription_type: not supported yet",
        "channel.namespaces[2].allow_tags_filter: not supported yet",
        "channel.namespaces[2].publication_data_format: not supported yet"}},
      // Redis options.
      {R"({"engine": {"type": "redis", "redis": {"sentinel_address": "s:26379"}}})",
       {"engine.redis.sentinel_address: not supported yet"}},
      {R"({"engine": {"redis": {"presence_hash_field_ttl": true}}})",
       {"engine.redis.presence_hash_field_ttl: not supported yet"}},
      {R"({"engine": {"redis": {"presence_user_mapping": true}}})",
       {"engine.redis.presence_user_mapping: not supported yet"}},
      {R"({"broker": {"redis": {"history_use_lists": true}}})",
       {"broker.redis.history_use_lists: not supported yet"}},
      // Separate backends: Redis ones with the Redis engine only.
      {R"({"broker": {"enabled": true, "type": "redis"}})",
       {"broker.enabled: not supported yet (only broker.type \"redis\" with engine.type "
        "\"redis\")"}},
      {R"({"engine": {"type": "redis"}, "broker": {"enabled": true, "type": "memory"}})",
       {"broker.enabled: not supported yet (only broker.type \"redis\" with engine.type "
        "\"redis\")"}},
      {R"({"presence_manager": {"enabled": true, "type": "redis"}})",
       {"presence_manager.enabled: not supported yet (only presence_manager.type \"redis\" "
        "with engine.type \"redis\")"}},
      // Clients.
      {R"({"client": {"proxy": {"connect": {"enabled": true, "endpoint": "http://b/c"}}}})",
       {"client.proxy.connect.enabled: not supported yet"}},
      {R"({"client": {"proxy": {"refresh": {"enabled": true, "endpoint": "grpc://b:1"}}}})",
       {"client.proxy.refresh.enabled: not supported yet"}},
      {R"({"client": {"token": {"jwks_public_endpoint": "https://keys/jwks"}}})",
       {"client.token.jwks_public_endpoint: not supported yet"}},
      {R"({"client": {"subscription_token": {"jwks_public_endpoint": "http://keys/jwks"}}})",
       {"client.subscription_token.jwks_public_endpoint: not supported yet"}},
      {R"({"client": {"user_id_http_header": "X-User-Id"}})",
       {"client.user_id_http_header: not supported yet"}},
      {R"({"client": {"connection_rate_limit": 100}})",
       {"client.connection_rate_limit: not supported yet"}},
      {R"({"client": {"channel_position_max_time_lag": "10s"}})",
       {"client.channel_position_max_time_lag: not supported yet"}},
      {R"({"client": {"subscribe_to_user_personal_channel": {"enabled": true}}})",
       {"client.subscribe_to_user_personal_channel.enabled: not supported yet"}},
      // Channels.
      {R"({"channel": {"without_namespace": {"history_size": 1, "history_ttl": "1s",
                                              "force_recovery_mode": "cache"}}})",
       {"channel.without_namespace.force_recovery_mode: not supported yet"}},
      {R"({"channel": {"proxy": {"subscribe": {"endpoint": "http://b/s"}},
                       "namespaces": [{"name": "ns", "subscribe_proxy_enabled": true}]}})",
       {"channel.namespaces[0].subscribe_proxy_enabled: not supported yet"}},
      {R"({"channel": {"proxy": {"publish": {"endpoint": "http://b/p"}},
                       "without_namespace": {"publish_proxy_enabled": true}}})",
       {"channel.without_namespace.publish_proxy_enabled: not supported yet"}},
      {R"({"proxies": [{"name": "named", "endpoint": "http://b/r"}],
           "channel": {"namespaces": [{"name": "a1"}, {"name": "a2",
                       "sub_refresh_proxy_enabled": true, "sub_refresh_proxy_name": "named"}]}})",
       {"channel.namespaces[1].sub_refresh_proxy_enabled: not supported yet"}},
      {R"({"channel": {"proxy": {"subscribe_stream": {"endpoint": "grpc://b:1"}},
                       "namespaces": [{"name": "ns", "subscribe_stream_proxy_enabled": true}]}})",
       {"channel.namespaces[0].subscribe_stream_proxy_enabled: not supported yet"}},
      // Client RPC.
      {R"({"rpc": {"proxy": {"endpoint": "http://b/rpc"},
                   "without_namespace": {"proxy_enabled": true}}})",
       {"rpc.without_namespace.proxy_enabled: not supported yet"}},
      {R"({"proxies": [{"name": "named", "endpoint": "http://b/rpc"}],
           "rpc": {"namespaces": [{"name": "math", "proxy_enabled": true,
                                   "proxy_name": "named"}]}})",
       {"rpc.namespaces[0].proxy_enabled: not supported yet"}},
      {R"({"rpc": {"ping": {"enabled": true}}})", {"rpc.ping.enabled: not supported yet"}},
      // Endpoints and transport options.
      {R"({"grpc_api": {"enabled": true}})", {"grpc_api.enabled: not supported yet"}},
      {R"({"prometheus": {"enabled": true}})", {"prometheus.enabled: not supported yet"}},
      {R"({"admin": {"enabled": true, "password": "p", "secret": "s"}})",
       {"admin.enabled: not supported yet"}},
      {R"({"websocket": {"compression": true, "compression_min_size": 128}})",
       {"websocket.compression_min_size: not supported yet"}},
      {R"({"node": {"info_metrics_aggregate_interval": "10s"}})",
       {"node.info_metrics_aggregate_interval: not supported yet"}},
      // Centrifugo sections: their other keys are accepted, `enabled` is refused.
      {R"({"sse": {"enabled": true, "handler_prefix": "/connection/sse"}})",
       {"sse.enabled: not supported yet"}},
      {R"({"http_stream": {"enabled": true, "max_request_body_size": 65536}})",
       {"http_stream.enabled: not supported yet"}},
      {R"({"uni_websocket": {"enabled": true, "join_push_messages": true}})",
       {"uni_websocket.enabled: not supported yet"}},
      {R"({"uni_sse": {"enabled": true}})", {"uni_sse.enabled: not supported yet"}},
      {R"({"uni_http_stream": {"enabled": true, "connect_code_to_http_response":
                                {"enabled": true, "transforms": []}}})",
       {"uni_http_stream.enabled: not supported yet"}},
      {R"({"uni_grpc": {"enabled": true, "port": 11000, "tls": {"enabled": true}}})",
       {"uni_grpc.enabled: not supported yet"}},
      {R"({"webtransport": {"enabled": true}})", {"webtransport.enabled: not supported yet"}},
      {R"({"init": {"enabled": true}})", {"init.enabled: not supported yet"}},
      {R"({"swagger": {"enabled": true}})", {"swagger.enabled: not supported yet"}},
      {R"({"debug": {"enabled": true, "handler_prefix": "/debug/pprof"}})",
       {"debug.enabled: not supported yet"}},
      {R"({"opentelemetry": {"enabled": true, "api": true}})",
       {"opentelemetry.enabled: not supported yet"}},
      {R"({"graphite": {"enabled": true, "host": "g", "port": 2003, "tags": {"a": "b"}}})",
       {"graphite.enabled: not supported yet"}},
      {R"({"controller": {"enabled": true, "type": "postgres"}})",
       {"controller.enabled: not supported yet"}},
      {R"({"consumers": [{"name": "off", "type": "kafka"},
                         {"name": "on", "enabled": true, "type": "postgresql",
                          "postgresql": {"dsn": "postgres://x", "num_partitions": 1}}]})",
       {"consumers[1].enabled: not supported yet"}},
  };
  return kCases;
}

TEST(ConfigNotSupported, EveryCaseFailsWithExactlyItsMessages) {
  for (const Case& c : cases()) {
    LoadResult r = load_config_json(c.json, {});
    EXPECT_FALSE(r.config) << c.json;
    EXPECT_EQ(sorted(r.errors), sorted(c.errors)) << c.json << joined(r.errors);
    EXPECT_TRUE(r.warnings.empty()) << c.json << joined(r.warnings);
  }
}

TEST(ConfigNotSupported, EveryTableEntryHasACase) {
  for (const NotSupportedKey& k : kNotSupportedYet) {
    bool covered = false;
    for (const Case& c : cases()) {
      for (const auto& e : c.errors) {
        std::string path = e.substr(0, e.find(':'));
        covered = covered || key_pattern_matches(k.pattern, path);
        // An item of a string list is refused by the list's key.
        if (path.ends_with(']')) path.erase(path.rfind('['));
        covered = covered || key_pattern_matches(k.pattern, path);
      }
    }
    EXPECT_TRUE(covered) << "no case refuses " << k.pattern;
  }
}

// Every key path of the tree, array items written `name[]`.
struct KeyPaths {
  std::string prefix;
  std::vector<std::string>* out;
  template <class T>
  void operator()(std::string_view key, T& field, unsigned) {
    const std::string path = prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
    out->push_back(path);
    if constexpr (ConfigStruct<T>) {
      visit_fields(field, KeyPaths{path, out});
    } else if constexpr (requires { typename T::value_type; field.emplace_back(); }) {
      if constexpr (ConfigStruct<typename T::value_type>) {
        typename T::value_type item{};
        visit_fields(item, KeyPaths{path + "[]", out});
      }
    }
  }
};

TEST(ConfigNotSupported, EveryTableEntryNamesARealKey) {
  Config c;
  std::vector<std::string> paths;
  visit_fields(c, KeyPaths{"", &paths});
  for (const NotSupportedKey& k : kNotSupportedYet) {
    const bool found = std::any_of(paths.begin(), paths.end(), [&](const std::string& p) {
      return key_pattern_matches(k.pattern, p);
    });
    EXPECT_TRUE(found) << "matches no key: " << k.pattern;
  }
}

TEST(ConfigNotSupported, PatternMatching) {
  EXPECT_TRUE(key_pattern_matches("a.b", "a.b"));
  EXPECT_FALSE(key_pattern_matches("a.b", "a.b.c"));
  EXPECT_FALSE(key_pattern_matches("a.b", "a"));
  EXPECT_TRUE(key_pattern_matches("channel.*.x", "channel.without_namespace.x"));
  EXPECT_TRUE(key_pattern_matches("channel.*.x", "channel.namespaces[3].x"));
  EXPECT_FALSE(key_pattern_matches("channel.*.x", "channel.x"));
  EXPECT_TRUE(key_pattern_matches("consumers[].enabled", "consumers[12].enabled"));
  EXPECT_TRUE(key_pattern_matches("consumers[].enabled", "consumers[].enabled"));
  EXPECT_FALSE(key_pattern_matches("consumers[].enabled", "consumers.enabled"));
  EXPECT_FALSE(key_pattern_matches("consumers[].enabled", "consumersx[1].enabled"));
  EXPECT_TRUE(key_pattern_matches("**.tls.enabled", "tls.enabled"));
  EXPECT_TRUE(key_pattern_matches("**.http.tls.enabled", "proxies[0].http.tls.enabled"));
  EXPECT_TRUE(key_pattern_matches("**.http.tls.enabled", "client.proxy.connect.http.tls.enabled"));
  EXPECT_FALSE(key_pattern_matches("**.http.tls.enabled", "http_server.tls.enabled"));
}

// Default values of refused keys, and every key that is harmless to ignore (documented as such
// in docs/configuration.md), load without an error or a warning.
TEST(ConfigNotSupported, DefaultsAndHarmlessKeysLoad) {
  LoadResult r = load_config_json(R"({
    "http_server": {"internal_address": "", "internal_port": 0,
                    "tls": {"enabled": false, "cert_pem": "x", "server_name": "h"},
                    "tls_autocert": {"enabled": false, "cache_dir": "/c"},
                    "http3": {"enabled": false}, "tls_external": false},
    "engine": {"redis": {"force_resp2": true, "sentinel_master_name": "m",
                         "sentinel_user": "u", "sentinel_password": "p",
                         "sentinel_client_name": "c", "presence_user_mapping": false,
                         "channel_state": {"vacated_event_delay": "1s", "num_partitions": 8,
                                           "node_lease": "10s"}},
               "memory": {"channel_state": {"vacated_event_delay": "2s", "num_partitions": 4}}},
    "broker": {"enabled": false, "type": "redis", "redis": {"address": "b:6379"}},
    "presence_manager": {"enabled": false, "type": "redis"},
    "client": {"proxy": {"connect": {"endpoint": "http://b/connect"}},
               "channel_position_check_delay": "5s", "connection_rate_limit": 0,
               "channel_position_max_time_lag": "0s",
               "subscribe_to_user_personal_channel": {"enabled": false,
                                                      "personal_channel_namespace": "x",
                                                      "single_connection": true}},
    "channel": {
      "proxy": {"subscribe": {"endpoint": "grpc://b:1", "http": {"tls": {"enabled": false}}},
                "publish": {"endpoint": "http://b/p"}, "sub_refresh": {"endpoint": "http://b/r"},
                "subscribe_stream": {"endpoint": "grpc://b:2"}},
      "namespaces": [{"name": "chat", "history_size": 10, "history_ttl": "10s",
                      "force_recovery_mode": "stream", "allowed_delta_types": ["fossil"],
                      "subscription_type": "stream", "allow_tags_filter": false,
                      "delta_publish": true, "subscribe_proxy_name": "named",
                      "subscribe_stream_proxy_bidirectional": true,
                      "state_events": ["vacated"]}]},
    "rpc": {"proxy": {"endpoint": "http://b/rpc"}, "ping": {"method": "pong"},
            "without_namespace": {"proxy_name": "named"}, "namespace_boundary": "."},
    "proxies": [{"name": "named", "endpoint": "https://b/x", "grpc": {"compression": true}}],
    "http_api": {"external": true},
    "grpc_api": {"enabled": false, "port": 10001, "reflection": true},
    "websocket": {"compression_min_size": 0, "read_buffer_size": 4096,
                  "write_buffer_size": 4096, "use_write_buffer_pool": true},
    "prometheus": {"handler_prefix": "/m"},
    "admin": {"insecure": true, "handler_prefix": "/admin"},
    "node": {"info_metrics_aggregate_interval": "60s"},
    "sse": {"enabled": false, "handler_prefix": "/connection/sse"},
    "uni_grpc": {"port": 11000},
    "consumers": [{"name": "kafka-in", "type": "kafka", "kafka": {"brokers": ["k:9092"]}}]
  })", {});
  EXPECT_TRUE(r.config) << joined(r.errors);
  EXPECT_TRUE(r.warnings.empty()) << joined(r.warnings);
}

// Features that work in some setups load there: Redis broker and presence manager beside the
// Redis engine; channel state events (TLS to their endpoint included) with the memory engine.
TEST(ConfigNotSupported, FeaturesLoadWhereTheyWork) {
  for (const char* json : {
           R"({"engine": {"type": "redis"},
               "broker": {"enabled": true, "type": "redis", "redis": {"address": "b:6379"}},
               "presence_manager": {"enabled": true, "type": "redis",
                                    "redis": {"address": "p:6379"}}})",
           R"({"engine": {"memory": {"channel_state": {"vacated_event_delay": "1s"}}},
               "channel": {"proxy": {"state": {"endpoint": "https://b/state",
                                               "http": {"tls": {"enabled": true,
                                                                "server_ca_pem": "x"}}}},
                           "namespaces": [{"name": "ns", "presence": true,
                                           "state_proxy_enabled": true,
                                           "state_events": ["occupied"]}]}})",
           R"({"channel": {"proxy": {"state": {"endpoint": "grpc://b:1",
                                               "grpc": {"tls": {"enabled": true}}}},
                           "without_namespace": {"presence": true,
                                                 "state_proxy_enabled": true}}})"}) {
    LoadResult r = load_config_json(json, {});
    EXPECT_TRUE(r.config) << json << joined(r.errors);
    EXPECT_TRUE(r.warnings.empty()) << json << joined(r.warnings);
  }
}

TEST(ConfigNotSupported, ForceRecoveryModeStreamLoads) {
  const char* tpl = R"({"channel": {"without_namespace": {"history_size": 1, "history_ttl": "1s",
                                                          "force_recovery_mode": "%"}}})";
  for (const char* mode : {"", "stream"}) {
    std::string json = tpl;
    json.replace(json.find('%'), 1, mode);
    EXPECT_TRUE(load_config_json(json, {}).config) << mode;
  }
}

// A refused key that another rule also finds wrong gets both messages: fixing only one would
// not make the config start.
TEST(ConfigNotSupported, ABadValueIsBadAndRefused) {
  LoadResult r = load_config_json(
      R"({"websocket": {"compression_min_size": -1},
          "engine": {"type": "redis"},
          "channel": {"namespaces": [{"name": "ns", "state_proxy_enabled": true}]}})",
      {});
  EXPECT_EQ(sorted(r.errors),
            sorted({"websocket.compression_min_size: must not be negative",
                    "websocket.compression_min_size: not supported yet",
                    "channel.namespaces[0].state_proxy_enabled: requires \"presence\": true in "
                    "the same namespace (channel state events are derived from presence)",
                    "channel.namespaces[0].state_proxy_enabled: requires "
                    "channel.proxy.state.endpoint (an http:// or https:// URL or "
                    "grpc://host:port)"}))
      << joined(r.errors);
}

TEST(ConfigNotSupported, EnvironmentGoesThroughTheSameCheck) {
  LoadResult r = load_config_json("{}", {{"HERALD_GRPC_API_ENABLED", "true"},
                                         {"HERALD_SSE_ENABLED", "1"},
                                         {"HERALD_SSE_HANDLER_PREFIX", "/sse"},
                                         {"HERALD_CLIENT_USER_ID_HTTP_HEADER", "X-User"}});
  EXPECT_EQ(sorted(r.errors), sorted({"grpc_api.enabled: not supported yet",
                                      "sse.enabled: not supported yet",
                                      "client.user_id_http_header: not supported yet"}))
      << joined(r.errors);
  // A Centrifugo key of a section Herald lacks is not an unknown variable.
  EXPECT_TRUE(r.warnings.empty()) << joined(r.warnings);
}

TEST(ConfigNotSupported, ConsumersFromEnvironment) {
  LoadResult r = load_config_json(
      "{}", {{"HERALD_CONSUMERS", R"([{"name": "pg", "type": "postgresql",
                                        "postgresql": {"dsn": "postgres://x"}}])"},
             {"HERALD_CONSUMERS_PG_ENABLED", "true"}});
  EXPECT_EQ(r.errors, std::vector<std::string>{"consumers[0].enabled: not supported yet"})
      << joined(r.errors);
  EXPECT_TRUE(r.warnings.empty()) << joined(r.warnings);
}

}  // namespace
}  // namespace herald
