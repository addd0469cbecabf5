#include "config/config_loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "tests/config/test_util.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;
using testing_util::fixture;
using testing_util::has_message;
using testing_util::joined;
using testing_util::read_unvalidated;

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

const std::map<std::string, std::string> kNoEnv;

TEST(ConfigLoader, EmptyObjectGivesEveryDefault) {
  LoadResult r = load_config_json("{}", kNoEnv);
  ASSERT_TRUE(r.config) << joined(r.errors);
  EXPECT_TRUE(r.warnings.empty()) << joined(r.warnings);
  const Config& c = *r.config;
  EXPECT_EQ(c.http_server.address, "");
  EXPECT_EQ(c.http_server.port, 8000);
  EXPECT_EQ(c.http_server.internal_port, 0);
  EXPECT_EQ(c.log.level, "info");
  EXPECT_EQ(c.log.file, "");
  EXPECT_EQ(c.engine.type, "memory");
  EXPECT_EQ(c.engine.redis.address, std::vector<std::string>{"redis://127.0.0.1:6379"});
  EXPECT_EQ(c.engine.redis.prefix, "centrifugo");
  EXPECT_EQ(c.engine.redis.connect_timeout, 1s);
  EXPECT_EQ(c.engine.redis.io_timeout, 4s);
  EXPECT_EQ(c.engine.redis.db, 0);
  EXPECT_EQ(c.engine.redis.presence_ttl, 60s);
  EXPECT_FALSE(c.engine.redis.presence_hash_field_ttl);
  EXPECT_FALSE(c.engine.redis.presence_user_mapping);
  EXPECT_FALSE(c.engine.redis.history_use_lists);
  EXPECT_EQ(c.engine.redis.channel_state.vacated_event_delay, 5s);
  EXPECT_EQ(c.engine.redis.channel_state.num_partitions, 128);
  EXPECT_EQ(c.engine.redis.channel_state.node_lease, 5s);
  EXPECT_EQ(c.engine.memory.channel_state.vacated_event_delay, 5s);
  EXPECT_EQ(c.engine.memory.channel_state.num_partitions, 128);
  EXPECT_FALSE(c.engine.redis.tls.enabled);
  EXPECT_TRUE(c.engine.redis.sentinel_address.empty());
  EXPECT_FALSE(c.broker.enabled);
  EXPECT_EQ(c.broker.type, "");
  EXPECT_FALSE(c.presence_manager.enabled);
  EXPECT_TRUE(c.client.allowed_origins.empty());
  EXPECT_EQ(c.client.token.hmac_secret_key, "");
  EXPECT_FALSE(c.client.subscription_token.enabled);
  EXPECT_FALSE(c.client.allow_anonymous_connect_without_token);
  EXPECT_EQ(c.client.ping_interval, 25s);
  EXPECT_EQ(c.client.pong_timeout, 8s);
  EXPECT_EQ(c.client.expired_close_delay, 25s);
  EXPECT_EQ(c.client.expired_sub_close_delay, 25s);
  EXPECT_EQ(c.client.stale_close_delay, 10s);
  EXPECT_EQ(c.client.channel_limit, 128);
  EXPECT_EQ(c.client.queue_max_size, 1048576);
  EXPECT_EQ(c.client.presence_update_interval, 27s);
  EXPECT_EQ(c.client.channel_position_check_delay, 40s);
  EXPECT_EQ(c.client.channel_position_max_time_lag, 0ms);
  EXPECT_EQ(c.client.connection_limit, 0);
  EXPECT_EQ(c.client.user_connection_limit, 0);
  EXPECT_EQ(c.client.connection_rate_limit, 0);
  EXPECT_EQ(c.client.user_id_http_header, "");
  EXPECT_FALSE(c.client.proxy.connect.enabled || c.client.proxy.refresh.enabled);
  EXPECT_EQ(c.client.token.jwks_public_endpoint, "");
  EXPECT_FALSE(c.client.connect_include_server_time);
  EXPECT_EQ(c.client.history_max_publication_limit, 300);
  EXPECT_EQ(c.client.recovery_max_publication_limit, 300);
  EXPECT_FALSE(c.client.insecure);
  EXPECT_FALSE(c.client.subscribe_to_user_personal_channel.enabled);
  EXPECT_EQ(c.channel.proxy.subscribe.timeout, 1s);
  EXPECT_EQ(c.channel.proxy.state.endpoint, "");
  EXPECT_TRUE(c.channel.namespaces.empty());
  EXPECT_EQ(c.channel.history_meta_ttl, 720h);
  EXPECT_EQ(c.channel.max_length, 255);
  EXPECT_EQ(c.channel.private_prefix, "$");
  EXPECT_EQ(c.channel.namespace_boundary, ":");
  EXPECT_EQ(c.channel.user_boundary, "#");
  EXPECT_EQ(c.channel.user_separator, ",");
  const ChannelOptions& o = c.channel.without_namespace;
  EXPECT_FALSE(o.presence || o.join_leave || o.force_recovery || o.state_proxy_enabled ||
               o.allow_subscribe_for_client || o.allow_publish_for_client);
  EXPECT_EQ(o.history_size, 0u);
  EXPECT_EQ(o.history_ttl, 0ms);
  EXPECT_EQ(o.history_meta_ttl, 0ms);
  EXPECT_EQ(c.rpc.namespace_boundary, ":");
  EXPECT_EQ(c.rpc.ping.method, "ping");
  EXPECT_TRUE(c.proxies.empty());
  EXPECT_FALSE(c.http_api.disabled);
  EXPECT_EQ(c.http_api.handler_prefix, "/api");
  EXPECT_EQ(c.http_api.key, "");
  EXPECT_EQ(c.http_api.error_mode, "");
  EXPECT_FALSE(c.http_api.insecure);
  EXPECT_FALSE(c.grpc_api.enabled);
  EXPECT_EQ(c.grpc_api.port, 10000);
  EXPECT_FALSE(c.websocket.disabled);
  EXPECT_EQ(c.websocket.handler_prefix, "/connection/websocket");
  EXPECT_FALSE(c.websocket.compression);
  EXPECT_EQ(c.websocket.compression_level, 1);
  EXPECT_EQ(c.websocket.compression_min_size, 0);
  EXPECT_EQ(c.websocket.message_size_limit, 65536);
  EXPECT_EQ(c.websocket.write_timeout, 1s);
  EXPECT_EQ(c.websocket.read_buffer_size, 0);
  EXPECT_EQ(c.websocket.write_buffer_size, 0);
  EXPECT_FALSE(c.prometheus.enabled);
  EXPECT_EQ(c.prometheus.handler_prefix, "/metrics");
  EXPECT_FALSE(c.health.enabled);
  EXPECT_EQ(c.health.handler_prefix, "/health");
  EXPECT_FALSE(c.admin.enabled);
  EXPECT_EQ(c.admin.handler_prefix, "");
  EXPECT_EQ(c.node.name, "");
  EXPECT_EQ(c.node.info_metrics_aggregate_interval, 60s);
  EXPECT_EQ(c.shutdown.timeout, 30s);
  EXPECT_EQ(c.pid_file, "");
  EXPECT_FALSE(c.rpc.ping.enabled);
  EXPECT_FALSE(c.http_server.tls.enabled);
  for (const auto* s : {&c.sse, &c.http_stream, &c.uni_websocket, &c.uni_sse, &c.uni_http_stream,
                        &c.uni_grpc, &c.webtransport, &c.init, &c.swagger, &c.debug,
                        &c.opentelemetry, &c.graphite, &c.controller}) {
    EXPECT_FALSE(s->enabled);
  }
  EXPECT_TRUE(c.consumers.empty());
}

