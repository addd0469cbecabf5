// The node actor: routing to channel actors, the connection registry and server commands,
// under CAF's test coordinator.
#include "actors/node/node_actor.hpp"

#include <gtest/gtest.h>

#include "actors/engine/memory_engine_actor.hpp"
#include "tests/actors/deterministic.hpp"

namespace herald {
namespace {

using test::Probe;

class NodeActorTest : public ::testing::Test, public test::DeterministicSystem {
 protected:
  void TearDown() override {
    caf::anon_send(node_, shutdown_atom::value);
    caf::anon_send_exit(engine_, caf::exit_reason::user_shutdown);
    run();
  }

  NodeCounts counts() { return ask<NodeCounts>(node_, info_atom::value).value_or(NodeCounts{}); }
  void publish(const std::string& channel, const std::string& data) {
    Publication p;
    p.data = data;
    EXPECT_TRUE(ask<PublishOutcome>(engine_, publish_atom::value, channel, p, PublishOptions{}));
  }

  engine_actor engine_ = sys().spawn(memory_engine_actor_impl, EngineClock{});
  node_actor node_ =
      sys().spawn(node_actor_impl, engine_, NodeIdentity{"uid-1", "node-1", "0.1.0", {}}, NodeTiming{});
};

TEST_F(NodeActorTest, RoutesPublicationsToLocalSubscribersOnly) {
  Probe sub{sys()};
  auto h = sub.as<subscriber_actor>();
  caf::anon_send(node_, ch_sub_atom::value, std::string("a"), SubscriberSpec{h, Protocol::json, false, nullptr});
  EXPECT_EQ(counts().num_channels, 1u);
  publish("b", "2");  // nobody here
  publish("a", "1");
  auto got = sub.take_all<push_atom>();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].get_as<EncodedPushPtr>(1)->json, R"({"push":{"channel":"a","pub":{"data":1}}})");

  caf::anon_send(node_, ch_unsub_atom::value, std::string("a"), h);
  run();  // the node counts it out when the channel actor answers `released`
  auto n = counts();
  EXPECT_EQ(n.num_channels, 0u);
  EXPECT_EQ(n.num_subs, 0u);
  publish("a", "3");
  EXPECT_TRUE(sub.take_all<push_atom>().empty());
}

// The engine's deliveries skip the node actor: its LocalChannels lists a channel's actor
// from the first local subscriber to the last.
TEST_F(NodeActorTest, LocalChannelsListsAChannelWhileItHasSubscribers) {
  auto* node = static_cast<node_actor_impl_type::stateful_pointer<NodeActorState>>(
      caf::actor_cast<caf::abstract_actor*>(node_));
  const auto local = node->state.local;
  Probe a{sys()}, b{sys()};
  for (auto* p : {&a, &b})
    caf::anon_send(node_, ch_sub_atom::value, std::string("ch"),
                   SubscriberSpec{p->as<subscriber_actor>(), Protocol::json, false, nullptr});
  run();
  auto found = local->find("ch");
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, node->state.registry.find_channel("ch")->actor);
  EXPECT_FALSE(local->find("other"));
  caf::anon_send(node_, ch_unsub_atom::value, std::string("ch"), a.as<subscriber_actor>());
  run();
  EXPECT_TRUE(local->find("ch"));
  caf::anon_send(node_, ch_unsub_atom::value, std::string("ch"), b.as<subscriber_actor>());
  run();
  EXPECT_FALSE(local->find("ch"));
}

