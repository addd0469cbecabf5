#include "engine/memory/memory_engine_core.hpp"

#include <utility>

namespace herald::memory {

MemoryEngineCore::MemoryEngineCore(std::chrono::milliseconds idempotency_ttl)
    : results_(idempotency_ttl) {}

MemoryEngineCore::MemoryEngineCore(std::chrono::milliseconds idempotency_ttl,
                                   uint64_t epoch_seed)
    : history_(epoch_seed), results_(idempotency_ttl) {}

PublishOutcome MemoryEngineCore::publish(const std::string& channel, Publication& pub,
                                         const PublishOptions& opts, Clock::time_point now) {
  const bool idempotent = !opts.idempotency_key.empty();
  if (idempotent) {
    if (auto cached = results_.get(channel, opts.idempotency_key, now)) {
      pub.offset = cached->offset;
      return PublishOutcome{std::move(*cached), true};
    }
  }
  PublishOutcome outcome;
  if (opts.use_history()) {
    outcome.position = history_.add(channel, pub, opts, now);
    pub.offset = outcome.position.offset;
    if (pub.offset == 1) pub.epoch = outcome.position.epoch;
  } else {
    pub.offset = 0;  // Centrifugo remembers `{}` for a publish without history, too
  }
  if (idempotent) results_.put(channel, opts.idempotency_key, outcome.position, now);
  return outcome;
}

size_t MemoryEngineCore::expire_all(Clock::time_point now) {
  return history_.expire(now) + presence_.expire(now) + results_.expire(now);
}

std::optional<Clock::time_point> MemoryEngineCore::next_deadline() const {
  std::optional<Clock::time_point> earliest;
  for (auto candidate : {history_.next_deadline(), presence_.next_deadline(),
                         results_.next_deadline()}) {
    if (candidate && (!earliest || *candidate < *earliest)) earliest = candidate;
  }
  return earliest;
}

}  // namespace herald::memory
