#include <gtest/gtest.h>

#include <set>

#include "config/config_loader.hpp"
#include "config/env_overrides.hpp"
#include "config/fields.hpp"
#include "tests/config/test_util.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;
using testing_util::has_message;
using testing_util::joined;
using Env = std::map<std::string, std::string>;

Config load_ok(const Env& env, std::string_view json = "{}") {
  LoadResult r = load_config_json(json, env);
  EXPECT_TRUE(r.errors.empty()) << joined(r.errors);
  EXPECT_TRUE(r.warnings.empty()) << joined(r.warnings);
  return r.config.value_or(Config{});
}

TEST(ConfigEnv, ScalarKeysWithUnderscores) {
  Config c = load_ok({{"HERALD_HTTP_API_KEY", "k1"},
                      {"HERALD_CLIENT_TOKEN_HMAC_SECRET_KEY", "s1"},
                      {"HERALD_ENGINE_TYPE", "redis"},
                      {"HERALD_HTTP_SERVER_PORT", "9000"},
                      {"HERALD_CLIENT_QUEUE_MAX_SIZE", "2048"},
                      {"HERALD_PID_FILE", "/run/h.pid"}});
  EXPECT_EQ(c.http_api.key, "k1");
  EXPECT_EQ(c.client.token.hmac_secret_key, "s1");
  EXPECT_EQ(c.engine.type, "redis");
  EXPECT_EQ(c.http_server.port, 9000);
  EXPECT_EQ(c.client.queue_max_size, 2048);
  EXPECT_EQ(c.pid_file, "/run/h.pid");
}

TEST(ConfigEnv, NestedDurationsAndSeedKeys) {
  Config c = load_ok({{"HERALD_CLIENT_PING_INTERVAL", "30s"},
                      {"HERALD_ENGINE_REDIS_CHANNEL_STATE_VACATED_EVENT_DELAY", "10s"},
                      {"HERALD_ENGINE_REDIS_CHANNEL_STATE_NUM_PARTITIONS", "256"},
                      {"HERALD_ENGINE_REDIS_CHANNEL_STATE_NODE_LEASE", "7s"},
                      {"HERALD_ENGINE_MEMORY_CHANNEL_STATE_NUM_PARTITIONS", "16"},
                      {"HERALD_CHANNEL_PROXY_STATE_ENDPOINT", "grpc://127.0.0.1:9999"},
                      {"HERALD_PRESENCE_MANAGER_TYPE", "redis"},
                      {"HERALD_PRESENCE_MANAGER_REDIS_ADDRESS", "localhost:6380"}});
  EXPECT_EQ(c.client.ping_interval, 30s);
  EXPECT_EQ(c.engine.redis.channel_state.vacated_event_delay, 10s);
  EXPECT_EQ(c.engine.redis.channel_state.num_partitions, 256);
  EXPECT_EQ(c.engine.redis.channel_state.node_lease, 7s);
  EXPECT_EQ(c.engine.memory.channel_state.num_partitions, 16);
  EXPECT_EQ(c.channel.proxy.state.endpoint, "grpc://127.0.0.1:9999");
  EXPECT_EQ(c.presence_manager.type, "redis");
  EXPECT_EQ(c.presence_manager.redis.address, std::vector<std::string>{"localhost:6380"});
}

TEST(ConfigEnv, SeedPresenceManagerSwitchIsRefusedLikeInAFile) {
  LoadResult r = load_config_json("{}", {{"HERALD_PRESENCE_MANAGER_ENABLED", "true"},
                                         {"HERALD_PRESENCE_MANAGER_TYPE", "redis"}});
  EXPECT_FALSE(r.config);
  EXPECT_EQ(r.errors, std::vector<std::string>{
                          "presence_manager.enabled: not supported yet (only "
                          "presence_manager.type \"redis\" with engine.type \"redis\")"});
}

TEST(ConfigEnv, StringArraysAreSpaceSeparated) {
  Config c = load_ok({{"HERALD_CLIENT_ALLOWED_ORIGINS", "https://a.com  https://b.com"},
                      {"HERALD_ENGINE_REDIS_ADDRESS", "redis://h1:6379 redis://h2:6379"}});
  EXPECT_EQ(c.client.allowed_origins,
            (std::vector<std::string>{"https://a.com", "https://b.com"}));
  EXPECT_EQ(c.engine.redis.address.size(), 2u);
}