TEST(ConfigLoader, NoFileMeansDefaultsPlusEnv) {
  LoadResult r = load_config_file("", {{"HERALD_HTTP_SERVER_PORT", "9100"}});
  ASSERT_TRUE(r.config) << joined(r.errors);
  EXPECT_EQ(r.config->http_server.port, 9100);
  EXPECT_EQ(r.config->log.level, "info");
}

TEST(ConfigLoader, BlankTextMeansNoKeys) {
  LoadResult r = load_config_json(" \n\t", kNoEnv);
  ASSERT_TRUE(r.config) << joined(r.errors);
  EXPECT_EQ(r.config->http_server.port, 8000);
}

TEST(ConfigLoader, MissingFileIsAnError) {
  LoadResult r = load_config_file("/nonexistent/herald/config.json", kNoEnv);
  EXPECT_FALSE(r.config);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_TRUE(has_message(r.errors, "config: /nonexistent/herald/config.json: cannot open"))
      << joined(r.errors);
}

// The seed configs parse verbatim and load: every key known, no warning, no error — the two
// that switch channel state events on do so with the Redis engine (the shared Redis store).
TEST(ConfigLoader, SeedConfigsLoad) {
  for (const char* name :
       {"seed_channel_state.json", "seed_state_minimal.json", "seed_presence_manager.json"}) {
    LoadResult r = load_config_file(fixture(name), kNoEnv);
    ASSERT_TRUE(r.config) << name << ": " << joined(r.errors);
    EXPECT_TRUE(r.warnings.empty()) << name << ": " << joined(r.warnings);
    EXPECT_EQ(r.config->engine.type, "redis") << name;
  }
  // The same keys with the memory engine: channel state events work there too.
  LoadResult m = load_config_file(fixture("seed_state_minimal.json"),
                                  {{"HERALD_ENGINE_TYPE", "memory"}});
  EXPECT_TRUE(m.config) << joined(m.errors);
}

