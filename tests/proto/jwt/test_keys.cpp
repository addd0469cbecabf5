#include "tests/proto/jwt/test_keys.hpp"

#include <openssl/encoder.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <stdexcept>

#include "proto/jwt/base64.hpp"
#include "proto/jwt/signature.hpp"

namespace herald::jwt::test {
namespace {

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

std::string spki_pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (PEM_write_bio_PUBKEY(bio, key) != 1) throw std::runtime_error("PEM_write_bio_PUBKEY");
  return bio_text(bio);
}

TestKey make(EVP_PKEY* key) {
  if (key == nullptr) throw std::runtime_error("key generation failed");
  TestKey k{PkeyPtr(key), {}};
  k.public_pem = spki_pem(key);
  return k;
}

const EVP_MD* md_for(JwtAlg alg) {
  switch (alg) {
    case JwtAlg::HS256:
    case JwtAlg::RS256:
    case JwtAlg::ES256: return EVP_sha256();
    case JwtAlg::HS384:
    case JwtAlg::RS384:
    case JwtAlg::ES384: return EVP_sha384();
    default: return EVP_sha512();
  }
}

}  // namespace

const TestKey& rsa_key() {
  static const TestKey k = make(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
  return k;
}

const TestKey& other_rsa_key() {
  static const TestKey k = make(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
  return k;
}

const TestKey& ec_key(JwtAlg alg) {
  static const TestKey p256 = make(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  static const TestKey p384 = make(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
  static const TestKey p521 = make(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521"));
  if (alg == JwtAlg::ES384) return p384;
  if (alg == JwtAlg::ES512) return p521;
  return p256;
}

std::string rsa_pkcs1_pem(EVP_PKEY* key) {
  OSSL_ENCODER_CTX* ctx = OSSL_ENCODER_CTX_new_for_pkey(key, EVP_PKEY_PUBLIC_KEY, "PEM",
                                                        "type-specific", nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  const bool ok = ctx != nullptr && OSSL_ENCODER_to_bio(ctx, bio) == 1;
  OSSL_ENCODER_CTX_free(ctx);
  if (!ok) throw std::runtime_error("PKCS#1 encoding failed");
  return bio_text(bio);
}

std::string self_signed_cert_pem(EVP_PKEY* key) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("herald-test"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_set_pubkey(cert, key);
  if (X509_sign(cert, key, EVP_sha256()) == 0) {
    X509_free(cert);
    throw std::runtime_error("X509_sign failed");
  }
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  X509_free(cert);
  return bio_text(bio);
}

std::string assemble(std::string_view header_json, std::string_view payload_json,
                     std::string_view signature) {
  return base64url_encode(header_json) + "." + base64url_encode(payload_json) + "." +
         base64url_encode(signature);
}

std::string sign_raw(JwtAlg alg, EVP_PKEY* key, std::string_view secret,
                     std::string_view payload_json) {
  const std::string header = "{\"alg\":\"" + std::string(alg_name(alg)) + "\",\"typ\":\"JWT\"}";
  const std::string input = base64url_encode(header) + "." + base64url_encode(payload_json);
  std::string signature;
  if (auto mac = hmac(alg, secret, input)) {
    signature = *mac;
  } else {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t len = 0;
    const auto* in = reinterpret_cast<const unsigned char*>(input.data());
    if (EVP_DigestSignInit(ctx, nullptr, md_for(alg), nullptr, key) != 1 ||
        EVP_DigestSign(ctx, nullptr, &len, in, input.size()) != 1) {
      EVP_MD_CTX_free(ctx);
      throw std::runtime_error("EVP_DigestSign setup failed");
    }
    std::string der(len, '\0');
    auto* out = reinterpret_cast<unsigned char*>(der.data());
    const bool ok = EVP_DigestSign(ctx, out, &len, in, input.size()) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) throw std::runtime_error("EVP_DigestSign failed");
    der.resize(len);
    const size_t n = ecdsa_component_size(alg);
    signature = n == 0 ? der : ecdsa_der_to_raw(der, n).value();
  }
  return input + "." + base64url_encode(signature);
}

std::string sign_with_key(JwtAlg alg, EVP_PKEY* key, const nlohmann::json& claims) {
  return sign_raw(alg, key, {}, claims.dump());
}

}  // namespace herald::jwt::test
