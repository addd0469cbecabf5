// Actor tests without threads or sleeps: CAF's test coordinator runs every message when the
// test says so, and time (connection timers, the engine's clock, unix seconds) moves only
// when the test advances it. A negative check ("nothing was sent") is then exact: everything
// that could happen has happened once run() returns.
#pragma once

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <tuple>
#include <vector>

#include "actors/timer/timer_service.hpp"

namespace herald::test {

struct TestingConfig : caf::actor_system_config {
  TestingConfig() { set("scheduler.policy", caf::atom("testing")); }
};

/// An actor that keeps every message it receives, to check what others sent it.
class Probe {
 public:
  explicit Probe(caf::actor_system& sys) {
    auto inbox = inbox_;
    actor_ = sys.spawn([inbox](caf::event_based_actor* self) -> caf::behavior {
      self->set_default_handler(
          [inbox](caf::scheduled_actor*, caf::message_view& x) -> caf::result<caf::message> {
            inbox->push_back(x.move_content_to_message());
            return caf::message{};
          });
      // Never matched: the default handler above takes every message.
      return {[](double, double, double) {}};
    });
  }

  template <class Handle = caf::actor>
  Handle as() const {
    return caf::actor_cast<Handle>(actor_);
  }
  /// Every message received since the last take().
  std::vector<caf::message> take() { return std::exchange(*inbox_, {}); }
  /// The messages received since the last take() whose first element is `Atom`.
  template <class Atom>
  std::vector<caf::message> take_all() {
    std::vector<caf::message> out;
    for (auto& m : take())
      if (m.size() > 0 && m.match_element<Atom>(0)) out.push_back(std::move(m));
    return out;
  }

 private:
  std::shared_ptr<std::vector<caf::message>> inbox_ =
      std::make_shared<std::vector<caf::message>>();
  caf::actor actor_;
};

class DeterministicSystem {
 public:
  using Clock = std::chrono::steady_clock;

  DeterministicSystem()
      : sched_(dynamic_cast<caf::scheduler::test_coordinator&>(sys_.scheduler())) {
    timers_->advance(now_);  // the timers' "now" is the test's from the start
  }
  /// Queued jobs and CAF's pending timeouts (request timeouts, delayed messages) hold their
  /// actors; ~actor_system would wait for them forever.
  ~DeterministicSystem() {
    do {
      run();
    } while (sched_.trigger_timeouts() > 0);
  }

  caf::actor_system& sys() { return sys_; }
  const std::shared_ptr<TimerService>& timers() const { return timers_; }

  /// Handles every pending message, including what handling them sends.
  void run() { sched_.run(); }
  /// CAF's scheduler, to fire its pending timeouts (request timeouts, delayed messages).
  caf::scheduler::test_coordinator& sched() { return sched_; }

  /// Moves time forward: fires due timers, then handles what they caused.
  void advance(std::chrono::milliseconds d) {
    now_ += d;
    timers_->advance(now_);
    run();
  }

  Clock::time_point now() const { return now_; }
  /// Unix seconds that move with advance(), starting at the real time (tokens are signed with
  /// real expiry times).
  int64_t unix_now() const {
    return unix_start_ +
           std::chrono::duration_cast<std::chrono::seconds>(now_ - start_).count();
  }

  /// Sends a request from a throwaway actor and runs until it is answered; nullopt if it
  /// failed or got no answer.
  template <class T, class Handle, class... Ts>
  std::optional<T> ask(const Handle& target, Ts... xs) {
    auto out = std::make_shared<std::optional<T>>();
    sys_.spawn([=](caf::event_based_actor* self) {
      std::apply(
          [&](auto&&... args) {
            self->request(target, caf::infinite, args...)
                .then([out](T& v) { *out = std::move(v); }, [](caf::error&) {});
          },
          std::make_tuple(xs...));
    });
    run();
    return *out;
  }

 private:
  TestingConfig cfg_;
  caf::actor_system sys_{cfg_};
  caf::scheduler::test_coordinator& sched_;
  std::shared_ptr<TimerService> timers_ = std::make_shared<TimerService>();
  const Clock::time_point start_ = Clock::now();
  Clock::time_point now_ = start_;
  const int64_t unix_start_ =
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
};

}  // namespace herald::test
