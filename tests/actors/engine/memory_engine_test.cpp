// MemoryEngine: the memory engine's state shared by its actor and direct publishers.
#include "actors/engine/memory_engine.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

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

}  // namespace
}  // namespace herald
