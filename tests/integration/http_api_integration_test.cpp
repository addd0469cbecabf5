// Drives the server API of a real herald process over real sockets (compat-spec §4.1).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include "tests/support/herald_process.hpp"
#include "tests/support/http_client.hpp"

namespace herald::test {
namespace {

using nlohmann::json;

constexpr const char* kKey = "test-api-key";

const char* kConfig = R"({
  "http_server": {"address": "127.0.0.1", "port": 0},
  "http_api": {"key": "test-api-key"},
  "log": {"level": "info"},
  "shutdown": {"timeout": "5s"},
  "channel": {
    "without_namespace": {"presence": true},
    "namespaces": [
      {"name": "chat", "history_size": 3, "history_ttl": "300s", "presence": true},
      {"name": "plain"}
    ]
  }
})";

class HttpApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    node_ = new HeraldProcess();
    ASSERT_TRUE(node_->start({"-c", write_temp_file("api.json", kConfig)})) << node_->log();
  }
  static void TearDownTestSuite() {
    delete node_;
    node_ = nullptr;
  }

  HttpResult call(const std::string& method, const json& body,
                  std::vector<std::pair<std::string, std::string>> headers = {{"X-API-Key", kKey}}) {
    return client_.post("/api/" + method, body.dump(), headers);
  }
  json result_of(const std::string& method, const json& body) {
    auto r = call(method, body);
    EXPECT_EQ(r.status, 200) << r.body;
    auto j = json::parse(r.body, nullptr, false);
    EXPECT_TRUE(j.contains("result")) << r.body;
    return j.value("result", json::object());
  }
  json error_of(const std::string& method, const json& body) {
    auto r = call(method, body);
    EXPECT_EQ(r.status, 200) << r.body;
    auto j = json::parse(r.body, nullptr, false);
    EXPECT_TRUE(j.contains("error")) << r.body;
    return j.value("error", json::object());
  }

  static HeraldProcess* node_;
  HttpClient client_{"127.0.0.1", node_->port()};
};
HeraldProcess* HttpApi::node_ = nullptr;

TEST_F(HttpApi, HealthAnswers) {
  auto r = client_.request("GET", "/health");
  EXPECT_EQ(r.status, 200);
}

TEST_F(HttpApi, PublishThenHistoryReadsItBack) {
  auto pub = result_of("publish", {{"channel", "chat:history1"}, {"data", {{"text", "hi"}}}});
  ASSERT_EQ(pub.value("offset", 0), 1);
  std::string epoch = pub.value("epoch", "");
  EXPECT_FALSE(epoch.empty());
  result_of("publish", {{"channel", "chat:history1"}, {"data", {{"text", "second"}}}});
  auto h = result_of("history", {{"channel", "chat:history1"}, {"limit", -1}});
  ASSERT_EQ(h["publications"].size(), 2u);
  EXPECT_EQ(h["publications"][0]["data"]["text"], "hi");
  EXPECT_EQ(h["publications"][0]["offset"], 1);
  EXPECT_EQ(h["offset"], 2);
  EXPECT_EQ(h["epoch"], epoch);
}

TEST_F(HttpApi, HistoryKeepsOnlyHistorySizeAndLimitZeroGivesPositionOnly) {
  for (int i = 1; i <= 5; ++i) result_of("publish", {{"channel", "chat:window"}, {"data", i}});
  auto h = result_of("history", {{"channel", "chat:window"}, {"limit", -1}});
  ASSERT_EQ(h["publications"].size(), 3u);
  EXPECT_EQ(h["publications"][0]["offset"], 3);
  auto pos = result_of("history", {{"channel", "chat:window"}});
  EXPECT_EQ(pos["publications"].size(), 0u);
  EXPECT_EQ(pos["offset"], 5);
  auto rev = result_of("history", {{"channel", "chat:window"}, {"limit", 2}, {"reverse", true}});
  ASSERT_EQ(rev["publications"].size(), 2u);
  EXPECT_EQ(rev["publications"][0]["offset"], 5);
}

