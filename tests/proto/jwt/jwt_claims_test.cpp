// Centrifugo-specific claims of connection and subscription tokens (docs/protocol.md §3.2-3.3).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/proto/jwt/test_keys.hpp"
#include "proto/jwt/base64.hpp"
#include "proto/jwt/jwt.hpp"

namespace herald::jwt {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1700000000;
const JwtKeys kKeys{"claims-secret", "", ""};

Result<ConnectionClaims> connect(const json& claims) {
  return verify_connection_token(sign_hs(JwtAlg::HS256, kKeys.hmac_secret, claims), kKeys, {},
                                 kNow);
}

Result<ConnectionClaims> connect_raw(const std::string& payload) {
  return verify_connection_token(
      test::sign_raw(JwtAlg::HS256, nullptr, kKeys.hmac_secret, payload), kKeys, {}, kNow);
}

Result<SubscriptionClaims> subscribe(const json& claims) {
  return verify_subscription_token(sign_hs(JwtAlg::HS512, kKeys.hmac_secret, claims), kKeys, {},
                                   kNow);
}

TEST(ConnectionClaims, ChannelClaimIsForbidden) {
  auto r = connect({{"sub", "1"}, {"channel", "news"}});
  EXPECT_EQ(r.error, JwtError::bad_claim);
  EXPECT_FALSE(is_expiry_error(r.error));
  EXPECT_EQ(connect({{"sub", "1"}, {"channel", 3}}).error, JwtError::bad_claim);
  EXPECT_TRUE(connect({{"sub", "1"}, {"channel", ""}}).ok());  // Go ignores an empty one
}

TEST(ConnectionClaims, ClaimErrorsWinOverExpiry) {
  EXPECT_EQ(connect({{"channel", "news"}, {"exp", kNow - 1}}).error, JwtError::bad_claim);
}

TEST(ConnectionClaims, InfoIsKeptAsCompactJson) {
  auto r = connect_raw(R"({"sub":"u","info":{ "name" : "Ann", "tags":[1, 2] },"meta":{"k" :1}})");
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.value.info, R"({"name":"Ann","tags":[1,2]})");
  EXPECT_EQ(r.value.info_bytes(), r.value.info);
  EXPECT_EQ(r.value.meta, R"({"k":1})");
  EXPECT_EQ(connect({{"info", "plain"}}).value.info, "\"plain\"");
  EXPECT_EQ(connect({{"info", nullptr}}).value.info, "");
}

