// The connection actor's protocol state machine, driven by CAF's test coordinator: every
// message runs when the test says so and time moves only when the test advances it.
#include "actors/connection/connection_actor.hpp"

#include <caf/default_attachable.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "actors/engine/memory_engine_actor.hpp"
#include "config/config_loader.hpp"
#include "proto/jwt/jwt.hpp"
#include "tests/actors/connection/fake_ws.hpp"
#include "tests/actors/deterministic.hpp"

namespace herald {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using test::FakeWs;

constexpr const char* kSecret = "test-secret";

std::string token(const json& claims) {
  return jwt::sign_hs(jwt::JwtAlg::HS256, kSecret, claims);
}

class ConnectionActorTest : public ::testing::Test, public test::DeterministicSystem {
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
    auto ctx = std::const_pointer_cast<ClientContext>(
        ClientContext::make(shared, std::make_shared<const ChannelResolver>(*shared), engine_,
                            node_, "node-1", "0.1.0", timers()));
    ctx->unix_now = [this] { return unix_now(); };
    ctx_ = ctx;
  }

  void TearDown() override {
    caf::anon_send(node_, shutdown_atom::value);
    caf::anon_send_exit(engine_, caf::exit_reason::user_shutdown);
    run();
  }

  struct Client {
    ConnectionActorTest* t = nullptr;
    std::shared_ptr<FakeWs> ws;
    connection_actor actor;

    void send(const std::string& frame) {
      caf::anon_send(actor, frame_atom::value, frame);
      t->run();
    }
    /// The next message sent, or null (with a test failure) when nothing was.
    json next() {
      t->run();
      auto m = ws->take();
      EXPECT_TRUE(m.has_value()) << "nothing sent";
      return m ? json::parse(*m) : json();
    }
    /// The next message that satisfies `pred`, skipping others.
    template <class Pred>
    json next_where(Pred pred) {
      while (auto m = (t->run(), ws->take())) {
        json j = json::parse(*m);
        if (pred(j)) return j;
      }
      ADD_FAILURE() << "no such message";
      return json();
    }
    bool idle() {
      t->run();
      return ws->pending() == 0;
    }
    std::optional<uint16_t> close_code() {
      t->run();
      return ws->close_code();
    }
    /// The transport going away, which ends a connection actor.
    void drop() {
      caf::anon_send(actor, closed_atom::value);
      t->run();
    }
  };

  Client open() {
    Client c;
    c.t = this;
    c.ws = std::make_shared<FakeWs>();
    c.actor = spawn_connection(sys(), ctx_, std::shared_ptr<WsConnection>(c.ws), WsHandshake{});
    run();
    return c;
  }

  Client connected(const std::string& user, json claims = json::object()) {
    Client c = open();
    claims["sub"] = user;
    c.send(R"({"id":1,"connect":{"token":")" + token(claims) + R"("}})");
    json r = c.next();
    EXPECT_TRUE(r["connect"].contains("client")) << r.dump();
    return c;
  }

  void publish(const std::string& channel, const std::string& data) {
    Publication p;
    p.data = data;
    PublishOptions o;
    o.history_size = 10;
    o.history_ttl_ms = 60000;
    EXPECT_TRUE(ask<PublishOutcome>(engine_, publish_atom::value, channel, p, o));
  }

  NodeCounts counts() { return ask<NodeCounts>(node_, info_atom::value).value_or(NodeCounts{}); }

  std::string sub_token(const std::string& user, const std::string& channel, int64_t exp) {
    return token({{"sub", user}, {"channel", channel}, {"exp", exp}});
  }

  engine_actor engine_ =
      sys().spawn(memory_engine_actor_impl, EngineClock([this] { return now(); }));
  node_actor node_ =
      sys().spawn(node_actor_impl, engine_, NodeIdentity{"uid-1", "node-1", "0.1.0", {}}, NodeTiming{});
  std::shared_ptr<const ClientContext> ctx_;
};

// -- connect ------------------------------------------------------------------------------

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

