#include "actors/connection/connection_actor.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <thread>

#include "actors/engine/memory_engine_actor.hpp"
#include "config/config_loader.hpp"
#include "tests/actors/connection/fake_ws.hpp"
#include "proto/jwt/jwt.hpp"

namespace herald {
namespace {

using nlohmann::json;
using test::FakeWs;

constexpr const char* kSecret = "test-secret";

int64_t now_s() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

std::string token(const json& claims) {
  return jwt::sign_hs(jwt::JwtAlg::HS256, kSecret, claims);
}

class ConnectionActorTest : public ::testing::Test {
 protected:
  void SetUp() override { make_context(R"({})"); }

  void make_context(const std::string& client_json, const std::string& engine_json = "{}") {
    std::string cfg_json = R"({"engine": )" + engine_json + R"(, "client": )" + client_json +
                           R"(, "channel": {"namespaces": [
        {"name": "chat", "history_size": 10, "history_ttl": "60s", "presence": true,
         "join_leave": true, "force_recovery": true, "allow_subscribe_for_client": true,
         "allow_publish_for_subscriber": true, "allow_presence_for_subscriber": true,
         "allow_history_for_subscriber": true},
        {"name": "open", "allow_subscribe_for_client": true}]}})";
    auto loaded = load_config_json(cfg_json, {});
    ASSERT_TRUE(loaded.config) << (loaded.errors.empty() ? "" : loaded.errors[0]);
    Config cfg = *loaded.config;
    cfg.client.token.hmac_secret_key = kSecret;
    auto shared = std::make_shared<const Config>(cfg);
    ctx_ = ClientContext::make(shared, std::make_shared<const ChannelResolver>(*shared), engine_,
                               node_, "node-1", "0.1.0");
  }

  void TearDown() override {
    caf::anon_send(node_, shutdown_atom::value);
    caf::anon_send_exit(engine_, caf::exit_reason::user_shutdown);
  }

  struct Client {
    std::shared_ptr<FakeWs> ws;
    connection_actor actor;
    Client() = default;
    Client(Client&&) = default;
    // The transport going away is what ends a connection actor.
    ~Client() {
      if (actor) caf::anon_send(actor, closed_atom::value);
    }
    /// The next message that satisfies `pred`, skipping others.
    template <class Pred>
    json next_where(Pred pred) {
      for (int i = 0; i < 10; ++i) {
        json m = next();
        if (m.is_null() || pred(m)) return m;
      }
      return json();
    }
    void send(const std::string& frame) { caf::anon_send(actor, frame_atom::value, frame); }
    json next() {
      auto m = ws->next();
      EXPECT_TRUE(m.has_value()) << "nothing sent";
      return m ? json::parse(*m) : json();
    }
  };

  Client open() {
    Client c;
    c.ws = std::make_shared<FakeWs>();
    WsHandshake hs;
    c.actor = sys_.spawn(connection_actor_impl, ctx_, std::shared_ptr<WsConnection>(c.ws), hs);
    return c;
  }

  Client connected(const std::string& user) {
    Client c = open();
    c.send(R"({"id":1,"connect":{"token":")" + token({{"sub", user}}) + R"("}})");
    json r = c.next();
    EXPECT_TRUE(r["connect"].contains("client")) << r.dump();
    return c;
  }

  void publish(const std::string& channel, const std::string& data) {
    caf::scoped_actor self{sys_};
    Publication p;
    p.data = data;
    PublishOptions o;
    o.history_size = 10;
    o.history_ttl_ms = 60000;
    self->request(engine_, std::chrono::seconds(5), publish_atom::value, channel, p, o)
        .receive([](PublishOutcome&) {}, [](caf::error&) { ADD_FAILURE(); });
  }

  caf::actor_system_config cfg_;
  caf::actor_system sys_{cfg_};
  engine_actor engine_ = sys_.spawn(memory_engine_actor_impl);
  node_actor node_ = sys_.spawn(node_actor_impl, engine_);
  std::shared_ptr<const ClientContext> ctx_;
};

