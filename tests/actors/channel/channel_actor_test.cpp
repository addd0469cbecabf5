// The channel actor's fan-out, under CAF's test coordinator: "nobody else got it" is exact.
#include "actors/channel/channel_actor.hpp"

#include <gtest/gtest.h>

#include "proto/client.pb.h"
#include "tests/actors/connection/fake_ws.hpp"
#include "tests/actors/deterministic.hpp"

namespace herald {
namespace {

using test::Probe;

class ChannelActorTest : public ::testing::Test, public test::DeterministicSystem {
 protected:
  /// The pushes `p` received since the last call.
  std::vector<EncodedPushPtr> pushes(Probe& p) {
    run();
    std::vector<EncodedPushPtr> out;
    for (auto& m : p.take_all<push_atom>()) out.push_back(m.get_as<EncodedPushPtr>(1));
    return out;
  }
  static BrokerEventPtr publication(std::string data, uint64_t offset) {
    auto ev = std::make_shared<BrokerEvent>();
    ev->channel = "news";
    ev->publication.data = std::move(data);
    ev->publication.offset = offset;
    return ev;
  }
  SubscriberSpec spec(Probe& p, Protocol proto, bool join_leave = false) {
    return SubscriberSpec{p.as<subscriber_actor>(), proto, join_leave, nullptr};
  }

  Probe node_{sys()};
  channel_actor ch_ = sys().spawn(channel_actor_impl, std::string("news"),
                                  node_.as<subscriber_release_actor>());
};

TEST_F(ChannelActorTest, EncodesOncePerProtocolAndSharesTheBytes) {
  Probe json1{sys()}, json2{sys()}, pb{sys()};
  caf::anon_send(ch_, sub_atom::value, spec(json1, Protocol::json));
  caf::anon_send(ch_, sub_atom::value, spec(json2, Protocol::json));
  caf::anon_send(ch_, sub_atom::value, spec(pb, Protocol::protobuf));
  caf::anon_send(ch_, deliver_atom::value, publication(R"({"x":1})", 7));

  auto a = pushes(json1), b = pushes(json2), c = pushes(pb);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(a[0].get(), b[0].get());  // the very same encoded push
  EXPECT_EQ(a[0].get(), c[0].get());
  EXPECT_EQ(a[0]->json, R"({"push":{"channel":"news","pub":{"data":{"x":1},"offset":7}}})");
  // Protobuf: a varint length prefix, then a Reply with the push.
  ASSERT_FALSE(a[0]->protobuf.empty());
  auto len = static_cast<uint8_t>(a[0]->protobuf[0]);
  ASSERT_EQ(len + 1u, a[0]->protobuf.size());
  centrifugal::centrifuge::protocol::Reply reply;
  ASSERT_TRUE(reply.ParseFromString(a[0]->protobuf.substr(1)));
  EXPECT_EQ(reply.push().channel(), "news");
  EXPECT_EQ(reply.push().pub().offset(), 7u);
}

TEST_F(ChannelActorTest, OnlyEncodesProtocolsInUseAndJoinGoesToJoinLeaveSubscribers) {
  Probe plain{sys()}, joiner{sys()};
  caf::anon_send(ch_, sub_atom::value, spec(plain, Protocol::json));
  caf::anon_send(ch_, sub_atom::value, spec(joiner, Protocol::json, true));
  auto join = std::make_shared<BrokerEvent>();
  join->kind = BrokerEvent::Kind::join;
  join->channel = "news";
  join->info = ClientInfo{"42", "c1", "", ""};
  caf::anon_send(ch_, deliver_atom::value, BrokerEventPtr(join));
  auto got = pushes(joiner);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0]->protobuf.empty());
  EXPECT_EQ(got[0]->json,
            R"({"push":{"channel":"news","join":{"info":{"user":"42","client":"c1"}}}})");
  EXPECT_TRUE(pushes(plain).empty());
}

TEST_F(ChannelActorTest, UnsubscribedActorGetsNothingAndTheNodeCountsItOut) {
  Probe a{sys()}, b{sys()};
  caf::anon_send(ch_, sub_atom::value, spec(a, Protocol::json));
  caf::anon_send(ch_, sub_atom::value, spec(b, Protocol::json));
  caf::anon_send(ch_, unsub_atom::value, a.as<subscriber_actor>());
  caf::anon_send(ch_, deliver_atom::value, publication("1", 1));
  EXPECT_EQ(pushes(b).size(), 1u);
  EXPECT_TRUE(pushes(a).empty());
  auto released = node_.take_all<released_atom>();
  ASSERT_EQ(released.size(), 1u);
  EXPECT_EQ(released[0].get_as<std::string>(1), "news");
}

// A closing connection unsubscribes (through the node) and quits: the channel hears both,
// in either order, and the node must count the subscriber out once.
TEST_F(ChannelActorTest, AnUnsubscribeAndADeathOfOneSubscriberReleaseItOnce) {
  Probe a{sys()}, b{sys()}, keep{sys()};
  caf::anon_send(ch_, sub_atom::value, spec(a, Protocol::json));
  caf::anon_send(ch_, sub_atom::value, spec(b, Protocol::json));
  caf::anon_send(ch_, sub_atom::value, spec(keep, Protocol::json));
  run();
  caf::anon_send_exit(a.as(), caf::exit_reason::kill);  // the down message first
  run();
  caf::anon_send(ch_, unsub_atom::value, a.as<subscriber_actor>());
  caf::anon_send(ch_, unsub_atom::value, b.as<subscriber_actor>());  // the unsubscribe first
  run();
  caf::anon_send_exit(b.as(), caf::exit_reason::kill);
  run();
  EXPECT_EQ(node_.take_all<released_atom>().size(), 2u);
  caf::anon_send(ch_, deliver_atom::value, publication("1", 1));
  EXPECT_EQ(pushes(keep).size(), 1u);
}

