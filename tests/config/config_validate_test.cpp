#include "config/config_validate.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/config/test_util.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;
using testing_util::has_message;
using testing_util::joined;

NamespaceConfig ns(std::string name) {
  NamespaceConfig n;
  n.name = std::move(name);
  return n;
}

// Expects `cfg` to fail with a message starting with `prefix`.
void expect_error(const Config& cfg, const std::string& prefix) {
  auto errors = validate(cfg);
  EXPECT_TRUE(has_message(errors, prefix)) << "wanted: " << prefix << joined(errors);
}

// Expects exactly these messages (in any order).
void expect_only(const Config& cfg, std::vector<std::string> wanted) {
  auto errors = validate(cfg);
  std::sort(errors.begin(), errors.end());
  std::sort(wanted.begin(), wanted.end());
  EXPECT_EQ(errors, wanted) << joined(errors);
}


TEST(ConfigValidate, DefaultsAreValid) {
  auto errors = validate(Config{});
  EXPECT_TRUE(errors.empty()) << joined(errors);
}

TEST(ConfigValidate, Ports) {
  Config c;
  c.http_server.port = -1;
  expect_error(c, "http_server.port: must be in 0..65535");
  c.http_server.port = 65536;
  expect_error(c, "http_server.port: must be in 0..65535");
  c = Config{};
  c.http_server.internal_port = -1;
  expect_error(c, "http_server.internal_port: must be in 0..65535");
  c = Config{};
  c.grpc_api.enabled = true;
  c.grpc_api.port = 70000;
  expect_error(c, "grpc_api.port");
}

TEST(ConfigValidate, LogLevelAndEngineType) {
  Config c;
  c.log.level = "verbose";
  c.engine.type = "nats";
  expect_error(c, "log.level: must be one of");
  expect_error(c, "engine.type: must be memory or redis");
  for (const char* level : {"trace", "debug", "info", "warn", "error", "none"}) {
    c = Config{};
    c.log.level = level;
    EXPECT_TRUE(validate(c).empty()) << level;
  }
}

TEST(ConfigValidate, BrokerAndPresenceManagerTypes) {
  Config c;
  c.broker.enabled = true;
  expect_error(c, "broker.type: required when enabled");
  c.broker.type = "nats";
  expect_error(c, "broker.type: must be memory or redis");
  c = Config{};
  c.presence_manager.enabled = true;
  c.presence_manager.type = "redis";
  c.presence_manager.redis.address = {"nohostport"};
  expect_error(c, "presence_manager.redis.address[0]: expected host:port");
  c.presence_manager.redis.address = {"http://x:1"};
  expect_error(c, "presence_manager.redis.address[0]: scheme must be");
  c.presence_manager.redis.address = {};
  expect_error(c, "presence_manager.redis.address: at least one");
}

TEST(ConfigValidate, RedisOnlyCheckedWhenUsedExceptChannelState) {
  Config c;
  c.engine.redis.address = {""};
  EXPECT_TRUE(validate(c).empty());  // memory engine: redis section unused
  c.engine.type = "redis";
  expect_error(c, "engine.redis.address[0]: must not be empty");
  c = Config{};
  c.engine.redis.channel_state.num_partitions = 0;
  expect_error(c, "engine.redis.channel_state.num_partitions: must be in 1..65536");
  c.engine.redis.channel_state.num_partitions = 65537;
  expect_error(c, "engine.redis.channel_state.num_partitions");
  c.engine.redis.channel_state.num_partitions = 65536;
  EXPECT_TRUE(validate(c).empty());
  c.engine.redis.channel_state.vacated_event_delay = -1s;
  expect_error(c, "engine.redis.channel_state.vacated_event_delay: must not be negative");
  c.engine.redis.channel_state.vacated_event_delay = 0s;
  EXPECT_TRUE(validate(c).empty());
}

TEST(ConfigValidate, NamespaceNamesPatternAndUniqueness) {
  Config c;
  c.channel.namespaces = {ns("chat"), ns("a"), ns("bad name"), ns("chat"), ns("ok-1_2.x")};
  auto errors = validate(c);
  EXPECT_TRUE(has_message(errors, "channel.namespaces[1].name: \"a\" must match"));
  EXPECT_TRUE(has_message(errors, "channel.namespaces[2].name: \"bad name\" must match"));
  EXPECT_TRUE(has_message(errors, "channel.namespaces[3].name: duplicate namespace name"));
  EXPECT_FALSE(has_message(errors, "channel.namespaces[4]"));
  EXPECT_EQ(errors.size(), 3u) << joined(errors);
}

