#include "actors/node/node_actor.hpp"

#include <gtest/gtest.h>

#include "actors/engine/memory_engine_actor.hpp"

namespace herald {
namespace {

constexpr auto kWait = std::chrono::seconds(5);

class NodeActorTest : public ::testing::Test {
 protected:
  caf::actor_system_config cfg_;
  caf::actor_system sys_{cfg_};
  engine_actor engine_ = sys_.spawn(memory_engine_actor_impl);
  node_actor node_ = sys_.spawn(node_actor_impl, engine_);
  caf::scoped_actor self_{sys_};

  ~NodeActorTest() override {
    caf::anon_send(node_, shutdown_atom::value);
    caf::anon_send_exit(engine_, caf::exit_reason::user_shutdown);
  }

  NodeCounts counts() {
    NodeCounts n;
    self_->request(node_, kWait, info_atom::value)
        .receive([&](NodeCounts& c) { n = c; }, [](caf::error&) { ADD_FAILURE(); });
    return n;
  }
  void publish(const std::string& channel, const std::string& data) {
    Publication p;
    p.data = data;
    PublishOptions o;
    self_->request(engine_, kWait, publish_atom::value, channel, p, o)
        .receive([](PublishOutcome&) {}, [](caf::error&) { ADD_FAILURE(); });
  }
};

TEST_F(NodeActorTest, RoutesPublicationsToLocalSubscribersOnly) {
  caf::scoped_actor sub{sys_};
  auto h = caf::actor_cast<subscriber_actor>(sub.ptr());
  caf::anon_send(node_, sub_atom::value, std::string("a"), SubscriberSpec{h, Protocol::json, false});
  EXPECT_EQ(counts().num_channels, 1u);
  publish("b", "2");  // nobody here
  publish("a", "1");
  std::string got;
  sub->receive([&](push_atom, EncodedPushPtr& p) { got = p->json; }, caf::after(kWait) >> [] {});
  EXPECT_EQ(got, R"({"push":{"channel":"a","pub":{"data":1}}})");

  caf::anon_send(node_, unsub_atom::value, std::string("a"), h);
  auto n = counts();
  EXPECT_EQ(n.num_channels, 0u);
  EXPECT_EQ(n.num_subs, 0u);
  publish("a", "3");
  bool more = false;
  sub->receive([&](push_atom, EncodedPushPtr&) { more = true; },
               caf::after(std::chrono::milliseconds(100)) >> [] {});
  EXPECT_FALSE(more);
}

TEST_F(NodeActorTest, ServerCommandsReachMatchingConnections) {
  caf::scoped_actor conn{sys_};
  auto control = caf::actor_cast<connection_control_actor>(conn.ptr());
  caf::anon_send(node_, conn_atom::value, ConnectionEntry{"c1", "42", "", control});
  EXPECT_EQ(counts().num_clients, 1u);
  EXPECT_EQ(counts().num_users, 1u);

  uint32_t matched = 99;
  self_->request(node_, kWait, disconn_atom::value, ConnectionFilter{"42", "", "", {}},
                 uint32_t{3503}, std::string("force disconnect"))
      .receive([&](uint32_t n) { matched = n; }, [](caf::error&) { ADD_FAILURE(); });
  EXPECT_EQ(matched, 1u);
  uint32_t code = 0;
  conn->receive([&](disconn_atom, uint32_t c, std::string&) { code = c; },
                caf::after(kWait) >> [] {});
  EXPECT_EQ(code, 3503u);

  self_->request(node_, kWait, unsub_atom::value, ConnectionFilter{"7", "", "", {}},
                 std::string("chat"))
      .receive([&](uint32_t n) { matched = n; }, [](caf::error&) { ADD_FAILURE(); });
  EXPECT_EQ(matched, 0u);

  caf::anon_send(node_, disconn_atom::value, std::string("c1"));
  EXPECT_EQ(counts().num_clients, 0u);
}

}  // namespace
}  // namespace herald
