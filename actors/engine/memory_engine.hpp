// The memory engine's state behind one mutex, shared by the memory engine actor and the
// threads that publish without a mailbox (DirectPublisher: the server API's io threads).
// Every call holds the lock only for in-memory work and the hand-off to the broker handler,
// which only enqueues. A publication is handed on while the lock is held, so deliveries of a
// channel leave in offset order whichever thread published them.
#pragma once

#include <functional>
#include <mutex>

#include "actors/engine/direct_publisher.hpp"
#include "actors/engine/engine_actor.hpp"
#include "engine/memory/memory_engine_core.hpp"

namespace herald {

/// Where the memory engine reads the time (a fake one in tests).
using EngineClock = std::function<memory::Clock::time_point()>;

class MemoryEngine final : public DirectPublisher {
 public:
  /// An empty `now` reads the steady clock.
  explicit MemoryEngine(EngineClock now = {});

  void set_handler(BrokerHandlerPtr handler);
  /// Called (outside the lock) when something can expire and no sweep is scheduled: the
  /// actor schedules one, which ends in sweep(). Calls from any thread may make it due.
  void set_sweep_request(std::function<void()> request);

  void publish(const std::string& channel, Publication pub, const PublishOptions& opts,
               Done done) override;
  /// Stores and delivers one publication; the outcome carries the delivered event.
  PublishOutcome publish(const std::string& channel, Publication pub, const PublishOptions& opts);
  /// A join or leave push (nothing is stored).
  void deliver(BrokerEvent event);

  void add_presence(const std::string& channel, const ClientInfo& info,
                    std::chrono::milliseconds ttl);
  void remove_presence(const std::string& channel, const std::string& client_id);
  PresenceMap presence(const std::string& channel);
  PresenceStats presence_stats(const std::string& channel);
  HistoryResult history(const std::string& channel, const HistoryQuery& query, Error* err);
  void remove_history(const std::string& channel);

  /// Frees what expired; returns true when something is left to expire (the caller schedules
  /// the next sweep), false when the engine sleeps until a change makes a sweep due again.
  bool sweep();
  std::optional<memory::Clock::time_point> next_deadline() const;

 private:
  EngineClock now_;
  mutable std::mutex mu_;
  memory::MemoryEngineCore core_;
  BrokerHandlerPtr handler_;
  std::function<void()> request_sweep_;
  bool sweep_scheduled_ = false;

  /// Under the lock, after a change: whether a sweep must be requested now.
  bool sweep_due_locked();
  void request_sweep_if(bool due);
};

}  // namespace herald
