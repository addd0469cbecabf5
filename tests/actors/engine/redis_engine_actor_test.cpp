// redis_engine_actor: (1) its CAF side on the deterministic scheduler with a fake engine —
// bsub batching, ordering of bunsub, answers delivered in the actor, the request deadline;
// (2) the real thing on one Redis, two shards and a 3-master Redis Cluster, threaded CAF,
// every wait bounded.
#include "actors/engine/redis_engine_actor.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <deque>
#include <thread>

#include "actors/errors.hpp"
#include "engine/redis/redis_engine_factory.hpp"
#include "tests/actors/deterministic.hpp"
#include "tests/support/redis_server.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;

// -- (1) deterministic, fake engine -----------------------------------------------------------

/// Records calls; the test decides when (and whether) each is answered.
class FakeEngine final : public redis::RedisEngine {
 public:
  void set_handler(std::shared_ptr<redis::EngineHandler> h) override { handler = std::move(h); }
  void publish(const std::string& ch, const Publication&, const PublishOptions&,
               redis::PublishDone done) override {
    calls.push_back("publish " + ch);
    publishes.push_back(std::move(done));
  }
  void join(const std::string& ch, const ClientInfo&) override { calls.push_back("join " + ch); }
  void leave(const std::string& ch, const ClientInfo&) override { calls.push_back("leave " + ch); }
  void subscribe(std::vector<std::string> chs, redis::Done done) override {
    std::string c = "subscribe";
    for (auto& x : chs) c += " " + x;
    calls.push_back(c);
    subscribes.push_back(std::move(done));
  }
  void unsubscribe(std::vector<std::string> chs) override {
    std::string c = "unsubscribe";
    for (auto& x : chs) c += " " + x;
    calls.push_back(c);
  }
  void control(const ControlMessage&) override { calls.push_back("control"); }
  void add_presence(const std::string&, const ClientInfo&, std::chrono::milliseconds,
                    redis::Done) override {}
  void remove_presence(const std::string&, const ClientInfo&, redis::Done) override {}
  void presence(const std::string&, redis::PresenceDone) override {}
  void presence_stats(const std::string&, redis::PresenceStatsDone) override {}
  void history(const std::string& ch, const HistoryQuery&, redis::HistoryDone done) override {
    calls.push_back("history " + ch);
    histories.push_back(std::move(done));
  }
  void remove_history(const std::string&, redis::Done) override {}
  void close() override { closed = true; }

  std::shared_ptr<redis::EngineHandler> handler;
  std::vector<std::string> calls;
  std::vector<redis::Done> subscribes;
  std::vector<redis::PublishDone> publishes;
  std::vector<redis::HistoryDone> histories;
  bool closed = false;
};

/// A request from a throwaway actor; the outcome lands in the returned slot when answered.
template <class T>
struct Outcome {
  bool answered = false;
  std::optional<T> value;
  caf::error error;
};

template <class T, class... Ts>
std::shared_ptr<Outcome<T>> request(test::DeterministicSystem& ds, const caf::actor& target,
                                    Ts... xs) {
  auto out = std::make_shared<Outcome<T>>();
  ds.sys().spawn([=](caf::event_based_actor* self) {
    self->request(target, caf::infinite, xs...)
        .then(
            [out](T& v) {
              out->answered = true;
              out->value = std::move(v);
            },
            [out](caf::error& e) {
              out->answered = true;
              out->error = e;
            });
  });
  return out;
}

class RedisEngineActorFake : public ::testing::Test {
 protected:
  caf::actor spawn(RedisEngineActorOptions opts = {}) {
    spawned.push_back(
        caf::actor_cast<caf::actor>(ds.sys().spawn(redis_engine_actor_impl, fake, opts)));
    return spawned.back();
  }
  // The fake keeps the answer callbacks, which hold the actor: stop it explicitly.
  void TearDown() override {
    for (auto& a : spawned) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    spawned.clear();
    ds.run();
    fake->subscribes.clear();
    fake->publishes.clear();
    fake->histories.clear();
  }
  std::vector<caf::actor> spawned;
  test::DeterministicSystem ds;
  std::shared_ptr<FakeEngine> fake = std::make_shared<FakeEngine>();
};