// A broker that never confirms a subscription: the node fails the channel's waiting
// subscribes after its own timeout (connections ask the node with none).
TEST(NodeActorBrokerTest, ASubscribeTheBrokerNeverConfirmsFailsAfterTheNodesTimeout) {
  test::DeterministicSystem d;
  auto asked = std::make_shared<int>(0);
  auto held = std::make_shared<std::vector<caf::typed_response_promise<bool>>>();
  auto silent = d.sys().spawn([asked, held](caf::event_based_actor* self) -> caf::behavior {
    self->set_default_handler(caf::skip);  // the node's other messages stay unread
    return {[=](bsub_atom, std::vector<std::string>&) -> caf::result<bool> {
      ++*asked;
      auto rp = self->make_response_promise<bool>();
      held->push_back(rp);  // kept, never answered
      return rp;
    }};
  });
  auto engine = caf::actor_cast<engine_actor>(silent);
  node_actor node = d.sys().spawn(node_actor_impl, engine,
                                  NodeIdentity{"uid-1", "node-1", "0.1.0", {}}, NodeTiming{});
  Probe sub{d.sys()};
  auto outcome = std::make_shared<std::optional<bool>>();  // true: subscribed, false: failed
  d.sys().spawn([=](caf::event_based_actor* self) {
    self->request(node, caf::infinite, ch_sub_atom::value, std::string("ch"),
                  SubscriberSpec{sub.as<subscriber_actor>(), Protocol::json, false, nullptr})
        .then([outcome](bool) { *outcome = true; }, [outcome](caf::error&) { *outcome = false; });
  });
  d.run();
  EXPECT_EQ(*asked, 1);
  EXPECT_FALSE(outcome->has_value());  // waiting for the broker
  // Fire CAF's timeouts in order (the node's announce timer re-arms itself) until the
  // broker subscribe's has fired.
  for (int i = 0; i < 20 && !outcome->has_value() && d.sched().trigger_timeout(); ++i) d.run();
  ASSERT_TRUE(outcome->has_value());
  EXPECT_FALSE(**outcome);
  caf::anon_send(node, shutdown_atom::value);
  caf::anon_send_exit(silent, caf::exit_reason::user_shutdown);
  held->clear();
  d.run();
  d.sched().trigger_timeouts();  // the node's last announce timer
  d.run();
}

TEST_F(NodeActorTest, ServerCommandsReachMatchingConnections) {
  Probe conn{sys()};
  caf::anon_send(node_, conn_atom::value,
                 ConnectionEntry{"c1", "42", "", conn.as<connection_control_actor>()});
  EXPECT_EQ(counts().num_clients, 1u);
  EXPECT_EQ(counts().num_users, 1u);

  EXPECT_EQ(ask<uint32_t>(node_, disconn_atom::value, ConnectionFilter{"42", "", "", {}},
                          uint32_t{3503}, std::string("force disconnect")),
            1u);
  auto got = conn.take_all<disconn_atom>();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].get_as<uint32_t>(1), 3503u);

  EXPECT_EQ(ask<uint32_t>(node_, unsub_atom::value, ConnectionFilter{"7", "", "", {}},
                          std::string("chat")),
            0u);
  EXPECT_TRUE(conn.take().empty());

  caf::anon_send(node_, conn_gone_atom::value, std::string("c1"));
  EXPECT_EQ(counts().num_clients, 0u);
}

// repres (this node's channel state lease had lapsed): every local connection, whoever it
// belongs to, is asked to write its presence again.
TEST_F(NodeActorTest, RepresReachesEveryConnection) {
  Probe a{sys()}, b{sys()};
  caf::anon_send(node_, conn_atom::value,
                 ConnectionEntry{"c1", "42", "", a.as<connection_control_actor>()});
  caf::anon_send(node_, conn_atom::value,
                 ConnectionEntry{"c2", "", "", b.as<connection_control_actor>()});
  caf::anon_send(node_, repres_atom::value);
  run();
  EXPECT_EQ(a.take_all<repres_atom>().size(), 1u);
  EXPECT_EQ(b.take_all<repres_atom>().size(), 1u);
  caf::anon_send(node_, conn_gone_atom::value, std::string("c1"));
  caf::anon_send(node_, repres_atom::value);
  run();
  EXPECT_TRUE(a.take_all<repres_atom>().empty());
  EXPECT_EQ(b.take_all<repres_atom>().size(), 1u);
}

TEST_F(NodeActorTest, ConnectionThatDiesIsForgotten) {
  Probe conn{sys()};
  caf::anon_send(node_, conn_atom::value,
                 ConnectionEntry{"c1", "42", "", conn.as<connection_control_actor>()});
  caf::anon_send(node_, ch_sub_atom::value, std::string("a"),
                 SubscriberSpec{conn.as<subscriber_actor>(), Protocol::json, false, nullptr});
  EXPECT_EQ(counts().num_clients, 1u);
  caf::anon_send_exit(conn.as(), caf::exit_reason::kill);
  run();
  NodeCounts n = counts();
  EXPECT_EQ(n.num_clients, 0u);
  EXPECT_EQ(n.num_users, 0u);
  EXPECT_EQ(n.num_channels, 0u);  // the channel actor told the node and was stopped
  EXPECT_EQ(n.num_subs, 0u);
}

TEST_F(NodeActorTest, ApiSubscribeWithNoMatchingConnectionSucceeds) {
  auto err = ask<Error>(node_, sub_atom::value, ConnectionFilter{"nobody", "", "", {}},
                        ServerSubscribeRequest{});
  ASSERT_TRUE(err);
  EXPECT_FALSE(*err);
}

}  // namespace
}  // namespace herald
