// MemoryEngine: the memory engine's state shared by its actor and direct publishers; and the
// race of direct publishers against LocalChannels changing, which scripts/tsan.sh runs under
// ThreadSanitizer (no actor runs here: CAF's scheduler is not instrumented, so a message
// passed through it would be reported as a race).
#include "actors/engine/memory_engine.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "actors/channel/channel_actor.hpp"
#include "actors/node/local_channels.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;

class RecordingHandler final : public BrokerHandler {
 public:
  void deliver(BrokerEventPtr event) override {
    std::lock_guard lock(mu);
    events.push_back(std::move(event));
  }
  void control(ControlMessage) override {}
  void interrupted(std::vector<std::string>) override {}

  std::mutex mu;
  std::vector<BrokerEventPtr> events;
};

PublishOptions with_history() {
  PublishOptions o;
  o.history_size = 100;
  o.history_ttl_ms = 60'000;
  o.history_meta_ttl_ms = 120'000;
  return o;
}

Publication data(std::string d) {
  Publication p;
  p.data = std::move(d);
  return p;
}

TEST(MemoryEngineTest, PublishersOnManyThreadsDeliverInOffsetOrder) {
  MemoryEngine engine;
  auto handler = std::make_shared<RecordingHandler>();
  engine.set_handler(handler);
  constexpr int kThreads = 4, kEach = 500;
  std::vector<std::thread> threads;
  std::atomic<int> answered{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i)
        engine.publish("ch", data("1"), with_history(), [&](const Error& e, PublishOutcome out) {
          EXPECT_FALSE(e);
          EXPECT_GT(out.position.offset, 0u);
          ++answered;
        });
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(answered, kThreads * kEach);
  ASSERT_EQ(handler->events.size(), size_t{kThreads * kEach});
  for (size_t i = 0; i < handler->events.size(); ++i)
    ASSERT_EQ(handler->events[i]->publication.offset, i + 1) << "delivery " << i;
}

TEST(MemoryEngineTest, AnIdempotentRepeatAnswersTheFirstOutcomeAndDeliversNothing) {
  MemoryEngine engine;
  auto handler = std::make_shared<RecordingHandler>();
  engine.set_handler(handler);
  auto opts = with_history();
  opts.idempotency_key = "k";
  auto first = engine.publish("ch", data("1"), opts);
  auto again = engine.publish("ch", data("1"), opts);
  EXPECT_FALSE(first.from_cache);
  EXPECT_TRUE(again.from_cache);
  EXPECT_EQ(again.position.offset, first.position.offset);
  EXPECT_EQ(handler->events.size(), 1u);
}

TEST(MemoryEngineTest, ASweepIsRequestedOnceWhileSomethingCanExpire) {
  auto now = memory::Clock::time_point{} + 1h;
  MemoryEngine engine([&] { return now; });
  int requests = 0;
  engine.set_sweep_request([&] { ++requests; });
  PublishOptions no_history;
  engine.publish("ch", data("1"), no_history);
  EXPECT_EQ(requests, 0) << "nothing can expire";
  engine.publish("ch", data("1"), with_history());
  engine.publish("ch", data("2"), with_history());
  engine.add_presence("ch", ClientInfo{"u", "c", {}, {}}, 10s);
  EXPECT_EQ(requests, 1) << "one sweep is pending";
  EXPECT_TRUE(engine.sweep()) << "the history is still there";
  now += 1h;
  EXPECT_FALSE(engine.sweep()) << "everything expired: the engine sleeps";
  EXPECT_FALSE(engine.next_deadline());
  engine.publish("ch", data("3"), with_history());
  EXPECT_EQ(requests, 2) << "a change wakes the sweep again";
}

/// The node's broker handler without the send: looks every delivery's channel up in
/// LocalChannels, and checks that a channel's deliveries come in offset order.
class LookupHandler final : public BrokerHandler {
 public:
  explicit LookupHandler(const LocalChannels& local) : local_(local) {}
  void deliver(BrokerEventPtr event) override {
    if (local_.find(event->channel)) ++found;
    else ++missed;
    uint64_t& last = last_offset[event->channel];  // deliveries are serialised by the engine
    if (event->publication.offset != last + 1) ++out_of_order;
    last = event->publication.offset;
  }
  void control(ControlMessage) override {}
  void interrupted(std::vector<std::string>) override {}

  std::atomic<uint64_t> found{0}, missed{0};
  std::map<std::string, uint64_t> last_offset;
  uint64_t out_of_order = 0;

 private:
  const LocalChannels& local_;
};

TEST(MemoryEngineRaceTest, DirectPublishersRaceTheChannelListChanging) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  const std::vector<std::string> channels = {"r:a", "r:b", "r:c", "r:d", "r:e", "r:f"};
  // Never started (lazy_init, no message ever sent): only their handles move between threads.
  std::vector<channel_actor> actors;
  for (const auto& ch : channels)
    actors.push_back(sys.spawn<caf::lazy_init>(channel_actor_impl, ch, subscriber_release_actor{}));

  LocalChannels local;
  MemoryEngine engine;
  auto handler = std::make_shared<LookupHandler>(local);
  engine.set_handler(handler);
  std::atomic<bool> running{true};
  std::thread lister([&] {  // the node actor's part: channels come and go
    std::mt19937 rng(7);
    while (running) {
      size_t i = rng() % channels.size();
      if (rng() % 2) local.add(channels[i], actors[i]);
      else local.remove(channels[i]);
    }
    local.clear();
  });
  constexpr int kThreads = 3, kEach = 3000;
  std::vector<std::thread> publishers;
  for (int t = 0; t < kThreads; ++t)
    publishers.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        Publication pub;
        pub.data = "1";
        engine.publish(channels[static_cast<size_t>(i + t) % channels.size()], std::move(pub),
                       with_history(), [](const Error&, PublishOutcome) {});
      }
    });
  for (auto& p : publishers) p.join();
  running = false;
  lister.join();
  EXPECT_EQ(handler->found + handler->missed, uint64_t{kThreads * kEach});
  EXPECT_GT(handler->found, 0u);
  EXPECT_EQ(handler->out_of_order, 0u);
  // No exit message either: the actors go with their last handle, on this thread.
  engine.set_handler(nullptr);
  actors.clear();
}

}  // namespace
}  // namespace herald
