#include "actors/channel/channel_actor.hpp"

#include <gtest/gtest.h>

#include "proto/client.pb.h"

namespace herald {
namespace {

constexpr auto kWait = std::chrono::seconds(5);

class ChannelActorTest : public ::testing::Test {
 protected:
  caf::actor_system_config cfg_;
  caf::actor_system sys_{cfg_};

  EncodedPushPtr receive_push(caf::scoped_actor& probe) {
    EncodedPushPtr got;
    probe->receive([&](push_atom, EncodedPushPtr& p) { got = p; },
                   caf::after(kWait) >> [] {});
    return got;
  }
  bool receives_nothing(caf::scoped_actor& probe) {
    bool got = false;
    probe->receive([&](push_atom, EncodedPushPtr&) { got = true; },
                   caf::after(std::chrono::milliseconds(100)) >> [] {});
    return !got;
  }
  static BrokerEventPtr publication(std::string data, uint64_t offset) {
    auto ev = std::make_shared<BrokerEvent>();
    ev->channel = "news";
    ev->publication.data = std::move(data);
    ev->publication.offset = offset;
    return ev;
  }
};

TEST_F(ChannelActorTest, EncodesOncePerProtocolAndSharesTheBytes) {
  auto ch = sys_.spawn(channel_actor_impl, std::string("news"));
  caf::scoped_actor json1{sys_}, json2{sys_}, pb{sys_};
  auto sub = [](caf::scoped_actor& a, Protocol p) {
    return SubscriberSpec{caf::actor_cast<subscriber_actor>(a.ptr()), p, false};
  };
  caf::anon_send(ch, sub_atom::value, sub(json1, Protocol::json));
  caf::anon_send(ch, sub_atom::value, sub(json2, Protocol::json));
  caf::anon_send(ch, sub_atom::value, sub(pb, Protocol::protobuf));
  caf::anon_send(ch, deliver_atom::value, publication(R"({"x":1})", 7));

  auto a = receive_push(json1);
  auto b = receive_push(json2);
  auto c = receive_push(pb);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a.get(), b.get());  // the very same encoded push
  EXPECT_EQ(a.get(), c.get());
  EXPECT_EQ(a->json, R"({"push":{"channel":"news","pub":{"data":{"x":1},"offset":7}}})");
  // Protobuf: a varint length prefix, then a Reply with the push.
  ASSERT_FALSE(a->protobuf.empty());
  auto len = static_cast<uint8_t>(a->protobuf[0]);
  ASSERT_EQ(len + 1u, a->protobuf.size());
  centrifugal::centrifuge::protocol::Reply reply;
  ASSERT_TRUE(reply.ParseFromString(a->protobuf.substr(1)));
  EXPECT_EQ(reply.push().channel(), "news");
  EXPECT_EQ(reply.push().pub().offset(), 7u);
  caf::anon_send_exit(ch, caf::exit_reason::user_shutdown);
}

TEST_F(ChannelActorTest, OnlyEncodesProtocolsInUseAndJoinGoesToJoinLeaveSubscribers) {
  auto ch = sys_.spawn(channel_actor_impl, std::string("news"));
  caf::scoped_actor plain{sys_}, joiner{sys_};
  caf::anon_send(ch, sub_atom::value,
                 SubscriberSpec{caf::actor_cast<subscriber_actor>(plain.ptr()), Protocol::json, false});
  caf::anon_send(ch, sub_atom::value,
                 SubscriberSpec{caf::actor_cast<subscriber_actor>(joiner.ptr()), Protocol::json, true});
  auto join = std::make_shared<BrokerEvent>();
  join->kind = BrokerEvent::Kind::join;
  join->channel = "news";
  join->info = ClientInfo{"42", "c1", "", ""};
  caf::anon_send(ch, deliver_atom::value, BrokerEventPtr(join));
  auto got = receive_push(joiner);
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->protobuf.empty());
  EXPECT_EQ(got->json, R"({"push":{"channel":"news","join":{"info":{"user":"42","client":"c1"}}}})");
  EXPECT_TRUE(receives_nothing(plain));
  caf::anon_send_exit(ch, caf::exit_reason::user_shutdown);
}

TEST_F(ChannelActorTest, UnsubscribedActorGetsNothing) {
  auto ch = sys_.spawn(channel_actor_impl, std::string("news"));
  caf::scoped_actor a{sys_}, b{sys_};
  auto ha = caf::actor_cast<subscriber_actor>(a.ptr());
  auto hb = caf::actor_cast<subscriber_actor>(b.ptr());
  caf::anon_send(ch, sub_atom::value, SubscriberSpec{ha, Protocol::json, false});
  caf::anon_send(ch, sub_atom::value, SubscriberSpec{hb, Protocol::json, false});
  caf::anon_send(ch, unsub_atom::value, ha);
  caf::anon_send(ch, deliver_atom::value, publication("1", 1));
  EXPECT_TRUE(receive_push(b));
  EXPECT_TRUE(receives_nothing(a));
  caf::anon_send_exit(ch, caf::exit_reason::user_shutdown);
}

TEST(ChannelSubscribers, CountsPerProtocolAndReplacesSpecs) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor a{sys};
  auto h = caf::actor_cast<subscriber_actor>(a.ptr());
  ChannelSubscribers s;
  s.add({h, Protocol::json, false});
  EXPECT_EQ(s.count(Protocol::json), 1u);
  s.add({h, Protocol::protobuf, true});  // same actor: updated, not added twice
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.count(Protocol::json), 0u);
  EXPECT_EQ(s.count(Protocol::protobuf), 1u);
  EXPECT_TRUE(s.remove(h));
  EXPECT_FALSE(s.remove(h));
  EXPECT_TRUE(s.empty());
  auto ev = std::make_shared<BrokerEvent>();
  EXPECT_EQ(s.encode(ev), nullptr);
}

}  // namespace
}  // namespace herald