TEST_F(ConnectionActorTest, TokenWithExpiryAdvertisesTtlAndExpires) {
  make_context(R"({"expired_close_delay": "2s"})");
  Client c = open();
  c.send(R"({"id":1,"connect":{"token":")" + token({{"sub", "42"}, {"exp", unix_now() + 100}}) +
         R"("}})");
  json r = c.next();
  EXPECT_EQ(r["connect"]["expires"], true);
  EXPECT_EQ(r["connect"]["ttl"], 100);
  advance(seconds(101));
  EXPECT_FALSE(c.close_code().has_value());  // within expired_close_delay
  advance(seconds(2));
  EXPECT_EQ(c.close_code(), 3005);
}

TEST_F(ConnectionActorTest, BadCredentialsGetDocumentedCodes) {
  {
    Client c = open();
    c.send(R"({"id":1,"connect":{}})");  // no token, anonymous not allowed
    EXPECT_EQ(c.close_code(), 3501);
  }
  {
    Client c = open();
    c.send(R"({"id":1,"connect":{"token":"not.a.token"}})");
    EXPECT_EQ(c.close_code(), 3500);
  }
}

TEST_F(ConnectionActorTest, ConnectErrorIgnoresLaterFramesThenDropsTcp) {
  Client c = open();
  c.send(R"({"id":1,"connect":{"token":")" + token({{"sub", "1"}, {"exp", unix_now() - 10}}) +
         R"("}})");
  EXPECT_EQ(c.next()["error"]["code"], 109);
  // Anything after a failed connect is ignored, not answered and not a protocol error.
  c.send(R"({"id":2,"connect":{}})");
  c.send("not json");
  EXPECT_TRUE(c.idle());
  EXPECT_FALSE(c.close_code().has_value());
  EXPECT_EQ(c.ws->consumed_count(), 3u);  // the transport may read on
  advance(milliseconds(4900));
  EXPECT_FALSE(c.close_code().has_value());
  advance(milliseconds(100));
  EXPECT_EQ(c.close_code(), 3000);  // TCP close, no close frame
}

TEST_F(ConnectionActorTest, ProtocolViolationsDisconnectWithBadRequest) {
  for (const char* frame : {R"({"id":1,"subscribe":{"channel":"chat:a"}})",  // before connect
                            "not json", R"({"id":5})"}) {
    Client c = open();
    c.send(frame);
    EXPECT_EQ(c.close_code(), 3501) << frame;
  }
  Client c = connected("42");
  c.send(R"({"id":2,"connect":{}})");  // a second connect
  EXPECT_EQ(c.close_code(), 3501);
}

TEST_F(ConnectionActorTest, StaleConnectionWithoutConnectIsClosed) {
  Client c = open();
  advance(seconds(9));
  EXPECT_FALSE(c.close_code().has_value());
  advance(seconds(1));
  EXPECT_EQ(c.close_code(), 3502);  // stale
}

// -- subscribe and publications -------------------------------------------------------------

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

TEST_F(ConnectionActorTest, UnknownDeltaTypeIsAProtocolError) {
  Client c = connected("42");
  c.send(R"({"id":2,"subscribe":{"channel":"open:d","delta":"zstd"}})");
  EXPECT_EQ(c.close_code(), 3501);
}

TEST_F(ConnectionActorTest, RecoveryReturnsMissedPublications) {
  std::string epoch;
  {
    Client c = connected("42");
    c.send(R"({"id":2,"subscribe":{"channel":"chat:rec"}})");
    json r = c.next();
    epoch = r["subscribe"]["epoch"];
    EXPECT_EQ(r["subscribe"].value("offset", 0), 0);
    c.drop();
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

TEST_F(ConnectionActorTest, ServerSideSubscriptionsReportWasRecovering) {
  Client c = open();
  c.send(R"({"id":1,"connect":{"token":")" +
         token({{"sub", "42"}, {"channels", {"chat:srv", "open:plain"}}}) +
         R"(","subs":{"chat:srv":{"recover":true,"offset":0,"epoch":""}}}})");
  json r = c.next();
  EXPECT_EQ(r["connect"]["subs"]["chat:srv"]["was_recovering"], true) << r.dump();
  EXPECT_EQ(r["connect"]["subs"]["chat:srv"]["recovered"], true) << r.dump();
  EXPECT_FALSE(r["connect"]["subs"]["open:plain"].contains("was_recovering")) << r.dump();
}