TEST_F(ConnectionActorTest, ConnectReplyCarriesClientPingAndPong) {
  Client c = open();
  c.send(R"({"id":1,"connect":{"token":")" + token({{"sub", "42"}}) + R"("}})");
  json r = c.next();
  EXPECT_EQ(r["id"], 1);
  EXPECT_EQ(r["connect"]["client"].get<std::string>().size(), 36u);
  EXPECT_EQ(r["connect"]["version"], "0.1.0");
  EXPECT_EQ(r["connect"]["ping"], 25);
  EXPECT_EQ(r["connect"]["pong"], true);
  EXPECT_FALSE(r["connect"].contains("expires"));
}

TEST_F(ConnectionActorTest, TokenWithExpiryAdvertisesTtl) {
  Client c = open();
  c.send(R"({"id":1,"connect":{"token":")" + token({{"sub", "42"}, {"exp", now_s() + 100}}) +
         R"("}})");
  json r = c.next();
  EXPECT_EQ(r["connect"]["expires"], true);
  EXPECT_NEAR(r["connect"]["ttl"].get<int>(), 100, 2);
}

TEST_F(ConnectionActorTest, BadCredentialsGetDocumentedCodes) {
  {
    Client c = open();
    c.send(R"({"id":1,"connect":{}})");  // no token, anonymous not allowed
    EXPECT_EQ(c.ws->wait_closed(), 3501);
  }
  {
    Client c = open();
    c.send(R"({"id":1,"connect":{"token":"not.a.token"}})");
    EXPECT_EQ(c.ws->wait_closed(), 3500);
  }
  {
    Client c = open();
    c.send(R"({"id":1,"connect":{"token":")" + token({{"sub", "1"}, {"exp", now_s() - 10}}) +
           R"("}})");
    json r = c.next();
    EXPECT_EQ(r["error"]["code"], 109);
  }
}

TEST_F(ConnectionActorTest, ProtocolViolationsDisconnectWithBadRequest) {
  for (const char* frame : {R"({"id":1,"subscribe":{"channel":"chat:a"}})",  // before connect
                            "not json", R"({"id":5})"}) {
    Client c = open();
    c.send(frame);
    EXPECT_EQ(c.ws->wait_closed(), 3501) << frame;
  }
  Client c = connected("42");
  c.send(R"({"id":2,"connect":{}})");  // a second connect
  EXPECT_EQ(c.ws->wait_closed(), 3501);
}

TEST_F(ConnectionActorTest, SubscribeReceivesPublicationsAndErrorsAreCoded) {
  Client c = connected("42");
  c.send(R"({"id":2,"subscribe":{"channel":"chat:room"}})");
  json r = c.next();
  EXPECT_EQ(r["id"], 2);
  EXPECT_EQ(r["subscribe"]["recoverable"], true);
  EXPECT_EQ(r["subscribe"]["positioned"], true);
  EXPECT_FALSE(r["subscribe"]["epoch"].get<std::string>().empty());
  publish("chat:room", R"({"n":1})");
  json push = c.next();
  EXPECT_EQ(push["push"]["channel"], "chat:room");
  EXPECT_EQ(push["push"]["pub"]["data"]["n"], 1);
  EXPECT_EQ(push["push"]["pub"]["offset"], 1);

  c.send(R"({"id":3,"subscribe":{"channel":"chat:room"}})");
  EXPECT_EQ(c.next()["error"]["code"], 105);
  c.send(R"({"id":4,"subscribe":{"channel":"nope:x"}})");
  EXPECT_EQ(c.next()["error"]["code"], 102);
  c.send(R"({"id":5,"subscribe":{"channel":"$chat:private"}})");
  EXPECT_EQ(c.next()["error"]["code"], 103);
  c.send(R"({"id":6,"history":{"channel":"open:x","limit":1}})");
  EXPECT_EQ(c.next()["error"]["code"], 108);
}