TEST(ConfigLoader, SeedValuesLandInTheRightFields) {
  Diagnostics diag;
  Config a = read_unvalidated(fixture("seed_state_minimal.json"), diag);
  EXPECT_EQ(a.engine.type, "redis");
  EXPECT_EQ(a.channel.proxy.state.endpoint, "http://localhost:3000/centrifugo/channel_events");
  ASSERT_EQ(a.channel.namespaces.size(), 1u);
  EXPECT_EQ(a.channel.namespaces[0].name, "chat");
  EXPECT_TRUE(a.channel.namespaces[0].options.presence);
  EXPECT_TRUE(a.channel.namespaces[0].options.state_proxy_enabled);

  Config b = read_unvalidated(fixture("seed_channel_state.json"), diag);
  EXPECT_EQ(b.engine.redis.channel_state.vacated_event_delay, 10s);
  EXPECT_EQ(b.engine.redis.channel_state.num_partitions, 128);
  EXPECT_EQ(b.engine.redis.channel_state.node_lease, 5s);  // Herald's key, default

  Config c = read_unvalidated(fixture("seed_presence_manager.json"), diag);
  EXPECT_TRUE(c.presence_manager.enabled);
  EXPECT_EQ(c.presence_manager.type, "redis");
  EXPECT_EQ(c.presence_manager.redis.address, std::vector<std::string>{"localhost:6380"});
  EXPECT_TRUE(c.channel.namespaces[0].options.state_proxy_enabled);
  EXPECT_TRUE(diag.errors.empty() && diag.warnings.empty());
}

// Every key Herald honours, set to a value other than its default: loads with no problem.
TEST(ConfigLoader, SupportedConfigLoadsClean) {
  LoadResult r = load_config_file(fixture("supported.json"), kNoEnv);
  ASSERT_TRUE(r.config) << joined(r.errors);
  EXPECT_TRUE(r.warnings.empty()) << joined(r.warnings);
  const Config& c = *r.config;
  EXPECT_EQ(c.engine.memory.channel_state.num_partitions, 32);
  EXPECT_EQ(c.engine.redis.channel_state.node_lease, 5s);
  EXPECT_EQ(c.websocket.compression_level, 6);
  EXPECT_EQ(c.channel.namespaces[0].options.force_recovery_mode, "stream");
  EXPECT_TRUE(c.health.enabled);
  EXPECT_TRUE(c.broker.enabled && c.presence_manager.enabled);
}

// full.json sets most sections, refused switches included: it fails with exactly the list of
// what Herald does not do yet, and every value still lands in its field.
TEST(ConfigLoader, FullConfigIsRefusedForExactlyItsMissingFeatures) {
  LoadResult r = load_config_file(fixture("full.json"), kNoEnv);
  EXPECT_FALSE(r.config);
  EXPECT_TRUE(r.warnings.empty()) << joined(r.warnings);
  EXPECT_EQ(sorted(r.errors),
            sorted({"http_server.internal_address: not supported yet",
                    "http_server.internal_port: not supported yet",
                    "engine.redis.presence_hash_field_ttl: not supported yet",
                    "engine.redis.presence_user_mapping: not supported yet",
                    "engine.redis.history_use_lists: not supported yet",
                    "client.proxy.connect.enabled: not supported yet",
                    "client.subscribe_to_user_personal_channel.enabled: not supported yet",
                    "channel.namespaces[0].subscribe_proxy_enabled: not supported yet",
                    "channel.namespaces[2].publish_proxy_enabled: not supported yet",
                    "rpc.without_namespace.proxy_enabled: not supported yet",
                    "grpc_api.enabled: not supported yet",
                    "prometheus.enabled: not supported yet",
                    "admin.enabled: not supported yet",
                    "node.info_metrics_aggregate_interval: not supported yet"}))
      << joined(r.errors);
}

