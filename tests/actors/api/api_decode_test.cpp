// Decoding API requests as Centrifugo's Go decoder does.
#include "actors/api/api_decode.hpp"

#include <gtest/gtest.h>

namespace herald {
namespace {

using nlohmann::json;

bool refused(std::string_view method, std::string_view body) {
  try {
    decode_request(method, body);
    return false;
  } catch (const MalformedRequest&) {
    return true;
  }
}

TEST(ApiDecode, KeysMatchExactlyOrIgnoringCaseAndUnknownOnesAreIgnored) {
  auto r = decode_request("publish", R"({"Channel":"a","DATA":5,"frobnicate":[1],"tags":{"k":null}})");
  EXPECT_EQ(r["channel"], "a");
  EXPECT_EQ(raw_field(r, "data"), "5");
  EXPECT_FALSE(r.contains("frobnicate"));
  EXPECT_EQ(r["tags"]["k"], "");
}

TEST(ApiDecode, RawFieldsKeepTheRequestsText) {
  auto r = decode_request("publish", R"({"channel":"a","data":{"z": 1.50, "a":[ 1 ]}})");
  EXPECT_EQ(raw_field(r, "data"), R"({"z": 1.50, "a":[ 1 ]})");
  r = decode_request("publish", R"({"channel":"a","data":null})");
  EXPECT_EQ(raw_field(r, "data"), "null");
  r = decode_request("publish", R"({"channel":"a"})");
  EXPECT_EQ(raw_field(r, "data"), "");
}

TEST(ApiDecode, NullLeavesScalarsAndClearsMessages) {
  auto r = decode_request("history", R"({"channel":"a","channel":null,"since":{"offset":1},"since":null})");
  EXPECT_EQ(r["channel"], "a");
  EXPECT_FALSE(r.contains("since"));
  EXPECT_TRUE(decode_request("publish", "null").empty());
  EXPECT_TRUE(decode_request("broadcast", R"({"channels":["a",null]})")["channels"][1] == "");
}

TEST(ApiDecode, WrongTypesRefuseTheBody) {
  EXPECT_TRUE(refused("publish", R"({"channel":1})"));
  EXPECT_TRUE(refused("publish", R"({"skip_history":"yes"})"));
  EXPECT_TRUE(refused("publish", R"({"tags":{"a":1}})"));
  EXPECT_TRUE(refused("publish", R"({"version":-1})"));
  EXPECT_TRUE(refused("history", R"({"limit":1.0})"));
  EXPECT_TRUE(refused("history", R"({"limit":3000000000})"));
  EXPECT_TRUE(refused("history", R"({"since":{"offset":-1}})"));
  EXPECT_TRUE(refused("history", R"({"since":"x"})"));
  EXPECT_TRUE(refused("disconnect", R"({"disconnect":{"code":4294967296}})"));
  EXPECT_TRUE(refused("subscribe", R"({"override":{"presence":true}})"));
  EXPECT_TRUE(refused("broadcast", R"({"channels":"a"})"));
  EXPECT_TRUE(refused("publish", "[]"));
  EXPECT_TRUE(refused("publish", ""));
  EXPECT_TRUE(refused("publish", R"({"channel":"a"} x)"));
  EXPECT_TRUE(refused("publish", "\xEF\xBB\xBF{}"));
  EXPECT_FALSE(refused("history", R"({"limit":-1,"since":{"offset":18446744073709551615}})"));
  EXPECT_FALSE(refused("subscribe", R"({"override":{"presence":{"value":true}}})"));
}

TEST(ApiDecode, BatchDecodesEveryCommand) {
  auto r = decode_request("batch", R"({"commands":[null,{"publish":{"channel":"a"}},{"batch":5}]})");
  ASSERT_EQ(r["commands"].size(), 3u);
  EXPECT_TRUE(r["commands"][0].is_null());
  EXPECT_EQ(r["commands"][1]["publish"]["channel"], "a");
  EXPECT_EQ(r["commands"][2], json::object());
  EXPECT_TRUE(refused("batch", R"({"commands":[{"publish":{"channel":5}}]})"));
  EXPECT_TRUE(refused("batch", R"({"commands":[5]})"));
  EXPECT_TRUE(refused("batch", R"({"commands":[{"connections":5}]})"));
  EXPECT_FALSE(refused("batch", R"({"commands":[{"connections":{"x":[]}}]})"));
}

TEST(ApiDecode, MethodsOfTheHttpApi) {
  EXPECT_TRUE(is_api_method("publish"));
  EXPECT_TRUE(is_api_method("batch"));
  EXPECT_FALSE(is_api_method("Publish"));
  EXPECT_FALSE(is_api_method("connections"));
  EXPECT_EQ(api_command_methods().front(), "publish");
  EXPECT_EQ(api_command_methods().size(), 13u);
}

TEST(ApiDecode, ValueExtents) {
  std::string_view s = R"( {"a":"}\""} [1,[2]] 12 true{} "x)";
  size_t i = skip_json_space(s, 0);
  EXPECT_EQ(s.substr(i, *json_value_end(s, i) - i), R"({"a":"}\""})");
  i = skip_json_space(s, *json_value_end(s, i));
  EXPECT_EQ(s.substr(i, *json_value_end(s, i) - i), "[1,[2]]");
  i = skip_json_space(s, *json_value_end(s, i));
  EXPECT_EQ(s.substr(i, *json_value_end(s, i) - i), "12");
  i = skip_json_space(s, *json_value_end(s, i));
  EXPECT_EQ(s.substr(i, *json_value_end(s, i) - i), "true");
  i = *json_value_end(s, i);
  EXPECT_EQ(s.substr(i, *json_value_end(s, i) - i), "{}");
  i = skip_json_space(s, *json_value_end(s, i));
  EXPECT_FALSE(json_value_end(s, i));  // the text ends inside the string
}

TEST(ApiDecode, LegacyCommands) {
  auto c = decode_legacy_command(R"({"id":4,"method":"Presence_Stats","params":{"channel":"x"}})");
  EXPECT_EQ(c.id, 4u);
  EXPECT_EQ(c.method, "presence_stats");
  EXPECT_EQ(c.params, R"({"channel":"x"})");
  EXPECT_EQ(decode_legacy_command(R"({"method":12})").method, "refresh");
  EXPECT_EQ(decode_legacy_command(R"({"params":{}})").method, "publish");
  EXPECT_EQ(decode_legacy_command("null").method, "publish");
  EXPECT_EQ(decode_legacy_command(R"({"method":100})").method, "");      // unknown number: 104
  EXPECT_EQ(decode_legacy_command(R"({"method":"MAP_CLEAR"})").method, "");  // not served: 104
  EXPECT_EQ(decode_legacy_command(R"({"method":4294967296})").method, "publish");  // 32 bits
  for (std::string_view bad : {R"({"method":"nope"})", R"({"method":"batch"})",
                               R"({"method":null})", R"({"method":"12"})", R"({"id":-1})",
                               R"({"id":"1"})", "[]", "5", "{bad"}) {
    EXPECT_THROW(decode_legacy_command(bad), MalformedRequest) << bad;
  }
}

}  // namespace
}  // namespace herald
