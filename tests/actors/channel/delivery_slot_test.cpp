// DeliverySlot: forward mode, the switch to direct, offset checks, drop, and drop racing
// deliveries on other threads.
#include "actors/channel/delivery_slot.hpp"

#include "actors/channel/channel_actor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
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

// Subscribes and unsubscribes racing publications, on CAF's threaded scheduler: a channel
// actor delivers 20,000 publications while two threads keep subscribing connections (new
// slots, switched to direct at once) and dropping them. Each slot must write offsets in
// increasing order and nothing after its drop() returned. (Built with -fsanitize=thread this
// is the race check the fan-out needs; in CI it runs under ASan.)
TEST(DeliverySlotStress, SubscribesAndUnsubscribesRacingPublications) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 4);
  caf::actor_system sys{cfg};
  auto node = sys.spawn([]() -> caf::behavior { return {[](released_atom, std::string&) {}}; });
  auto ch = sys.spawn(channel_actor_impl, std::string("news"),
                      caf::actor_cast<subscriber_release_actor>(node));
  // An owner (connection) of slots: a forwarded push is handled at once (written nowhere).
  auto spawn_owner = [&] {
    return sys.spawn([]() -> caf::behavior {
    return {
        [](push_atom, EncodedPushPtr&) {},
        [](push_atom, EncodedPushPtr&, DeliverySlotPtr& slot) { slot->forwarded_handled(); },
        [](pushed_atom, BrokerEventPtr&) {},
        [](interrupt_atom, std::string&) {},
        [](disconn_atom, uint32_t, std::string&) {},
    };
    });
  };
  std::vector<caf::actor> owners{spawn_owner(), spawn_owner(), spawn_owner()};
  struct Sub {
    DeliverySlotPtr slot;
    std::shared_ptr<FakeWs> ws;
    size_t at_drop = 0;
    bool dropped = false;
  };
  // A subscriber that stays throughout: it must get every publication, in order; the churn
  // goes on until it has (so deliveries and churn overlap all along).
  auto steady = std::make_shared<FakeWs>();
  auto steady_slot = std::make_shared<DeliverySlot>(caf::actor_cast<subscriber_actor>(owners[2]),
                                                    steady, protocol::Protocol::json, nullptr,
                                                    false);
  ASSERT_TRUE(steady_slot->go_direct(0, ""));
  caf::anon_send(ch, sub_atom::value,
                 SubscriberSpec{caf::actor_cast<subscriber_actor>(owners[2]),
                                protocol::Protocol::json, false, steady_slot});
  constexpr size_t kPublications = 20000;
  std::mutex mu;  // guards `all` (the subscriber threads append to it)
  std::vector<std::shared_ptr<Sub>> all;
  std::atomic<bool> stop{false};
  // Each subscriber thread plays one connection actor: one subscription at a time.
  auto churn = [&](int seed) {
    std::shared_ptr<Sub> cur;
    subscriber_actor handle = caf::actor_cast<subscriber_actor>(owners[seed]);
    for (uint32_t i = 0; !stop.load(); ++i) {
      if (!cur) {
        cur = std::make_shared<Sub>();
        cur->ws = std::make_shared<FakeWs>();
        cur->slot = std::make_shared<DeliverySlot>(handle, cur->ws, protocol::Protocol::json,
                                                   nullptr, false);
        if (i % 2 == 0) cur->slot->go_direct(0, "");  // the others switch later, if they can
        caf::anon_send(ch, sub_atom::value, SubscriberSpec{handle, protocol::Protocol::json,
                                                           false, cur->slot});
        {
          std::lock_guard lock(mu);
          all.push_back(cur);
        }
      } else if ((i + seed) % 3 == 0) {
        // Half of the slots are dropped once something reached them (within 50 ms), so
        // drops race writes whatever the machine's load.
        if (i % 2 == 0)
          for (int w = 0; w < 500 && cur->ws->pending() == 0 && !stop.load(); ++w)
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        cur->slot->drop();
        cur->at_drop = cur->ws->pending();
        cur->dropped = true;
        cur.reset();
        caf::anon_send(ch, unsub_atom::value, handle);
      } else {
        cur->slot->go_direct(0, "");
      }
      // Each slot lives long enough to be written to (publications come every ~10 µs).
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    if (cur) {
      cur->slot->drop();
      cur->at_drop = cur->ws->pending();
      cur->dropped = true;
    }
  };
  std::thread t1(churn, 0), t2(churn, 1);
  for (uint64_t n = 1; n <= kPublications; ++n) {
    auto ev = std::make_shared<BrokerEvent>();
    ev->channel = "news";
    ev->publication.data = "{}";
    ev->publication.offset = n;
    caf::anon_send(ch, deliver_atom::value, BrokerEventPtr(ev));
    if (n % 100 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  for (int i = 0; i < 60000 && steady->pending() < kPublications; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  stop = true;
  t1.join();
  t2.join();
  caf::anon_send(ch, shutdown_atom::value);
  for (auto& o : owners) caf::anon_send_exit(o, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
  ch = nullptr;
  owners.clear();
  node = nullptr;
  sys.await_all_actors_done();

  ASSERT_EQ(steady->pending(), kPublications);
  for (uint64_t n = 1; n <= kPublications; ++n) {
    auto m = steady->take();
    ASSERT_TRUE(m && std::stoull(m->substr(m->rfind(':') + 1)) == n) << n;
  }
  size_t direct_writes = 0;
  for (auto& s : all) {
    ASSERT_TRUE(s->dropped);
    EXPECT_EQ(s->ws->pending(), s->at_drop) << "written after drop() returned";
    uint64_t last = 0;
    while (auto m = s->ws->take()) {
      const uint64_t offset = std::stoull(m->substr(m->rfind(':') + 1));
      EXPECT_GT(offset, last) << "out of order";
      last = offset;
      ++direct_writes;
    }
  }
  EXPECT_GT(all.size(), 10u);
  EXPECT_GT(direct_writes, 0u);
}

}  // namespace
}  // namespace herald
