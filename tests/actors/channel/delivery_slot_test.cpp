// DeliverySlot: forward mode, the switch to direct, offset checks, drop, and drop racing
// deliveries on other threads.
#include "actors/channel/delivery_slot.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/actors/connection/fake_ws.hpp"
#include "tests/actors/deterministic.hpp"

namespace herald {
namespace {

using test::FakeWs;
using test::Probe;

EncodedPushPtr publication(uint64_t offset, std::string epoch = "e1",
                           std::string client = "") {
  auto ev = std::make_shared<BrokerEvent>();
  ev->channel = "news";
  ev->epoch = std::move(epoch);
  ev->publication.data = "{}";
  ev->publication.offset = offset;
  if (!client.empty()) ev->publication.info = ClientInfo{"user", client, "", ""};
  auto push = std::make_shared<EncodedPush>();
  push->event = ev;
  push->json = "json:" + std::to_string(offset);
  push->protobuf = "pb:" + std::to_string(offset);
  return push;
}

class DeliverySlotTest : public ::testing::Test, public test::DeterministicSystem {
 protected:
  DeliverySlotPtr make(bool positioned, protocol::Protocol p = protocol::Protocol::json) {
    return std::make_shared<DeliverySlot>(owner_.as<subscriber_actor>(), ws_, p, client_,
                                          positioned);
  }
  std::vector<std::string> written() {
    std::vector<std::string> out;
    while (auto m = ws_->take()) out.push_back(*m);
    return out;
  }

  Probe owner_{sys()};
  std::shared_ptr<FakeWs> ws_ = std::make_shared<FakeWs>();
  std::shared_ptr<const std::string> client_ = std::make_shared<const std::string>("me");
};

TEST_F(DeliverySlotTest, ForwardsToTheOwnerUntilDirect) {
  auto slot = make(false);
  auto p1 = publication(1);
  slot->deliver(p1, slot);
  run();
  auto msgs = owner_.take_all<push_atom>();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].get_as<EncodedPushPtr>(1).get(), p1.get());
  EXPECT_EQ(msgs[0].get_as<DeliverySlotPtr>(2).get(), slot.get());
  EXPECT_TRUE(written().empty());
  EXPECT_FALSE(slot->direct());
}

TEST_F(DeliverySlotTest, GoesDirectOnlyOnceNoForwardedPushIsOnItsWay) {
  auto slot = make(false);
  slot->deliver(publication(1), slot);
  EXPECT_FALSE(slot->go_direct(0, ""));  // the forwarded push could be overtaken
  slot->forwarded_handled();
  EXPECT_TRUE(slot->go_direct(0, ""));
  EXPECT_TRUE(slot->direct());
  slot->deliver(publication(2), slot);
  run();
  EXPECT_EQ(written(), std::vector<std::string>{"json:2"});
  EXPECT_EQ(owner_.take_all<push_atom>().size(), 1u);  // only the first, forwarded
}

TEST_F(DeliverySlotTest, WritesTheBytesOfItsProtocol) {
  auto slot = make(false, protocol::Protocol::protobuf);
  ASSERT_TRUE(slot->go_direct(0, ""));
  slot->deliver(publication(0), slot);
  EXPECT_EQ(written(), std::vector<std::string>{"pb:0"});
}

TEST_F(DeliverySlotTest, PositionedSkipsWhatWasSentAndStopsAtAGap) {
  auto slot = make(true);
  ASSERT_TRUE(slot->go_direct(5, "e1"));
  slot->deliver(publication(4), slot);  // before the position: already sent (recovery)
  slot->deliver(publication(5), slot);
  slot->deliver(publication(6), slot);
  slot->deliver(publication(8), slot);  // 7 is missing
  slot->deliver(publication(9), slot);  // nothing after a gap
  run();
  EXPECT_EQ(written(), std::vector<std::string>{"json:6"});
  auto interrupts = owner_.take_all<interrupt_atom>();
  ASSERT_EQ(interrupts.size(), 1u);
  EXPECT_EQ(interrupts[0].get_as<std::string>(1), "news");
}

TEST_F(DeliverySlotTest, AnotherEpochIsAGap) {
  auto slot = make(true);
  ASSERT_TRUE(slot->go_direct(5, "e1"));
  slot->deliver(publication(6, "e2"), slot);
  run();
  EXPECT_TRUE(written().empty());
  EXPECT_EQ(owner_.take_all<interrupt_atom>().size(), 1u);
}

TEST_F(DeliverySlotTest, UnpositionedIgnoresOffsets) {
  auto slot = make(false);
  ASSERT_TRUE(slot->go_direct(5, "e1"));
  slot->deliver(publication(9, "e2"), slot);
  slot->deliver(publication(3), slot);
  EXPECT_EQ(written(), (std::vector<std::string>{"json:9", "json:3"}));
}

TEST_F(DeliverySlotTest, NonJsonDataClosesAJsonClientWith3506) {
  auto slot = make(false);
  ASSERT_TRUE(slot->go_direct(0, ""));
  auto push = std::const_pointer_cast<EncodedPush>(publication(1));
  push->json_incompatible = true;
  slot->deliver(push, slot);
  slot->deliver(publication(2), slot);
  run();
  EXPECT_TRUE(written().empty());
  auto d = owner_.take_all<disconn_atom>();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].get_as<uint32_t>(1), 3506u);
}

TEST_F(DeliverySlotTest, ReportsOnlyTheClientsOwnPublications) {
  auto slot = make(false);
  ASSERT_TRUE(slot->go_direct(0, ""));
  slot->deliver(publication(1, "e1", "someone-else"), slot);
  slot->deliver(publication(2, "e1", "me"), slot);
  run();
  EXPECT_EQ(written().size(), 2u);
  auto pushed = owner_.take_all<pushed_atom>();
  ASSERT_EQ(pushed.size(), 1u);
  EXPECT_EQ(pushed[0].get_as<BrokerEventPtr>(1)->publication.offset, 2u);
}

TEST_F(DeliverySlotTest, DropStopsBothModes) {
  auto forward = make(false), direct = make(false);
  ASSERT_TRUE(direct->go_direct(0, ""));
  forward->drop();
  direct->drop();
  forward->deliver(publication(1), forward);
  direct->deliver(publication(1), direct);
  run();
  EXPECT_TRUE(written().empty());
  EXPECT_TRUE(owner_.take().empty());
  EXPECT_FALSE(direct->go_direct(0, ""));  // dropped for good
}

TEST_F(DeliverySlotTest, AFullBufferStopsTheSlot) {
  auto slot = make(false);
  ASSERT_TRUE(slot->go_direct(0, ""));
  ws_->close(3008, "slow");  // what a send past queue_max_size does
  slot->deliver(publication(1), slot);
  EXPECT_FALSE(slot->direct());
}

// Deliveries on other threads racing the owner's drop(): once drop() has returned, nothing
// more is written (an unsubscribe reply written then is the subscription's last word).
TEST_F(DeliverySlotTest, NothingIsWrittenAfterDropReturns) {
  auto slot = make(false);
  ASSERT_TRUE(slot->go_direct(0, ""));
  std::atomic<bool> stop{false};
  auto push = publication(0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([&] {
      while (!stop.load()) slot->deliver(push, slot);
    });
  while (ws_->pending() < 1000) std::this_thread::yield();
  slot->drop();
  const size_t at_drop = ws_->pending();
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(ws_->pending(), at_drop);
}

}  // namespace
}  // namespace herald