TEST_F(HttpApi, HistoryWithWrongEpochIsUnrecoverable) {
  result_of("publish", {{"channel", "chat:epoch"}, {"data", 1}});
  auto e = error_of("history", {{"channel", "chat:epoch"},
                                {"limit", 10},
                                {"since", {{"offset", 0}, {"epoch", "not-the-epoch"}}}});
  EXPECT_EQ(e["code"], 112);
}

TEST_F(HttpApi, PublishWithoutHistoryAnswersEmptyResult) {
  auto r = call("publish", {{"channel", "plain:x"}, {"data", {{"a", 1}}}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"result":{}})");
}

TEST_F(HttpApi, IdempotentPublishReturnsFirstResult) {
  json body = {{"channel", "chat:idem"}, {"data", 1}, {"idempotency_key", "k1"}};
  auto a = result_of("publish", body);
  auto b = result_of("publish", body);
  EXPECT_EQ(a, b);
  auto h = result_of("history", {{"channel", "chat:idem"}, {"limit", -1}});
  EXPECT_EQ(h["publications"].size(), 1u);
}

TEST_F(HttpApi, AuthAcceptsThreeWaysAndRefusesWrongKey) {
  json body = {{"channel", "plain:auth"}, {"data", 1}};
  EXPECT_EQ(call("publish", body, {{"X-API-Key", "wrong"}}).status, 401);
  EXPECT_EQ(call("publish", body, {}).status, 401);
  EXPECT_EQ(call("publish", body, {{"Authorization", "apikey test-api-key"}}).status, 200);
  EXPECT_EQ(call("publish", body, {{"Authorization", "APIKEY test-api-key"}}).status, 200);
  EXPECT_EQ(client_.post("/api/publish?api_key=test-api-key", body.dump()).status, 200);
  auto r = call("publish", body, {{"X-API-Key", "wrong"}});
  EXPECT_TRUE(r.body.empty());
}