TEST_F(ConnectionActorTest, TokenListingAChannelTwiceIsOneSubscription) {
  Client c = open();
  c.send(R"({"id":1,"connect":{"token":")" +
         token({{"sub", "42"}, {"channels", {"open:twice", "open:twice"}}}) + R"("}})");
  c.next();
  EXPECT_EQ(counts().num_subs, 1u);
  c.drop();
  EXPECT_EQ(counts().num_channels, 0u);  // the channel actor was released
  EXPECT_EQ(counts().num_subs, 0u);
}

TEST_F(ConnectionActorTest, PresenceJoinLeaveAndClientPublish) {
  Client a = connected("1");
  Client b = connected("2");
  a.send(R"({"id":2,"subscribe":{"channel":"chat:p","join_leave":true}})");
  a.next();
  b.send(R"({"id":2,"subscribe":{"channel":"chat:p"}})");
  b.next();
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
  // The publisher, subscribed itself, gets its own publication before the reply.
  EXPECT_EQ(b.next()["push"]["pub"]["data"]["hi"], true);
  EXPECT_TRUE(b.next()["publish"].is_object());
  json pub = a.next_where([](const json& m) { return m.contains("push") && m["push"].contains("pub"); });
  EXPECT_EQ(pub["push"]["pub"]["data"]["hi"], true);
  EXPECT_EQ(pub["push"]["pub"]["info"]["user"], "2");
  b.send(R"({"id":5,"unsubscribe":{"channel":"chat:p"}})");
  json leave = a.next_where([](const json& m) { return m.contains("push") && m["push"].contains("leave"); });
  EXPECT_EQ(leave["push"]["leave"]["info"]["user"], "2");
}

TEST_F(ConnectionActorTest, PublishThenUnsubscribeInOneFrameStillDeliversThePublication) {
  Client c = connected("42");
  c.send(R"({"id":2,"subscribe":{"channel":"chat:own"}})");
  c.next();
  c.send(R"({"id":3,"publish":{"channel":"chat:own","data":1}})"
         "\n"
         R"({"id":4,"unsubscribe":{"channel":"chat:own"}})");
  json push = c.next();
  EXPECT_EQ(push["push"]["pub"]["data"], 1) << push.dump();
  EXPECT_EQ(push["push"]["pub"]["offset"], 1);
  EXPECT_FALSE(push["push"]["pub"]["epoch"].get<std::string>().empty());  // offset 1 tells it
  EXPECT_EQ(c.next()["id"], 3);
  EXPECT_EQ(c.next()["id"], 4);
  EXPECT_TRUE(c.idle());
}

TEST_F(ConnectionActorTest, CommandsBeforeAMalformedOneAreAnsweredFirst) {
  Client c = connected("42");
  c.send(R"({"id":2,"presence_stats":{"channel":"chat:x"}})"
         "\n\n");
  EXPECT_EQ(c.next()["id"], 2);
  EXPECT_EQ(c.close_code(), 3501);
}

TEST_F(ConnectionActorTest, PublishWithoutDataIsABadRequestNotADisconnect) {
  Client c = connected("42");
  c.send(R"({"id":2,"subscribe":{"channel":"chat:nodata"}})");
  c.next();
  c.send(R"({"id":3,"publish":{"channel":"chat:nodata"}})");
  EXPECT_EQ(c.next()["error"]["code"], 107);
  EXPECT_FALSE(c.close_code().has_value());
}

TEST_F(ConnectionActorTest, UserConnectionLimitRefusesTheExtraConnection) {
  make_context(R"({"user_connection_limit": 1})");
  Client first = connected("9");
  Client second = open();
  second.send(R"({"id":1,"connect":{"token":")" + token({{"sub", "9"}}) + R"("}})");
  EXPECT_EQ(second.close_code(), 3504);
  Client other = connected("10");  // another user still fits
  EXPECT_FALSE(other.close_code().has_value());
}