TEST_F(RedisEngineActorFake, BsubsOfOneTurnLeaveInOneSubscribeAnsweredAfterConfirmation) {
  auto engine = spawn();
  auto a = request<bool>(ds, engine, bsub_atom::value, std::vector<std::string>{"a"});
  auto b = request<bool>(ds, engine, bsub_atom::value, std::vector<std::string>{"b", "c"});
  ds.run();
  ASSERT_EQ(fake->calls, (std::vector<std::string>{"subscribe a b c"}));
  EXPECT_FALSE(a->answered);  // not before Redis confirmed
  EXPECT_FALSE(b->answered);
  fake->subscribes[0](Error{});
  ds.run();
  EXPECT_TRUE(a->answered && a->value && *a->value);
  EXPECT_TRUE(b->answered && b->value && *b->value);
}

TEST_F(RedisEngineActorFake, AFailedSubscribeFailsEveryWaiterWith100) {
  auto engine = spawn();
  auto a = request<bool>(ds, engine, bsub_atom::value, std::vector<std::string>{"a"});
  auto b = request<bool>(ds, engine, bsub_atom::value, std::vector<std::string>{"b"});
  ds.run();
  fake->subscribes[0](make_error(ErrorCode::internal));
  ds.run();
  EXPECT_EQ(from_caf_error(a->error).code, 100u);
  EXPECT_EQ(from_caf_error(b->error).code, 100u);
}

TEST_F(RedisEngineActorFake, BunsubGoesAfterTheSubscribesBeforeIt) {
  auto engine = spawn();
  caf::anon_send(engine, bsub_atom::value, std::vector<std::string>{"x"});
  caf::anon_send(engine, bunsub_atom::value, std::vector<std::string>{"x"});
  caf::anon_send(engine, bsub_atom::value, std::vector<std::string>{"x"});
  ds.run();
  EXPECT_EQ(fake->calls,
            (std::vector<std::string>{"subscribe x", "unsubscribe x", "subscribe x"}));
}

TEST_F(RedisEngineActorFake, PublishAnswersTheOutcomeWithoutAnEvent) {
  auto engine = spawn();
  auto p = request<PublishOutcome>(ds, engine, publish_atom::value, std::string("ch"),
                                   Publication{}, PublishOptions{});
  ds.run();
  ASSERT_EQ(fake->publishes.size(), 1u);
  fake->publishes[0](Error{}, StreamPosition{4, "epoch"}, true);
  ds.run();
  ASSERT_TRUE(p->value);
  EXPECT_EQ(p->value->position, (StreamPosition{4, "epoch"}));
  EXPECT_TRUE(p->value->from_cache);
  EXPECT_EQ(p->value->event, nullptr);  // the node hears it through PUB/SUB
}

TEST_F(RedisEngineActorFake, BroadcastAnswersOnePerChannelInOrder) {
  auto engine = spawn();
  auto r = request<std::vector<PublishReply>>(
      ds, engine, broadcast_atom::value, std::vector<std::string>{"a", "b"}, Publication{},
      std::vector<PublishOptions>{{}, {}});
  ds.run();
  ASSERT_EQ(fake->publishes.size(), 2u);
  fake->publishes[1](make_error(ErrorCode::internal), {}, false);
  fake->publishes[0](Error{}, StreamPosition{1, "e"}, false);
  ds.run();
  ASSERT_TRUE(r->value);
  ASSERT_EQ(r->value->size(), 2u);
  EXPECT_EQ((*r->value)[0].outcome.position.offset, 1u);
  EXPECT_EQ((*r->value)[1].error.code, 100u);
}

TEST_F(RedisEngineActorFake, AnUnansweredRequestFailsAfterTheDeadline) {
  RedisEngineActorOptions opts;
  opts.request_deadline = 3000ms;
  opts.tick = 1000ms;
  auto engine = spawn(opts);
  auto h = request<HistoryResult>(ds, engine, history_atom::value, std::string("ch"),
                                  HistoryQuery{});
  ds.run();
  auto& sched = dynamic_cast<caf::scheduler::test_coordinator&>(ds.sys().scheduler());
  for (int tick = 1; tick <= 2; ++tick) {
    sched.trigger_timeout();
    ds.run();
    EXPECT_FALSE(h->answered) << "tick " << tick;
  }
  sched.trigger_timeout();
  ds.run();
  ASSERT_TRUE(h->answered);
  EXPECT_EQ(from_caf_error(h->error).code, 100u);
  fake->histories[0](Error{}, HistoryResult{});  // too late: ignored
  ds.run();
}

