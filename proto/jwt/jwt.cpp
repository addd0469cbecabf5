#include "proto/jwt/jwt.hpp"

#include <array>
#include <exception>
#include <utility>

#include "proto/jwt/base64.hpp"
#include "proto/jwt/claims.hpp"
#include "proto/jwt/signature.hpp"

namespace herald::jwt {
namespace {

using detail::Check;
using detail::Failure;
using nlohmann::json;

constexpr std::array<std::pair<JwtAlg, std::string_view>, 9> kAlgNames{{
    {JwtAlg::HS256, "HS256"},
    {JwtAlg::HS384, "HS384"},
    {JwtAlg::HS512, "HS512"},
    {JwtAlg::RS256, "RS256"},
    {JwtAlg::RS384, "RS384"},
    {JwtAlg::RS512, "RS512"},
    {JwtAlg::ES256, "ES256"},
    {JwtAlg::ES384, "ES384"},
    {JwtAlg::ES512, "ES512"},
}};

std::string decoded_or_raw(const std::string& b64, const std::string& raw) {
  if (b64.empty()) return raw;
  return base64_decode(b64).value_or(std::string());
}

int64_t effective_expiry(const std::optional<int64_t>& expire_at,
                         const std::optional<int64_t>& exp) {
  if (expire_at) return *expire_at > 0 ? *expire_at : 0;
  return exp.value_or(0);
}

// Splits the token, checks the header and the signature, and returns the claims object.
Check decode_and_verify(std::string_view token, const JwtKeys& keys,
                        const VerifyOptions& options, json& payload) {
  const size_t first = token.find('.');
  const size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Failure{JwtError::malformed, "token must have three segments"};
  }
  const std::string_view header_b64 = token.substr(0, first);
  const std::string_view payload_b64 = token.substr(first + 1, second - first - 1);
  const std::string_view signature_b64 = token.substr(second + 1);

  auto header_text = base64url_decode(header_b64);
  if (!header_text) return Failure{JwtError::malformed, "header is not base64url"};
  auto header = detail::parse_object(*header_text);
  if (!header) return Failure{JwtError::malformed, "header is not a JSON object"};
  std::string alg_text;
  if (detail::read_string(*header, "alg", alg_text) || alg_text.empty()) {
    return Failure{JwtError::malformed, "header has no alg"};
  }

  // Structure errors are reported as such even when the signature would not match.
  auto payload_text = base64url_decode(payload_b64);
  if (!payload_text) return Failure{JwtError::malformed, "payload is not base64url"};
  auto parsed = detail::parse_object(*payload_text);
  if (!parsed) return Failure{JwtError::malformed, "payload is not a JSON object"};

  if (!options.skip_signature) {
    const auto alg = parse_alg(alg_text);
    if (!alg) return Failure{JwtError::unsupported_alg, "unsupported alg " + alg_text};
    auto signature = base64url_decode(signature_b64);
    if (!signature) return Failure{JwtError::malformed, "signature is not base64url"};
    const std::string_view signing_input = token.substr(0, second);
    switch (verify_signature(*alg, keys, signing_input, *signature)) {
      case SigCheck::ok: break;
      case SigCheck::no_key:
        return Failure{JwtError::unsupported_alg, "no key configured for " + alg_text};
      case SigCheck::bad_key:
        return Failure{JwtError::bad_signature, "configured key unusable for " + alg_text};
      case SigCheck::mismatch: return Failure{JwtError::bad_signature, "invalid signature"};
    }
  }