TEST_F(ConnectionActorTest, RecoveryReturnsMissedPublications) {
  std::string epoch;
  {
    Client c = connected("42");
    c.send(R"({"id":2,"subscribe":{"channel":"chat:rec"}})");
    json r = c.next();
    epoch = r["subscribe"]["epoch"];
    EXPECT_EQ(r["subscribe"].value("offset", 0), 0);
  }
  publish("chat:rec", "1");
  publish("chat:rec", "2");
  Client c = connected("42");
  c.send(R"({"id":2,"subscribe":{"channel":"chat:rec","recover":true,"epoch":")" + epoch +
         R"(","offset":0}})");
  json r = c.next();
  EXPECT_EQ(r["subscribe"]["recovered"], true) << r.dump();
  EXPECT_EQ(r["subscribe"]["was_recovering"], true);
  ASSERT_EQ(r["subscribe"]["publications"].size(), 2u);
  EXPECT_EQ(r["subscribe"]["publications"][1]["offset"], 2);

  Client d = connected("43");
  d.send(R"({"id":2,"subscribe":{"channel":"chat:rec","recover":true,"epoch":"other","offset":1}})");
  r = d.next();
  EXPECT_FALSE(r["subscribe"].value("recovered", false));
  EXPECT_FALSE(r["subscribe"].contains("publications"));
  EXPECT_EQ(r["subscribe"]["offset"], 2);
}

TEST_F(ConnectionActorTest, PresenceJoinLeaveAndClientPublish) {
  Client a = connected("1");
  Client b = connected("2");
  a.send(R"({"id":2,"subscribe":{"channel":"chat:p","join_leave":true}})");
  a.next();
  b.send(R"({"id":2,"subscribe":{"channel":"chat:p"}})");
  b.next();
  // `a` also sees its own join first.
  json join = a.next_where([](const json& m) {
    return m.contains("push") && m["push"].contains("join") &&
           m["push"]["join"]["info"]["user"] == "2";
  });
  EXPECT_FALSE(join.is_null());
  b.send(R"({"id":3,"presence_stats":{"channel":"chat:p"}})");
  json stats = b.next();
  EXPECT_EQ(stats["presence_stats"]["num_clients"], 2);
  EXPECT_EQ(stats["presence_stats"]["num_users"], 2);
  b.send(R"({"id":4,"publish":{"channel":"chat:p","data":{"hi":true}}})");
  EXPECT_TRUE(b.next()["publish"].is_object());
  json pub = a.next_where([](const json& m) { return m.contains("push") && m["push"].contains("pub"); });
  EXPECT_EQ(pub["push"]["pub"]["data"]["hi"], true);
  EXPECT_EQ(pub["push"]["pub"]["info"]["user"], "2");
  b.send(R"({"id":5,"unsubscribe":{"channel":"chat:p"}})");
  json leave = a.next_where([](const json& m) { return m.contains("push") && m["push"].contains("leave"); });
  EXPECT_EQ(leave["push"]["leave"]["info"]["user"], "2");
}

TEST_F(ConnectionActorTest, UserConnectionLimitRefusesTheExtraConnection) {
  make_context(R"({"user_connection_limit": 1})");
  Client first = connected("9");
  Client second = open();
  second.send(R"({"id":1,"connect":{"token":")" + token({{"sub", "9"}}) + R"("}})");
  EXPECT_EQ(second.ws->wait_closed(), 3504);
  Client other = connected("10");  // another user still fits
  EXPECT_FALSE(other.ws->wait_closed(std::chrono::milliseconds(20)).has_value());
}

TEST_F(ConnectionActorTest, PresenceIsRefreshedBeforeItsTtlRunsOut) {
  make_context(R"({"presence_update_interval": "100ms"})",
               R"({"redis": {"presence_ttl": "300ms"}})");
  Client c = connected("5");
  c.send(R"({"id":2,"subscribe":{"channel":"chat:alive"}})");
  c.next();
  // Three TTLs later the entry is still there only because it was refreshed.
  std::this_thread::sleep_for(std::chrono::milliseconds(900));
  c.send(R"({"id":3,"presence_stats":{"channel":"chat:alive"}})");
  json stats = c.next_where([](const json& m) { return m.value("id", 0) == 3; });
  EXPECT_EQ(stats["presence_stats"]["num_clients"], 1) << stats.dump();
}