TEST_F(ConnectionActorTest, PresenceIsRefreshedBeforeItsTtlRunsOut) {
  make_context(R"({"presence_update_interval": "100ms"})",
               R"({"redis": {"presence_ttl": "300ms"}})");
  Client c = connected("5");
  c.send(R"({"id":2,"subscribe":{"channel":"chat:alive"}})");
  c.next();
  // Three TTLs later the entry is still there only because it was refreshed.
  for (int i = 0; i < 9; ++i) advance(milliseconds(100));
  c.send(R"({"id":3,"presence_stats":{"channel":"chat:alive"}})");
  json stats = c.next_where([](const json& m) { return m.value("id", 0) == 3; });
  EXPECT_EQ(stats["presence_stats"]["num_clients"], 1) << stats.dump();
}

// repres (the node's lease had lapsed and another node swept its entries): the connection
// writes its presence again at once, without waiting for presence_update_interval.
TEST_F(ConnectionActorTest, RepresWritesThePresenceAgainAtOnce) {
  Client c = connected("5");
  c.send(R"({"id":2,"subscribe":{"channel":"chat:alive"}})");
  c.next();
  auto stats = [&](uint32_t id) {
    c.send(R"({"id":)" + std::to_string(id) +
           R"(,"presence_stats":{"channel":"chat:alive"}})");
    json s = c.next_where([id](const json& m) { return m.value("id", 0u) == id; });
    return s["presence_stats"]["num_clients"].get<int>();
  };
  ASSERT_EQ(stats(3), 1);
  auto presence = ask<PresenceMap>(engine_, presence_atom::value, std::string("chat:alive"));
  ASSERT_TRUE(presence && presence->size() == 1);
  EXPECT_TRUE(ask<bool>(engine_, pres_rm_atom::value, std::string("chat:alive"),
                        presence->begin()->second));
  ASSERT_EQ(stats(4), 0);  // swept, as a node_lost sweep would
  caf::anon_send(c.actor, repres_atom::value);
  run();
  EXPECT_EQ(stats(5), 1);
}

TEST_F(ConnectionActorTest, SendIsNotAvailableAndRpcWithoutProxyIsNotAvailable) {
  Client c = connected("42");
  c.send(R"({"id":2,"rpc":{"method":"x","data":{}}})");
  EXPECT_EQ(c.next()["error"]["code"], 108);
  c.send(R"({"id":3,"rpc":{"data":{}}})");
  EXPECT_EQ(c.next()["error"]["code"], 108);
  c.send(R"({"send":{"data":{}}})");
  EXPECT_EQ(c.close_code(), 3508);
}

// -- pings --------------------------------------------------------------------------------

TEST_F(ConnectionActorTest, UnansweredPingDisconnectsWithNoPong) {
  make_context(R"({"ping_interval": "200ms", "pong_timeout": "100ms"})");
  Client c = connected("42");
  advance(milliseconds(200));  // the first ping comes within one interval
  EXPECT_EQ(c.next(), json::object());
  EXPECT_FALSE(c.close_code().has_value());
  advance(milliseconds(100));
  EXPECT_EQ(c.close_code(), 3012);
}

TEST_F(ConnectionActorTest, AnsweredPingsKeepTheConnection) {
  make_context(R"({"ping_interval": "200ms", "pong_timeout": "100ms"})");
  Client c = connected("42");
  advance(milliseconds(200));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(c.next(), json::object());
    c.send("{}");
    advance(milliseconds(200));
  }
  EXPECT_FALSE(c.close_code().has_value());
}

// -- subscription expiry ----------------------------------------------------------------------

TEST_F(ConnectionActorTest, LaterLongerSubscriptionExpiryDoesNotHideAnEarlierOne) {
  make_context(R"({"expired_sub_close_delay": "1s"})");
  Client c = connected("42");
  c.send(R"({"id":2,"subscribe":{"channel":"open:short","token":")" +
         sub_token("42", "open:short", unix_now() + 10) + R"("}})");
  EXPECT_EQ(c.next()["subscribe"]["ttl"], 10);
  c.send(R"({"id":3,"subscribe":{"channel":"open:long","token":")" +
         sub_token("42", "open:long", unix_now() + 100) + R"("}})");
  EXPECT_EQ(c.next()["subscribe"]["ttl"], 100);
  advance(seconds(11));
  json push = c.next();
  EXPECT_EQ(push["push"]["channel"], "open:short") << push.dump();
  EXPECT_EQ(push["push"]["unsubscribe"]["code"], 2501) << push.dump();
  EXPECT_TRUE(c.idle());  // the long one still runs
  advance(seconds(90));
  push = c.next_where([](const json& m) { return m.contains("push"); });  // pings meanwhile
  EXPECT_EQ(push["push"]["channel"], "open:long") << push.dump();
}

