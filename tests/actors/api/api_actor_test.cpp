// The API actor under CAF's test coordinator: every answer is in once run() returns. Every
// test runs twice: through the actor only, and with the engine's direct publisher, where
// publish, broadcast and batches of those run inline (run_api_inline) and the rest goes to
// the actor, as the HTTP bridge does.
#include "actors/api/api_actor.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "actors/engine/memory_engine_actor.hpp"
#include "config/config_loader.hpp"
#include "tests/actors/deterministic.hpp"

namespace herald {
namespace {

using nlohmann::json;
using test::Probe;

class ApiActorTest : public ::testing::TestWithParam<bool>, public test::DeterministicSystem {
 protected:
  ApiActorTest() {
    auto loaded = load_config_json(R"({"client": {"connection_limit": 7},
        "channel": {"namespaces": [
        {"name": "chat", "history_size": 10, "history_ttl": "60s", "presence": true}]}})",
                                   {});
    EXPECT_TRUE(loaded.config) << (loaded.errors.empty() ? "" : loaded.errors[0]);
    config_ = std::make_shared<const Config>(loaded.config.value_or(Config{}));
    api_ = spawn_api(node_);
  }
  void TearDown() override {
    caf::anon_send(node_, shutdown_atom::value);
    caf::anon_send_exit(engine_, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(api_, caf::exit_reason::user_shutdown);
    run();
  }

  api_actor spawn_api(node_actor node) {
    auto ctx = std::make_shared<ApiContext>();
    ctx->config = config_;
    ctx->resolver = std::make_shared<const ChannelResolver>(*config_);
    ctx->engine = engine_;
    ctx->node = node;
    if (inline_) ctx->publisher = memory_engine_;
    if (!ctx_) ctx_ = ctx;  // the first is api_'s
    return sys().spawn(api_actor_impl, std::shared_ptr<const ApiContext>(ctx));
  }

  /// Sends one call and runs until everything it caused is handled; nullopt: no answer yet.
  std::optional<ApiReply> send(const api_actor& api, const std::string& method,
                               const std::string& body) {
    auto out = std::make_shared<std::optional<ApiReply>>();
    ApiReplyFn reply([out](ApiReply r) { *out = std::move(r); });
    if (inline_ && api == api_ && run_api_inline(*ctx_, method, body, reply)) {
      ++inline_calls_;
      run();
      return *out;
    }
    caf::anon_send(api, api_atom::value, method, body, reply);
    run();
    return *out;
  }
  ApiReply call(const std::string& method, const std::string& body) {
    auto r = send(api_, method, body);
    EXPECT_TRUE(r) << method << " " << body << ": no answer";
    return r.value_or(ApiReply{});
  }
  json result(const std::string& method, const std::string& body) {
    auto r = call(method, body);
    EXPECT_FALSE(r.error) << method << " " << body << ": " << r.error.message;
    return json::parse(r.result_json, nullptr, false);
  }
  uint32_t error_code(const std::string& method, const std::string& body) {
    return call(method, body).error.code;
  }

  std::shared_ptr<const Config> config_;
  const bool inline_ = GetParam();
  std::shared_ptr<MemoryEngine> memory_engine_ = std::make_shared<MemoryEngine>();
  engine_actor engine_ = sys().spawn(shared_memory_engine_actor_impl, memory_engine_);
  node_actor node_ = sys().spawn(node_actor_impl, engine_,
                                 NodeIdentity{"uid-1", "node-1", "0.1.0", {}}, NodeTiming{});
  api_actor api_;
  std::shared_ptr<const ApiContext> ctx_;  ///< api_'s
  size_t inline_calls_ = 0;
};

TEST_P(ApiActorTest, PublishAssignsOffsetsAndHistoryReturnsThem) {
  auto res = result("publish", R"({"channel":"chat:1","data":{"a":1},"tags":{"t":"v"}})");
  EXPECT_EQ(res["offset"], 1);
  auto h = result("history", R"({"channel":"chat:1","limit":10})");
  ASSERT_EQ(h["publications"].size(), 1u);
  EXPECT_EQ(h["publications"][0]["data"], json::parse(R"({"a":1})"));
  EXPECT_EQ(h["publications"][0]["tags"]["t"], "v");
  EXPECT_EQ(h["epoch"], res["epoch"]);
}

TEST_P(ApiActorTest, PublishedDataKeepsTheRequestsBytes) {
  result("publish", R"({"channel":"chat:bytes","data":{"z":1, "a":12345678901234567890123}})");
  auto r = call("history", R"({"channel":"chat:bytes","limit":-1})");
  EXPECT_NE(r.result_json.find(R"({"z":1, "a":12345678901234567890123})"), std::string::npos)
      << r.result_json;
}

TEST_P(ApiActorTest, B64DataWinsAndBadBase64IsBadRequest) {
  result("publish", R"({"channel":"chat:b64","data":{"x":2},"b64data":"eyJ4IjoxfQ=="})");
  auto h = result("history", R"({"channel":"chat:b64","limit":1})");
  EXPECT_EQ(h["publications"][0]["data"]["x"], 1);
  EXPECT_EQ(error_code("publish", R"({"channel":"chat:b64","b64data":"@@@"})"), 107u);
  // Go's standard base64 requires padding.
  EXPECT_EQ(error_code("publish", R"({"channel":"chat:b64","b64data":"eyJ4IjoxfQ"})"), 107u);
}

TEST_P(ApiActorTest, PublishDataNullIsStoredAsNull) {
  result("publish", R"({"channel":"chat:null","data":null})");
  auto h = result("history", R"({"channel":"chat:null","limit":-1})");
  ASSERT_EQ(h["publications"].size(), 1u);
  ASSERT_TRUE(h["publications"][0].contains("data"));
  EXPECT_TRUE(h["publications"][0]["data"].is_null());
}

TEST_P(ApiActorTest, PublishChecksInCentrifugosOrder) {
  EXPECT_EQ(error_code("publish", R"({"data":1})"), 107u);
  EXPECT_EQ(error_code("publish", R"({"channel":"nope:x"})"), 102u);  // namespace before data
  EXPECT_EQ(error_code("publish", R"({"channel":"chat:x"})"), 107u);
}

TEST_P(ApiActorTest, ApiChannelsHaveNoNameRules) {
  std::string long_channel = "chat:" + std::string(300, 'l');
  result("publish", R"({"channel":")" + long_channel + R"(","data":1})");
  auto h = result("history", R"({"channel":")" + long_channel + R"(","limit":-1})");
  EXPECT_EQ(h["publications"].size(), 1u);
  result("publish", R"({"channel":"chat:é","data":1})");
}

TEST_P(ApiActorTest, BroadcastReportsPerChannel) {
  auto res = result("broadcast", R"({"channels":["chat:b1","chat:b2"]})");
  ASSERT_EQ(res["responses"].size(), 2u);
  EXPECT_EQ(res["responses"][0]["error"]["code"], 107);
  EXPECT_EQ(res["responses"][1]["error"]["code"], 107);
  res = result("broadcast", R"({"channels":["chat:b1","nope:b",""],"data":null})");
  EXPECT_EQ(res["responses"][0]["result"]["offset"], 1);
  EXPECT_EQ(res["responses"][1]["error"]["code"], 102);
  EXPECT_EQ(res["responses"][2]["error"]["code"], 107);
  EXPECT_EQ(error_code("broadcast", R"({"channels":["chat:b1"],"b64data":"@@"})"), 107u);
  EXPECT_EQ(error_code("broadcast", R"({"channels":[],"data":1})"), 107u);
}

TEST_P(ApiActorTest, MalformedAndUnknownAreReportedAsSuch) {
  EXPECT_EQ(call("publish", "{").status, ApiReply::Status::malformed_body);
  EXPECT_EQ(call("publish", "").status, ApiReply::Status::malformed_body);
  EXPECT_EQ(call("publish", "[1,2]").status, ApiReply::Status::malformed_body);
  EXPECT_EQ(call("publish", R"({"channel":["x"],"data":1})").status,
            ApiReply::Status::malformed_body);
  EXPECT_EQ(call("history", R"({"channel":"chat:x","limit":1.0})").status,
            ApiReply::Status::malformed_body);
  EXPECT_EQ(call("nope", "{}").status, ApiReply::Status::unknown_method);
  EXPECT_EQ(call("publish", "null").error.code, 107u);  // an empty request
}

TEST_P(ApiActorTest, RpcAnswersNotFoundOrBadRequest) {
  auto r = call("rpc", R"({"method":"x"})");
  EXPECT_EQ(r.error.code, 104u);
  EXPECT_EQ(r.error.message, "not found");
  EXPECT_EQ(error_code("rpc", R"({"method":""})"), 107u);
  EXPECT_EQ(error_code("rpc", "{}"), 107u);
}

TEST_P(ApiActorTest, ConnectionCommandsNeedNoUser) {
  EXPECT_EQ(result("disconnect", "{}"), json::object());
  EXPECT_EQ(result("disconnect", R"({"disconnect":{"code":4000}})"), json::object());
  EXPECT_EQ(result("refresh", "{}"), json::object());
  EXPECT_EQ(result("subscribe", R"({"channel":"chat:x"})"), json::object());
  EXPECT_EQ(result("unsubscribe", R"({"user":"42"})"), json::object());
  EXPECT_EQ(result("unsubscribe", R"({"channel":"chat:x"})"), json::object());
  EXPECT_EQ(error_code("subscribe", R"({"user":"42"})"), 107u);
  EXPECT_EQ(error_code("subscribe", R"({"channel":"nope:x"})"), 102u);
  EXPECT_EQ(error_code("unsubscribe", R"({"channel":"nope:x"})"), 102u);
}

TEST_P(ApiActorTest, UnsubscribeWithoutChannelReachesTheNodeAsIs) {
  Probe node{sys()};
  auto api = spawn_api(node.as<node_actor>());
  send(api, "unsubscribe", R"({"user":"42"})");
  auto got = node.take_all<unsub_atom>();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].get_as<ConnectionFilter>(1).user, "42");
  EXPECT_EQ(got[0].get_as<std::string>(2), "");
  send(api, "subscribe", R"({"channel":"chat:s","data":{"d":1}})");
  auto subs = node.take_all<sub_atom>();
  ASSERT_EQ(subs.size(), 1u);
  EXPECT_EQ(subs[0].get_as<ConnectionFilter>(1).user, "");
  EXPECT_EQ(subs[0].get_as<ServerSubscribeRequest>(2).data, R"({"d":1})");
  caf::anon_send_exit(api, caf::exit_reason::user_shutdown);
}

