// RSA and ECDSA tokens, key formats, and algorithm-confusion attacks.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/proto/jwt/test_keys.hpp"
#include "proto/jwt/base64.hpp"
#include "proto/jwt/jwt.hpp"
#include "proto/jwt/signature.hpp"

namespace herald::jwt {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1700000000;
const json kClaims = {{"sub", "42"}, {"exp", kNow + 60}};

Result<ConnectionClaims> verify(const std::string& token, const JwtKeys& keys) {
  return verify_connection_token(token, keys, {}, kNow);
}

JwtKeys rsa_keys() { return JwtKeys{"", test::rsa_key().public_pem, ""}; }
JwtKeys ec_keys(JwtAlg alg) { return JwtKeys{"", "", test::ec_key(alg).public_pem}; }

class RsaRoundTrip : public ::testing::TestWithParam<JwtAlg> {};

TEST_P(RsaRoundTrip, SignedTokenVerifiesOnlyWithItsKey) {
  const std::string token = test::sign_with_key(GetParam(), test::rsa_key().key.get(), kClaims);
  auto r = verify(token, rsa_keys());
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.value.sub, "42");
  const JwtKeys other{"", test::other_rsa_key().public_pem, ""};
  EXPECT_EQ(verify(token, other).error, JwtError::bad_signature);
}

INSTANTIATE_TEST_SUITE_P(Jwt, RsaRoundTrip,
                         ::testing::Values(JwtAlg::RS256, JwtAlg::RS384, JwtAlg::RS512));

class EcdsaRoundTrip : public ::testing::TestWithParam<JwtAlg> {};

TEST_P(EcdsaRoundTrip, SignedTokenVerifiesAndTamperingFails) {
  const JwtAlg alg = GetParam();
  std::string token = test::sign_with_key(alg, test::ec_key(alg).key.get(), kClaims);
  auto r = verify(token, ec_keys(alg));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.value.exp, kNow + 60);

  // Flip one bit of the raw R||S signature.
  const size_t dot = token.rfind('.');
  std::string sig = base64url_decode(token.substr(dot + 1)).value();
  ASSERT_EQ(sig.size(), 2 * ecdsa_component_size(alg));
  sig[sig.size() / 2] ^= 0x01;
  EXPECT_EQ(verify(token.substr(0, dot + 1) + base64url_encode(sig), ec_keys(alg)).error,
            JwtError::bad_signature);
}

INSTANTIATE_TEST_SUITE_P(Jwt, EcdsaRoundTrip,
                         ::testing::Values(JwtAlg::ES256, JwtAlg::ES384, JwtAlg::ES512));

TEST(JwtEcdsa, DerSignatureIsNotJose) {
  const std::string token =
      test::sign_with_key(JwtAlg::ES256, test::ec_key(JwtAlg::ES256).key.get(), kClaims);
  const size_t dot = token.rfind('.');
  const std::string raw = base64url_decode(token.substr(dot + 1)).value();
  const std::string der = ecdsa_raw_to_der(raw, 32).value();
  EXPECT_EQ(ecdsa_der_to_raw(der, 32), raw);
  const std::string der_token = token.substr(0, dot + 1) + base64url_encode(der);
  EXPECT_EQ(verify(der_token, ec_keys(JwtAlg::ES256)).error, JwtError::bad_signature);
}

TEST(JwtEcdsa, CurveMustMatchAlg) {
  // An ES384 header over a P-256 key: the key cannot serve the alg.
  const JwtKeys p256 = ec_keys(JwtAlg::ES256);
  const std::string token =
      test::sign_with_key(JwtAlg::ES384, test::ec_key(JwtAlg::ES384).key.get(), kClaims);
  EXPECT_EQ(verify(token, p256).error, JwtError::bad_signature);
}

TEST(JwtEcdsa, RawDerConversionRejectsBadInput) {
  EXPECT_FALSE(ecdsa_raw_to_der(std::string(63, 'a'), 32));
  EXPECT_FALSE(ecdsa_raw_to_der("", 0));
  EXPECT_FALSE(ecdsa_der_to_raw("not der", 32));
  // A 48-byte coordinate does not fit a 32-byte component.
  const std::string wide = ecdsa_raw_to_der(std::string(96, '\x7f'), 48).value();
  EXPECT_FALSE(ecdsa_der_to_raw(wide, 32));
}

TEST(JwtConfusion, HmacSignedWithRsaPublicKeyIsRefused) {
  const std::string pem = test::rsa_key().public_pem;
  const std::string token = sign_hs(JwtAlg::HS256, pem, kClaims);
  EXPECT_EQ(verify(token, rsa_keys()).error, JwtError::unsupported_alg);
  const JwtKeys both{"real-secret", pem, ""};
  EXPECT_EQ(verify(token, both).error, JwtError::bad_signature);
  EXPECT_TRUE(verify(sign_hs(JwtAlg::HS256, "real-secret", kClaims), both).ok());
}

TEST(JwtConfusion, EachFamilyNeedsItsOwnKey) {
  const std::string rs = test::sign_with_key(JwtAlg::RS256, test::rsa_key().key.get(), kClaims);
  const std::string es =
      test::sign_with_key(JwtAlg::ES256, test::ec_key(JwtAlg::ES256).key.get(), kClaims);
  EXPECT_EQ(verify(rs, JwtKeys{"secret", "", ""}).error, JwtError::unsupported_alg);
  EXPECT_EQ(verify(es, rsa_keys()).error, JwtError::unsupported_alg);
  // A key of the wrong type in a slot is unusable, not a different algorithm.
  EXPECT_EQ(verify(rs, JwtKeys{"", test::ec_key(JwtAlg::ES256).public_pem, ""}).error,
            JwtError::bad_signature);
  EXPECT_EQ(verify(es, JwtKeys{"", "", test::rsa_key().public_pem}).error,
            JwtError::bad_signature);
}

TEST(JwtKeys, Pkcs1AndCertificatePemsAreAccepted) {
  EVP_PKEY* rsa = test::rsa_key().key.get();
  const std::string token = test::sign_with_key(JwtAlg::RS256, rsa, kClaims);
  const std::string pkcs1 = test::rsa_pkcs1_pem(rsa);
  ASSERT_NE(pkcs1.find("BEGIN RSA PUBLIC KEY"), std::string::npos);
  EXPECT_TRUE(verify(token, JwtKeys{"", pkcs1, ""}).ok());
  EXPECT_TRUE(verify(token, JwtKeys{"", test::self_signed_cert_pem(rsa), ""}).ok());

  EVP_PKEY* ec = test::ec_key(JwtAlg::ES256).key.get();
  const std::string es = test::sign_with_key(JwtAlg::ES256, ec, kClaims);
  EXPECT_TRUE(verify(es, JwtKeys{"", "", test::self_signed_cert_pem(ec)}).ok());
}

TEST(JwtKeys, GarbagePemIsUnusable) {
  const std::string token =
      test::sign_with_key(JwtAlg::RS256, test::rsa_key().key.get(), kClaims);
  const std::string pem = test::rsa_key().public_pem;
  const std::string empty_der = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
  for (const std::string& bad : {std::string("not a key"), pem.substr(0, pem.size() / 2),
                                 empty_der}) {
    EXPECT_EQ(verify(token, JwtKeys{"", bad, ""}).error, JwtError::bad_signature);
  }
  // The per-thread key cache must follow a configuration change back to a good key.
  EXPECT_TRUE(verify(token, rsa_keys()).ok());
}

}  // namespace
}  // namespace herald::jwt
