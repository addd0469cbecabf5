// The shard hash must never change: other Centrifugo/Herald nodes on the same Redis shards
// compute it too. Vectors from an independent implementation (Go's hash/fnv and the jump hash
// loop Centrifuge uses).
#include "engine/redis/shard.hpp"

#include <gtest/gtest.h>

#include "engine/redis/backoff.hpp"

namespace herald::redis {
namespace {

TEST(RedisShard, Fnv1a64Vectors) {
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ULL);
  EXPECT_EQ(fnv1a64("chat:index"), 0x4e648ca6baf3d6b9ULL);
  EXPECT_EQ(fnv1a64(std::string("ch\0bin", 6)), 0xee819af0553a83f7ULL);
}

TEST(RedisShard, JumpHashVectors) {
  struct V {
    uint64_t key;
    int32_t buckets, want;
  };
  for (V v : {V{0, 1, 0}, V{0, 65536, 0}, V{1, 7, 6}, V{1, 1000, 549}, V{1, 65536, 21134},
              V{0xdeadbeef, 7, 5}, V{0xdeadbeef, 1000, 285}, V{0xdeadbeef, 65536, 64244},
              V{0xffffffffffffffff, 7, 2}, V{0xffffffffffffffff, 1000, 313},
              V{1234567890123456789, 65536, 5233}}) {
    EXPECT_EQ(jump_hash(v.key, v.buckets), v.want) << v.key << " / " << v.buckets;
  }
  EXPECT_EQ(jump_hash(42, 0), 0);
  EXPECT_EQ(jump_hash(42, -3), 0);
}

TEST(RedisShard, ShardIndexVectors) {
  struct V {
    const char* channel;
    size_t shards, want;
  };
  for (V v : {V{"chat:index", 1, 0}, V{"chat:index", 16, 0}, V{"chat:index", 100, 78},
              V{"news", 2, 1}, V{"news", 3, 2}, V{"news", 5, 3}, V{"news", 100, 81},
              V{"personal:#42", 3, 1}, V{"personal:#42", 100, 37}, V{"a", 16, 12},
              V{"a", 100, 31}}) {
    EXPECT_EQ(shard_index(v.channel, v.shards), v.want) << v.channel << " / " << v.shards;
  }
  EXPECT_EQ(shard_index(std::string("ch\0bin", 6), 10), 8u);
  EXPECT_EQ(shard_index("anything", 0), 0u);
}

TEST(RedisShard, GrowingTheShardCountMovesFewChannels) {
  int moved = 0;
  for (int i = 0; i < 10000; ++i) {
    std::string ch = "channel:" + std::to_string(i);
    size_t before = shard_index(ch, 4), after = shard_index(ch, 5);
    if (before != after) {
      ++moved;
      EXPECT_EQ(after, 4u);  // keys only move to the new shard
    }
  }
  EXPECT_NEAR(moved, 2000, 300);  // ~1/5
}

TEST(RedisBackoff, GrowsWithJitterUpToTheCap) {
  using ms = std::chrono::milliseconds;
  Backoff b(ms(50), ms(5000), 1);
  ms prev_cap(25);
  for (int i = 0; i < 12; ++i) {
    ms d = b.next();
    ms cap = std::min(ms(50) * (1 << i), ms(5000));
    EXPECT_GE(d, cap / 2) << i;
    EXPECT_LE(d, cap) << i;
    prev_cap = cap;
  }
  EXPECT_EQ(prev_cap, ms(5000));
  b.reset();
  EXPECT_LE(b.next(), ms(50));
}

}  // namespace
}  // namespace herald::redis
