// What every connection actor of a node shares, read-only: config, the channel resolver,
// token keys, the engine and node actors, and who this node is.
#pragma once

#include <memory>
#include <string>

#include <functional>

#include "actors/engine/engine_actor.hpp"
#include "actors/node/node_actor.hpp"
#include "actors/partition/presence_router.hpp"
#include "actors/timer/timer_service.hpp"
#include "config/channel_resolver.hpp"
#include "config/config.hpp"
#include "proto/jwt/jwt.hpp"

namespace herald {

struct ClientContext {
  std::shared_ptr<const Config> config;
  std::shared_ptr<const ChannelResolver> resolver;
  engine_actor engine;
  node_actor node;
  /// Where each channel's presence lives: its state partition or the engine.
  std::shared_ptr<const PresenceRouter> presence;
  std::string node_name;
  std::string version;
  /// Ping, pong, expiry and presence timers of every connection of the node.
  std::shared_ptr<TimerService> timers;
  /// Unix seconds, for token and subscription expiry (tests replace it).
  std::function<int64_t()> unix_now;

  jwt::JwtKeys connection_keys;
  jwt::VerifyOptions connection_verify;
  jwt::JwtKeys subscription_keys;  ///< client.subscription_token when enabled, else the above
  jwt::VerifyOptions subscription_verify;

  /// Builds the token keys and options from `config`; the wall clock for `unix_now`.
  /// Without `presence`, every channel's presence is the engine's.
  static std::shared_ptr<const ClientContext> make(
      std::shared_ptr<const Config> config, std::shared_ptr<const ChannelResolver> resolver,
      engine_actor engine, node_actor node, std::string node_name, std::string version,
      std::shared_ptr<TimerService> timers,
      std::shared_ptr<const PresenceRouter> presence = nullptr);
};

}  // namespace herald
