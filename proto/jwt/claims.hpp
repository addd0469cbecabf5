// Typed reading of JWT JSON (header and claims) with Centrifugo's tolerance rules: absent
// and null mean "not set", numbers may be floats, raw-JSON claims are re-serialized
// compactly. Internal to herald_jwt; every reader reports a wrong type instead of throwing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "proto/jwt/jwt.hpp"

namespace herald::jwt::detail {

struct Failure {
  JwtError error;
  std::string message;
};
/// nullopt = passed.
using Check = std::optional<Failure>;

/// Deepest nesting accepted in a header or payload: keeps recursive dump() bounded.
inline constexpr int kMaxJsonDepth = 64;

/// Parses JSON text that must be an object no deeper than kMaxJsonDepth.
std::optional<nlohmann::json> parse_object(std::string_view text);

/// The registered claims shared by connection and subscription tokens.
struct StandardClaims {
  std::string sub;  ///< user id after applying VerifyOptions::user_id_claim
  std::string jti;
  std::string iss;
  std::vector<std::string> aud;
  std::optional<int64_t> exp, nbf, iat;
};

Check read_standard(const nlohmann::json& payload, const VerifyOptions& options,
                    StandardClaims& out);
Check check_audience_issuer(const StandardClaims& claims, const VerifyOptions& options);
Check check_time(const StandardClaims& claims, int64_t now_unix);

// Single-claim readers: `out` is left unchanged when the claim is absent or null.
Check read_string(const nlohmann::json& obj, const char* key, std::string& out);
Check read_string_list(const nlohmann::json& obj, const char* key,
                       std::vector<std::string>& out);
/// Integral value (an integral float like 1.7e9 is fine); fractional => bad_claim.
Check read_int(const nlohmann::json& obj, const char* key, std::optional<int64_t>& out);
/// Any JSON value as compact text.
Check read_raw_json(const nlohmann::json& obj, const char* key, std::string& out);
/// A string that must decode as standard base64 (kept encoded).
Check read_base64(const nlohmann::json& obj, const char* key, std::string& out);
Check read_override(const nlohmann::json& obj, const char* key, SubscribeOverride& out);

/// info / b64info / data / b64data / override of a `subs` entry or a subscription token.
Check read_subscribe_fields(const nlohmann::json& obj, SubscribeClaim& out);

}  // namespace herald::jwt::detail