TEST(ConfigValidate, HistoryNeedsSizeAndTtl) {
  Config c;
  c.channel.namespaces = {ns("aa"), ns("bb"), ns("cc")};
  c.channel.namespaces[0].options.history_size = 10;
  c.channel.namespaces[1].options.history_ttl = 10s;
  c.channel.namespaces[2].options.history_size = 10;
  c.channel.namespaces[2].options.history_ttl = 10s;
  auto errors = validate(c);
  EXPECT_TRUE(has_message(errors, "channel.namespaces[0]: history_size and history_ttl"));
  EXPECT_TRUE(has_message(errors, "channel.namespaces[1]: history_size and history_ttl"));
  EXPECT_FALSE(has_message(errors, "channel.namespaces[2]"));
}

TEST(ConfigValidate, HistoryMetaTtlMustCoverHistoryTtl) {
  Config c;
  c.channel.without_namespace.history_size = 10;
  c.channel.without_namespace.history_ttl = 721h;
  expect_error(c, "channel.without_namespace.history_ttl: (721h) must not exceed");
  c.channel.without_namespace.history_meta_ttl = 800h;  // namespace override wins
  EXPECT_TRUE(validate(c).empty()) << joined(validate(c));
  c.channel.without_namespace.history_meta_ttl = 1h;
  expect_error(c, "channel.without_namespace.history_ttl");
}

TEST(ConfigValidate, PingPong) {
  Config c;
  c.client.pong_timeout = 25s;
  expect_error(c, "client.pong_timeout: must be less than client.ping_interval");
  c.client.ping_interval = -1s;  // pings disabled: no relation to check
  EXPECT_TRUE(validate(c).empty());
  c = Config{};
  c.client.pong_timeout = -1s;
  EXPECT_TRUE(validate(c).empty());
  c.client.ping_interval = 0s;
  expect_error(c, "client.ping_interval: must be positive");
}

TEST(ConfigValidate, NegativeDurationsOnlyForPingPong) {
  Config c;
  c.client.expired_close_delay = -1s;
  c.channel.proxy.publish.timeout = -1s;
  c.proxies.push_back({});
  c.proxies[0].name = "px";
  c.proxies[0].endpoint = "http://x";
  c.proxies[0].timeout = -5s;
  auto errors = validate(c);
  EXPECT_TRUE(has_message(errors, "client.expired_close_delay: must not be negative"));
  EXPECT_TRUE(has_message(errors, "channel.proxy.publish.timeout: must not be negative"));
  EXPECT_TRUE(has_message(errors, "proxies[0].timeout: must not be negative"));
}

TEST(ConfigValidate, ForceRecoveryNeedsHistory) {
  Config c;
  c.channel.without_namespace.force_recovery = true;
  expect_error(c, "channel.without_namespace.force_recovery: requires history");
  c.channel.without_namespace.history_size = 1;
  c.channel.without_namespace.history_ttl = 1s;
  EXPECT_TRUE(validate(c).empty());
  c.channel.without_namespace.force_recovery_mode = "snapshot";
  expect_error(c, "channel.without_namespace.force_recovery_mode");
}

TEST(ConfigValidate, StateProxyNeedsPresenceAndEndpoint) {
  Config c;
  c.channel.namespaces = {ns("chat")};
  c.channel.namespaces[0].options.state_proxy_enabled = true;
  auto errors = validate(c);
  EXPECT_TRUE(has_message(errors, "channel.namespaces[0].state_proxy_enabled: requires "
                                  "\"presence\": true in the same namespace"));
  EXPECT_TRUE(has_message(errors, "channel.namespaces[0].state_proxy_enabled: requires "
                                  "channel.proxy.state.endpoint"));
  EXPECT_EQ(errors.size(), 2u) << joined(errors);
  c.channel.namespaces[0].options.presence = true;
  for (const char* bad : {"ftp://x", "grpc://x", "grpc://x:1/path", "grpc://:1", "grpc://x:0",
                          "grpc://x:65536", "grpc://x:http", "localhost:3000", "http://"}) {
    c.channel.proxy.state.endpoint = bad;
    expect_only(c, {std::string("channel.proxy.state.endpoint: must be an http:// or https:// "
                                "URL or grpc://host:port, got \"") + bad + "\""});
  }
  for (const char* ok : {"http://x/e", "https://x/e", "grpc://x:1", "grpc://[::1]:10001"}) {
    c.channel.proxy.state.endpoint = ok;
    expect_only(c, {});
  }
  c.channel.namespaces[0].options.state_events = {"occupied", "gone"};
  expect_error(c, "channel.namespaces[0].state_events[1]");
}

