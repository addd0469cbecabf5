// The webhook actors under CAF's test coordinator, with a sender the test answers by hand and
// timers that move only when the test advances them: every check is exact, nothing sleeps.
#include "actors/webhook/webhook_actor.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <mutex>

#include "actors/webhook/webhook_pool_actor.hpp"
#include "tests/actors/deterministic.hpp"
#include "tests/proto/state/sample_events.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;
using Type = ChannelStateEvent::Type;

/// Records each send(); the test decides when and how each one is answered.
class FakeSender final : public ChannelStateSender {
 public:
  struct Call {
    ChannelStateBatch batch;
    Done done;
  };
  void send(ChannelStateBatch batch, Done done) override {
    std::lock_guard lock(mu_);
    open_.push_back(Call{std::move(batch), std::move(done)});
    ++total_;
  }
  /// Calls not answered yet, oldest first.
  std::vector<ChannelStateBatch> open() const {
    std::lock_guard lock(mu_);
    std::vector<ChannelStateBatch> out;
    for (const auto& c : open_) out.push_back(c.batch);
    return out;
  }
  size_t total() const {
    std::lock_guard lock(mu_);
    return total_;
  }
  /// Answers the oldest open call whose first event is on `channel`.
  bool answer(const std::string& channel, bool ok, std::string error = "HTTP status 503") {
    Done done;
    {
      std::lock_guard lock(mu_);
      auto it = std::find_if(open_.begin(), open_.end(),
                             [&](const Call& c) { return c.batch.front().channel == channel; });
      if (it == open_.end()) return false;
      done = std::move(it->done);
      open_.erase(it);
    }
    done(Result{ok, ok ? std::string() : std::move(error)});
    return true;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Call> open_;
  size_t total_ = 0;
};

ChannelStateBatch batch_for(const std::string& channel, uint64_t gen = 1) {
  return {test::state_event(channel, gen % 2 ? Type::occupied : Type::vacated, 1000, gen,
                            channel + "-" + std::to_string(gen))};
}

/// The answer to a request, once it comes.
using Answer = std::shared_ptr<std::optional<bool>>;

class WebhookActorTest : public ::testing::Test, public test::DeterministicSystem {
 protected:
  std::shared_ptr<const WebhookContext> make_context() {
    auto c = std::make_shared<WebhookContext>();
    c->sender = sender_;
    c->timers = timers();
    c->counters = counters_;
    c->endpoint = "http://backend/events";
    c->options.seed = 42;
    return c;
  }
  void TearDown() override {
    caf::anon_send(worker_, shutdown_atom::value);
    run();
  }

  /// Sends deliver() and returns where its answer will land (run() handles it).
  template <class Handle>
  Answer deliver(const Handle& to, uint32_t partition, ChannelStateBatch batch) {
    auto out = std::make_shared<std::optional<bool>>();
    sys().spawn([=](caf::event_based_actor* self) {
      self->request(to, caf::infinite, deliver_atom::value, partition, batch)
          .then([out](bool ok) { *out = ok; }, [](caf::error&) {});
    });
    run();
    return out;
  }
  Answer deliver(uint32_t partition, ChannelStateBatch batch) {
    return deliver(worker_, partition, std::move(batch));
  }

  /// Answers the open call for `channel`, then lets the actor handle the verdict.
  void answer(const std::string& channel, bool ok) {
    ASSERT_TRUE(sender_->answer(channel, ok)) << "no open call for " << channel;
    run();
  }

  /// How long until the earliest retry timer is due.
  std::chrono::milliseconds next_retry_in() const {
    auto d = timers()->next_deadline();
    EXPECT_TRUE(d.has_value());
    return d ? std::chrono::duration_cast<std::chrono::milliseconds>(*d - now()) : -1ms;
  }