TEST(ConfigEnv, BooleansFollowGoParseBool) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) {
    EXPECT_EQ(parse_go_bool(t), true) << t;
    EXPECT_TRUE(load_ok({{"HERALD_CLIENT_INSECURE", t}}).client.insecure) << t;
  }
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"}) {
    EXPECT_EQ(parse_go_bool(f), false) << f;
  }
  for (const char* bad : {"yes", "tRUE", "on", "2", " true"}) {
    EXPECT_FALSE(parse_go_bool(bad).has_value()) << bad;
  }
}

TEST(ConfigEnv, InvalidValuesNameVariableAndKey) {
  LoadResult r = load_config_json("{}", {{"HERALD_CLIENT_INSECURE", "yes"},
                                         {"HERALD_HTTP_SERVER_PORT", "90x"},
                                         {"HERALD_CLIENT_PING_INTERVAL", "abc"},
                                         {"HERALD_CHANNEL_NAMESPACES", "[{"}});
  EXPECT_FALSE(r.config);
  EXPECT_TRUE(has_message(r.errors, "HERALD_CLIENT_INSECURE (client.insecure): invalid boolean"));
  EXPECT_TRUE(
      has_message(r.errors, "HERALD_HTTP_SERVER_PORT (http_server.port): invalid integer"));
  EXPECT_TRUE(has_message(r.errors,
                          "HERALD_CLIENT_PING_INTERVAL (client.ping_interval): invalid duration"));
  EXPECT_TRUE(
      has_message(r.errors, "HERALD_CHANNEL_NAMESPACES (channel.namespaces): invalid JSON"));
  EXPECT_EQ(r.errors.size(), 4u) << joined(r.errors);
}

TEST(ConfigEnv, NamespacesAndProxiesAsJson) {
  Config c = load_ok(
      {{"HERALD_CHANNEL_NAMESPACES",
        R"([{"name": "chat", "presence": true, "history_size": 10, "history_ttl": "60s"}])"},
       {"HERALD_PROXIES", R"([{"name": "backend", "endpoint": "http://b:1/p"}])"},
       {"HERALD_RPC_NAMESPACES", R"([{"name": "math", "proxy_name": "backend"}])"}});
  ASSERT_EQ(c.channel.namespaces.size(), 1u);
  EXPECT_TRUE(c.channel.namespaces[0].options.presence);
  EXPECT_EQ(c.channel.namespaces[0].options.history_ttl, 60s);
  ASSERT_EQ(c.proxies.size(), 1u);
  EXPECT_EQ(c.proxies[0].endpoint, "http://b:1/p");
  ASSERT_EQ(c.rpc.namespaces.size(), 1u);
  EXPECT_EQ(c.rpc.namespaces[0].options.proxy_name, "backend");
}

TEST(ConfigEnv, JsonValueProblemsArePrefixedWithTheVariable) {
  LoadResult r = load_config_json(
      "{}", {{"HERALD_CHANNEL_NAMESPACES", R"([{"name": "chat", "presence": "yes", "x": 1}])"}});
  EXPECT_TRUE(has_message(r.errors, "HERALD_CHANNEL_NAMESPACES: channel.namespaces[0].presence: "
                                    "expected true or false"))
      << joined(r.errors);
  EXPECT_TRUE(has_message(r.warnings, "HERALD_CHANNEL_NAMESPACES: channel.namespaces[0].x: "
                                      "unknown key"))
      << joined(r.warnings);
}

TEST(ConfigEnv, PerItemOverridesByName) {
  const char* json = R"({"channel": {"namespaces": [
      {"name": "chat"}, {"name": "my-ns.v2", "history_size": 5, "history_ttl": "5s"}]},
      "proxies": [{"name": "backend", "endpoint": "http://b:1/p"}],
      "rpc": {"namespaces": [{"name": "math"}]}})";
  Config c = load_ok({{"HERALD_CHANNEL_NAMESPACES_CHAT_PRESENCE", "true"},
                      {"HERALD_CHANNEL_NAMESPACES_MY_NS_V2_HISTORY_SIZE", "50"},
                      {"HERALD_PROXIES_BACKEND_TIMEOUT", "3s"},
                      {"HERALD_RPC_NAMESPACES_MATH_PROXY_NAME", "backend"}},
                     json);
  EXPECT_TRUE(c.channel.namespaces[0].options.presence);
  EXPECT_EQ(c.channel.namespaces[1].options.history_size, 50u);
  EXPECT_EQ(c.proxies[0].timeout, 3s);
  EXPECT_EQ(c.rpc.namespaces[0].options.proxy_name, "backend");
}

