#include "engine/redis/address.hpp"

#include <gtest/gtest.h>

namespace herald::redis {
namespace {

TEST(RedisAddress, HostAndPort) {
  auto a = parse_address("10.0.0.5:7000");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "10.0.0.5");
  EXPECT_EQ(a->port, 7000);
  EXPECT_EQ(a->db, 0);
  EXPECT_TRUE(a->password.empty());
  EXPECT_EQ(parse_address("redis.local")->port, 6379);
  auto v6 = parse_address("[::1]:6380");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->endpoint(), "[::1]:6380");
}

TEST(RedisAddress, UrlWithCredentialsAndDb) {
  auto a = parse_address("redis://alice:p%40ss:word@db.example:6390/4");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->user, "alice");
  EXPECT_EQ(a->password, "p@ss:word");
  EXPECT_EQ(a->host, "db.example");
  EXPECT_EQ(a->port, 6390);
  EXPECT_EQ(a->db, 4);
  EXPECT_EQ(a->endpoint(), "db.example:6390");  // never the credentials

  auto password_only = parse_address("redis://:secret@h:1");
  ASSERT_TRUE(password_only);
  EXPECT_EQ(password_only->user, "");
  EXPECT_EQ(password_only->password, "secret");
  EXPECT_EQ(parse_address("redis://secret@h")->password, "secret");
  EXPECT_EQ(parse_address("redis://h/")->db, 0);
}

TEST(RedisAddress, RejectsWhatItCannotServe) {
  std::string error;
  EXPECT_FALSE(parse_address("rediss://h:6379", &error));
  EXPECT_NE(error.find("TLS"), std::string::npos);
  EXPECT_FALSE(parse_address("unix:/tmp/redis.sock", &error));
  EXPECT_FALSE(parse_address("http://h", &error));
  EXPECT_FALSE(parse_address("h:notaport", &error));
  EXPECT_NE(error.find("port"), std::string::npos);
  EXPECT_FALSE(parse_address("h:70000"));
  EXPECT_FALSE(parse_address("h:0"));
  EXPECT_FALSE(parse_address(":6379"));
  EXPECT_FALSE(parse_address("redis://h/x"));
  EXPECT_FALSE(parse_address("redis://u:%zz@h"));
  EXPECT_FALSE(parse_address("redis://u:%4@h"));
}

}  // namespace
}  // namespace herald::redis
