// Token structure, HMAC signatures, time, audience and issuer checks.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/proto/jwt/test_keys.hpp"
#include "proto/jwt/base64.hpp"
#include "proto/jwt/fuzz.hpp"
#include "proto/jwt/jwt.hpp"

namespace herald::jwt {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1700000000;
const std::string kSecret = "secret";

JwtKeys hmac_keys() { return JwtKeys{kSecret, "", ""}; }

Result<ConnectionClaims> verify(const std::string& token, const VerifyOptions& options = {}) {
  return verify_connection_token(token, hmac_keys(), options, kNow);
}

std::string hs256(const json& claims) { return sign_hs(JwtAlg::HS256, kSecret, claims); }

class HmacRoundTrip : public ::testing::TestWithParam<JwtAlg> {};

TEST_P(HmacRoundTrip, SignedTokenVerifies) {
  const std::string token = sign_hs(GetParam(), kSecret, {{"sub", "42"}, {"exp", kNow + 60}});
  auto r = verify(token);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.value.sub, "42");
  EXPECT_EQ(r.value.exp, kNow + 60);
  EXPECT_EQ(verify(sign_hs(GetParam(), "other", {{"sub", "42"}})).error,
            JwtError::bad_signature);
}

INSTANTIATE_TEST_SUITE_P(Jwt, HmacRoundTrip,
                         ::testing::Values(JwtAlg::HS256, JwtAlg::HS384, JwtAlg::HS512));

TEST(Jwt, HeaderNamesTheAlgorithm) {
  const std::string token = sign_hs(JwtAlg::HS384, kSecret, {{"sub", "1"}});
  EXPECT_EQ(base64url_decode(token.substr(0, token.find('.'))),
            R"({"alg":"HS384","typ":"JWT"})");
  EXPECT_EQ(sign_hs(JwtAlg::RS256, kSecret, {{"sub", "1"}}), "");
}

TEST(Jwt, TamperedPayloadFailsSignature) {
  std::string token = hs256({{"sub", "42"}});
  const size_t a = token.find('.');
  const size_t b = token.find('.', a + 1);
  token.replace(a + 1, b - a - 1, base64url_encode(R"({"sub":"admin"})"));
  EXPECT_EQ(verify(token).error, JwtError::bad_signature);
}

TEST(Jwt, TruncatedSignatureFails) {
  std::string token = hs256({{"sub", "42"}});
  token.resize(token.size() - 4);  // still valid base64url, three bytes short
  EXPECT_EQ(verify(token).error, JwtError::bad_signature);
  token.resize(token.size() - 2);  // a length no base64 text can have
  EXPECT_EQ(verify(token).error, JwtError::malformed);
}

TEST(Jwt, ExpiryHasNoLeeway) {
  EXPECT_TRUE(verify(hs256({{"exp", kNow + 1}})).ok());
  auto r = verify(hs256({{"exp", kNow}}));
  EXPECT_EQ(r.error, JwtError::expired);
  EXPECT_TRUE(is_expiry_error(r.error));
  EXPECT_EQ(verify(hs256({{"exp", kNow - 100}})).error, JwtError::expired);
}

TEST(Jwt, NotBeforeInFutureIsRefused) {
  EXPECT_TRUE(verify(hs256({{"nbf", kNow}})).ok());
  auto r = verify(hs256({{"nbf", kNow + 1}}));
  EXPECT_EQ(r.error, JwtError::not_yet_valid);
  EXPECT_TRUE(is_expiry_error(r.error));
}

TEST(Jwt, FloatTimesAreAccepted) {
  const std::string payload = R"({"sub":"u","exp":1.8e9,"nbf":1.6e9,"iat":1699999999.75})";
  auto r = verify(test::sign_raw(JwtAlg::HS256, nullptr, kSecret, payload));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.value.exp, 1800000000);
  EXPECT_EQ(r.value.nbf, 1600000000);
  EXPECT_EQ(r.value.iat, 1699999999);
  auto expired = verify(test::sign_raw(JwtAlg::HS256, nullptr, kSecret, R"({"exp":1.6e9})"));
  EXPECT_EQ(expired.error, JwtError::expired);
}