TEST_F(ConnectionActorTest, SubRefreshWithShorterExpiryIsEnforced) {
  make_context(R"({"expired_sub_close_delay": "1s"})");
  Client c = connected("42");
  c.send(R"({"id":2,"subscribe":{"channel":"open:r","token":")" +
         sub_token("42", "open:r", unix_now() + 100) + R"("}})");
  c.next();
  c.send(R"({"id":3,"sub_refresh":{"channel":"open:r","token":")" +
         sub_token("42", "open:r", unix_now() + 5) + R"("}})");
  EXPECT_EQ(c.next()["sub_refresh"]["ttl"], 5);
  advance(seconds(6));
  EXPECT_EQ(c.next()["push"]["unsubscribe"]["code"], 2501);
}

// -- the server API on live connections ---------------------------------------------------------

TEST_F(ConnectionActorTest, ApiSubscribeAnswersItsOutcomeAndCanBeUndone) {
  Client c = connected("78");
  ServerSubscribeRequest req;
  req.channel = "chat:server";
  auto err = ask<Error>(node_, sub_atom::value, ConnectionFilter{"78", "", "", {}}, req);
  ASSERT_TRUE(err);
  EXPECT_FALSE(*err) << err->message;
  json push = c.next();
  EXPECT_TRUE(push["push"].contains("subscribe")) << push.dump();
  // Subscribing again fails, and the API hears why.
  err = ask<Error>(node_, sub_atom::value, ConnectionFilter{"78", "", "", {}}, req);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, 105u);
  ask<uint32_t>(node_, unsub_atom::value, ConnectionFilter{"78", "", "", {}},
                std::string("chat:server"));
  push = c.next();
  EXPECT_EQ(push["push"]["unsubscribe"]["code"], 2000) << push.dump();
  EXPECT_EQ(counts().num_channels, 0u);
}

TEST_F(ConnectionActorTest, ApiSubscribeExpiryIsEnforced) {
  make_context(R"({"expired_sub_close_delay": "1s"})");
  Client c = connected("79");
  ServerSubscribeRequest req;
  req.channel = "open:timed";
  req.expire_at = unix_now() + 30;
  ask<Error>(node_, sub_atom::value, ConnectionFilter{"79", "", "", {}}, req);
  c.next();  // the subscribe push
  advance(seconds(30));
  EXPECT_FALSE(c.close_code().has_value());
  advance(seconds(1));
  EXPECT_EQ(c.close_code(), 3006) << "a server-side subscription expiring closes the connection";
}

TEST_F(ConnectionActorTest, ApiRefreshSendsARefreshPush) {
  make_context(R"({"expired_close_delay": "1s"})");
  Client c = connected("80");
  ServerRefreshRequest req;
  req.expire_at = unix_now() + 60;
  ask<uint32_t>(node_, refresh_atom::value, ConnectionFilter{"80", "", "", {}}, req);
  json push = c.next();
  EXPECT_EQ(push["push"]["refresh"]["expires"], true) << push.dump();
  EXPECT_EQ(push["push"]["refresh"]["ttl"], 60) << push.dump();
  advance(seconds(61));
  EXPECT_EQ(c.close_code(), 3005);
}

TEST_F(ConnectionActorTest, ServerApiDisconnectAndUnsubscribeReachTheClient) {
  Client c = connected("77");
  c.send(R"({"id":2,"subscribe":{"channel":"open:s"}})");
  c.next();
  EXPECT_EQ(ask<uint32_t>(node_, unsub_atom::value, ConnectionFilter{"77", "", "", {}},
                          std::string("open:s")),
            1u);
  json push = c.next();
  EXPECT_EQ(push["push"]["unsubscribe"]["code"], 2000);
  EXPECT_EQ(counts().num_channels, 0u);
  EXPECT_EQ(counts().num_subs, 0u);
  ask<uint32_t>(node_, disconn_atom::value, ConnectionFilter{"77", "", "", {}}, uint32_t{4000},
                std::string("bye"));
  EXPECT_EQ(c.close_code(), 4000);
}