TEST_P(ApiActorTest, DisconnectRejectsReservedCodeRange) {
  EXPECT_EQ(error_code("disconnect", R"({"user":"1","disconnect":{"code":5000,"reason":"x"}})"),
            107u);
  EXPECT_FALSE(call("disconnect", R"({"user":"1","disconnect":{"code":4000,"reason":"x"}})").error);
}

TEST_P(ApiActorTest, ChannelsRejectsMalformedPattern) {
  EXPECT_EQ(error_code("channels", R"({"pattern":"[a"})"), 107u);
  EXPECT_EQ(result("channels", R"({"pattern":"chat:*"})"), json::parse(R"({"channels":{}})"));
}

TEST_P(ApiActorTest, InfoCarriesCentrifugosMetricsBlock) {
  auto info = result("info", "{}");
  ASSERT_EQ(info["nodes"].size(), 1u);
  const json& node = info["nodes"][0];
  EXPECT_EQ(node["uid"], "uid-1");
  EXPECT_EQ(node["metrics"]["interval"], 60);
  const json& items = node["metrics"]["items"];
  EXPECT_EQ(items.size(), 43u);
  EXPECT_EQ(items["centrifugo.node.num_nodes"], 1);
  EXPECT_EQ(items["centrifugo.node.client_connection_limit"], 7);
  EXPECT_EQ(items["centrifugo.node.num_clients"], 0);
  EXPECT_TRUE(items.contains("centrifugo.client.command_duration_seconds.count.method.connect"));
}

TEST_P(ApiActorTest, BatchAnswersAtTheTopLevel) {
  auto r = call("batch", R"({"commands":[{"publish":{"channel":"chat:bt","data":1}},
      null, {}, {"frobnicate":{}}, {"history":{"channel":"chat:bt","limit":-1},
      "publish":{"channel":"chat:bt","data":2}}]})");
  ASSERT_EQ(r.status, ApiReply::Status::ok);
  auto j = json::parse(r.result_json);
  ASSERT_EQ(j["replies"].size(), 5u) << r.result_json;
  EXPECT_EQ(j["replies"][0]["publish"]["offset"], 1);
  EXPECT_EQ(j["replies"][1]["error"]["code"], 107);
  EXPECT_EQ(j["replies"][2]["error"], json::parse(R"({"code":104,"message":"not found"})"));
  EXPECT_EQ(j["replies"][3]["error"]["code"], 104);
  EXPECT_EQ(j["replies"][4]["publish"]["offset"], 2);  // publish before history, as Centrifugo
  EXPECT_EQ(call("batch", R"({"commands":[]})").result_json, "{}");
  EXPECT_EQ(call("batch", "{}").result_json, "{}");
}