  payload = std::move(*parsed);
  return std::nullopt;
}

template <typename Claims>
void copy_standard(const detail::StandardClaims& std_claims, Claims& out) {
  out.sub = std_claims.sub;
  out.jti = std_claims.jti;
  out.iss = std_claims.iss;
  out.aud = std_claims.aud;
  out.exp = std_claims.exp;
  out.nbf = std_claims.nbf;
  out.iat = std_claims.iat;
}

template <typename Claims>
Result<Claims> failed(Failure f) {
  Result<Claims> r;
  r.error = f.error;
  r.message = std::move(f.message);
  return r;
}

Check read_connection(const json& payload, ConnectionClaims& out) {
  std::string channel;
  if (auto f = detail::read_string(payload, "channel", channel)) return f;
  if (!channel.empty()) {
    return Failure{JwtError::bad_claim, "connection token can not contain channel claim"};
  }
  if (auto f = detail::read_raw_json(payload, "info", out.info)) return f;
  if (auto f = detail::read_base64(payload, "b64info", out.b64info)) return f;
  if (auto f = detail::read_string_list(payload, "channels", out.channels)) return f;
  if (auto f = detail::read_raw_json(payload, "meta", out.meta)) return f;
  if (auto f = detail::read_int(payload, "expire_at", out.expire_at)) return f;
  auto subs = payload.find("subs");
  if (subs == payload.end() || subs->is_null()) return std::nullopt;
  if (!subs->is_object()) return Failure{JwtError::bad_claim, "subs claim must be an object"};
  for (const auto& [channel_name, entry] : subs->items()) {
    SubscribeClaim claim;
    if (!entry.is_null()) {
      if (!entry.is_object()) {
        return Failure{JwtError::bad_claim, "subs entries must be objects"};
      }
      if (auto f = detail::read_subscribe_fields(entry, claim)) return f;
    }
    out.subs.emplace(channel_name, std::move(claim));
  }
  return std::nullopt;
}

Check read_subscription(const json& payload, SubscriptionClaims& out) {
  if (auto f = detail::read_string(payload, "channel", out.channel)) return f;
  if (out.channel.empty()) {
    return Failure{JwtError::bad_claim, "channel claim is required for subscription token"};
  }
  if (auto f = detail::read_string(payload, "client", out.client)) return f;
  if (auto f = detail::read_int(payload, "expire_at", out.expire_at)) return f;
  SubscribeClaim fields;
  if (auto f = detail::read_subscribe_fields(payload, fields)) return f;
  out.info = std::move(fields.info);
  out.b64info = std::move(fields.b64info);
  out.data = std::move(fields.data);
  out.b64data = std::move(fields.b64data);
  out.override = fields.override;
  return std::nullopt;
}

// The shared pipeline: signature, registered claims, audience/issuer, the token kind's own
// claims, then time (Centrifugo reports claim errors before expiry).
template <typename Claims, typename ReadKind>
Result<Claims> verify(std::string_view token, const JwtKeys& keys, const VerifyOptions& options,
                      int64_t now_unix, ReadKind read_kind) {
  try {
    json payload;
    if (auto f = decode_and_verify(token, keys, options, payload)) return failed<Claims>(*f);
    detail::StandardClaims std_claims;
    if (auto f = detail::read_standard(payload, options, std_claims)) return failed<Claims>(*f);
    if (auto f = detail::check_audience_issuer(std_claims, options)) return failed<Claims>(*f);
    Result<Claims> result;
    if (auto f = read_kind(payload, result.value)) return failed<Claims>(*f);
    if (auto f = detail::check_time(std_claims, now_unix)) return failed<Claims>(*f);
    copy_standard(std_claims, result.value);
    return result;
  } catch (const std::exception& e) {
    // Readers check types before access; this only guards allocation failures.
    return failed<Claims>(Failure{JwtError::malformed, e.what()});
  }
}

}  // namespace

std::string_view alg_name(JwtAlg alg) {
  for (const auto& [a, name] : kAlgNames) {
    if (a == alg) return name;
  }
  return "";
}

std::optional<JwtAlg> parse_alg(std::string_view name) {
  for (const auto& [a, n] : kAlgNames) {
    if (n == name) return a;
  }
  return std::nullopt;
}

std::string_view to_string(JwtError e) {
  switch (e) {
    case JwtError::none: return "none";
    case JwtError::malformed: return "malformed";
    case JwtError::unsupported_alg: return "unsupported_alg";
    case JwtError::bad_signature: return "bad_signature";
    case JwtError::expired: return "expired";
    case JwtError::not_yet_valid: return "not_yet_valid";
    case JwtError::bad_audience: return "bad_audience";
    case JwtError::bad_issuer: return "bad_issuer";
    case JwtError::bad_claim: return "bad_claim";
  }
  return "unknown";
}

std::string SubscribeClaim::info_bytes() const { return decoded_or_raw(b64info, info); }
std::string SubscribeClaim::data_bytes() const { return decoded_or_raw(b64data, data); }

std::string ConnectionClaims::info_bytes() const { return decoded_or_raw(b64info, info); }
int64_t ConnectionClaims::expires_at() const { return effective_expiry(expire_at, exp); }

std::string SubscriptionClaims::info_bytes() const { return decoded_or_raw(b64info, info); }
std::string SubscriptionClaims::data_bytes() const { return decoded_or_raw(b64data, data); }
int64_t SubscriptionClaims::expires_at() const { return effective_expiry(expire_at, exp); }

Result<ConnectionClaims> verify_connection_token(std::string_view token, const JwtKeys& keys,
                                                 const VerifyOptions& options,
                                                 int64_t now_unix) {
  return verify<ConnectionClaims>(token, keys, options, now_unix, read_connection);
}

Result<SubscriptionClaims> verify_subscription_token(std::string_view token,
                                                     const JwtKeys& keys,
                                                     const VerifyOptions& options,
                                                     int64_t now_unix) {
  return verify<SubscriptionClaims>(token, keys, options, now_unix, read_subscription);
}

}  // namespace herald::jwt