// -- resources ------------------------------------------------------------------------------

TEST_F(ConnectionActorTest, ClosedConnectionHoldsNoTimers) {
  Client c = connected("42", {{"exp", unix_now() + 3600}});
  c.send(R"({"id":2,"subscribe":{"channel":"chat:t"}})");
  c.next();
  EXPECT_GE(timers()->size(), 3u);  // ping, expiry, presence refresh
  c.drop();
  EXPECT_EQ(timers()->size(), 0u);  // nothing keeps the closed connection until its exp
}

TEST_F(ConnectionActorTest, ConnectionThatDiesLeavesNothingBehind) {
  Client c = connected("42");
  c.send(R"({"id":2,"subscribe":{"channel":"open:d"}})");
  c.next();
  EXPECT_EQ(counts().num_clients, 1u);
  caf::anon_send_exit(c.actor, caf::exit_reason::kill);
  run();
  NodeCounts n = counts();
  EXPECT_EQ(n.num_clients, 0u);
  EXPECT_EQ(n.num_channels, 0u);
  EXPECT_EQ(n.num_subs, 0u);
}

TEST_F(ConnectionActorTest, ASubscriberClosingLeavesTheChannelToTheOthers) {
  // The closing connection unsubscribes through the node and quits; the channel actor hears
  // of its end twice (the unsubscribe and the monitor's down message), and the node must
  // count one subscriber out, not two.
  Client staying = connected("1");
  Client leaving = connected("2");
  Client third = connected("3");
  for (Client* c : {&staying, &leaving, &third}) {
    c->send(R"({"id":2,"subscribe":{"channel":"open:shared"}})");
    c->next();
  }
  EXPECT_EQ(counts().num_subs, 3u);
  leaving.drop();
  EXPECT_EQ(counts().num_subs, 2u);
  EXPECT_EQ(counts().num_channels, 1u);
  publish("open:shared", R"({"n":1})");
  EXPECT_EQ(staying.next()["push"]["pub"]["data"]["n"], 1);
  EXPECT_EQ(third.next()["push"]["pub"]["data"]["n"], 1);
}

// Detaches the node's monitor from a connection actor; returns how many were attached.
size_t detach_node_monitor(const connection_actor& conn, const node_actor& node) {
  caf::default_attachable::observe_token token{node.address(), caf::default_attachable::monitor};
  return caf::actor_cast<caf::abstract_actor*>(conn)->detach(
      {caf::default_attachable::observe_token::token_type, &token});
}

TEST_F(ConnectionActorTest, AConnectionThatSaysGoodbyeIsNoLongerMonitoredByTheNode) {
  // A monitor left attached would send the node a down message for every connection that
  // says goodbye, and the node looks each one up among all its connections.
  // The node's own demonitor comes when it handles `conn_gone`: the check runs before that,
  // with only the connection actor's message handled.
  Client staying = connected("1");
  Client leaving = connected("2");
  caf::anon_send(leaving.actor, disconn_atom::value, uint32_t{4000}, std::string("bye"));
  ASSERT_TRUE(sched().prioritize(leaving.actor));
  sched().run_once();
  EXPECT_EQ(leaving.ws->close_code(), 4000);  // the actor now waits for its transport
  EXPECT_EQ(detach_node_monitor(leaving.actor, node_), 0u);
  EXPECT_EQ(detach_node_monitor(staying.actor, node_), 1u);  // what the first check looks for
  leaving.drop();
  EXPECT_EQ(counts().num_clients, 1u);
}

TEST_F(ConnectionActorTest, HandledFramesAreReportedToTheTransport) {
  Client c = connected("42");
  const uint64_t before = c.ws->consumed_count();
  for (int i = 0; i < 3; ++i)
    c.send(R"({"id":)" + std::to_string(10 + i) + R"(,"presence":{"channel":"chat:x"}})");
  EXPECT_EQ(c.ws->consumed_count(), before + 3);
}

}  // namespace
}  // namespace herald
