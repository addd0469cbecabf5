// JWT verification for connection and subscription tokens (docs/protocol.md §3), and HMAC
// signing for `herald gentoken` / tests. Pure functions over OpenSSL 3 and nlohmann::json:
// no CAF, no Asio. Callers map JwtError to protocol codes: expired / not_yet_valid => 109
// (Centrifugo reports both as "token expired"), anything else => invalid token (3500 on
// connect, 103 on subscribe).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace herald::jwt {

enum class JwtAlg { HS256, HS384, HS512, RS256, RS384, RS512, ES256, ES384, ES512 };

std::string_view alg_name(JwtAlg alg);
std::optional<JwtAlg> parse_alg(std::string_view name);

/// Verification keys. An empty field disables its algorithm family: a token whose `alg`
/// needs a missing key is refused, so HS tokens never meet an RSA/ECDSA key or vice versa.
struct JwtKeys {
  std::string hmac_secret;
  std::string rsa_public_pem;    ///< SPKI "PUBLIC KEY", PKCS#1 "RSA PUBLIC KEY" or certificate
  std::string ecdsa_public_pem;  ///< SPKI "PUBLIC KEY" or certificate; P-256/384/521
};

struct VerifyOptions {
  std::string audience;        ///< exact value one of `aud` must equal ("" = no check)
  std::string audience_regex;  ///< searched (unanchored, like Go) in each `aud` value
  std::string issuer;          ///< exact `iss` ("" = no check)
  std::string issuer_regex;    ///< searched in `iss`
  bool skip_signature = false;  ///< client.insecure_skip_token_signature_verify
  std::string user_id_claim;   ///< top-level claim holding the user id instead of `sub`
};

enum class JwtError {
  none,
  malformed,        ///< not three base64url segments of JSON objects
  unsupported_alg,  ///< alg none/unknown, or its key is not configured
  bad_signature,    ///< signature mismatch or unusable configured key
  expired,          ///< now >= exp
  not_yet_valid,    ///< now < nbf
  bad_audience,
  bad_issuer,
  bad_claim,  ///< a claim of the wrong type, or forbidden / missing for this token kind
};

std::string_view to_string(JwtError e);

/// True for the errors Centrifugo answers with "token expired" (109).
constexpr bool is_expiry_error(JwtError e) {
  return e == JwtError::expired || e == JwtError::not_yet_valid;
}

template <typename T>
struct Result {
  JwtError error = JwtError::none;
  std::string message;  ///< short reason for logs; empty on success
  T value{};            ///< meaningful only when ok()

  bool ok() const { return error == JwtError::none; }
  explicit operator bool() const { return ok(); }
};

/// `override` claim: each entry `{"value": bool}`; nullopt = not overridden.
struct SubscribeOverride {
  std::optional<bool> presence;
  std::optional<bool> join_leave;
  std::optional<bool> force_push_join_leave;
  std::optional<bool> force_recovery;
  std::optional<bool> force_positioning;

  friend bool operator==(const SubscribeOverride&, const SubscribeOverride&) = default;
};

/// One entry of a connection token's `subs` map.
struct SubscribeClaim {
  std::string info;     ///< raw compact JSON, "" when absent
  std::string b64info;  ///< standard base64 (already checked to decode)
  std::string data;     ///< raw compact JSON
  std::string b64data;
  SubscribeOverride override;

  /// Channel info bytes: decoded b64info when set (it wins), else info.
  std::string info_bytes() const;
  /// Subscribe data bytes: decoded b64data when set, else data.
  std::string data_bytes() const;
};

struct ConnectionClaims {
  std::string sub;  ///< user id (from user_id_claim when configured); "" = anonymous
  std::optional<int64_t> exp, nbf, iat;
  std::string jti;
  std::string iss;
  std::vector<std::string> aud;
  std::string info;  ///< raw compact JSON
  std::string b64info;
  std::vector<std::string> channels;
  std::map<std::string, SubscribeClaim> subs;  ///< when non-empty, used instead of channels
  std::string meta;                            ///< raw compact JSON, server-only
  std::optional<int64_t> expire_at;

  std::string info_bytes() const;
  /// Connection expiry in unix seconds, 0 = never: expire_at when present (0 = never),
  /// else exp.
  int64_t expires_at() const;
};

struct SubscriptionClaims {
  std::string sub;
  std::string channel;  ///< required, non-empty
  std::string client;   ///< "" = any client of this user
  std::string info;
  std::string b64info;
  std::string data;
  std::string b64data;
  SubscribeOverride override;
  std::optional<int64_t> exp, nbf, iat;
  std::string jti;
  std::string iss;
  std::vector<std::string> aud;
  std::optional<int64_t> expire_at;

  std::string info_bytes() const;
  std::string data_bytes() const;
  int64_t expires_at() const;
};

/// Verifies a connection token at `now_unix` (seconds). Never throws on any input.
Result<ConnectionClaims> verify_connection_token(std::string_view token, const JwtKeys& keys,
                                                 const VerifyOptions& options, int64_t now_unix);

/// Verifies a subscription token. The caller compares sub/channel/client with the
/// connection and the requested channel.
Result<SubscriptionClaims> verify_subscription_token(std::string_view token,
                                                     const JwtKeys& keys,
                                                     const VerifyOptions& options,
                                                     int64_t now_unix);

/// Signs `claims` with HS256/384/512 as `header.payload.signature`, header
/// {"alg":"HS256","typ":"JWT"}. Returns "" for a non-HMAC alg (use a private key for those).
std::string sign_hs(JwtAlg alg, std::string_view secret, const nlohmann::json& claims);

}  // namespace herald::jwt