TEST(Jwt, NonNumericOrHugeTimesAreBadClaims) {
  EXPECT_EQ(verify(hs256({{"exp", "tomorrow"}})).error, JwtError::bad_claim);
  EXPECT_EQ(verify(test::sign_raw(JwtAlg::HS256, nullptr, kSecret, R"({"exp":1e300})")).error,
            JwtError::bad_claim);
  EXPECT_EQ(verify(hs256({{"exp", 18446744073709551615ULL}})).error, JwtError::bad_claim);
  EXPECT_TRUE(verify(hs256({{"exp", nullptr}})).ok());
}

TEST(Jwt, AlgNoneIsRefused) {
  const std::string token = test::assemble(R"({"alg":"none"})", R"({"sub":"42"})", "");
  EXPECT_EQ(verify(token).error, JwtError::unsupported_alg);
  // Only an explicit insecure configuration skips the check (Centrifugo's
  // insecure_skip_token_signature_verify).
  VerifyOptions insecure;
  insecure.skip_signature = true;
  auto r = verify(token, insecure);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.value.sub, "42");
}

TEST(Jwt, UnknownAlgIsRefused) {
  for (const char* alg : {"HS1024", "PS256", "EdDSA", "hs256"}) {
    const std::string header = std::string(R"({"alg":")") + alg + R"("})";
    EXPECT_EQ(verify(test::assemble(header, "{}", "sig")).error, JwtError::unsupported_alg)
        << alg;
  }
}

TEST(Jwt, HmacTokenWithoutHmacKeyIsRefused) {
  const JwtKeys rsa_only{"", test::rsa_key().public_pem, ""};
  auto r = verify_connection_token(hs256({{"sub", "1"}}), rsa_only, {}, kNow);
  EXPECT_EQ(r.error, JwtError::unsupported_alg);
}

TEST(Jwt, MalformedStructureIsRefused) {
  const std::string good = hs256({{"sub", "1"}});
  const std::string header = good.substr(0, good.find('.'));
  const std::string sig = base64url_encode("x");
  const std::string rest = "." + base64url_encode("{}") + "." + sig;
  for (const std::string& token :
       {std::string(), std::string("abc"), std::string("a.b"), good + ".extra",
        std::string(".."), "!!!" + rest, header + ".!!!." + sig,
        base64url_encode("not json") + rest, base64url_encode("[1]") + rest,
        base64url_encode(R"({"typ":"JWT"})") + rest, base64url_encode(R"({"alg":7})") + rest}) {
    EXPECT_EQ(verify(token).error, JwtError::malformed) << token;
  }
  EXPECT_EQ(verify(good.substr(0, good.rfind('.') + 1) + "***").error, JwtError::malformed);
}

TEST(Jwt, PayloadMustBeAnObject) {
  for (const char* payload : {"[]", "\"x\"", "42", "{", "{\"sub\":\"1\"} trailing"}) {
    EXPECT_EQ(verify(test::sign_raw(JwtAlg::HS256, nullptr, kSecret, payload)).error,
              JwtError::malformed)
        << payload;
  }
}

TEST(Jwt, DeeplyNestedPayloadIsRefused) {
  std::string nested = R"({"info":)" + std::string(200, '[') + std::string(200, ']') + "}";
  EXPECT_EQ(verify(test::sign_raw(JwtAlg::HS256, nullptr, kSecret, nested)).error,
            JwtError::malformed);
  std::string shallow = R"({"info":)" + std::string(10, '[') + std::string(10, ']') + "}";
  EXPECT_TRUE(verify(test::sign_raw(JwtAlg::HS256, nullptr, kSecret, shallow)).ok());
}

TEST(Jwt, AudienceMayBeStringOrArray) {
  VerifyOptions options;
  options.audience = "herald";
  EXPECT_TRUE(verify(hs256({{"aud", "herald"}}), options).ok());
  auto r = verify(hs256({{"aud", {"other", "herald"}}}), options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.aud, (std::vector<std::string>{"other", "herald"}));
  EXPECT_EQ(verify(hs256({{"aud", "other"}}), options).error, JwtError::bad_audience);
  EXPECT_EQ(verify(hs256({{"sub", "1"}}), options).error, JwtError::bad_audience);
  EXPECT_EQ(verify(hs256({{"aud", {1, 2}}}), options).error, JwtError::bad_claim);
  EXPECT_TRUE(verify(hs256({{"aud", "anything"}})).ok());  // not configured: not checked
}

TEST(Jwt, AudienceRegexSearchesEachValue) {
  VerifyOptions options;
  options.audience_regex = "^app-[0-9]+$";
  EXPECT_TRUE(verify(hs256({{"aud", {"x", "app-17"}}}), options).ok());
  EXPECT_EQ(verify(hs256({{"aud", "app-x"}}), options).error, JwtError::bad_audience);
  EXPECT_EQ(verify(hs256({{"aud", std::string(5000, 'a')}}), options).error,
            JwtError::bad_audience);
  options.audience_regex = "([unclosed";
  EXPECT_EQ(verify(hs256({{"aud", "app-1"}}), options).error, JwtError::bad_audience);
}

TEST(Jwt, IssuerExactAndRegex) {
  VerifyOptions options;
  options.issuer = "https://auth.example";
  EXPECT_TRUE(verify(hs256({{"iss", "https://auth.example"}}), options).ok());
  EXPECT_EQ(verify(hs256({{"iss", "https://evil.example"}}), options).error,
            JwtError::bad_issuer);
  EXPECT_EQ(verify(hs256({{"sub", "1"}}), options).error, JwtError::bad_issuer);
  options.issuer.clear();
  options.issuer_regex = "auth\\.example$";
  EXPECT_TRUE(verify(hs256({{"iss", "https://auth.example"}}), options).ok());
  EXPECT_EQ(verify(hs256({{"iss", "https://auth.example.evil"}}), options).error,
            JwtError::bad_issuer);
}

TEST(Jwt, UserIdClaimReplacesSub) {
  VerifyOptions options;
  options.user_id_claim = "user_id";
  auto r = verify(hs256({{"sub", "ignored"}, {"user_id", "u-7"}}), options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.sub, "u-7");
  EXPECT_EQ(verify(hs256({{"user_id", 123}}), options).value.sub, "123");
  EXPECT_EQ(verify(hs256({{"sub", "ignored"}}), options).value.sub, "");
  EXPECT_EQ(verify(hs256({{"sub", 5}})).error, JwtError::bad_claim);
}

TEST(Jwt, ErrorNamesAreDistinct) {
  EXPECT_EQ(to_string(JwtError::bad_signature), "bad_signature");
  EXPECT_EQ(to_string(JwtError::not_yet_valid), "not_yet_valid");
  EXPECT_EQ(parse_alg("ES512"), JwtAlg::ES512);
  EXPECT_FALSE(parse_alg("none"));
}

TEST(JwtFuzzEntry, SurvivesHostileInputs) {
  std::vector<std::string> inputs = {
      "", ".", "..", "...", hs256({{"sub", "1"}}),
      test::assemble(R"({"alg":"none"})", R"({"subs":{"a":{"override":{"presence":1}}}})", ""),
      test::assemble(R"({"alg":"HS256"})", R"({"info":)" + std::string(5000, '{'), "x"),
      std::string("\0\xff\x80.\0.\0", 7)};
  for (const auto& in : inputs) {
    EXPECT_EQ(fuzz_jwt_parse(reinterpret_cast<const uint8_t*>(in.data()), in.size()), 0);
  }
}

}  // namespace
}  // namespace herald::jwt
