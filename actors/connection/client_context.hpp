// What every connection actor of a node shares, read-only: config, the channel resolver,
// token keys, the engine and node actors, and who this node is.
#pragma once

#include <memory>
#include <string>

#include "actors/engine/engine_actor.hpp"
#include "actors/node/node_actor.hpp"
#include "config/channel_resolver.hpp"
#include "config/config.hpp"
#include "proto/jwt/jwt.hpp"

namespace herald {

struct ClientContext {
  std::shared_ptr<const Config> config;
  std::shared_ptr<const ChannelResolver> resolver;
  engine_actor engine;
  node_actor node;
  std::string node_name;
  std::string version;

  jwt::JwtKeys connection_keys;
  jwt::VerifyOptions connection_verify;
  jwt::JwtKeys subscription_keys;  ///< client.subscription_token when enabled, else the above
  jwt::VerifyOptions subscription_verify;

  /// Builds the token keys and options from `config`.
  static std::shared_ptr<const ClientContext> make(std::shared_ptr<const Config> config,
                                                   std::shared_ptr<const ChannelResolver> resolver,
                                                   engine_actor engine, node_actor node,
                                                   std::string node_name, std::string version);
};

}  // namespace herald
