// Per-channel presence of the memory engine: who is subscribed, with a TTL per client.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

#include "engine/memory/deadline_heap.hpp"
#include "engine/types.hpp"

namespace herald::memory {

/// Presence entries keyed by (channel, client id), each expiring `ttl` after its last add —
/// the Redis presence manager's semantics (docs/protocol.md §7.4): a node that stops refreshing
/// loses its clients after presence_ttl. Centrifuge's own memory presence has no TTL; with the
/// refresh every presence_update_interval the observable result is the same.
/// Stats count distinct `user` strings, the anonymous "" counting as one user, as both of
/// Centrifuge's presence managers do.
/// Not thread-safe: one actor owns an instance and serializes calls.
class PresenceStore {
 public:
  /// Adds or refreshes `info.client` in `channel` until now + ttl (replacing its info).
  /// O(1) average (+ O(log n) heap push for a new entry).
  void add(const std::string& channel, const ClientInfo& info, std::chrono::milliseconds ttl,
           Clock::time_point now);

  /// Removes a client; false if it was not present. O(1) average.
  bool remove(const std::string& channel, const std::string& client_id);

  /// Live entries of a channel by client id. Collects expired entries first (see expire).
  /// O(k log k) for k entries in the channel, plus the amortized expiry.
  std::map<std::string, ClientInfo> get(const std::string& channel, Clock::time_point now);

  /// Number of live clients and of distinct users. O(1) plus the amortized expiry.
  PresenceStats stats(const std::string& channel, Clock::time_point now);

  /// Drops every entry whose TTL passed. Returns how many. Amortized O(log n) per entry
  /// that came due (a refreshed entry is pushed back once per TTL period, not per refresh).
  size_t expire(Clock::time_point now);

  size_t channel_count() const { return channels_.size(); }
  /// Deadline items held, live or stale (memory bound checks).
  size_t deadline_items() const { return deadlines_.size(); }

  /// Earliest pending deadline, to arm a timer instead of polling. O(1).
  std::optional<Clock::time_point> next_deadline() const { return deadlines_.next(); }

 private:
  struct Entry {
    ClientInfo info;
    Clock::time_point deadline;
    uint64_t generation = 0;
  };
  struct Channel {
    std::unordered_map<std::string, Entry> clients;
    std::unordered_map<std::string, uint32_t> users;  ///< user → number of its clients
  };
  struct Key {
    std::string channel;
    std::string client;
  };

  /// Erases a client entry, keeping user counts and empty channels tidy.
  void erase_entry(std::unordered_map<std::string, Channel>::iterator ch_it,
                   std::unordered_map<std::string, Entry>::iterator entry_it);

  std::unordered_map<std::string, Channel> channels_;
  DeadlineHeap<Key> deadlines_;
  uint64_t next_generation_ = 1;
  size_t entries_ = 0;  ///< live entries over all channels (for heap compaction)
};

}  // namespace herald::memory
