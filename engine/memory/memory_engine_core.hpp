// The memory engine's state in one object: history, presence and idempotent-publish results.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "engine/memory/deadline_heap.hpp"
#include "engine/memory/history_store.hpp"
#include "engine/memory/idempotency_cache.hpp"
#include "engine/memory/presence_store.hpp"
#include "engine/types.hpp"

namespace herald::memory {

struct PublishOutcome {
  StreamPosition position;  ///< {0, ""} when the channel keeps no history (API replies `{}`)
  bool from_cache = false;  ///< a repeat of an idempotent publish: do not deliver again
};

/// What the memory engine actor owns: a single-node engine's state, as Centrifuge's
/// MemoryBroker + MemoryPresenceManager hold it. Delivery to subscribers is the caller's job.
/// Not thread-safe: one actor owns an instance and serializes calls.
/// n = channels / entries held; k = publications or presence entries returned.
class MemoryEngineCore {
 public:
  /// idempotency_ttl: how long publish results are remembered (Centrifugo: 300 s).
  explicit MemoryEngineCore(
      std::chrono::milliseconds idempotency_ttl = IdempotencyCache::kDefaultTtl);
  /// Deterministic epochs, for tests.
  MemoryEngineCore(std::chrono::milliseconds idempotency_ttl, uint64_t epoch_seed);

  // -- publications ------------------------------------------------------------------------

  /// Idempotency check first: a repeated key within the TTL returns the first result with
  /// from_cache set and stores nothing. Otherwise stores `pub` when opts.use_history() and
  /// sets pub.offset (0 without history), then remembers the result under the key.
  /// O(1) amortized + one copy of `pub` into history.
  PublishOutcome publish(const std::string& channel, Publication& pub,
                         const PublishOptions& opts, Clock::time_point now);

  // -- history -----------------------------------------------------------------------------

  /// See HistoryStore::read. O(1) + O(k).
  HistoryResult history(const std::string& channel, const HistoryQuery& query,
                        Clock::time_point now, Error* err) {
    return history_.read(channel, query, now, err);
  }

  /// history_remove: drops publications, keeps epoch and offset. O(k).
  void remove_history(const std::string& channel) { history_.remove(channel); }

  // -- presence ----------------------------------------------------------------------------

  /// O(1) average.
  void add_presence(const std::string& channel, const ClientInfo& info,
                    std::chrono::milliseconds ttl, Clock::time_point now) {
    presence_.add(channel, info, ttl, now);
  }
  /// O(1) average.
  bool remove_presence(const std::string& channel, const std::string& client_id) {
    return presence_.remove(channel, client_id);
  }
  /// O(k log k) + amortized expiry.
  std::map<std::string, ClientInfo> presence(const std::string& channel,
                                             Clock::time_point now) {
    return presence_.get(channel, now);
  }
  /// O(1) + amortized expiry.
  PresenceStats presence_stats(const std::string& channel, Clock::time_point now) {
    return presence_.stats(channel, now);
  }

  // -- housekeeping ------------------------------------------------------------------------

  /// Frees everything expired at `now` in the three stores; returns how many items went.
  /// Amortized O(log n) per deadline that came due: cheap to call from a periodic timer.
  size_t expire_all(Clock::time_point now);

  /// Earliest pending deadline across the stores, if any. O(1).
  std::optional<Clock::time_point> next_deadline() const;

  const HistoryStore& history_store() const { return history_; }
  const PresenceStore& presence_store() const { return presence_; }
  const IdempotencyCache& idempotency_cache() const { return results_; }

 private:
  HistoryStore history_;
  PresenceStore presence_;
  IdempotencyCache results_;
};

}  // namespace herald::memory
