// Test-only helpers: asymmetric keys generated at run time with OpenSSL EVP, and token
// builders that sign with them (the library itself only signs HMAC tokens).
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "proto/jwt/jwt.hpp"

namespace herald::jwt {

/// Readable JwtError values in gtest failure messages.
inline void PrintTo(JwtError e, std::ostream* os) { *os << to_string(e); }

}  // namespace herald::jwt

namespace herald::jwt::test {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

struct TestKey {
  PkeyPtr key;
  std::string public_pem;  ///< SPKI "PUBLIC KEY"
};

/// A 2048-bit RSA key, generated once per process (generation is slow).
const TestKey& rsa_key();
/// A second, unrelated RSA key.
const TestKey& other_rsa_key();
/// The EC key for an ES alg: P-256, P-384 or P-521.
const TestKey& ec_key(JwtAlg alg);

/// PKCS#1 "RSA PUBLIC KEY" PEM of an RSA key.
std::string rsa_pkcs1_pem(EVP_PKEY* key);
/// A self-signed certificate carrying the key, as PEM.
std::string self_signed_cert_pem(EVP_PKEY* key);

/// header.payload.signature from raw JSON texts and raw signature bytes.
std::string assemble(std::string_view header_json, std::string_view payload_json,
                     std::string_view signature);

/// Signs `payload_json` with `alg` using `key` (RS/ES) or `secret` (HS).
std::string sign_raw(JwtAlg alg, EVP_PKEY* key, std::string_view secret,
                     std::string_view payload_json);
std::string sign_with_key(JwtAlg alg, EVP_PKEY* key, const nlohmann::json& claims);

}  // namespace herald::jwt::test
