// Subscribes and unsubscribes racing publications on many threads, on a real multi-threaded
// actor system: publishers call the memory engine directly (as the server API's io threads
// do) while other threads subscribe and unsubscribe through the node actor, so deliveries
// look channel actors up in LocalChannels while the node adds and removes them. Run under
// ASan in CI; scripts/tsan.sh runs it under ThreadSanitizer.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include "actors/engine/memory_engine_actor.hpp"
#include "actors/node/node_actor.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;

/// What one subscription received: the offsets of its publications, in arrival order.
struct Received {
  std::mutex mu;
  std::condition_variable changed;
  std::vector<uint64_t> offsets;
  bool interrupted = false;

  void add(uint64_t offset) {
    {
      std::lock_guard lock(mu);
      offsets.push_back(offset);
    }
    changed.notify_all();
  }
  bool wait_for(uint64_t offset, std::chrono::milliseconds limit) {
    std::unique_lock lock(mu);
    return changed.wait_for(lock, limit, [&] {
      return !offsets.empty() && offsets.back() >= offset;
    });
  }
};

uint64_t offset_of(const EncodedPush& push) {
  auto at = push.json.find("\"offset\":");
  if (at == std::string::npos) return 0;
  return std::stoull(push.json.substr(at + 9));
}

subscriber_actor::behavior_type recorder(subscriber_actor::pointer, std::shared_ptr<Received> r) {
  return {
      [r](push_atom, EncodedPushPtr& p) { r->add(offset_of(*p)); },
      [r](push_atom, EncodedPushPtr& p, DeliverySlotPtr&) { r->add(offset_of(*p)); },
      [](pushed_atom, BrokerEventPtr&) {},
      [r](interrupt_atom, std::string&) { r->interrupted = true; },
      [](disconn_atom, uint32_t, std::string&) {},
  };
}

PublishOptions with_history() {
  PublishOptions o;
  o.history_size = 1000;
  o.history_ttl_ms = 60'000;
  return o;
}

/// Offsets of one subscription: each one more than the one before (nothing lost, nothing
/// twice, in order), whatever it started with.
::testing::AssertionResult gapless(const std::vector<uint64_t>& offsets) {
  for (size_t i = 1; i < offsets.size(); ++i)
    if (offsets[i] != offsets[i - 1] + 1)
      return ::testing::AssertionFailure()
             << "offset " << offsets[i] << " after " << offsets[i - 1] << " (delivery " << i
             << " of " << offsets.size() << ")";
  return ::testing::AssertionSuccess();
}

TEST(PublishRaceTest, SubscriptionsRacingDirectPublishersMissNothingWhileSubscribed) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", size_t{4});
  caf::actor_system sys{cfg};
  auto memory = std::make_shared<MemoryEngine>();
  engine_actor engine = sys.spawn(shared_memory_engine_actor_impl, memory);
  node_actor node = sys.spawn(node_actor_impl, engine,
                              NodeIdentity{"uid-race", "race", "0.1.0", {}}, NodeTiming{});
  const std::vector<std::string> channels = {"race:a", "race:b", "race:c"};

  struct Subscription {
    std::string channel;
    subscriber_actor actor;
    std::shared_ptr<Received> received;
  };
  std::mutex finished_mu;
  std::vector<Subscription> finished;  // unsubscribed: checked at the end
  std::atomic<bool> publishing{true};

  std::vector<std::thread> publishers;
  for (int t = 0; t < 2; ++t)
    publishers.emplace_back([&, t] {
      for (int i = 0; publishing; ++i) {
        Publication pub;
        pub.data = std::to_string(i);
        memory->publish(channels[(i + t) % channels.size()], std::move(pub), with_history(),
                        [](const Error&, PublishOutcome) {});
        if (i % 64 == 0) std::this_thread::yield();
      }
    });

  auto subscribe_loop = [&](unsigned seed, std::vector<Subscription>& still) {
    std::mt19937 rng(seed);
    caf::scoped_actor self{sys};
    std::vector<Subscription> active;
    for (int round = 0; round < 400; ++round) {
      if (active.size() < 4 || rng() % 2 == 0) {
        Subscription s{channels[rng() % channels.size()], {}, std::make_shared<Received>()};
        s.actor = sys.spawn(recorder, s.received);
        bool ok = false;
        self->request(node, 10s, ch_sub_atom::value, s.channel,
                      SubscriberSpec{s.actor, Protocol::json, false, nullptr})
            .receive([&](bool answer) { ok = answer; }, [](caf::error&) {});
        ASSERT_TRUE(ok);
        active.push_back(std::move(s));
      } else {
        size_t k = rng() % active.size();
        Subscription s = std::move(active[k]);
        active.erase(active.begin() + static_cast<long>(k));
        caf::anon_send(node, ch_unsub_atom::value, s.channel, s.actor);
        std::lock_guard lock(finished_mu);
        finished.push_back(std::move(s));
      }
    }
    still = std::move(active);
  };
  std::vector<Subscription> still_a, still_b;
  std::thread subscriber_a([&] { subscribe_loop(1, still_a); });
  std::thread subscriber_b([&] { subscribe_loop(2, still_b); });
  subscriber_a.join();
  subscriber_b.join();
  publishing = false;
  for (auto& t : publishers) t.join();

  // Everyone still subscribed gets a publication made now, after its subscribe was answered.
  std::vector<Subscription> still = std::move(still_a);
  for (auto& s : still_b) still.push_back(std::move(s));
  ASSERT_FALSE(still.empty());
  std::map<std::string, uint64_t> last;
  for (const auto& ch : channels) {
    Publication pub;
    pub.data = "\"last\"";
    last[ch] = memory->publish(ch, std::move(pub), with_history()).position.offset;
  }
  for (auto& s : still) {
    EXPECT_TRUE(s.received->wait_for(last[s.channel], 10s))
        << s.channel << ": the publication made after the subscribe never arrived";
    std::lock_guard lock(s.received->mu);
    EXPECT_TRUE(gapless(s.received->offsets)) << s.channel;
    EXPECT_FALSE(s.received->interrupted);
  }
  size_t with_pushes = 0;
  for (auto& s : finished) {
    std::lock_guard lock(s.received->mu);
    EXPECT_TRUE(gapless(s.received->offsets)) << s.channel;
    if (!s.received->offsets.empty()) ++with_pushes;
  }
  EXPECT_GT(with_pushes, 0u) << "the publishers never overlapped a subscription";

  for (auto& s : still) caf::anon_send(node, ch_unsub_atom::value, s.channel, s.actor);
  caf::anon_send(node, shutdown_atom::value);
  caf::anon_send_exit(engine, caf::exit_reason::user_shutdown);
  for (auto& s : still) caf::anon_send_exit(s.actor, caf::exit_reason::user_shutdown);
  for (auto& s : finished) caf::anon_send_exit(s.actor, caf::exit_reason::user_shutdown);
}

}  // namespace
}  // namespace herald