  std::shared_ptr<FakeSender> sender_ = std::make_shared<FakeSender>();
  std::shared_ptr<ChannelStateCounters> counters_ = std::make_shared<ChannelStateCounters>();
  std::shared_ptr<const WebhookContext> ctx_ = make_context();
  webhook_actor worker_ = sys().spawn(webhook_actor_impl, ctx_, 0u);
};

TEST_F(WebhookActorTest, AnswersTrueOnceTheBackendAcknowledged) {
  auto a = deliver(7, test::occupied_then_vacated());
  ASSERT_EQ(sender_->open().size(), 1u);
  EXPECT_EQ(sender_->open()[0], test::occupied_then_vacated());
  EXPECT_FALSE(a->has_value());  // not before the backend answered
  answer("chat:index", true);
  ASSERT_TRUE(a->has_value());
  EXPECT_TRUE(**a);
  EXPECT_EQ(counters_->batches, 1u);
  EXPECT_EQ(counters_->delivered, 2u);
  EXPECT_EQ(counters_->last_batch_size, 2u);
  EXPECT_EQ(counters_->retried, 0u);
  EXPECT_EQ(timers()->size(), 0u);
}

TEST_F(WebhookActorTest, EmptyBatchIsAnsweredWithoutARequest) {
  auto a = deliver(1, {});
  ASSERT_TRUE(a->has_value());
  EXPECT_TRUE(**a);
  EXPECT_EQ(sender_->total(), 0u);
}

TEST_F(WebhookActorTest, RetriesTheSameBatchWithFullJitterBackoffUpTo20s) {
  const auto batch = batch_for("a");
  auto a = deliver(3, batch);
  std::chrono::milliseconds ceiling = 100ms;
  std::vector<std::chrono::milliseconds> delays;
  for (int failure = 1; failure <= 12; ++failure) {
    answer("a", false);
    EXPECT_EQ(counters_->retried, static_cast<uint64_t>(failure));
    EXPECT_TRUE(sender_->open().empty());  // nothing goes before the backoff ran out
    const auto delay = next_retry_in();
    EXPECT_GE(delay, 0ms) << "failure " << failure;
    EXPECT_LE(delay, ceiling) << "failure " << failure;
    delays.push_back(delay);
    if (delay > 0ms) {
      advance(delay - 1ms);
      EXPECT_TRUE(sender_->open().empty()) << "failure " << failure;
      advance(1ms);
    } else {
      advance(0ms);
    }
    ASSERT_EQ(sender_->open().size(), 1u) << "failure " << failure;
    EXPECT_EQ(sender_->open()[0], batch);  // the same batch again
    ceiling = std::min<std::chrono::milliseconds>(ceiling * 2, 20s);
  }
  EXPECT_FALSE(a->has_value());
  // Jitter spreads the delays over their whole range; at the 20 s cap (failures 9-12) the
  // ceilings are equal, the delays are not.
  EXPECT_NE(delays[8], delays[9]);
  answer("a", true);
  ASSERT_TRUE(a->has_value());
  EXPECT_TRUE(**a);
  EXPECT_EQ(counters_->batches, 1u);
  EXPECT_EQ(sender_->total(), 13u);

  // A success resets the backoff: the next failure waits at most 100 ms again.
  auto b = deliver(3, batch_for("a", 2));
  answer("a", false);
  EXPECT_LE(next_retry_in(), 100ms);
}

TEST_F(WebhookActorTest, AFailingPartitionDoesNotDelayAnother) {
  auto p1 = deliver(1, batch_for("one"));
  answer("one", false);  // partition 1 now waits for its retry
  ASSERT_EQ(timers()->size(), 1u);

  // Partition 2 goes at once, without time moving, and is answered while 1 still waits.
  auto p2 = deliver(2, batch_for("two"));
  ASSERT_EQ(sender_->open().size(), 1u);
  EXPECT_EQ(sender_->open()[0].front().channel, "two");
  answer("two", true);
  ASSERT_TRUE(p2->has_value());
  EXPECT_TRUE(**p2);
  EXPECT_FALSE(p1->has_value());

  // And while partition 1's request hangs in flight, partition 2 still goes.
  advance(next_retry_in());
  ASSERT_EQ(sender_->open().size(), 1u);  // partition 1's retry, unanswered
  auto p2b = deliver(2, batch_for("two", 2));
  EXPECT_EQ(sender_->open().size(), 2u);
  answer("two", true);
  EXPECT_TRUE(p2b->value_or(false));
  answer("one", true);
  EXPECT_TRUE(p1->value_or(false));
}

TEST_F(WebhookActorTest, BatchesOfOnePartitionGoOneAtATimeInOrder) {
  auto first = deliver(5, batch_for("c", 1));
  auto second = deliver(5, batch_for("c", 2));
  ASSERT_EQ(sender_->open().size(), 1u);
  EXPECT_EQ(sender_->open()[0].front().gen, 1u);
  answer("c", false);
  advance(next_retry_in());
  ASSERT_EQ(sender_->open().size(), 1u);
  EXPECT_EQ(sender_->open()[0].front().gen, 1u);  // the first again, not the second
  answer("c", true);
  EXPECT_TRUE(first->value_or(false));
  EXPECT_FALSE(second->has_value());
  ASSERT_EQ(sender_->open().size(), 1u);
  EXPECT_EQ(sender_->open()[0].front().gen, 2u);
  answer("c", true);
  EXPECT_TRUE(second->value_or(false));
}

TEST_F(WebhookActorTest, ForgetGivesUpThePartition) {
  auto waiting = deliver(4, batch_for("d", 1));
  auto queued = deliver(4, batch_for("d", 2));
  answer("d", false);
  auto n = ask<uint32_t>(worker_, wh_forget_atom::value, 4u);
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(waiting->value_or(true), false);
  EXPECT_EQ(queued->value_or(true), false);
  EXPECT_EQ(timers()->size(), 0u);
  advance(30s);
  EXPECT_EQ(sender_->total(), 1u);

  // An attempt in flight when forgotten: its late verdict changes nothing.
  auto again = deliver(4, batch_for("d", 3));
  EXPECT_EQ(ask<uint32_t>(worker_, wh_forget_atom::value, 4u), 1u);
  EXPECT_EQ(again->value_or(true), false);
  answer("d", true);
  EXPECT_EQ(counters_->batches, 0u);
  EXPECT_EQ(ask<uint32_t>(worker_, wh_forget_atom::value, 9u), 0u);
}

TEST_F(WebhookActorTest, ShutdownAnswersFalseAndCancelsTimers) {
  auto a = deliver(1, batch_for("a"));
  auto b = deliver(2, batch_for("b"));
  answer("a", false);
  caf::anon_send(worker_, shutdown_atom::value);
  run();
  EXPECT_EQ(a->value_or(true), false);
  EXPECT_EQ(b->value_or(true), false);
  EXPECT_EQ(timers()->size(), 0u);
  answer("b", true);  // too late: ignored
  EXPECT_EQ(counters_->batches, 0u);
}

TEST_F(WebhookActorTest, FailingEndpointIsLoggedOncePerTransition) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(100);
  struct Restore {
    std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
    ~Restore() { spdlog::set_default_logger(previous); }
  } restore;
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  auto lines = [&] { return sink->last_formatted(); };