TEST_P(ApiActorTest, BatchWithAnIllTypedCommandIsMalformedAndRunsNothing) {
  EXPECT_EQ(call("batch", R"({"commands":[{"publish":{"channel":"chat:bm","data":1}},
      {"publish":{"channel":5}}]})").status,
            ApiReply::Status::malformed_body);
  EXPECT_EQ(call("batch", R"({"commands":{}})").status, ApiReply::Status::malformed_body);
  EXPECT_EQ(result("history", R"({"channel":"chat:bm","limit":-1})")["publications"].size(), 0u);
}

TEST_P(ApiActorTest, BatchInParallel) {
  auto r = call("batch", R"({"parallel":true,"commands":[
      {"publish":{"channel":"chat:p1","data":1}},{"publish":{"channel":"chat:p2","data":1}},
      {"presence_stats":{"channel":"chat:p1"}}]})");
  auto j = json::parse(r.result_json);
  ASSERT_EQ(j["replies"].size(), 3u);
  EXPECT_EQ(j["replies"][1]["publish"]["offset"], 1);
  EXPECT_EQ(j["replies"][2]["presence_stats"]["num_clients"], 0);
}

TEST_P(ApiActorTest, BatchOfManySynchronousFailuresDoesNotRecurse) {
  std::string body = R"({"commands":[)";
  for (int i = 0; i < 20000; ++i) body += (i ? "," : "") + std::string(R"({"publish":{}})");
  body += "]}";
  auto r = call("batch", body);
  ASSERT_FALSE(r.error);
  auto j = json::parse(r.result_json);
  ASSERT_EQ(j["replies"].size(), 20000u);
  EXPECT_EQ(j["replies"][19999]["error"]["code"], 107);
}

