// Which channels have a channel actor on this node, readable from any thread: the engine's
// deliveries find their channel actor here instead of passing through the node actor, so no
// single actor sits on the path every publication takes. The node actor is the only writer
// (it spawns and stops channel actors); readers are the engine's threads. Sharded by the
// channel's hash so readers on different threads rarely meet on one lock.
#pragma once

#include <array>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "actors/channel/channel_actor.hpp"

namespace herald {

class LocalChannels {
 public:
  /// The channel's actor, if it has local subscribers.
  std::optional<channel_actor> find(const std::string& channel) const {
    const Shard& s = shard(channel);
    std::lock_guard lock(s.mu);
    auto it = s.actors.find(channel);
    if (it == s.actors.end()) return std::nullopt;
    return it->second;
  }

  void add(const std::string& channel, channel_actor actor) {
    Shard& s = shard(channel);
    std::lock_guard lock(s.mu);
    s.actors[channel] = std::move(actor);
  }

  void remove(const std::string& channel) {
    Shard& s = shard(channel);
    std::lock_guard lock(s.mu);
    s.actors.erase(channel);
  }

  void clear() {
    for (auto& s : shards_) {
      std::lock_guard lock(s.mu);
      s.actors.clear();
    }
  }

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, channel_actor> actors;
  };

  Shard& shard(const std::string& channel) {
    return shards_[std::hash<std::string>{}(channel) % kShards];
  }
  const Shard& shard(const std::string& channel) const {
    return shards_[std::hash<std::string>{}(channel) % kShards];
  }

  std::array<Shard, kShards> shards_;
};

}  // namespace herald