  auto a = deliver(1, batch_for("a"));
  auto b = deliver(2, batch_for("b"));
  answer("a", false);
  answer("b", false);
  for (int i = 0; i < 3; ++i) {  // more failed attempts of both partitions
    advance(20s);
    answer("a", false);
    answer("b", false);
  }
  auto logged = lines();
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_NE(logged[0].find("channel state proxy failing"), std::string::npos);
  EXPECT_NE(logged[0].find("http://backend/events"), std::string::npos);
  EXPECT_NE(logged[0].find("HTTP status 503"), std::string::npos);

  advance(20s);
  answer("a", true);
  answer("b", true);
  logged = lines();
  ASSERT_EQ(logged.size(), 2u);
  EXPECT_NE(logged[1].find("channel state proxy recovered"), std::string::npos);
  EXPECT_NE(logged[1].find("failed_attempts=8"), std::string::npos);
}

TEST(DeliveryBackoff, CeilingDoublesFrom100msTo20s) {
  DeliveryBackoff b(100ms, 20s);
  std::minstd_rand rng(1);
  const std::vector<std::chrono::milliseconds> expected = {
      100ms, 200ms, 400ms, 800ms, 1600ms, 3200ms, 6400ms, 12800ms, 20s, 20s, 20s};
  for (auto c : expected) {
    EXPECT_EQ(b.ceiling(), c);
    const auto d = b.next(rng);
    EXPECT_GE(d, 0ms);
    EXPECT_LE(d, c);
  }
  b.reset();
  EXPECT_EQ(b.ceiling(), 100ms);
  EXPECT_EQ(b.failures(), 0u);
}

