// Per-channel publication streams of the memory engine (Centrifuge's memory broker history).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>

#include "engine/memory/deadline_heap.hpp"
#include "engine/types.hpp"

namespace herald::memory {

/// History streams with Centrifugo's observable semantics (docs/protocol.md §8):
/// - A channel's *meta* holds its epoch and top offset. It is created by the first publish or
///   read, lives `history_meta_ttl` after the last publish or read (a TTL of 0 leaves the
///   deadline unchanged; a meta created with 0 never expires, like Centrifuge's memory broker),
///   and when it is gone a new epoch starts and offsets restart at 1.
/// - The *stream* keeps at most `history_size` publications, all dropped `history_ttl` after
///   the last publish; the meta (and so the offset counter) survives that.
/// - The epoch is 4 random ASCII letters, as Centrifuge's memstream generates it.
///
/// Expiry is applied lazily on access (so results are exact at `now`) and by `expire(now)`,
/// which the owner calls from a periodic timer to free memory of idle channels.
/// Not thread-safe: one actor owns an instance and serializes calls.
class HistoryStore {
 public:
  /// Seeds the epoch generator from std::random_device.
  HistoryStore();
  /// Deterministic epochs, for tests.
  explicit HistoryStore(uint64_t epoch_seed);

  /// Appends `pub` with offset top+1 (sets pub.offset), trims to history_size, refreshes the
  /// stream and meta TTLs. Returns the new top. Callers check opts.use_history() first.
  /// O(1) amortized (+ O(log n) heap push the first time a deadline is armed).
  StreamPosition add(const std::string& channel, Publication pub, const PublishOptions& opts,
                     Clock::time_point now);

  /// Reads a channel's history; creates the meta if absent and refreshes its TTL.
  /// limit 0 ⇒ position only, < 0 ⇒ all, > 0 ⇒ at most limit. `since` ⇒ offsets > since
  /// (forward) or < since (reverse, newest first); no `since` ⇒ oldest first, or newest first
  /// when reverse. Errors (in `*err`, reset to success first; `err` may be null):
  /// reverse with since.offset 0 ⇒ 107 bad request (nothing touched); since.epoch non-empty
  /// and not the current epoch ⇒ 112 unrecoverable position, with the current position.
  /// O(1) + O(k) for k returned publications.
  HistoryResult read(const std::string& channel, const HistoryQuery& query,
                     Clock::time_point now, Error* err);

  /// history_remove: drops the publications, keeps epoch and top offset. O(k) to free them.
  void remove(const std::string& channel);

  /// Drops streams whose history_ttl passed and metas whose history_meta_ttl passed.
  /// Returns how many were dropped (a stream and a meta count one each).
  /// Amortized O(log n) per deadline that came due.
  size_t expire(Clock::time_point now);

  /// Channels with a live meta (memory held), including ones expired but not yet collected.
  size_t channel_count() const { return channels_.size(); }

  /// Earliest pending deadline, to arm a timer instead of polling. O(1).
  std::optional<Clock::time_point> next_deadline() const { return deadlines_.next(); }

  /// Heap items pending (bounded by 2 per channel plus stale items of dropped channels).
  size_t pending_deadlines() const { return deadlines_.size(); }

 private:
  struct Channel {
    std::string epoch;
    uint64_t top = 0;
    /// Publications with contiguous offsets (top - size + 1) .. top.
    std::deque<Publication> pubs;
    std::optional<Clock::time_point> stream_deadline;
    std::optional<Clock::time_point> meta_deadline;  ///< none ⇒ lives forever
    uint64_t generation = 0;
    bool stream_queued = false;  ///< a heap item for stream_deadline exists
    bool meta_queued = false;    ///< a heap item for meta_deadline exists
  };
  enum class Kind : uint8_t { stream, meta };
  struct Key {
    std::string channel;
    Kind kind;
  };

  /// The channel's state after applying expiries due at `now`; null when absent or expired.
  Channel* find_live(const std::string& channel, Clock::time_point now);
  Channel& find_or_create(const std::string& channel, Clock::time_point now);
  void arm_stream(const std::string& channel, Channel& ch, Clock::time_point deadline);
  void refresh_meta(const std::string& channel, Channel& ch, int64_t ttl_ms,
                    Clock::time_point now);
  std::string new_epoch();

  std::unordered_map<std::string, Channel> channels_;
  DeadlineHeap<Key> deadlines_;
  std::mt19937_64 rng_;
  uint64_t next_generation_ = 1;
};

}  // namespace herald::memory
