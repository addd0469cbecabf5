// Key and PUB/SUB channel names of the Redis engine, exactly as docs/protocol.md §7.1 (and
// Centrifugo) names them. `P` is the prefix; on Redis Cluster the channel is wrapped in a
// hash tag `{<ch>}` so every key of one channel lands in one slot (the Lua scripts touch them
// together).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace herald::redis {

class EngineKeys {
 public:
  EngineKeys(std::string prefix, bool cluster) : prefix_(std::move(prefix)), cluster_(cluster) {}

  const std::string& prefix() const { return prefix_; }
  bool cluster() const { return cluster_; }

  std::string client_channel(std::string_view ch) const { return key(".client.", ch); }
  std::string stream(std::string_view ch) const { return key(".stream.", ch); }
  std::string stream_meta(std::string_view ch) const { return key(".stream.meta.", ch); }
  /// `P.result.<ch>.<key>` / `P.result.{<ch>}.<key>`.
  std::string result(std::string_view ch, std::string_view idempotency_key) const {
    return key(".result.", ch) + "." + std::string(idempotency_key);
  }
  std::string presence_data(std::string_view ch) const { return key(".presence.data.", ch); }
  std::string presence_expire(std::string_view ch) const { return key(".presence.expire.", ch); }
  std::string presence_user_expire(std::string_view ch) const {
    return key(".presence.user.expire.", ch);
  }
  std::string presence_user_clients(std::string_view ch) const {
    return key(".presence.user.clients.", ch);
  }
  std::string control_channel() const { return prefix_ + ".control"; }
  std::string node_channel(std::string_view uid) const {
    return prefix_ + ".node." + std::string(uid);
  }

  /// The Herald channel a client PUB/SUB channel carries; nullopt for anything else.
  std::optional<std::string> channel_of(std::string_view pubsub_channel) const;

 private:
  std::string key(std::string_view infix, std::string_view ch) const {
    std::string out;
    out.reserve(prefix_.size() + infix.size() + ch.size() + 2);
    out += prefix_;
    out += infix;
    if (cluster_) out += '{';
    out += ch;
    if (cluster_) out += '}';
    return out;
  }

  std::string prefix_;
  bool cluster_;
};

}  // namespace herald::redis