TEST(DeliveryBackoff, FullJitterCoversTheWholeRange) {
  DeliveryBackoff b(100ms, 20s);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 10; ++i) b.next(rng);  // at the cap now
  int64_t sum = 0, low = 0, high = 0;
  const int n = 2000;
  for (int i = 0; i < n; ++i) {
    const auto d = b.next(rng).count();
    ASSERT_LE(d, 20000);
    sum += d;
    low += d < 2000;
    high += d > 18000;
  }
  const double mean = static_cast<double>(sum) / n;
  EXPECT_GT(mean, 9000);  // uniform on [0, 20000]: mean 10000, sd of the mean ~130
  EXPECT_LT(mean, 11000);
  EXPECT_GT(low, 100);  // ~200 expected in each tenth
  EXPECT_GT(high, 100);
}

TEST(EndpointHealth, ReportsTransitionsOnly) {
  EndpointHealth h;
  EXPECT_FALSE(h.on_success());
  EXPECT_TRUE(h.on_failure());
  EXPECT_FALSE(h.on_failure());
  EXPECT_FALSE(h.on_failure());
  EXPECT_TRUE(h.failing());
  uint64_t failed = 0;
  EXPECT_TRUE(h.on_success(&failed));
  EXPECT_EQ(failed, 3u);
  EXPECT_FALSE(h.on_success());
  EXPECT_TRUE(h.on_failure());
}

// -- the pool ------------------------------------------------------------------------------

class WebhookPoolTest : public WebhookActorTest {
 protected:
  webhook_actor pool_ = sys().spawn(webhook_pool_actor_impl, ctx_, size_t{3});
  void TearDown() override {
    caf::anon_send(pool_, shutdown_atom::value);
    WebhookActorTest::TearDown();
  }
};

TEST_F(WebhookPoolTest, RoutesEachPartitionToOneWorker) {
  // Two batches per partition; forget() must find both on the worker that has them, which
  // only works if deliver() and forget() of a partition reach the same worker.
  std::vector<Answer> answers;
  for (uint32_t p = 0; p < 6; ++p) {
    answers.push_back(deliver(pool_, p, batch_for("p" + std::to_string(p), 1)));
    answers.push_back(deliver(pool_, p, batch_for("p" + std::to_string(p), 2)));
  }
  EXPECT_EQ(sender_->open().size(), 6u);  // one in flight per partition
  EXPECT_EQ(ask<uint32_t>(pool_, wh_forget_atom::value, 4u), 2u);
  EXPECT_EQ(answers[8]->value_or(true), false);
  EXPECT_EQ(answers[9]->value_or(true), false);
  for (uint32_t p : {0u, 1u, 2u, 3u, 5u}) {
    answer("p" + std::to_string(p), true);
    answer("p" + std::to_string(p), true);
    EXPECT_TRUE(answers[2 * p]->value_or(false));
    EXPECT_TRUE(answers[2 * p + 1]->value_or(false));
  }
  EXPECT_EQ(counters_->batches, 10u);
}

TEST_F(WebhookPoolTest, ShutdownReachesEveryWorker) {
  auto a = deliver(pool_, 0, batch_for("a"));
  auto b = deliver(pool_, 1, batch_for("b"));
  auto c = deliver(pool_, 2, batch_for("c"));
  caf::anon_send(pool_, shutdown_atom::value);
  run();
  EXPECT_EQ(a->value_or(true), false);
  EXPECT_EQ(b->value_or(true), false);
  EXPECT_EQ(c->value_or(true), false);
}

}  // namespace
}  // namespace herald