TEST(ConfigValidate, StateProxyWithoutNamespaceNamesItsPath) {
  Config c;
  c.channel.without_namespace.state_proxy_enabled = true;
  expect_only(c, {"channel.without_namespace.state_proxy_enabled: requires \"presence\": true "
                  "in the same namespace (channel state events are derived from presence)",
                  "channel.without_namespace.state_proxy_enabled: requires "
                  "channel.proxy.state.endpoint (an http:// or https:// URL or grpc://host:port)"});
  // With presence and an endpoint it is valid on either engine (Redis: a shared store).
  c.channel.without_namespace.presence = true;
  c.channel.proxy.state.endpoint = "http://b/state";
  for (const char* engine : {"memory", "redis"}) {
    c.engine.type = engine;
    expect_only(c, {});
  }
}

TEST(ConfigValidate, ChannelStateOfEveryEngine) {
  Config c;
  c.engine.memory.channel_state.num_partitions = 0;
  c.engine.redis.channel_state.node_lease = 0s;
  c.presence_manager.redis.channel_state.num_partitions = 70000;
  expect_only(c, {"engine.memory.channel_state.num_partitions: must be in 1..65536, got 0",
                  "engine.redis.channel_state.node_lease: must be positive, got 0s",
                  "presence_manager.redis.channel_state.num_partitions: must be in 1..65536, "
                  "got 70000"});
  c = Config{};
  c.engine.memory.channel_state.num_partitions = 1;
  c.engine.memory.channel_state.vacated_event_delay = 0s;
  c.engine.redis.channel_state.node_lease = 1ms;
  expect_only(c, {});
  c.engine.memory.channel_state.vacated_event_delay = -1s;
  expect_only(c, {"engine.memory.channel_state.vacated_event_delay: must not be negative"});
}

TEST(ConfigValidate, CompressionLevelIsWhatTheTransportApplies) {
  Config c;
  for (int level : {1, 5, 9}) {
    c.websocket.compression_level = level;
    expect_only(c, {});
  }
  for (int level : {-2, -1, 0, 10}) {
    c.websocket.compression_level = level;
    expect_only(c, {"websocket.compression_level: must be in 1..9, got " + std::to_string(level)});
  }
}

TEST(ConfigValidate, RegexDeltaAndStreamProxy) {
  Config c;
  c.channel.without_namespace.channel_regex = "([a-z";
  c.channel.without_namespace.allowed_delta_types = {"fossil", "xdelta"};
  c.channel.without_namespace.subscribe_stream_proxy_enabled = true;
  c.channel.without_namespace.subscribe_proxy_enabled = true;
  c.channel.proxy.subscribe.endpoint = "http://x";
  c.channel.proxy.subscribe_stream.endpoint = "grpc://x:1";
  auto errors = validate(c);
  EXPECT_TRUE(has_message(errors, "channel.without_namespace.channel_regex: invalid"));
  EXPECT_TRUE(has_message(errors, "channel.without_namespace.allowed_delta_types[1]"));
  EXPECT_TRUE(has_message(errors, "channel.without_namespace.subscribe_stream_proxy_enabled: "
                                  "cannot be combined"));
  // Both proxies are refused as well: what is wrong and what is missing are both said.
  EXPECT_TRUE(has_message(errors, "channel.without_namespace.subscribe_proxy_enabled: not "
                                  "supported yet"));
  EXPECT_TRUE(has_message(errors, "channel.without_namespace.subscribe_stream_proxy_enabled: "
                                  "not supported yet"));
  EXPECT_EQ(errors.size(), 5u) << joined(errors);
}

TEST(ConfigValidate, ProxyReferences) {
  Config c;
  auto& o = c.channel.without_namespace;
  o.publish_proxy_enabled = true;
  expect_error(c, "channel.without_namespace.publish_proxy_enabled: requires "
                  "channel.proxy.publish.endpoint");
  o.publish_proxy_name = "missing";
  expect_error(c, "channel.without_namespace.publish_proxy_name: proxy \"missing\" not found");
  c.proxies.push_back({});
  c.proxies[0].name = "missing";
  c.proxies[0].endpoint = "https://backend/p";
  expect_only(c, {"channel.without_namespace.publish_proxy_enabled: not supported yet"});
  c.rpc.without_namespace.proxy_enabled = true;
  expect_error(c, "rpc.without_namespace.proxy_enabled: requires rpc.proxy.endpoint");
}

TEST(ConfigValidate, NamedProxies) {
  Config c;
  c.proxies.resize(4);
  c.proxies[0].name = "default";
  c.proxies[0].endpoint = "http://a";
  c.proxies[1].name = "p1";
  c.proxies[1].endpoint = "http://a";
  c.proxies[2].name = "p1";
  c.proxies[2].endpoint = "tcp://a";
  c.proxies[3].name = "p3";
  c.proxies[3].endpoint = "";
  auto errors = validate(c);
  EXPECT_TRUE(has_message(errors, "proxies[0].name: \"default\" is reserved"));
  EXPECT_TRUE(has_message(errors, "proxies[2].name: duplicate proxy name"));
  EXPECT_TRUE(has_message(errors, "proxies[2].endpoint: must be an http:// or https:// URL"));
  EXPECT_TRUE(has_message(errors, "proxies[3].endpoint: required"));
}

