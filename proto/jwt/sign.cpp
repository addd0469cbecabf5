// HMAC token signing for `herald gentoken` / `gensubtoken` and tests.
#include <nlohmann/json.hpp>

#include "proto/jwt/base64.hpp"
#include "proto/jwt/jwt.hpp"
#include "proto/jwt/signature.hpp"

namespace herald::jwt {

std::string sign_hs(JwtAlg alg, std::string_view secret, const nlohmann::json& claims) {
  if (alg != JwtAlg::HS256 && alg != JwtAlg::HS384 && alg != JwtAlg::HS512) return {};
  const std::string header = "{\"alg\":\"" + std::string(alg_name(alg)) + "\",\"typ\":\"JWT\"}";
  const std::string payload =
      claims.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string token = base64url_encode(header) + '.' + base64url_encode(payload);
  auto signature = hmac(alg, secret, token);
  if (!signature) return {};
  token += '.';
  token += base64url_encode(*signature);
  return token;
}

}  // namespace herald::jwt