TEST_F(RedisEngineActorFake, TheEngineIsClosedWithTheActor) {
  auto engine = spawn();
  ds.run();
  caf::anon_send_exit(engine, caf::exit_reason::user_shutdown);
  ds.run();
  EXPECT_TRUE(fake->closed);
}

// -- (2) real Redis, threaded CAF ---------------------------------------------------------------

template <class T>
class Box {
 public:
  void push(T v) {
    {
      std::lock_guard l(mu_);
      q_.push_back(std::move(v));
    }
    cv_.notify_all();
  }
  std::optional<T> pop(std::chrono::milliseconds timeout = 5s) {
    std::unique_lock l(mu_);
    if (!cv_.wait_for(l, timeout, [&] { return !q_.empty(); })) return std::nullopt;
    T v = std::move(q_.front());
    q_.pop_front();
    return v;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<T> q_;
};

class RecordingHandler final : public BrokerHandler {
 public:
  void deliver(BrokerEventPtr e) override { events.push(std::move(e)); }
  void control(ControlMessage m) override { controls.push(std::move(m)); }
  void interrupted(std::vector<std::string> c) override { interrupts.push(std::move(c)); }
  Box<BrokerEventPtr> events;
  Box<ControlMessage> controls;
  Box<std::vector<std::string>> interrupts;
};

enum class Topology { single, shards, cluster };

class RedisEngineActorReal : public ::testing::TestWithParam<Topology> {
 protected:
  void SetUp() override {
    redis::EngineOptions o;
    o.broker.prefix = "t";
    o.broker.connection.connect_timeout = 500ms;
    o.broker.connection.io_timeout = 1000ms;
    switch (GetParam()) {
      case Topology::single:
      case Topology::shards:
        for (size_t i = 0; i < (GetParam() == Topology::single ? 1u : 2u); ++i) {
          servers.push_back(std::make_unique<test::RedisServer>());
          ASSERT_TRUE(servers.back()->start());
          o.broker.shards.push_back(*redis::parse_address(servers.back()->address()));
        }
        break;
      case Topology::cluster:
        ASSERT_TRUE(cluster.start(3));
        o.broker.cluster = {*redis::parse_address(cluster.node(0).address())};
        break;
    }
    for (const char* uid : {"a", "b"}) {
      o.node_uid = uid;
      engines.push_back(caf::actor_cast<caf::actor>(sys.spawn(
          redis_engine_actor_impl, redis::make_redis_engine(io.get_executor(), o),
          RedisEngineActorOptions{})));
      handlers.push_back(std::make_shared<RecordingHandler>());
      caf::anon_send(engines.back(), handler_atom::value, BrokerHandlerPtr(handlers.back()));
    }
  }
  void TearDown() override {
    for (auto& e : engines) caf::anon_send_exit(e, caf::exit_reason::user_shutdown);
    engines.clear();
  }

  /// A request answered within 5 s (the actor's answer or its error).
  template <class T, class... Ts>
  std::pair<std::optional<T>, caf::error> ask(const caf::actor& a, Ts... xs) {
    caf::scoped_actor self{sys};
    std::pair<std::optional<T>, caf::error> out;
    self->request(a, std::chrono::seconds(5), xs...)
        .receive([&](T& v) { out.first = std::move(v); },
                 [&](caf::error& e) { out.second = e; });
    return out;
  }

  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard{
      io.get_executor()};
  std::thread io_thread{[this] { io.run(); }};
  std::vector<std::unique_ptr<test::RedisServer>> servers;
  test::RedisCluster cluster;
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::vector<caf::actor> engines;
  std::vector<std::shared_ptr<RecordingHandler>> handlers;

