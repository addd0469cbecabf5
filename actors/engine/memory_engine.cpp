#include "actors/engine/memory_engine.hpp"

namespace herald {

MemoryEngine::MemoryEngine(EngineClock now)
    : now_(now ? std::move(now) : EngineClock([] { return memory::Clock::now(); })) {}

void MemoryEngine::set_handler(BrokerHandlerPtr handler) {
  std::lock_guard lock(mu_);
  handler_ = std::move(handler);
}

void MemoryEngine::set_sweep_request(std::function<void()> request) {
  std::lock_guard lock(mu_);
  request_sweep_ = std::move(request);
}

bool MemoryEngine::sweep_due_locked() {
  if (sweep_scheduled_ || !request_sweep_ || !core_.next_deadline()) return false;
  sweep_scheduled_ = true;
  return true;
}

void MemoryEngine::request_sweep_if(bool due) {
  if (due) request_sweep_();  // set once before use; called outside the lock
}

PublishOutcome MemoryEngine::publish(const std::string& channel, Publication pub,
                                     const PublishOptions& opts) {
  PublishOutcome result;
  bool due = false;
  {
    std::lock_guard lock(mu_);
    auto out = core_.publish(channel, pub, opts, now_());
    result = PublishOutcome{out.position, out.from_cache, nullptr};
    if (!out.from_cache) {
      auto ev = std::make_shared<BrokerEvent>();
      ev->kind = BrokerEvent::Kind::publication;
      ev->channel = channel;
      ev->publication = std::move(pub);
      ev->epoch = out.position.epoch;
      result.event = ev;
      if (handler_) handler_->deliver(std::move(ev));
    }
    due = sweep_due_locked();
  }
  request_sweep_if(due);
  return result;
}

void MemoryEngine::publish(const std::string& channel, Publication pub,
                           const PublishOptions& opts, Done done) {
  // The memory engine cannot fail to publish.
  done(Error{}, publish(channel, std::move(pub), opts));
}

void MemoryEngine::deliver(BrokerEvent event) {
  std::lock_guard lock(mu_);
  if (handler_) handler_->deliver(std::make_shared<const BrokerEvent>(std::move(event)));
}

void MemoryEngine::add_presence(const std::string& channel, const ClientInfo& info,
                                std::chrono::milliseconds ttl) {
  bool due = false;
  {
    std::lock_guard lock(mu_);
    core_.add_presence(channel, info, ttl, now_());
    due = sweep_due_locked();
  }
  request_sweep_if(due);
}

void MemoryEngine::remove_presence(const std::string& channel, const std::string& client_id) {
  std::lock_guard lock(mu_);
  core_.remove_presence(channel, client_id);
}

PresenceMap MemoryEngine::presence(const std::string& channel) {
  std::lock_guard lock(mu_);
  return core_.presence(channel, now_());
}

PresenceStats MemoryEngine::presence_stats(const std::string& channel) {
  std::lock_guard lock(mu_);
  return core_.presence_stats(channel, now_());
}

HistoryResult MemoryEngine::history(const std::string& channel, const HistoryQuery& query,
                                    Error* err) {
  HistoryResult result;
  bool due = false;
  {
    std::lock_guard lock(mu_);
    result = core_.history(channel, query, now_(), err);  // may create the channel's stream
    due = sweep_due_locked();
  }
  request_sweep_if(due);
  return result;
}

void MemoryEngine::remove_history(const std::string& channel) {
  std::lock_guard lock(mu_);
  core_.remove_history(channel);
}

bool MemoryEngine::sweep() {
  std::lock_guard lock(mu_);
  core_.expire_all(now_());
  sweep_scheduled_ = core_.next_deadline().has_value();
  return sweep_scheduled_;
}

std::optional<memory::Clock::time_point> MemoryEngine::next_deadline() const {
  std::lock_guard lock(mu_);
  return core_.next_deadline();
}

}  // namespace herald
