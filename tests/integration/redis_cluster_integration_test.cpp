// Several real `herald` processes on one redis-server (engine.type "redis"): they form one
// cluster. History and publications cross nodes, `info` lists every node and forgets one
// killed with SIGKILL once it stops announcing itself, and a Redis restart is survived with
// each transition logged once. (Clients on one node and the API on another: the Go suite in
// cluster mode, tests/compat/cluster_test.go.)
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <chrono>
#include <memory>
#include <thread>

#include "tests/support/herald_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/redis_server.hpp"

namespace herald::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::string config_for(const RedisServer& redis) {
  return R"({
  "http_server": {"address": "127.0.0.1", "port": 0},
  "http_api": {"key": "k"},
  "log": {"level": "info"},
  "shutdown": {"timeout": "5s"},
  "engine": {"type": "redis", "redis": {"address": ")" +
         redis.address() + R"(", "prefix": "it", "io_timeout": "1s", "connect_timeout": "500ms"}},
  "channel": {"namespaces": [{"name": "chat", "history_size": 10, "history_ttl": "300s"}]}
})";
}

json api(uint16_t port, const std::string& method, const json& body) {
  HttpClient c("127.0.0.1", port);
  auto r = c.post("/api/" + method, body.dump(), {{"X-API-Key", "k"}});
  if (r.status != 200) return json{{"http_status", r.status}};
  return json::parse(r.body, nullptr, false);
}

/// Polls `condition` every 100 ms; false (and a test failure) after `timeout`.
template <class Fn>
bool eventually(Fn condition, std::chrono::milliseconds timeout, const std::string& what) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(100ms);
  }
  ADD_FAILURE() << what << ": not within " << timeout.count() << " ms";
  return false;
}

size_t node_count(uint16_t port) {
  auto r = api(port, "info", json::object());
  if (!r.contains("result")) return 0;
  return r["result"]["nodes"].size();
}

size_t count_lines(const std::string& log, const std::string& needle) {
  size_t n = 0;
  for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
  return n;
}

class RedisClusterIntegration : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(redis.start());
    config = write_temp_file("redis-node.json", config_for(redis));
  }
  HeraldProcess& start_node() {
    nodes.push_back(std::make_unique<HeraldProcess>());
    EXPECT_TRUE(nodes.back()->start({"-c", config})) << nodes.back()->log();
    return *nodes.back();
  }

  RedisServer redis;
  std::string config;
  std::vector<std::unique_ptr<HeraldProcess>> nodes;
};

TEST_F(RedisClusterIntegration, NodesShareHistoryAndInfoForgetsAKilledNode) {
  auto& a = start_node();
  auto& b = start_node();
  auto& c = start_node();
  ASSERT_TRUE(eventually([&] { return node_count(a.port()) == 3; }, 15s, "info lists 3 nodes"));

  auto p = api(a.port(), "publish", {{"channel", "chat:x"}, {"data", {{"n", 1}}}});
  ASSERT_TRUE(p.contains("result")) << p.dump();
  auto h = api(b.port(), "history", {{"channel", "chat:x"}, {"limit", 10}});
  ASSERT_TRUE(h.contains("result")) << h.dump();
  EXPECT_EQ(h["result"]["publications"].size(), 1u);
  EXPECT_EQ(h["result"]["epoch"], p["result"]["epoch"]);
  EXPECT_EQ(h["result"]["publications"][0]["data"], json({{"n", 1}}));

  ASSERT_EQ(::kill(c.pid(), SIGKILL), 0);
  c.wait(5s);
  // Announcements every 3 s; a node not heard for 10 s is dropped.
  EXPECT_TRUE(eventually([&] { return node_count(a.port()) == 2; }, 20s, "a drops the node"));
  EXPECT_TRUE(eventually([&] { return node_count(b.port()) == 2; }, 5s, "b drops the node"));
}

TEST_F(RedisClusterIntegration, ARedisRestartIsSurvivedAndLoggedOnce) {
  auto& a = start_node();
  auto& b = start_node();
  ASSERT_TRUE(eventually([&] { return node_count(a.port()) == 2; }, 15s, "info lists 2 nodes"));
  redis.stop();
  // Requests answer 100 quickly instead of hanging.
  auto started = std::chrono::steady_clock::now();
  auto r = api(a.port(), "publish", {{"channel", "chat:y"}, {"data", json::object()}});
  EXPECT_EQ(r["error"]["code"], 100) << r.dump();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  std::this_thread::sleep_for(1500ms);  // several reconnect attempts while Redis is away
  ASSERT_TRUE(redis.restart());
  EXPECT_TRUE(eventually(
      [&] {
        return api(b.port(), "publish", {{"channel", "chat:y"}, {"data", json::object()}})
            .contains("result");
      },
      10s, "publish works again"));
  EXPECT_TRUE(eventually([&] { return node_count(b.port()) == 2; }, 15s, "nodes meet again"));
  for (auto* n : {&a, &b}) {
    std::string log = n->log();
    EXPECT_EQ(count_lines(log, "msg=\"redis down\""), 1u) << log;
    EXPECT_EQ(count_lines(log, "msg=\"redis up\""), 2u) << log;
  }
  for (auto& n : nodes) EXPECT_EQ(n->stop(SIGTERM), 0) << n->log();
}

}  // namespace
}  // namespace herald::test