TEST_F(ChannelActorTest, ASubscriberUpdatedInPlaceIsReleasedOnceOfItsTwoCounts) {
  // The node counted each `sub`; the set holds the subscriber once.
  Probe a{sys()};
  caf::anon_send(ch_, sub_atom::value, spec(a, Protocol::json));
  caf::anon_send(ch_, sub_atom::value, spec(a, Protocol::protobuf));
  run();
  EXPECT_EQ(node_.take_all<released_atom>().size(), 1u);
  caf::anon_send(ch_, unsub_atom::value, a.as<subscriber_actor>());
  run();
  EXPECT_EQ(node_.take_all<released_atom>().size(), 1u);
}

TEST_F(ChannelActorTest, SubscriberThatDiesIsDroppedAndTheNodeTold) {
  Probe a{sys()}, b{sys()};
  caf::anon_send(ch_, sub_atom::value, spec(a, Protocol::json));
  caf::anon_send(ch_, sub_atom::value, spec(b, Protocol::json));
  run();
  caf::anon_send_exit(a.as(), caf::exit_reason::kill);
  run();
  auto released = node_.take_all<released_atom>();
  ASSERT_EQ(released.size(), 1u);
  EXPECT_EQ(released[0].get_as<std::string>(1), "news");
  caf::anon_send(ch_, deliver_atom::value, publication("1", 1));
  EXPECT_EQ(pushes(b).size(), 1u);
}

TEST_F(ChannelActorTest, DirectSlotsGetTheBytesWithoutAMessagePerSubscriber) {
  // Subscribers with a direct slot: the channel writes into their buffers itself, so the
  // subscriber actors receive nothing; one still in forward mode gets its push as a message.
  std::vector<Probe> probes;
  std::vector<std::shared_ptr<test::FakeWs>> sockets;
  std::vector<DeliverySlotPtr> slots;
  for (int i = 0; i < 3; ++i) {
    probes.emplace_back(sys());
    sockets.push_back(std::make_shared<test::FakeWs>());
    slots.push_back(std::make_shared<DeliverySlot>(probes.back().as<subscriber_actor>(),
                                                   sockets.back(), Protocol::json, nullptr,
                                                   false));
    if (i < 2) {
      ASSERT_TRUE(slots.back()->go_direct(0, ""));
    }
    auto sp = spec(probes.back(), Protocol::json);
    sp.slot = slots.back();
    caf::anon_send(ch_, sub_atom::value, sp);
  }
  caf::anon_send(ch_, deliver_atom::value, publication(R"({"x":1})", 7));
  run();
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(sockets[i]->take(),
              std::optional<std::string>(
                  R"({"push":{"channel":"news","pub":{"data":{"x":1},"offset":7}}})"));
    EXPECT_TRUE(probes[i].take().empty());
  }
  EXPECT_EQ(sockets[2]->pending(), 0u);
  auto forwarded = probes[2].take_all<push_atom>();
  ASSERT_EQ(forwarded.size(), 1u);
  EXPECT_EQ(forwarded[0].get_as<DeliverySlotPtr>(2).get(), slots[2].get());
}

/// Runs posted tasks when the test says so.
struct ManualQueue : WsTaskQueue {
  std::vector<std::function<void()>> tasks;
  void post(std::function<void()> task) override { tasks.push_back(std::move(task)); }
  void run_one() {
    auto t = std::move(tasks.front());
    tasks.erase(tasks.begin());
    t();
  }
};

TEST_F(ChannelActorTest, FanOutRunsOnTheTransportsQueueAndFlushesAfterTheLastQueuedTask) {
  auto queue = std::make_shared<ManualQueue>();
  Probe p{sys()};
  auto ws = std::make_shared<test::FakeWs>();
  ws->task_queue = queue;
  auto slot = std::make_shared<DeliverySlot>(p.as<subscriber_actor>(), ws, Protocol::json,
                                             nullptr, false);
  ASSERT_TRUE(slot->go_direct(0, ""));
  auto sp = spec(p, Protocol::json);
  sp.slot = slot;
  caf::anon_send(ch_, sub_atom::value, sp);
  for (uint64_t n = 1; n <= 3; ++n) caf::anon_send(ch_, deliver_atom::value, publication("1", n));
  run();
  ASSERT_EQ(queue->tasks.size(), 3u);  // one task per publication, nothing written yet
  EXPECT_EQ(ws->pending(), 0u);
  queue->run_one();
  queue->run_one();
  EXPECT_EQ(ws->pending(), 2u);  // written, but two more tasks were queued: no flush yet
  EXPECT_EQ(ws->flushes(), 0u);
  queue->run_one();
  EXPECT_EQ(ws->flushes(), 1u);  // the last one flushes: three pushes, one frame
  EXPECT_EQ(ws->flushed(), 3u);
  // Alone in the queue, a publication is flushed by its own task.
  caf::anon_send(ch_, deliver_atom::value, publication("1", 4));
  run();
  queue->run_one();
  EXPECT_EQ(ws->flushes(), 2u);
  EXPECT_EQ(ws->flushed(), 4u);
  EXPECT_TRUE(p.take().empty());
}

TEST(ChannelSubscribers, CountsPerProtocolAndReplacesSpecs) {
  test::DeterministicSystem d;
  Probe a{d.sys()};
  d.run();
  auto h = a.as<subscriber_actor>();
  ChannelSubscribers s;
  EXPECT_TRUE(s.add({h, Protocol::json, false, nullptr}));
  EXPECT_EQ(s.count(Protocol::json), 1u);
  EXPECT_FALSE(s.add({h, Protocol::protobuf, true, nullptr}));  // same actor: updated, not added twice
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
