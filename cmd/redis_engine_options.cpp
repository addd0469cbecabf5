#include "cmd/redis_engine_options.hpp"

#include <string_view>

namespace herald {

namespace {

/// io_timeout 0 means "none" in the config; the client needs a bound, so 0 becomes an hour.
constexpr std::chrono::milliseconds kNoIoTimeout = std::chrono::hours(1);

std::optional<redis::DeploymentOptions> deployment(const RedisConfig& rc, const std::string& path,
                                                   std::string* error) {
  redis::DeploymentOptions d;
  d.prefix = rc.prefix;
  const bool cluster = !rc.cluster_address.empty();
  const auto& list = cluster ? rc.cluster_address : rc.address;
  const std::string key = path + (cluster ? ".cluster_address" : ".address");
  for (const auto& text : list) {
    std::string why;
    // "tcp://host:port" is Centrifugo's spelling of a plain address.
    std::string_view plain = text;
    if (plain.starts_with("tcp://")) plain.remove_prefix(6);
    auto a = redis::parse_address(plain, &why);
    if (!a) {
      *error = key + ": \"" + text + "\": " + why;
      return std::nullopt;
    }
    (cluster ? d.cluster : d.shards).push_back(std::move(*a));
  }
  if (list.empty()) {
    *error = key + ": no address";
    return std::nullopt;
  }
  d.connection.connect_timeout = rc.connect_timeout;
  d.connection.io_timeout = rc.io_timeout.count() > 0 ? rc.io_timeout : kNoIoTimeout;
  d.connection.user = rc.user;
  d.connection.password = rc.password;
  if (rc.db != 0) d.connection.db = rc.db;
  d.connection.client_name = rc.client_name;
  return d;
}

}  // namespace

std::optional<redis::EngineOptions> redis_engine_options(const Config& config,
                                                         const std::string& node_uid,
                                                         std::string* error) {
  redis::EngineOptions o;
  o.node_uid = node_uid;
  const bool own_broker = config.broker.enabled;
  const bool own_presence = config.presence_manager.enabled;
  if (own_broker && config.broker.type != "redis") {
    *error = "broker.type: \"" + config.broker.type + "\" is not supported with the Redis engine";
    return std::nullopt;
  }
  if (own_presence && config.presence_manager.type != "redis") {
    *error = "presence_manager.type: \"" + config.presence_manager.type +
             "\" is not supported with the Redis engine";
    return std::nullopt;
  }
  auto broker = own_broker ? deployment(config.broker.redis, "broker.redis", error)
                           : deployment(config.engine.redis, "engine.redis", error);
  if (!broker) return std::nullopt;
  o.broker = std::move(*broker);
  o.broker_role = own_broker ? "broker" : "engine";
  // Presence lives with the broker unless the presence manager, or (with a separate broker)
  // the engine's own Redis, holds it.
  if (own_presence || own_broker) {
    auto presence = own_presence
                        ? deployment(config.presence_manager.redis, "presence_manager.redis", error)
                        : deployment(config.engine.redis, "engine.redis", error);
    if (!presence) return std::nullopt;
    o.presence = std::move(*presence);
    o.presence_role = own_presence ? "presence_manager" : "engine";
  }
  return o;
}

}  // namespace herald