// The legacy endpoint is the empty method.
TEST_P(ApiActorTest, LegacyAnswersOneLinePerCommand) {
  auto r = call("", R"({"id":1,"method":"publish","params":{"channel":"chat:l","data":1}}
      {"id":2,"method":"PUBLISH","params":{"channel":"chat:l","data":2}}{"id":3,"method":0}
      {"method":"history","params":{"channel":"chat:l","limit":-1}}
      {"id":5,"method":100,"params":{}} {"id":6,"method":"info"}
      {"id":7,"method":"presence_stats","params":{"channel":"nope:x"}})");
  ASSERT_EQ(r.status, ApiReply::Status::ok);
  std::vector<json> lines;
  size_t start = 0;
  while (start <= r.result_json.size()) {
    size_t end = r.result_json.find('\n', start);
    if (end == std::string::npos) end = r.result_json.size();
    lines.push_back(json::parse(r.result_json.substr(start, end - start)));
    start = end + 1;
  }
  ASSERT_EQ(lines.size(), 7u) << r.result_json;
  EXPECT_EQ(lines[0], json::parse(R"({"id":1,"result":{"offset":1,"epoch":")" +
                                  lines[0]["result"]["epoch"].get<std::string>() + R"("}})"));
  EXPECT_EQ(lines[1]["result"]["offset"], 2);
  EXPECT_EQ(lines[2], json::parse(R"({"id":3,"error":{"code":107,"message":"bad request"}})"));
  EXPECT_FALSE(lines[3].contains("id"));
  EXPECT_EQ(lines[3]["result"]["publications"].size(), 2u);
  EXPECT_EQ(lines[4], json::parse(R"({"id":5,"error":{"code":104,"message":"not found"}})"));
  EXPECT_EQ(lines[5]["result"]["nodes"].size(), 1u);
  EXPECT_EQ(lines[6]["error"]["code"], 102);
}