TEST(ConfigEnv, PerItemAppliesToNamespacesFromEnvJson) {
  Config c = load_ok({{"HERALD_CHANNEL_NAMESPACES", R"([{"name": "chat"}])"},
                      {"HERALD_CHANNEL_NAMESPACES_CHAT_JOIN_LEAVE", "1"}});
  ASSERT_EQ(c.channel.namespaces.size(), 1u);
  EXPECT_TRUE(c.channel.namespaces[0].options.join_leave);
}

TEST(ConfigEnv, PerItemForUnknownNameIsAWarning) {
  LoadResult r = load_config_json("{}", {{"HERALD_CHANNEL_NAMESPACES_NOPE_PRESENCE", "true"}});
  ASSERT_TRUE(r.config);
  EXPECT_TRUE(has_message(r.warnings, "HERALD_CHANNEL_NAMESPACES_NOPE_PRESENCE: unknown "
                                      "environment variable"))
      << joined(r.warnings);
}

TEST(ConfigEnv, EmptyValuesCountAsUnset) {
  Config c = load_ok({{"HERALD_LOG_LEVEL", ""}, {"HERALD_UNKNOWN_THING", ""}},
                     R"({"log": {"level": "debug"}})");
  EXPECT_EQ(c.log.level, "debug");
}

TEST(ConfigEnv, EnvBeatsFile) {
  Config c = load_ok({{"HERALD_LOG_LEVEL", "error"}, {"HERALD_HTTP_SERVER_PORT", "7000"}},
                     R"({"log": {"level": "debug"}, "http_server": {"port": 9000}})");
  EXPECT_EQ(c.log.level, "error");
  EXPECT_EQ(c.http_server.port, 7000);
}

TEST(ConfigEnv, UnknownHeraldVariablesWarnOthersIgnored) {
  LoadResult r = load_config_json("{}", {{"HERALD_LOG_LEVL", "debug"}, {"PATH", "/bin"},
                                         {"CENTRIFUGO_LOG_LEVEL", "debug"}});
  ASSERT_TRUE(r.config);
  ASSERT_EQ(r.warnings.size(), 1u) << joined(r.warnings);
  EXPECT_TRUE(has_message(r.warnings, "HERALD_LOG_LEVL: unknown environment variable"));
  EXPECT_EQ(r.config->log.level, "info");
}

TEST(ConfigEnv, MapsAsJson) {
  Config c = load_ok({{"HERALD_CHANNEL_PROXY_SUBSCRIBE_HTTP_STATIC_HEADERS", R"({"x-a": "1"})"}});
  EXPECT_EQ(c.channel.proxy.subscribe.http.static_headers.at("x-a"), "1");
}

TEST(ConfigEnv, InvalidValueFailsValidationToo) {
  LoadResult r = load_config_json("{}", {{"HERALD_ENGINE_TYPE", "nats"}});
  EXPECT_FALSE(r.config);
  EXPECT_TRUE(has_message(r.errors, "engine.type: must be memory or redis"));
}

TEST(ConfigEnv, NameNormalization) {
  EXPECT_EQ(env_name_part("my-ns.v2"), "MY_NS_V2");
  EXPECT_EQ(env_name_part("Chat_1"), "CHAT_1");
}

// Every key path must map to its own variable name, or one env var would set two keys.
struct EnvNames {
  std::string prefix;
  std::vector<std::string>* out;
  template <class T>
  void operator()(std::string_view key, T& field, unsigned) {
    const std::string name = prefix + "_" + env_name_part(key);
    out->push_back(name);
    if constexpr (ConfigStruct<T>) visit_fields(field, EnvNames{name, out});
  }
};

TEST(ConfigEnv, EveryKeyHasADistinctVariable) {
  Config c;
  std::vector<std::string> names;
  visit_fields(c, EnvNames{"HERALD", &names});
  std::set<std::string> unique(names.begin(), names.end());
  EXPECT_EQ(unique.size(), names.size());
  EXPECT_GT(names.size(), 200u);
}

}  // namespace
}  // namespace herald
