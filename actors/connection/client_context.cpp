#include "actors/connection/client_context.hpp"

namespace herald {

namespace {

void fill(const TokenConfig& t, bool skip_signature, jwt::JwtKeys& keys,
          jwt::VerifyOptions& opts) {
  keys.hmac_secret = t.hmac_secret_key;
  keys.rsa_public_pem = t.rsa_public_key;
  keys.ecdsa_public_pem = t.ecdsa_public_key;
  opts.audience = t.audience;
  opts.audience_regex = t.audience_regex;
  opts.issuer = t.issuer;
  opts.issuer_regex = t.issuer_regex;
  opts.user_id_claim = t.user_id_claim;
  opts.skip_signature = skip_signature;
}

}  // namespace

std::shared_ptr<const ClientContext> ClientContext::make(
    std::shared_ptr<const Config> config, std::shared_ptr<const ChannelResolver> resolver,
    engine_actor engine, node_actor node, std::string node_name, std::string version,
    std::shared_ptr<TimerService> timers, std::shared_ptr<const PresenceRouter> presence) {
  auto ctx = std::make_shared<ClientContext>();
  const bool skip = config->client.insecure_skip_token_signature_verify;
  fill(config->client.token, skip, ctx->connection_keys, ctx->connection_verify);
  if (config->client.subscription_token.enabled)
    fill(config->client.subscription_token, skip, ctx->subscription_keys,
         ctx->subscription_verify);
  else
    fill(config->client.token, skip, ctx->subscription_keys, ctx->subscription_verify);
  ctx->config = std::move(config);
  ctx->resolver = std::move(resolver);
  if (!presence)
    presence = std::make_shared<const PresenceRouter>(engine, std::vector<partition_actor>{});
  ctx->presence = std::move(presence);
  ctx->engine = std::move(engine);
  ctx->node = std::move(node);
  ctx->node_name = std::move(node_name);
  ctx->version = std::move(version);
  ctx->timers = std::move(timers);
  ctx->unix_now = [] {
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
  };
  return ctx;
}

}  // namespace herald
