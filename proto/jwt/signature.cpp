#include "proto/jwt/signature.hpp"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <climits>
#include <memory>

namespace herald::jwt {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

const unsigned char* bytes(std::string_view s) {
  static const unsigned char kEmpty = 0;
  return s.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(s.data());
}

const EVP_MD* digest_for(JwtAlg alg) {
  switch (alg) {
    case JwtAlg::HS256:
    case JwtAlg::RS256:
    case JwtAlg::ES256: return EVP_sha256();
    case JwtAlg::HS384:
    case JwtAlg::RS384:
    case JwtAlg::ES384: return EVP_sha384();
    case JwtAlg::HS512:
    case JwtAlg::RS512:
    case JwtAlg::ES512: return EVP_sha512();
  }
  return nullptr;
}

bool is_hmac(JwtAlg alg) {
  return alg == JwtAlg::HS256 || alg == JwtAlg::HS384 || alg == JwtAlg::HS512;
}
bool is_rsa(JwtAlg alg) {
  return alg == JwtAlg::RS256 || alg == JwtAlg::RS384 || alg == JwtAlg::RS512;
}

// Accepts SPKI "PUBLIC KEY", type-specific keys ("RSA PUBLIC KEY") and certificates, like
// Centrifugo's PEM loaders.
PkeyPtr load_public_key(std::string_view pem) {
  if (pem.empty() || pem.size() > INT_MAX) return nullptr;
  EVP_PKEY* pkey = nullptr;
  OSSL_DECODER_CTX* dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "PEM", nullptr, nullptr,
                                                         EVP_PKEY_PUBLIC_KEY, nullptr, nullptr);
  if (dctx != nullptr) {
    const unsigned char* data = bytes(pem);
    size_t len = pem.size();
    if (OSSL_DECODER_from_data(dctx, &data, &len) != 1) pkey = nullptr;
    OSSL_DECODER_CTX_free(dctx);
  }
  if (pkey == nullptr) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    if (bio != nullptr) {
      X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
      if (cert != nullptr) {
        pkey = X509_get_pubkey(cert);
        X509_free(cert);
      }
      BIO_free(bio);
    }
  }
  ERR_clear_error();  // failed decoder attempts leave entries that would confuse later calls
  return PkeyPtr(pkey);
}

// Parsing PEM per token would dominate verification cost; keys rarely change, so each
// thread keeps the last parsed key per family.
struct KeySlot {
  std::string pem;
  PkeyPtr key;
};

EVP_PKEY* cached_key(KeySlot& slot, std::string_view pem) {
  if (slot.pem != pem || !slot.key) {
    slot.key = load_public_key(pem);
    slot.pem.assign(pem);
  }
  return slot.key.get();
}

bool digest_verify(EVP_PKEY* key, JwtAlg alg, std::string_view input, std::string_view sig) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return false;
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, digest_for(alg), nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, bytes(sig), sig.size(), bytes(input), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();
  return ok;
}

int ecdsa_bits(JwtAlg alg) {
  switch (alg) {
    case JwtAlg::ES256: return 256;
    case JwtAlg::ES384: return 384;
    case JwtAlg::ES512: return 521;
    default: return 0;
  }
}

}  // namespace

size_t ecdsa_component_size(JwtAlg alg) { return (ecdsa_bits(alg) + 7) / 8; }

std::optional<std::string> hmac(JwtAlg alg, std::string_view key, std::string_view data) {
  if (!is_hmac(alg) || key.size() > INT_MAX) return std::nullopt;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  if (HMAC(digest_for(alg), bytes(key), static_cast<int>(key.size()), bytes(data), data.size(),
           out, &out_len) == nullptr) {
    return std::nullopt;
  }
  return std::string(reinterpret_cast<const char*>(out), out_len);
}

SigCheck verify_signature(JwtAlg alg, const JwtKeys& keys, std::string_view signing_input,
                          std::string_view signature) {
  if (is_hmac(alg)) {
    if (keys.hmac_secret.empty()) return SigCheck::no_key;
    auto expected = hmac(alg, keys.hmac_secret, signing_input);
    if (!expected) return SigCheck::bad_key;
    if (expected->size() != signature.size() ||
        CRYPTO_memcmp(expected->data(), signature.data(), signature.size()) != 0) {
      return SigCheck::mismatch;
    }
    return SigCheck::ok;
  }

  if (is_rsa(alg)) {
    if (keys.rsa_public_pem.empty()) return SigCheck::no_key;
    thread_local KeySlot slot;
    EVP_PKEY* key = cached_key(slot, keys.rsa_public_pem);
    if (key == nullptr || !EVP_PKEY_is_a(key, "RSA")) return SigCheck::bad_key;
    return digest_verify(key, alg, signing_input, signature) ? SigCheck::ok
                                                             : SigCheck::mismatch;
  }

  if (keys.ecdsa_public_pem.empty()) return SigCheck::no_key;
  thread_local KeySlot slot;
  EVP_PKEY* key = cached_key(slot, keys.ecdsa_public_pem);
  // ES256 means P-256 and so on: a key on another curve cannot serve this alg.
  if (key == nullptr || !EVP_PKEY_is_a(key, "EC") || EVP_PKEY_get_bits(key) != ecdsa_bits(alg)) {
    return SigCheck::bad_key;
  }
  auto der = ecdsa_raw_to_der(signature, ecdsa_component_size(alg));
  if (!der) return SigCheck::mismatch;
  return digest_verify(key, alg, signing_input, *der) ? SigCheck::ok : SigCheck::mismatch;
}

std::optional<std::string> ecdsa_raw_to_der(std::string_view raw, size_t component_size) {
  if (component_size == 0 || raw.size() != 2 * component_size) return std::nullopt;
  BIGNUM* r = BN_bin2bn(bytes(raw), static_cast<int>(component_size), nullptr);
  BIGNUM* s = BN_bin2bn(bytes(raw) + component_size, static_cast<int>(component_size), nullptr);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  if (r == nullptr || s == nullptr || sig == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return std::nullopt;
  }
  std::optional<std::string> out;
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig, &der);  // sig owns r and s now
  if (len > 0) out.emplace(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

std::optional<std::string> ecdsa_der_to_raw(std::string_view der, size_t component_size) {
  if (component_size == 0 || der.size() > INT_MAX) return std::nullopt;
  const unsigned char* p = bytes(der);
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) {
    ERR_clear_error();
    return std::nullopt;
  }
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  std::optional<std::string> out;
  const int n = static_cast<int>(component_size);
  if (BN_num_bytes(r) <= n && BN_num_bytes(s) <= n) {
    std::string raw(2 * component_size, '\0');
    auto* dst = reinterpret_cast<unsigned char*>(raw.data());
    if (BN_bn2binpad(r, dst, n) == n && BN_bn2binpad(s, dst + n, n) == n) out = std::move(raw);
  }
  ECDSA_SIG_free(sig);
  return out;
}

}  // namespace herald::jwt