 public:
  ~RedisEngineActorReal() override {
    // An engine actor closes its engine when it ends, and that close runs on `io`: wait for
    // the actors, then run what they posted (else the clients leak).
    sys.await_all_actors_done();
    guard.reset();
    io.stop();
    io_thread.join();
    // What the closes posted, and what that posts in turn (a cluster client's close closes its
    // node connections), runs here.
    io.restart();
    io.poll();
  }
};

TEST_P(RedisEngineActorReal, PublicationsHistoryPresenceAndControlAcrossTwoNodes) {
  auto& a = engines[0];
  auto& b = engines[1];
  std::vector<std::string> channels{"news", "chat:index", "personal:#42"};
  auto sub = ask<bool>(b, bsub_atom::value, channels);
  ASSERT_TRUE(sub.first) << caf::to_string(sub.second);
  PublishOptions opts;
  opts.history_size = 10;
  opts.history_ttl_ms = 60000;
  for (const auto& ch : channels) {
    Publication p;
    p.data = "{\"on\":\"" + ch + "\"}";
    auto out = ask<PublishOutcome>(a, publish_atom::value, ch, p, opts);
    ASSERT_TRUE(out.first) << caf::to_string(out.second);
    EXPECT_EQ(out.first->position.offset, 1u);
    auto ev = handlers[1]->events.pop();
    ASSERT_TRUE(ev);
    EXPECT_EQ((*ev)->channel, ch);
    EXPECT_EQ((*ev)->publication.data, p.data);
    EXPECT_EQ((*ev)->epoch, out.first->position.epoch);
    auto h = ask<HistoryResult>(b, history_atom::value, ch, HistoryQuery{-1, {}, false, 0});
    ASSERT_TRUE(h.first);
    ASSERT_EQ(h.first->publications.size(), 1u);
    EXPECT_EQ(h.first->position, out.first->position);
  }
  ClientInfo info{"u", "c1", "", ""};
  ASSERT_TRUE(ask<bool>(a, pres_add_atom::value, std::string("news"), info, int64_t{60000}).first);
  auto pm = ask<PresenceMap>(b, presence_atom::value, std::string("news"));
  ASSERT_TRUE(pm.first);
  EXPECT_EQ(pm.first->count("c1"), 1u);
  auto st = ask<PresenceStats>(b, pres_stat_atom::value, std::string("news"));
  ASSERT_TRUE(st.first);
  EXPECT_EQ(st.first->num_users, 1u);
  caf::anon_send(a, join_atom::value, std::string("news"), info);
  auto j = handlers[1]->events.pop();
  ASSERT_TRUE(j);
  EXPECT_EQ((*j)->kind, BrokerEvent::Kind::join);

  // Control: sent until node b's control subscription is surely up, never back to a.
  ControlMessage m;
  m.from = "a";
  m.body = control::SurveyRequest{1, "channels"};
  std::optional<ControlMessage> got;
  for (int i = 0; i < 50 && !got; ++i) {
    caf::anon_send(a, control_atom::value, m);
    got = handlers[1]->controls.pop(100ms);
  }
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, m);
}

TEST_P(RedisEngineActorReal, RequestsFailWith100WhileRedisIsDown) {
  if (GetParam() == Topology::cluster) {
    for (size_t i = 0; i < cluster.size(); ++i) cluster.node(i).kill();
  } else {
    for (auto& s : servers) s->kill();
  }
  auto started = std::chrono::steady_clock::now();
  auto h = ask<HistoryResult>(engines[0], history_atom::value, std::string("x"), HistoryQuery{});
  EXPECT_EQ(from_caf_error(h.second).code, 100u);
  auto s = ask<bool>(engines[0], bsub_atom::value, std::vector<std::string>{"x"});
  EXPECT_EQ(from_caf_error(s.second).code, 100u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 4s);
}

INSTANTIATE_TEST_SUITE_P(Topologies, RedisEngineActorReal,
                         ::testing::Values(Topology::single, Topology::shards, Topology::cluster),
                         [](const auto& info) {
                           switch (info.param) {
                             case Topology::single: return "OneRedis";
                             case Topology::shards: return "TwoShards";
                             case Topology::cluster: return "Cluster";
                           }
                           return "unknown";
                         });

}  // namespace
}  // namespace herald