TEST(ConfigLoader, FullConfigReadsEverySection) {
  Diagnostics diag;
  const Config c = read_unvalidated(fixture("full.json"), diag);
  EXPECT_TRUE(diag.errors.empty()) << joined(diag.errors);
  EXPECT_TRUE(diag.warnings.empty()) << joined(diag.warnings);
  EXPECT_EQ(c.http_server.address, "127.0.0.1");
  EXPECT_EQ(c.http_server.port, 9000);
  EXPECT_EQ(c.http_server.internal_port, 9001);  // numeric string accepted
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.engine.redis.address.size(), 2u);
  EXPECT_EQ(c.engine.redis.io_timeout, 500ms);
  EXPECT_EQ(c.engine.redis.db, 2);
  EXPECT_TRUE(c.engine.redis.presence_user_mapping);
  EXPECT_EQ(c.engine.redis.channel_state.vacated_event_delay, 1500ms);
  EXPECT_EQ(c.engine.redis.channel_state.num_partitions, 64);
  EXPECT_EQ(c.engine.redis.channel_state.node_lease, 7s);
  EXPECT_EQ(c.engine.memory.channel_state.vacated_event_delay, 3s);
  EXPECT_EQ(c.engine.memory.channel_state.num_partitions, 32);
  EXPECT_EQ(c.http_server.tls.cert_pem_file, "/etc/herald/cert.pem");
  EXPECT_FALSE(c.sse.enabled);
  ASSERT_EQ(c.consumers.size(), 1u);
  EXPECT_EQ(c.consumers[0].name, "outbox");
  EXPECT_EQ(c.broker.redis.address, std::vector<std::string>{"redis://10.0.0.3:6379"});
  EXPECT_EQ(c.client.allowed_origins.size(), 2u);
  EXPECT_EQ(c.client.token.user_id_claim, "user_id");
  EXPECT_TRUE(c.client.subscription_token.enabled);
  EXPECT_EQ(c.client.subscription_token.hmac_secret_key, "sub-secret");
  EXPECT_TRUE(c.client.proxy.connect.enabled);
  EXPECT_EQ(c.client.proxy.connect.timeout, 3s);
  EXPECT_EQ(c.client.ping_interval, 20s);
  EXPECT_EQ(c.client.queue_max_size, 2097152);
  EXPECT_EQ(c.channel.proxy.subscribe.http_headers, std::vector<std::string>{"authorization"});
  EXPECT_EQ(c.channel.proxy.subscribe.http.static_headers.at("x-herald"), "1");
  ASSERT_EQ(c.channel.proxy.subscribe.http.status_to_code_transforms.size(), 1u);
  EXPECT_EQ(c.channel.proxy.subscribe.http.status_to_code_transforms[0].to_error.code, 404u);
  ASSERT_EQ(c.channel.namespaces.size(), 3u);
  const ChannelOptions& chat = c.channel.namespaces[0].options;
  EXPECT_EQ(chat.history_size, 100u);
  EXPECT_EQ(chat.history_ttl, 300s);
  EXPECT_TRUE(chat.force_recovery);
  EXPECT_EQ(chat.state_events, (std::vector<std::string>{"occupied", "vacated"}));
  EXPECT_EQ(c.channel.namespaces[2].options.channel_regex, "^[0-9]+$");
  EXPECT_EQ(c.channel.history_meta_ttl, 168h);
  EXPECT_TRUE(c.rpc.without_namespace.proxy_enabled);
  ASSERT_EQ(c.proxies.size(), 1u);
  EXPECT_EQ(c.proxies[0].name, "orders-backend");
  EXPECT_EQ(c.proxies[0].timeout, 750ms);
  EXPECT_EQ(c.http_api.error_mode, "transport");
  EXPECT_EQ(c.grpc_api.port, 10010);
  EXPECT_EQ(c.websocket.message_size_limit, 131072);
  EXPECT_EQ(c.websocket.compression_level, 5);
  EXPECT_EQ(c.node.name, "node-1");
  EXPECT_EQ(c.shutdown.timeout, 10s);
  EXPECT_EQ(c.pid_file, "/run/herald.pid");
}