TEST_F(ConnectionActorTest, SendIsNotAvailableAndRpcHasNoMethod) {
  Client c = connected("42");
  c.send(R"({"id":2,"rpc":{"method":"x","data":{}}})");
  EXPECT_EQ(c.next()["error"]["code"], 104);
  c.send(R"({"send":{"data":{}}})");
  EXPECT_EQ(c.ws->wait_closed(), 3508);
}

TEST_F(ConnectionActorTest, UnansweredPingDisconnectsWithNoPong) {
  make_context(R"({"ping_interval": "200ms", "pong_timeout": "100ms"})");
  Client c = connected("42");
  EXPECT_EQ(c.next(), json::object());  // the ping
  EXPECT_EQ(c.ws->wait_closed(), 3012);
}

TEST_F(ConnectionActorTest, AnsweredPingsKeepTheConnection) {
  make_context(R"({"ping_interval": "200ms", "pong_timeout": "100ms"})");
  Client c = connected("42");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(c.next(), json::object());
    c.send("{}");
  }
  EXPECT_FALSE(c.ws->wait_closed(std::chrono::milliseconds(50)).has_value());
}

TEST_F(ConnectionActorTest, ServerSideSubscribeFromTheApiCanBeUndone) {
  Client c = connected("78");
  caf::scoped_actor self{sys_};
  ServerSubscribeRequest req;
  req.channel = "chat:server";
  uint32_t n = 0;
  self->request(node_, std::chrono::seconds(5), sub_atom::value,
                ConnectionFilter{"78", "", "", {}}, req)
      .receive([&](uint32_t m) { n = m; }, [](caf::error&) {});
  EXPECT_EQ(n, 1u);
  json push = c.next();
  EXPECT_TRUE(push["push"].contains("subscribe")) << push.dump();
  self->request(node_, std::chrono::seconds(5), unsub_atom::value,
                ConnectionFilter{"78", "", "", {}}, std::string("chat:server"))
      .receive([&](uint32_t m) { n = m; }, [](caf::error&) {});
  push = c.next();
  EXPECT_EQ(push["push"]["unsubscribe"]["code"], 2000) << push.dump();
  NodeCounts counts;
  self->request(node_, std::chrono::seconds(5), info_atom::value)
      .receive([&](NodeCounts& nc) { counts = nc; }, [](caf::error&) {});
  EXPECT_EQ(counts.num_channels, 0u);
}

TEST_F(ConnectionActorTest, ServerApiDisconnectAndUnsubscribeReachTheClient) {
  Client c = connected("77");
  c.send(R"({"id":2,"subscribe":{"channel":"open:s"}})");
  c.next();
  caf::scoped_actor self{sys_};
  uint32_t n = 0;
  self->request(node_, std::chrono::seconds(5), unsub_atom::value,
                ConnectionFilter{"77", "", "", {}}, std::string("open:s"))
      .receive([&](uint32_t m) { n = m; }, [](caf::error&) {});
  EXPECT_EQ(n, 1u);
  json push = c.next();
  EXPECT_EQ(push["push"]["unsubscribe"]["code"], 2000);
  NodeCounts counts;
  self->request(node_, std::chrono::seconds(5), info_atom::value)
      .receive([&](NodeCounts& nc) { counts = nc; }, [](caf::error&) {});
  EXPECT_EQ(counts.num_channels, 0u);
  EXPECT_EQ(counts.num_subs, 0u);
  self->request(node_, std::chrono::seconds(5), disconn_atom::value,
                ConnectionFilter{"77", "", "", {}}, uint32_t{4000}, std::string("bye"))
      .receive([&](uint32_t m) { n = m; }, [](caf::error&) {});
  EXPECT_EQ(c.ws->wait_closed(), 4000);
}

}  // namespace
}  // namespace herald
