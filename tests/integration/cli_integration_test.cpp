// The herald command line as a user runs it: version, genconfig, checkconfig, gentoken,
// gensubtoken, a refused config, a taken port and a graceful stop.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <vector>

#include "tests/support/herald_process.hpp"
#include "tests/support/http_client.hpp"
#include "proto/jwt/jwt.hpp"

namespace herald::test {
namespace {

using nlohmann::json;

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

TEST(Cli, VersionPrintsVersion) {
  std::string out;
  EXPECT_EQ(HeraldProcess::run({"version"}, out), 0);
  EXPECT_NE(out.find("herald "), std::string::npos) << out;
}

TEST(Cli, GenconfigWritesAConfigThatChecks) {
  std::string path = write_temp_file("gen-target.json", "");
  std::filesystem::remove(path);
  std::string out;
  ASSERT_EQ(HeraldProcess::run({"genconfig", "-c", path}, out), 0) << out;
  ASSERT_TRUE(std::filesystem::exists(path));
  json cfg = json::parse(std::ifstream(path));
  EXPECT_FALSE(cfg["client"]["token"]["hmac_secret_key"].get<std::string>().empty());
  EXPECT_FALSE(cfg["http_api"]["key"].get<std::string>().empty());
  EXPECT_EQ(HeraldProcess::run({"checkconfig", "-c", path}, out), 0) << out;
  // A second genconfig refuses to overwrite the first.
  EXPECT_NE(HeraldProcess::run({"genconfig", "-c", path}, out), 0);
}

TEST(Cli, CheckconfigNamesEveryProblem) {
  std::string path = write_temp_file("bad.json", R"({
    "http_server": {"port": 70000},
    "client": {"ping_interval": "soon"},
    "channel": {"namespaces": [{"name": "x", "history_size": 10}]},
    "mystery_key": 1
  })");
  std::string out;
  EXPECT_NE(HeraldProcess::run({"checkconfig", "-c", path}, out), 0);
  EXPECT_NE(out.find("http_server.port"), std::string::npos) << out;
  EXPECT_NE(out.find("client.ping_interval"), std::string::npos) << out;
  EXPECT_NE(out.find("mystery_key"), std::string::npos) << out;
}

TEST(Cli, CheckconfigRejectsMalformedJson) {
  std::string path = write_temp_file("broken.json", "{\"http_server\": {");
  std::string out;
  EXPECT_NE(HeraldProcess::run({"checkconfig", "-c", path}, out), 0);
  EXPECT_NE(out.find("broken.json"), std::string::npos) << out;
}

TEST(Cli, ServeRefusesInvalidConfigNamingTheKey) {
  std::string path = write_temp_file("bad-serve.json", R"({"log": {"level": "loud"}})");
  HeraldProcess p;
  EXPECT_FALSE(p.start({"-c", path}, {}, std::chrono::seconds(5)));
  std::string out;
  EXPECT_NE(HeraldProcess::run({"-c", path}, out), 0);
  EXPECT_NE(out.find("log.level"), std::string::npos) << out;
}

// A key that switches on something Herald does not do yet stops both checkconfig and the
// server with the same line, "path.to.key: not supported yet", whether it comes from the file
// or from the environment.
TEST(Cli, NotSupportedKeysAreRefusedByCheckconfigAndAtStart) {
  std::string path = write_temp_file("unsupported.json", R"({
    "http_server": {"address": "127.0.0.1", "port": 0},
    "http_api": {"key": "k"},
    "grpc_api": {"enabled": true},
    "channel": {"namespaces": [{"name": "chat", "subscribe_proxy_enabled": true}],
                "proxy": {"subscribe": {"endpoint": "http://127.0.0.1:1/subscribe"}}}
  })");
  const std::vector<std::string> lines = {
      "grpc_api.enabled: not supported yet",
      "channel.namespaces[0].subscribe_proxy_enabled: not supported yet"};
  std::string out;
  EXPECT_NE(HeraldProcess::run({"checkconfig", "-c", path}, out), 0);
  for (const auto& line : lines) EXPECT_NE(out.find(line + "\n"), std::string::npos) << out;
  EXPECT_EQ(out.find(": ok"), std::string::npos) << out;

  HeraldProcess p;
  EXPECT_FALSE(p.start({"-c", path}, {}, std::chrono::seconds(5))) << p.log();
  EXPECT_NE(HeraldProcess::run({"-c", path}, out), 0);
  for (const auto& line : lines) EXPECT_NE(out.find(line), std::string::npos) << out;
  EXPECT_EQ(out.find("herald started"), std::string::npos) << out;

