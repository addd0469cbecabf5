// The cryptographic half of JWT handling, over OpenSSL 3 EVP only: HMAC, RSA PKCS#1 v1.5
// and ECDSA (JOSE raw R||S signatures) verification, public key loading, and the R||S <->
// DER conversion (also used by tests that sign with generated keys).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "proto/jwt/jwt.hpp"

namespace herald::jwt {

enum class SigCheck {
  ok,
  no_key,    ///< the alg's key is not configured
  bad_key,   ///< the configured key does not parse or does not fit the alg (curve, type)
  mismatch,  ///< the signature does not verify
};

/// Checks `signature` over `signing_input` ("b64header.b64payload") with the key `alg` needs.
SigCheck verify_signature(JwtAlg alg, const JwtKeys& keys, std::string_view signing_input,
                          std::string_view signature);

/// HMAC for HS256/384/512; nullopt for other algs.
std::optional<std::string> hmac(JwtAlg alg, std::string_view key, std::string_view data);

/// Byte length of one ECDSA coordinate for ES256/384/512 (32, 48, 66); 0 for other algs.
size_t ecdsa_component_size(JwtAlg alg);

/// JOSE R||S (2 * component bytes) to a DER ECDSA-Sig-Value; nullopt on a bad length.
std::optional<std::string> ecdsa_raw_to_der(std::string_view raw, size_t component_size);

/// DER ECDSA-Sig-Value to JOSE R||S; nullopt when not DER or a value is too large.
std::optional<std::string> ecdsa_der_to_raw(std::string_view der, size_t component_size);

}  // namespace herald::jwt
