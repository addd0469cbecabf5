#include "proto/jwt/fuzz.hpp"

#include <string_view>

#include "proto/jwt/base64.hpp"
#include "proto/jwt/jwt.hpp"

namespace herald::jwt {

int fuzz_jwt_parse(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  constexpr int64_t kNow = 1700000000;

  // With signatures skipped, random payloads reach every claim reader.
  VerifyOptions lax;
  lax.skip_signature = true;
  lax.user_id_claim = "user";
  const JwtKeys no_keys;
  (void)verify_connection_token(input, no_keys, lax, kNow);
  (void)verify_subscription_token(input, no_keys, lax, kNow);

  VerifyOptions strict;
  strict.audience = "herald";
  strict.issuer_regex = "^https://([a-z]+)\\.example$";
  (void)verify_connection_token(input, no_keys, strict, kNow);
  lax.audience_regex = "h(er)+ald";
  lax.issuer = "issuer";
  (void)verify_subscription_token(input, no_keys, lax, kNow);

  JwtKeys keys;
  keys.hmac_secret = "fuzz-secret";
  (void)verify_connection_token(input, keys, strict, kNow);

  (void)base64url_decode(input);
  (void)base64_decode(input);
  return 0;
}

}  // namespace herald::jwt