  std::string ok = write_temp_file("supported.json", R"({
    "http_server": {"address": "127.0.0.1", "port": 0}, "http_api": {"key": "k"}})");
  const std::map<std::string, std::string> env = {{"HERALD_PROMETHEUS_ENABLED", "true"}};
  EXPECT_NE(HeraldProcess::run({"checkconfig", "-c", ok}, out, env), 0);
  EXPECT_NE(out.find("prometheus.enabled: not supported yet\n"), std::string::npos) << out;
  EXPECT_NE(HeraldProcess::run({"-c", ok}, out, env), 0);
  EXPECT_NE(out.find("prometheus.enabled: not supported yet"), std::string::npos) << out;
}

// The seed config switches channel state events on with the Redis engine: it checks, as it
// does with the memory engine.
TEST(Cli, SeedStateConfigChecksWithEitherEngine) {
  const std::string seed =
      std::string(HERALD_SOURCE_DIR) + "/tests/fixtures/configs/seed_state_minimal.json";
  std::string out;
  EXPECT_EQ(HeraldProcess::run({"checkconfig", "-c", seed}, out), 0) << out;
  EXPECT_EQ(out.find("not supported yet"), std::string::npos) << out;
  const std::map<std::string, std::string> memory = {{"HERALD_ENGINE_TYPE", "memory"}};
  EXPECT_EQ(HeraldProcess::run({"checkconfig", "-c", seed}, out, memory), 0) << out;
}

TEST(Cli, GentokenSignsWithTheConfiguredSecret) {
  std::string path = write_temp_file(
      "tok.json", R"({"client": {"token": {"hmac_secret_key": "s3cret"}}})");
  std::string out;
  ASSERT_EQ(HeraldProcess::run({"gentoken", "-c", path, "-u", "42", "--ttl", "1h"}, out), 0);
  jwt::JwtKeys keys;
  keys.hmac_secret = "s3cret";
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  auto claims = jwt::verify_connection_token(trim(out), keys, jwt::VerifyOptions{}, now);
  ASSERT_TRUE(claims.ok()) << out;
  EXPECT_EQ(claims.value.sub, "42");
  ASSERT_TRUE(claims.value.exp.has_value());
  EXPECT_NEAR(static_cast<double>(*claims.value.exp), static_cast<double>(now + 3600), 5);

  ASSERT_EQ(HeraldProcess::run({"gensubtoken", "-c", path, "-u", "42", "-s", "chat:1"}, out), 0);
  auto sub = jwt::verify_subscription_token(trim(out), keys, jwt::VerifyOptions{}, now);
  ASSERT_TRUE(sub.ok()) << out;
  EXPECT_EQ(sub.value.channel, "chat:1");
}

TEST(Cli, GentokenWithoutSecretFailsClearly) {
  std::string out;
  EXPECT_NE(HeraldProcess::run({"gentoken", "-u", "42"}, out), 0);
  EXPECT_NE(out.find("client.token.hmac_secret_key"), std::string::npos) << out;
}

TEST(Cli, EnvOverridesReachTheServer) {
  HeraldProcess p;
  ASSERT_TRUE(p.start({}, {{"HERALD_HTTP_SERVER_PORT", "0"},
                           {"HERALD_HTTP_SERVER_ADDRESS", "127.0.0.1"},
                           {"HERALD_HTTP_API_KEY", "from-env"}}))
      << p.log();
  HttpClient c("127.0.0.1", p.port());
  auto r = c.post("/api/info", "{}", {{"X-API-Key", "from-env"}});
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST(Cli, NoKeyConfiguredPrintsAGeneratedOne) {
  HeraldProcess p;
  ASSERT_TRUE(p.start({}, {{"HERALD_HTTP_SERVER_PORT", "0"},
                           {"HERALD_HTTP_SERVER_ADDRESS", "127.0.0.1"}}))
      << p.log();
  std::string log = p.log();
  auto at = log.find("http_api_key=");
  ASSERT_NE(at, std::string::npos) << log;
  std::string key = log.substr(at + 13, 36);
  HttpClient c("127.0.0.1", p.port());
  EXPECT_EQ(c.post("/api/info", "{}", {{"X-API-Key", key}}).status, 200);
}

TEST(Cli, TakenPortIsAClearErrorAndSigtermStopsGracefully) {
  std::string path = write_temp_file(
      "port.json", R"({"http_server": {"address": "127.0.0.1", "port": 0},
                      "http_api": {"key": "k"}, "shutdown": {"timeout": "3s"}})");
  HeraldProcess first;
  ASSERT_TRUE(first.start({"-c", path})) << first.log();
  std::string out;
  int code = HeraldProcess::run(
      {"-c", path}, out, {{"HERALD_HTTP_SERVER_PORT", std::to_string(first.port())}});
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("cannot listen"), std::string::npos) << out;

  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(first.stop(SIGTERM), 0) << first.log();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_NE(first.log().find("herald stopped"), std::string::npos);
}

}  // namespace
}  // namespace herald::test
