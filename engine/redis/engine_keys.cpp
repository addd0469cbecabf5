#include "engine/redis/engine_keys.hpp"

namespace herald::redis {

std::optional<std::string> EngineKeys::channel_of(std::string_view pubsub_channel) const {
  const std::string head = prefix_ + ".client.";
  if (!pubsub_channel.starts_with(head)) return std::nullopt;
  std::string_view ch = pubsub_channel.substr(head.size());
  if (!cluster_) return std::string(ch);
  if (ch.size() < 2 || ch.front() != '{' || ch.back() != '}') return std::nullopt;
  return std::string(ch.substr(1, ch.size() - 2));
}

}  // namespace herald::redis
