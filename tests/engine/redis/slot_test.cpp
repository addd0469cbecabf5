#include "engine/redis/slot.hpp"

#include <gtest/gtest.h>

namespace herald::redis {
namespace {

TEST(RedisSlot, Crc16AndKeySlotsMatchRedis) {
  EXPECT_EQ(crc16("123456789"), 0x31C3);  // the check value of CRC16-XMODEM
  // Values of CLUSTER KEYSLOT (the cluster test checks more against a live server).
  EXPECT_EQ(key_slot("foo"), 12182);
  EXPECT_EQ(key_slot("bar"), 5061);
  EXPECT_EQ(key_slot(""), 0);
}

TEST(RedisSlot, HashTags) {
  EXPECT_EQ(hash_tag("{user1000}.following"), "user1000");
  EXPECT_EQ(key_slot("{user1000}.following"), key_slot("{user1000}.followers"));
  EXPECT_EQ(hash_tag("foo{}{bar}"), "foo{}{bar}");  // empty first tag: the whole key
  EXPECT_EQ(hash_tag("foo{{bar}}zap"), "{bar");
  EXPECT_EQ(hash_tag("foo{bar}{zap}"), "bar");
  EXPECT_EQ(hash_tag("no}tag{"), "no}tag{");
  EXPECT_EQ(hash_tag("centrifugo.stream.{chat:1}"), "chat:1");
}

TEST(RedisSlot, ParsesRedirects) {
  auto moved = parse_redirect(Reply::error_value("MOVED 3999 127.0.0.1:6381"));
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->kind, Redirect::Kind::moved);
  EXPECT_EQ(moved->slot, 3999);
  EXPECT_EQ(moved->host, "127.0.0.1");
  EXPECT_EQ(moved->port, 6381);
  auto ask = parse_redirect(Reply::error_value("ASK 1 [::1]:7000"));
  ASSERT_TRUE(ask);
  EXPECT_EQ(ask->kind, Redirect::Kind::ask);
  EXPECT_EQ(ask->host, "::1");
  auto no_host = parse_redirect(Reply::error_value("MOVED 5 :7001"));
  ASSERT_TRUE(no_host);
  EXPECT_EQ(no_host->host, "");
  EXPECT_FALSE(parse_redirect(Reply::error_value("MOVED 99999 h:1")));
  EXPECT_FALSE(parse_redirect(Reply::error_value("MOVED x h:1")));
  EXPECT_FALSE(parse_redirect(Reply::error_value("ERR MOVED 1 h:1")));
  EXPECT_FALSE(parse_redirect(Reply::status_value("MOVED 1 h:1")));
}

TEST(RedisSlot, ParsesClusterSlots) {
  auto node = [](const char* host, long long port) {
    return Reply::array_value(
        {Reply::string_value(host), Reply::integer_value(port), Reply::string_value("id")});
  };
  auto range = [](long long first, long long last, std::vector<Reply> nodes) {
    std::vector<Reply> e = {Reply::integer_value(first), Reply::integer_value(last)};
    e.insert(e.end(), nodes.begin(), nodes.end());
    return Reply::array_value(std::move(e));
  };
  Reply reply = Reply::array_value({
      range(0, 5460, {node("10.0.0.1", 7000), node("10.0.0.9", 7009)}),  // master, replica
      range(5461, 16383, {node("?", 7001)}),
  });
  auto ranges = parse_cluster_slots(reply, "asked.host");
  ASSERT_TRUE(ranges);
  ASSERT_EQ(ranges->size(), 2u);
  EXPECT_EQ((*ranges)[0].last, 5460);
  EXPECT_EQ((*ranges)[0].host, "10.0.0.1");
  EXPECT_EQ((*ranges)[1].host, "asked.host");
  EXPECT_EQ((*ranges)[1].port, 7001);
  EXPECT_FALSE(parse_cluster_slots(Reply::status_value("OK"), "h"));
  EXPECT_FALSE(parse_cluster_slots(Reply::array_value({range(10, 5, {node("h", 1)})}), "h"));
  EXPECT_FALSE(parse_cluster_slots(Reply::array_value({range(0, 16384, {node("h", 1)})}), "h"));
  EXPECT_FALSE(parse_cluster_slots(Reply::array_value({range(0, 1, {})}), "h"));
}

}  // namespace
}  // namespace herald::redis
