#include <gtest/gtest.h>

#include <string>

#include "proto/codec/codec.hpp"
#include "proto/codec/json_reader.hpp"

namespace herald::protocol {
namespace {

TEST(ClientCodecJsonValidate, AcceptsValidJson) {
  for (std::string_view ok :
       {"0", "-0", "1.5e+10", "-12.25E-3", "true", "false", "null", "\"\"", "[]", "{}",
        " [1, \"a\", {\"b\": [null, true]}, -1e5] ", "{\"a\":{\"b\":{\"c\":[[]]}}}",
        "\"\\u00e9\\ud83d\\ude00\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\xE2\x82\xAC\xF0\x9F\x98\x80\"",
        "\n{\n\"a\":\n1\n}\n", "\"\\ud800\""}) {
    EXPECT_TRUE(is_valid_json(ok)) << ok;
  }
}

TEST(ClientCodecJsonValidate, RejectsInvalidJson) {
  for (std::string_view bad :
       {"", " ", "01", "1.", ".5", "+1", "1e", "-", "tru", "nul", "True", "[1,]", "[,1]",
        "{\"a\"}", "{\"a\":}", "{a:1}", "{\"a\":1,}", "[1 2]", "{\"a\":1 \"b\":2}", "1 2",
        "\"abc", "\"\\x\"", "\"\\u12\"", "\"tab\there\"", "[", "]", "{}}", "NaN",
        "\"\xC0\x80\"", "\"\xED\xA0\x80\"", "\"\xF4\x90\x80\x80\"", "\"\xE2\x82\"",
        "\"\x80\"", "'a'"}) {
    EXPECT_FALSE(is_valid_json(bad)) << bad;
  }
}

TEST(ClientCodecJsonValidate, DepthLimit) {
  const std::string ok = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(is_valid_json(ok));
  const std::string deep =
      std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
  EXPECT_FALSE(is_valid_json(deep));
  // Far deeper input costs no stack: the validator is iterative.
  EXPECT_FALSE(is_valid_json(std::string(1 << 20, '[')));
}

TEST(ClientCodecJsonReader, RawSpanIsExact) {
  json::Reader r("  {\"a\" : [1, 2] }  ,");
  std::string_view raw;
  ASSERT_TRUE(r.skip_value(&raw));
  EXPECT_EQ(raw, "{\"a\" : [1, 2] }");
}

TEST(ClientCodecJsonReader, Utf8SequenceLength) {
  auto len = [](std::string_view s) {
    return json::utf8_sequence_length(reinterpret_cast<const unsigned char*>(s.data()),
                                      s.size());
  };
  EXPECT_EQ(len("a"), 1u);
  EXPECT_EQ(len("\xC3\xA9"), 2u);
  EXPECT_EQ(len("\xE2\x82\xAC"), 3u);
  EXPECT_EQ(len("\xF0\x9F\x98\x80"), 4u);
  EXPECT_EQ(len("\xF4\x8F\xBF\xBF"), 4u);  // U+10FFFF
  EXPECT_EQ(len("\xC1\xBF"), 0u);          // overlong
  EXPECT_EQ(len("\xE0\x9F\xBF"), 0u);      // overlong
  EXPECT_EQ(len("\xED\xBF\xBF"), 0u);      // surrogate
  EXPECT_EQ(len("\xF0\x8F\xBF\xBF"), 0u);  // overlong
  EXPECT_EQ(len("\xF5\x80\x80\x80"), 0u);  // > U+10FFFF
  EXPECT_EQ(len("\xF0\x9F\x98"), 0u);      // truncated
}

TEST(ClientCodecStatus, Names) {
  EXPECT_EQ(to_string(DecodeStatus::truncated), "truncated");
  EXPECT_EQ(to_string(CommandKind::presence_stats), "presence_stats");
  EXPECT_EQ(to_string(CommandKind::pong), "pong");
}

}  // namespace
}  // namespace herald::protocol
