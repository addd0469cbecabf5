// The answer rule of HTTP state proxies: status exactly 200, a JSON body that decodes as the
// response object, no `error` in it (what Centrifugo's proxy client accepts).
#include <gtest/gtest.h>

#include "proto/state/state_json.hpp"

namespace herald::state {
namespace {

bool ok(int status, std::string_view body) { return judge_http_answer(status, body).ok; }
std::string why(int status, std::string_view body) {
  return judge_http_answer(status, body).error;
}

TEST(StateAnswer, DocumentedAnswerIsSuccess) {
  EXPECT_TRUE(ok(200, R"({"result":{}})"));
  EXPECT_TRUE(judge_http_answer(200, R"({"result":{}})").error.empty());
}

TEST(StateAnswer, OtherObjectsWithoutErrorAreSuccess) {
  EXPECT_TRUE(ok(200, "{}"));
  EXPECT_TRUE(ok(200, " {\"result\":null} \n"));
  EXPECT_TRUE(ok(200, R"({"error":null,"result":{"x":1}})"));
  EXPECT_TRUE(ok(200, R"({"other":[1,2,{"error":{}}]})"));  // only the top-level key counts
  EXPECT_TRUE(ok(200, "null"));  // decodes to an empty response, as in encoding/json
}

TEST(StateAnswer, OnlyStatus200Counts) {
  EXPECT_FALSE(ok(500, R"({"result":{}})"));
  EXPECT_EQ(why(500, ""), "HTTP status 500");
  EXPECT_FALSE(ok(204, ""));
  EXPECT_FALSE(ok(201, R"({"result":{}})"));
  EXPECT_FALSE(ok(302, R"({"result":{}})"));
  EXPECT_FALSE(ok(404, R"({"result":{}})"));
}

TEST(StateAnswer, ErrorObjectIsFailureWithItsCodeAndMessage) {
  EXPECT_FALSE(ok(200, R"({"error":{"code":1000,"message":"backend busy"}})"));
  EXPECT_EQ(why(200, R"({"result":{},"error":{"code":1000,"message":"backend busy"}})"),
            "error 1000: backend busy");
  EXPECT_EQ(why(200, R"({"error":{}})"), "error 0");
  EXPECT_EQ(why(200, R"({"error":{"temporary":true,"code":7}})"), "error 7");
}

TEST(StateAnswer, KeysMatchWithoutRegardToCase) {
  EXPECT_EQ(why(200, R"({"Error":{"code":3}})"), "error 3");
  EXPECT_FALSE(ok(200, R"({"RESULT":5})"));
}

TEST(StateAnswer, LaterNullErrorClearsAnEarlierOne) {
  EXPECT_TRUE(ok(200, R"({"error":{"code":1},"error":null})"));
}

TEST(StateAnswer, MalformedErrorIsStillFailure) {
  EXPECT_FALSE(ok(200, R"({"error":"busy"})"));
  EXPECT_FALSE(ok(200, R"({"error":{"code":"x"}})"));
  EXPECT_FALSE(ok(200, R"({"error":[]})"));
  EXPECT_NE(why(200, R"({"error":"busy"})").find("malformed error"), std::string::npos);
}

TEST(StateAnswer, BodiesThatAreNotTheResponseObjectFail) {
  EXPECT_FALSE(ok(200, ""));
  EXPECT_FALSE(ok(200, "OK"));
  EXPECT_FALSE(ok(200, "[]"));
  EXPECT_FALSE(ok(200, "\"ok\""));
  EXPECT_FALSE(ok(200, "true"));
  EXPECT_FALSE(ok(200, "{\"result\":{}"));        // truncated
  EXPECT_FALSE(ok(200, "{\"result\":{}} {}"));    // trailing data
  EXPECT_FALSE(ok(200, "null x"));
  EXPECT_FALSE(ok(200, R"({"result":"done"})"));  // result must be an object
  EXPECT_FALSE(ok(200, R"({"result":[]})"));
  EXPECT_NE(why(200, "").find("not JSON"), std::string::npos);
}

TEST(StateAnswer, LongErrorMessagesAreCut) {
  std::string body = R"({"error":{"code":1,"message":")" + std::string(5000, 'm') + "\"}}";
  auto r = judge_http_answer(200, body);
  EXPECT_FALSE(r.ok);
  EXPECT_LE(r.error.size(), 220u);
}

}  // namespace
}  // namespace herald::state