TEST_P(ApiActorTest, LegacyBadCommandRefusesTheBodyAfterEarlierOnesRan) {
  EXPECT_EQ(call("", R"({"id":1,"method":"publish","params":{"channel":"chat:lb","data":1}}
      {"id":2,"method":"batch","params":{}})").status,
            ApiReply::Status::malformed_body);
  EXPECT_EQ(result("history", R"({"channel":"chat:lb","limit":-1})")["publications"].size(), 1u);
  EXPECT_EQ(call("", R"({"id":1,"method":"nope"})").status, ApiReply::Status::malformed_body);
  EXPECT_EQ(call("", R"({bad)").status, ApiReply::Status::malformed_body);
  EXPECT_EQ(call("", R"([])").status, ApiReply::Status::malformed_body);
  EXPECT_EQ(call("", "").status, ApiReply::Status::malformed_body);
  auto blank = call("", " \n ");
  EXPECT_EQ(blank.status, ApiReply::Status::ok);
  EXPECT_EQ(blank.result_json, "");
}


TEST_P(ApiActorTest, PublishesRunInlineOnlyWithADirectPublisher) {
  result("publish", R"({"channel":"chat:in","data":1})");
  result("broadcast", R"({"channels":["chat:in"],"data":2})");
  result("batch", R"({"commands":[{"publish":{"channel":"chat:in","data":3}},null]})");
  // A batch that reads needs the actor, and so do the other methods.
  auto b = result("batch", R"({"commands":[{"publish":{"channel":"chat:in","data":4}},
                              {"history":{"channel":"chat:in","limit":-1}}]})");
  EXPECT_EQ(b["replies"][1]["history"]["publications"].size(), 4u);
  result("history", R"({"channel":"chat:in","limit":1})");
  EXPECT_EQ(inline_calls_, inline_ ? 3u : 0u);
}

TEST_P(ApiActorTest, AMalformedInlineCallIsAnsweredAsSuch) {
  EXPECT_EQ(call("publish", "{").status, ApiReply::Status::malformed_body);
  EXPECT_EQ(call("batch", R"({"commands":[{"publish":{"channel":1}}]})").status,
            ApiReply::Status::malformed_body);
  EXPECT_EQ(inline_calls_, inline_ ? 2u : 0u);
}

INSTANTIATE_TEST_SUITE_P(ActorAndInline, ApiActorTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Inline" : "Actor";
                         });

}  // namespace
}  // namespace herald