TEST(ConfigLoader, ParseErrorGivesLineAndColumn) {
  const char* text = "{\n  \"log\": {\n    \"level\": \"info\",\n  }\n}\n";
  LoadResult r = load_config_json(text, kNoEnv);
  EXPECT_FALSE(r.config);
  ASSERT_EQ(r.errors.size(), 1u) << joined(r.errors);
  EXPECT_TRUE(has_message(r.errors, "config: <inline>:4:3: ")) << joined(r.errors);
  EXPECT_EQ(r.errors[0].find("[json.exception"), std::string::npos);
}

TEST(ConfigLoader, ParseErrorNamesTheFile) {
  const std::string path = ::testing::TempDir() + "/herald_bad_config.json";
  {
    std::ofstream out(path);
    out << "{\"log\": {\"level\" \"info\"}}";
  }
  LoadResult r = load_config_file(path, kNoEnv);
  std::remove(path.c_str());
  ASSERT_EQ(r.errors.size(), 1u);
  // The column is the last byte of the offending token ("info"), as nlohmann counts it.
  EXPECT_TRUE(has_message(r.errors, "config: " + path + ":1:23: syntax error"))
      << joined(r.errors);
}

TEST(ConfigLoader, TopLevelMustBeAnObject) {
  LoadResult r = load_config_json("[1, 2]", kNoEnv);
  EXPECT_FALSE(r.config);
  EXPECT_TRUE(has_message(r.errors, "config: <inline>: top level must be a JSON object"));
}

TEST(ConfigLoader, WrongTypesAreAllReportedByKey) {
  LoadResult r = load_config_json(R"({
    "http_server": {"port": "8000"},
    "log": {"level": 5},
    "client": {"allowed_origins": "https://a.com", "insecure": "yes",
               "ping_interval": 25},
    "engine": {"redis": {"address": 6379}},
    "channel": {"namespaces": {"name": "chat"}, "without_namespace": []},
    "proxies": [{"name": "p1", "http_headers": ["a", 1]}]
  })", kNoEnv);
  EXPECT_FALSE(r.config);
  for (const char* key :
       {"http_server.port: expected an integer, got string", "log.level: expected a string",
        "client.allowed_origins: expected an array of strings",
        "client.insecure: expected true or false", "client.ping_interval: expected a duration",
        "engine.redis.address: expected an array of strings",
        "channel.namespaces: expected an array of objects",
        "channel.without_namespace: expected an object",
        "proxies[0].http_headers[1]: expected a string"}) {
    EXPECT_TRUE(has_message(r.errors, key)) << key << joined(r.errors);
  }
}

TEST(ConfigLoader, IntegerRangesAreChecked) {
  LoadResult r = load_config_json(R"({
    "client": {"channel_limit": 10000000000},
    "channel": {"namespaces": [{"name": "ns", "history_size": -1}]}
  })", kNoEnv);
  EXPECT_FALSE(r.config);
  EXPECT_TRUE(has_message(r.errors, "client.channel_limit: value 10000000000 is out of range"))
      << joined(r.errors);
  EXPECT_TRUE(has_message(r.errors, "channel.namespaces[0].history_size: must not be negative"))
      << joined(r.errors);
}

TEST(ConfigLoader, FractionalNumberIsNotAnInteger) {
  LoadResult r = load_config_json(R"({"http_server": {"port": 80.5}})", kNoEnv);
  EXPECT_TRUE(has_message(r.errors, "http_server.port: expected an integer, got number"));
}

TEST(ConfigLoader, InvalidDurationNamesTheKey) {
  LoadResult r = load_config_json(R"({"client": {"pong_timeout": "8"}})", kNoEnv);
  EXPECT_FALSE(r.config);
  EXPECT_TRUE(has_message(r.errors, "client.pong_timeout: invalid duration \"8\""))
      << joined(r.errors);
}

