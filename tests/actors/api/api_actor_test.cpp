#include "actors/api/api_actor.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <future>

#include "actors/engine/memory_engine_actor.hpp"
#include "config/config_loader.hpp"

namespace herald {
namespace {

using nlohmann::json;

class ApiActorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = load_config_json(R"({"channel": {"namespaces": [
        {"name": "chat", "history_size": 10, "history_ttl": "60s", "presence": true}]}})",
                                   {});
    ASSERT_TRUE(loaded.config) << (loaded.errors.empty() ? "" : loaded.errors[0]);
    auto ctx = std::make_shared<ApiContext>();
    ctx->config = std::make_shared<const Config>(*loaded.config);
    ctx->resolver = std::make_shared<const ChannelResolver>(*ctx->config);
    ctx->engine = engine_;
    ctx->node = node_;

    api_ = sys_.spawn(api_actor_impl, std::shared_ptr<const ApiContext>(ctx));
  }
  void TearDown() override {
    caf::anon_send(node_, shutdown_atom::value);
    caf::anon_send_exit(engine_, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(api_, caf::exit_reason::user_shutdown);
  }

  ApiReply call(const std::string& method, const std::string& body) {
    auto promise = std::make_shared<std::promise<ApiReply>>();
    auto fut = promise->get_future();
    caf::anon_send(api_, api_atom::value, method, body,
                   ApiReplyFn([promise](ApiReply r) { promise->set_value(std::move(r)); }));
    EXPECT_EQ(fut.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    return fut.get();
  }

  caf::actor_system_config cfg_;
  caf::actor_system sys_{cfg_};
  engine_actor engine_ = sys_.spawn(memory_engine_actor_impl, EngineClock{});
  node_actor node_ =
      sys_.spawn(node_actor_impl, engine_, NodeIdentity{"uid-1", "node-1", "0.1.0", {}}, NodeTiming{});
  api_actor api_;
};

TEST_F(ApiActorTest, PublishAssignsOffsetsAndHistoryReturnsThem) {
  auto r = call("publish", R"({"channel":"chat:1","data":{"a":1},"tags":{"t":"v"}})");
  ASSERT_FALSE(r.error) << r.error.message;
  auto res = json::parse(r.result_json);
  EXPECT_EQ(res["offset"], 1);
  r = call("history", R"({"channel":"chat:1","limit":10})");
  auto h = json::parse(r.result_json);
  ASSERT_EQ(h["publications"].size(), 1u);
  EXPECT_EQ(h["publications"][0]["data"], json::parse(R"({"a":1})"));
  EXPECT_EQ(h["publications"][0]["tags"]["t"], "v");
  EXPECT_EQ(h["epoch"], res["epoch"]);
}

TEST_F(ApiActorTest, B64DataIsDecodedAndBadBase64IsBadRequest) {
  auto r = call("publish", R"({"channel":"chat:b64","b64data":"eyJ4IjoxfQ=="})");
  ASSERT_FALSE(r.error);
  auto h = json::parse(call("history", R"({"channel":"chat:b64","limit":1})").result_json);
  EXPECT_EQ(h["publications"][0]["data"]["x"], 1);
  EXPECT_EQ(call("publish", R"({"channel":"chat:b64","b64data":"@@@"})").error.code, 107u);
}

TEST_F(ApiActorTest, MalformedAndUnknownAreReportedAsSuch) {
  EXPECT_EQ(call("publish", "{").status, ApiReply::Status::malformed_body);
  EXPECT_EQ(call("publish", "[1,2]").status, ApiReply::Status::malformed_body);
  EXPECT_EQ(call("publish", R"({"channel":["x"],"data":1})").status,
            ApiReply::Status::malformed_body);
  EXPECT_EQ(call("nope", "{}").status, ApiReply::Status::unknown_method);
  EXPECT_EQ(call("rpc", R"({"method":"x"})").error.code, 104u);
}

TEST_F(ApiActorTest, DisconnectRejectsReservedCodeRange) {
  EXPECT_EQ(call("disconnect", R"({"user":"1","disconnect":{"code":5000,"reason":"x"}})").error.code,
            107u);
  EXPECT_FALSE(call("disconnect", R"({"user":"1","disconnect":{"code":4000,"reason":"x"}})").error);
}

TEST_F(ApiActorTest, ChannelsRejectsMalformedPattern) {
  EXPECT_EQ(call("channels", R"({"pattern":"[a"})").error.code, 107u);
  EXPECT_FALSE(call("channels", R"({"pattern":"chat:*"})").error);
}

TEST_F(ApiActorTest, BatchOfManySynchronousFailuresDoesNotRecurse) {
  std::string body = R"({"commands":[)";
  for (int i = 0; i < 20000; ++i) body += (i ? "," : "") + std::string(R"({"publish":{}})");
  body += "]}";
  auto r = call("batch", body);
  ASSERT_FALSE(r.error);
  auto j = json::parse(r.result_json);
  ASSERT_EQ(j["replies"].size(), 20000u);
  EXPECT_EQ(j["replies"][19999]["error"]["code"], 107);
}

}  // namespace
}  // namespace herald
