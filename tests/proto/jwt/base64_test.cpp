#include "proto/jwt/base64.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace herald::jwt {
namespace {

// RFC 4648 §10 test vectors.
const std::pair<std::string, std::string> kVectors[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

TEST(Base64, StandardMatchesRfcVectors) {
  for (const auto& [plain, encoded] : kVectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded), plain) << encoded;
  }
}

TEST(Base64, UrlEncodesWithoutPadding) {
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url_encode("\xfb\xff\xbf"), "-_-_");
  EXPECT_EQ(base64_encode("\xfb\xff\xbf"), "+/+/");
}

TEST(Base64, DecodersTolerateMissingAndPresentPadding) {
  EXPECT_EQ(base64url_decode("Zg"), "f");
  EXPECT_EQ(base64url_decode("Zg=="), "f");
  EXPECT_EQ(base64url_decode("Zm8="), "fo");
  EXPECT_EQ(base64_decode("Zg"), "f");
  EXPECT_EQ(base64_decode("Zm8"), "fo");
}

TEST(Base64, EachDecoderRejectsTheOtherAlphabet) {
  EXPECT_EQ(base64url_decode("-_-_"), "\xfb\xff\xbf");
  EXPECT_FALSE(base64url_decode("+/+/"));
  EXPECT_EQ(base64_decode("+/+/"), "\xfb\xff\xbf");
  EXPECT_FALSE(base64_decode("-_-_"));
}

TEST(Base64, RejectsGarbage) {
  for (const char* bad : {"Zm9v YmFy", "Zm9v*", "Zm9v\n", "Zg=a", "Z===", "Zg===", "Zm9vY",
                          "=Zg", "Zg=", "====", "\xc3\xa9"}) {
    EXPECT_FALSE(base64url_decode(bad)) << bad;
    EXPECT_FALSE(base64_decode(bad)) << bad;
  }
  EXPECT_FALSE(base64_decode(std::string("Zm9v\0", 5)));
}

TEST(Base64, BinaryRoundTripsAtEveryLength) {
  std::mt19937 rng(7);
  for (size_t len = 0; len < 70; ++len) {
    std::string bytes(len, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng() & 0xFF);
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes) << len;
    EXPECT_EQ(base64url_decode(base64url_encode(bytes)), bytes) << len;
    EXPECT_EQ(base64url_encode(bytes).find('='), std::string::npos);
  }
}

}  // namespace
}  // namespace herald::jwt