TEST_F(HttpApi, BadRequestsGetDocumentedAnswers) {
  EXPECT_EQ(client_.request("GET", "/api/publish", "", {{"X-API-Key", kKey}}).status, 405);
  EXPECT_EQ(call("no_such_method", json::object()).status, 404);
  auto r = client_.post("/api/publish", "{not json", {{"X-API-Key", kKey}});
  EXPECT_EQ(r.status, 400);
  r = client_.post("/api/publish", R"({"channel": 5, "data": 1})", {{"X-API-Key", kKey}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of("publish", {{"data", 1}})["code"], 107);
  EXPECT_EQ(error_of("publish", {{"channel", "chat:x"}})["code"], 107);
  EXPECT_EQ(error_of("publish", {{"channel", "nope:x"}, {"data", 1}})["code"], 102);
  EXPECT_EQ(error_of("presence", {{"channel", "plain:x"}})["code"], 108);
  EXPECT_EQ(error_of("history", {{"channel", "plain:x"}})["code"], 108);
  EXPECT_EQ(error_of("subscribe", {{"channel", "chat:x"}})["code"], 107);
  EXPECT_EQ(client_.request("GET", "/nowhere").status, 404);
}

TEST_F(HttpApi, TransportErrorModeUsesHttpStatus) {
  auto r = call("publish", {{"channel", "nope:x"}, {"data", 1}},
                {{"X-API-Key", kKey}, {"X-Centrifugo-Error-Mode", "transport"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body)["code"], 102);
  r = call("presence", {{"channel", "plain:x"}},
           {{"X-API-Key", kKey}, {"X-Centrifugo-Error-Mode", "transport"}});
  EXPECT_EQ(r.status, 400);
}

TEST_F(HttpApi, OversizedBodyIsRefusedAndNodeKeepsServing) {
  // The limit is checked against Content-Length before any body byte is read.
  auto r = client_.raw("POST /api/publish HTTP/1.1\r\nHost: x\r\nX-API-Key: test-api-key\r\n"
                       "Content-Length: 68157440\r\n\r\n{");
  EXPECT_EQ(r.status, 413);
  HttpClient fresh("127.0.0.1", node_->port());
  EXPECT_EQ(fresh.request("GET", "/health").status, 200);
}

TEST_F(HttpApi, BroadcastAnswersPerChannelInOrder) {
  auto res = result_of("broadcast", {{"channels", {"chat:b1", "nope:b", "plain:b"}}, {"data", 1}});
  ASSERT_EQ(res["responses"].size(), 3u);
  EXPECT_EQ(res["responses"][0]["result"]["offset"], 1);
  EXPECT_EQ(res["responses"][1]["error"]["code"], 102);
  EXPECT_EQ(res["responses"][2]["result"], json::object());
}

TEST_F(HttpApi, BatchRunsCommandsInOrderAndInParallel) {
  for (bool parallel : {false, true}) {
    std::string ch = parallel ? "chat:batch-p" : "chat:batch-s";
    json cmds = json::array({
        {{"publish", {{"channel", ch}, {"data", 1}}}},
        {{"history", {{"channel", ch}, {"limit", -1}}}},
        {{"unknown_cmd", json::object()}},
        {{"presence_stats", {{"channel", ch}}}},
    });
    auto res = result_of("batch", {{"commands", cmds}, {"parallel", parallel}});
    ASSERT_EQ(res["replies"].size(), 4u) << res.dump();
    EXPECT_EQ(res["replies"][0]["publish"]["offset"], 1);
    if (!parallel) {
      EXPECT_EQ(res["replies"][1]["history"]["publications"].size(), 1u);
    }
    EXPECT_EQ(res["replies"][2]["error"]["code"], 104);
    EXPECT_EQ(res["replies"][3]["presence_stats"]["num_clients"], 0);
  }
}

TEST_F(HttpApi, NodeMethodsAnswerWithoutConnections) {
  auto info = result_of("info", json::object());
  ASSERT_EQ(info["nodes"].size(), 1u);
  EXPECT_EQ(info["nodes"][0]["num_clients"], 0);
  EXPECT_FALSE(info["nodes"][0]["uid"].get<std::string>().empty());
  EXPECT_EQ(result_of("channels", json::object())["channels"], json::object());
  EXPECT_EQ(result_of("subscribe", {{"user", "42"}, {"channel", "chat:x"}}), json::object());
  EXPECT_EQ(result_of("unsubscribe", {{"user", "42"}, {"channel", "chat:x"}}), json::object());
  EXPECT_EQ(result_of("disconnect", {{"user", "42"}}), json::object());
  EXPECT_EQ(result_of("refresh", {{"user", "42"}, {"expired", true}}), json::object());
  auto p = result_of("presence", {{"channel", "chat:x"}});
  EXPECT_EQ(p["presence"], json::object());
  auto s = result_of("presence_stats", {{"channel", "chat:x"}});
  EXPECT_EQ(s["num_clients"], 0);
  EXPECT_EQ(s["num_users"], 0);
}

TEST_F(HttpApi, HistoryRemoveKeepsPosition) {
  result_of("publish", {{"channel", "chat:rm"}, {"data", 1}});
  result_of("publish", {{"channel", "chat:rm"}, {"data", 2}});
  EXPECT_EQ(result_of("history_remove", {{"channel", "chat:rm"}}), json::object());
  auto h = result_of("history", {{"channel", "chat:rm"}, {"limit", -1}});
  EXPECT_EQ(h["publications"].size(), 0u);
  EXPECT_EQ(h["offset"], 2);
}

TEST_F(HttpApi, KeepAliveServesManyRequestsOnOneConnection) {
  for (int i = 0; i < 50; ++i)
    ASSERT_EQ(call("publish", {{"channel", "plain:ka"}, {"data", i}}).status, 200);
}

}  // namespace
}  // namespace herald::test