TEST(ConfigValidate, StatusTransforms) {
  Config c;
  auto& p = c.channel.proxy.subscribe;
  p.endpoint = "http://x";
  p.http.status_to_code_transforms.resize(2);
  p.http.status_to_code_transforms[0].status_code = 404;
  p.http.status_to_code_transforms[0].to_error.code = 404;
  p.http.status_to_code_transforms[1].to_error.code = 400;
  p.http.status_to_code_transforms[1].to_disconnect.code = 4000;
  auto errors = validate(c);
  const std::string t1 = "channel.proxy.subscribe.http.status_to_code_transforms[1]";
  EXPECT_TRUE(has_message(errors, t1 + ".status_code: required"));
  EXPECT_TRUE(has_message(errors, t1 + ": set exactly one"));
  EXPECT_EQ(errors.size(), 2u) << joined(errors);
}

TEST(ConfigValidate, ClientLimitsAndTokens) {
  Config c;
  c.client.queue_max_size = 0;
  c.client.channel_limit = -1;
  c.client.token.user_id_claim = "user.id";
  c.client.subscription_token.issuer_regex = "(";
  c.client.token.jwks_public_endpoint = "ftp://keys";
  c.client.proxy.connect.enabled = true;
  auto errors = validate(c);
  EXPECT_TRUE(has_message(errors, "client.queue_max_size: must be positive"));
  EXPECT_TRUE(has_message(errors, "client.channel_limit: must not be negative"));
  EXPECT_TRUE(has_message(errors, "client.token.user_id_claim"));
  EXPECT_TRUE(has_message(errors, "client.subscription_token.issuer_regex"));
  EXPECT_TRUE(has_message(errors, "client.token.jwks_public_endpoint"));
  EXPECT_TRUE(has_message(errors, "client.proxy.connect.endpoint: required"));
}

TEST(ConfigValidate, PersonalChannel) {
  Config c;
  c.client.subscribe_to_user_personal_channel.enabled = true;
  c.client.subscribe_to_user_personal_channel.personal_channel_namespace = "personal";
  expect_error(c, "client.subscribe_to_user_personal_channel.personal_channel_namespace");
  c.channel.namespaces = {ns("personal")};
  c.client.subscribe_to_user_personal_channel.single_connection = true;
  expect_error(c, "client.subscribe_to_user_personal_channel.single_connection");
  c.channel.namespaces[0].options.presence = true;
  expect_only(c, {"client.subscribe_to_user_personal_channel.enabled: not supported yet"});
}

TEST(ConfigValidate, ChannelNamingAndApis) {
  Config c;
  c.channel.max_length = 0;
  c.channel.namespace_boundary = "";
  c.http_api.error_mode = "http";
  c.http_api.handler_prefix = "api";
  c.websocket.message_size_limit = 0;
  c.shutdown.timeout = 0s;
  auto errors = validate(c);
  EXPECT_TRUE(has_message(errors, "channel.max_length: must be positive"));
  EXPECT_TRUE(has_message(errors, "channel.namespace_boundary: must not be empty"));
  EXPECT_TRUE(has_message(errors, "http_api.error_mode: must be \"\" or \"transport\""));
  EXPECT_TRUE(has_message(errors, "http_api.handler_prefix: must be empty or start with '/'"));
  EXPECT_TRUE(has_message(errors, "websocket.message_size_limit: must be positive"));
  EXPECT_TRUE(has_message(errors, "shutdown.timeout: must be positive"));
  EXPECT_EQ(errors.size(), 6u) << joined(errors);
}

TEST(ConfigValidate, Helpers) {
  EXPECT_TRUE(valid_namespace_name("ab"));
  EXPECT_TRUE(valid_namespace_name("a-b_c.d9"));
  EXPECT_FALSE(valid_namespace_name("a"));
  EXPECT_FALSE(valid_namespace_name("a:b"));
  EXPECT_FALSE(valid_namespace_name(""));
  EXPECT_TRUE(valid_proxy_endpoint("grpc://h:1"));
  EXPECT_TRUE(valid_proxy_endpoint("grpc://h:65535"));
  EXPECT_FALSE(valid_proxy_endpoint("grpc://h"));
  EXPECT_FALSE(valid_proxy_endpoint("grpc://h:123456"));
  EXPECT_FALSE(valid_proxy_endpoint("http://"));
  EXPECT_FALSE(valid_proxy_endpoint("localhost:3000"));
}

}  // namespace
}  // namespace herald