TEST(ConnectionClaims, B64InfoWinsAndMustDecode) {
  auto r = connect({{"info", {{"a", 1}}}, {"b64info", base64_encode("\x01\x02")}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.info_bytes(), "\x01\x02");
  EXPECT_EQ(connect({{"b64info", "***"}}).error, JwtError::bad_claim);
  EXPECT_EQ(connect({{"b64info", 12}}).error, JwtError::bad_claim);
}

TEST(ConnectionClaims, ChannelsAreStrings) {
  auto r = connect({{"channels", {"news", "chat:lobby"}}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.channels, (std::vector<std::string>{"news", "chat:lobby"}));
  EXPECT_EQ(connect({{"channels", "news"}}).error, JwtError::bad_claim);
  EXPECT_EQ(connect({{"channels", {"news", 1}}}).error, JwtError::bad_claim);
}

TEST(ConnectionClaims, SubsCarryOptionsAndOverrides) {
  json subs = {
      {"news",
       {{"info", {{"role", "reader"}}},
        {"data", {{"welcome", true}}},
        {"override",
         {{"presence", {{"value", true}}}, {"join_leave", json::object()},
          {"force_recovery", {{"value", false}}}}}}},
      {"bin", {{"b64info", base64_encode("ci")}, {"b64data", base64_encode("cd")}}},
      {"bare", nullptr}};
  auto r = connect({{"sub", "7"}, {"subs", subs}, {"channels", json::array({"ignored"})}});
  ASSERT_TRUE(r.ok()) << r.message;
  ASSERT_EQ(r.value.subs.size(), 3u);
  const SubscribeClaim& news = r.value.subs.at("news");
  EXPECT_EQ(news.info, R"({"role":"reader"})");
  EXPECT_EQ(news.data_bytes(), R"({"welcome":true})");
  EXPECT_EQ(news.override.presence, true);
  EXPECT_EQ(news.override.join_leave, false);  // {} is an explicit false, as in Go
  EXPECT_EQ(news.override.force_recovery, false);
  EXPECT_FALSE(news.override.force_positioning.has_value());
  EXPECT_FALSE(news.override.force_push_join_leave.has_value());
  EXPECT_EQ(r.value.subs.at("bin").info_bytes(), "ci");
  EXPECT_EQ(r.value.subs.at("bin").data_bytes(), "cd");
  EXPECT_EQ(r.value.subs.at("bare").info, "");
  EXPECT_EQ(r.value.channels, (std::vector<std::string>{"ignored"}));  // caller picks subs
}

TEST(ConnectionClaims, MalformedSubsAreBadClaims) {
  for (const json& subs :
       {json("news"), json{{"news", 1}}, json{{"news", {{"b64data", "%%"}}}},
        json{{"news", {{"override", {{"presence", true}}}}}},
        json{{"news", {{"override", {{"presence", {{"value", "yes"}}}}}}}},
        json{{"news", {{"override", "all"}}}}}) {
    EXPECT_EQ(connect({{"subs", subs}}).error, JwtError::bad_claim) << subs.dump();
  }
}

TEST(ConnectionClaims, ExpireAtSemantics) {
  EXPECT_EQ(connect({{"exp", kNow + 10}}).value.expires_at(), kNow + 10);
  EXPECT_EQ(connect({{"exp", kNow + 10}, {"expire_at", 0}}).value.expires_at(), 0);
  EXPECT_EQ(connect({{"exp", kNow + 10}, {"expire_at", kNow + 99}}).value.expires_at(),
            kNow + 99);
  EXPECT_EQ(connect({{"sub", "x"}}).value.expires_at(), 0);
  EXPECT_EQ(connect_raw(R"({"expire_at":1.8e9})").value.expire_at, 1800000000);
  EXPECT_EQ(connect_raw(R"({"expire_at":1.5})").error, JwtError::bad_claim);
  // expire_at 0 means "never expires" but exp is still validated.
  EXPECT_EQ(connect({{"exp", kNow - 1}, {"expire_at", 0}}).error, JwtError::expired);
}

TEST(ConnectionClaims, StandardClaimsAreCopied) {
  auto r = connect({{"sub", "5"}, {"jti", "t-1"}, {"iat", kNow - 5}, {"iss", "me"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.jti, "t-1");
  EXPECT_EQ(r.value.iat, kNow - 5);
  EXPECT_EQ(r.value.iss, "me");
  EXPECT_FALSE(r.value.exp.has_value());
  EXPECT_EQ(connect({{"jti", 1}}).error, JwtError::bad_claim);
}

TEST(SubscriptionClaims, ParsesEveryField) {
  auto r = subscribe({{"sub", "7"},
                      {"channel", "$private"},
                      {"client", "c-1"},
                      {"info", {{"x", 1}}},
                      {"b64data", base64_encode("raw")},
                      {"override", {{"force_positioning", {{"value", true}}}}},
                      {"exp", kNow + 30},
                      {"expire_at", 0}});
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.value.sub, "7");
  EXPECT_EQ(r.value.channel, "$private");
  EXPECT_EQ(r.value.client, "c-1");
  EXPECT_EQ(r.value.info_bytes(), R"({"x":1})");
  EXPECT_EQ(r.value.data_bytes(), "raw");
  EXPECT_EQ(r.value.override.force_positioning, true);
  EXPECT_EQ(r.value.exp, kNow + 30);
  EXPECT_EQ(r.value.expires_at(), 0);
}

TEST(SubscriptionClaims, ChannelIsRequired) {
  EXPECT_EQ(subscribe({{"sub", "7"}}).error, JwtError::bad_claim);
  EXPECT_EQ(subscribe({{"sub", "7"}, {"channel", ""}}).error, JwtError::bad_claim);
  EXPECT_EQ(subscribe({{"channel", json::array({"a"})}}).error, JwtError::bad_claim);
}

TEST(SubscriptionClaims, TimeAndSignatureRulesApply) {
  EXPECT_EQ(subscribe({{"channel", "a"}, {"exp", kNow}}).error, JwtError::expired);
  EXPECT_EQ(subscribe({{"channel", "a"}, {"nbf", kNow + 5}}).error, JwtError::not_yet_valid);
  const std::string forged = sign_hs(JwtAlg::HS256, "wrong", {{"channel", "a"}});
  EXPECT_EQ(verify_subscription_token(forged, kKeys, {}, kNow).error, JwtError::bad_signature);
}

}  // namespace
}  // namespace herald::jwt