TEST(ConfigLoader, UnknownKeysWarnButLoad) {
  LoadResult r = load_config_json(R"({
    "colour": 1,
    "log": {"level": "info", "verbose": true},
    "channel": {"namespaces": [{"name": "chat", "presense": true}]},
    "emulation": {"handler_prefix": "/emulation"},
    "sse": {"enabled": false, "handler_prefix": "/connection/sse"}
  })", kNoEnv);
  ASSERT_TRUE(r.config) << joined(r.errors);
  EXPECT_TRUE(has_message(r.warnings, "colour: unknown key"));
  EXPECT_TRUE(has_message(r.warnings, "log.verbose: unknown key"));
  EXPECT_TRUE(has_message(r.warnings, "channel.namespaces[0].presense: unknown key"));
  EXPECT_TRUE(has_message(r.warnings, "emulation: Centrifugo option not supported by Herald"));
  // sse is known (refused only when enabled): its Centrifugo keys raise no warning.
  EXPECT_EQ(r.warnings.size(), 4u) << joined(r.warnings);
}

TEST(ConfigLoader, NullKeepsTheDefault) {
  LoadResult r = load_config_json(R"({"http_server": {"port": null}, "log": null})", kNoEnv);
  ASSERT_TRUE(r.config) << joined(r.errors);
  EXPECT_EQ(r.config->http_server.port, 8000);
}

TEST(ConfigLoader, RedisAddressAcceptsStringOrArray) {
  LoadResult one = load_config_json(R"({"engine": {"redis": {"address": "redis://h:1"}}})",
                                    kNoEnv);
  ASSERT_TRUE(one.config) << joined(one.errors);
  EXPECT_EQ(one.config->engine.redis.address, std::vector<std::string>{"redis://h:1"});
  LoadResult two = load_config_json(
      R"({"engine": {"redis": {"address": ["redis://h:1", "redis://h:2"]}}})", kNoEnv);
  ASSERT_TRUE(two.config) << joined(two.errors);
  EXPECT_EQ(two.config->engine.redis.address.size(), 2u);
}

TEST(ConfigLoader, ValidationErrorsBlockTheConfig) {
  LoadResult r = load_config_json(
      R"({"channel": {"namespaces": [{"name": "chat", "state_proxy_enabled": true}]}})",
      kNoEnv);
  EXPECT_FALSE(r.config);
  EXPECT_TRUE(has_message(r.errors, "channel.namespaces[0].state_proxy_enabled: requires "
                                    "\"presence\": true"))
      << joined(r.errors);
}

TEST(ConfigLoader, NegativePingDisablesButNegativeTtlIsRejected) {
  LoadResult ok = load_config_json(R"({"client": {"ping_interval": "-1s"}})", kNoEnv);
  ASSERT_TRUE(ok.config) << joined(ok.errors);
  EXPECT_EQ(ok.config->client.ping_interval, -1s);
  LoadResult bad = load_config_json(R"({"client": {"stale_close_delay": "-1s"}})", kNoEnv);
  EXPECT_TRUE(has_message(bad.errors, "client.stale_close_delay: must not be negative"))
      << joined(bad.errors);
}

TEST(ConfigLoader, EveryTruncationIsAnErrorNotACrash) {
  const std::string text = testing_util::read_text(fixture("full.json"));
  ASSERT_GT(text.size(), 100u);
  for (size_t n = 1; n + 2 < text.size(); ++n) {  // the file ends with "}\n"
    LoadResult r = load_config_json(std::string_view(text).substr(0, n), kNoEnv);
    EXPECT_FALSE(r.config) << n;
    ASSERT_EQ(r.errors.size(), 1u) << n;
    EXPECT_TRUE(has_message(r.errors, "config: <inline>:")) << n;
  }
}

TEST(ConfigLoader, EnvironmentFromEnvp) {
  char a[] = "HERALD_LOG_LEVEL=debug";
  char b[] = "EMPTY=";
  char c[] = "WITH_EQ=a=b";
  char d[] = "NOEQUALS";
  char* envp[] = {a, b, c, d, nullptr};
  auto env = environment_from(envp);
  EXPECT_EQ(env.at("HERALD_LOG_LEVEL"), "debug");
  EXPECT_EQ(env.at("EMPTY"), "");
  EXPECT_EQ(env.at("WITH_EQ"), "a=b");
  EXPECT_EQ(env.count("NOEQUALS"), 0u);
  EXPECT_TRUE(environment_from(nullptr).empty());
}

}  // namespace
}  // namespace herald
