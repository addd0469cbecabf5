#include "engine/redis/reply.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

namespace herald::redis {
namespace {

using namespace std::string_literals;

// Parses RESP bytes with hiredis' own reader, as the client does.
Reply parse(const std::string& resp) {
  redisReader* reader = redisReaderCreate();
  redisReaderFeed(reader, resp.data(), resp.size());
  void* r = nullptr;
  EXPECT_EQ(redisReaderGetReply(reader, &r), REDIS_OK);
  Reply out = Reply::from_hiredis(static_cast<redisReply*>(r));
  if (r) freeReplyObject(r);
  redisReaderFree(reader);
  return out;
}

TEST(RedisReply, CopiesEveryResp2Type) {
  EXPECT_TRUE(parse("$-1\r\n").is_nil());
  EXPECT_TRUE(parse("*-1\r\n").is_nil());
  EXPECT_EQ(parse(":-42\r\n"), Reply::integer_value(-42));
  EXPECT_EQ(parse("+OK\r\n"), Reply::status_value("OK"));
  Reply err = parse("-MOVED 3999 127.0.0.1:6381\r\n");
  EXPECT_TRUE(err.is_error());
  EXPECT_TRUE(err.error_is("MOVED"));
  EXPECT_FALSE(err.error_is("MOV"));
  EXPECT_EQ(parse("$5\r\na\0b\r\n\r\n"s), Reply::string_value("a\0b\r\n"s));
  Reply nested = parse("*3\r\n:1\r\n*2\r\n$1\r\nx\r\n$-1\r\n*0\r\n");
  ASSERT_TRUE(nested.is_array());
  ASSERT_EQ(nested.size(), 3u);
  EXPECT_EQ(nested[0].integer(), 1);
  EXPECT_EQ(nested[1][0].str(), "x");
  EXPECT_TRUE(nested[1][1].is_nil());
  EXPECT_TRUE(nested[2].is_array());
  EXPECT_EQ(nested.to_string(), "[(integer) 1, [\"x\", (nil)], []]");
}

TEST(RedisReply, AccessorsOfOtherTypesAreEmpty) {
  Reply i = Reply::integer_value(3);
  EXPECT_EQ(i.str(), "");
  EXPECT_TRUE(i.elements().empty());
  EXPECT_EQ(Reply::string_value("7").integer(), 0);
  EXPECT_FALSE(Reply::string_value("MOVED 1 h:1").error_is("MOVED"));
  EXPECT_TRUE(Reply::from_hiredis(nullptr).is_nil());
}

}  // namespace
}  // namespace herald::redis
