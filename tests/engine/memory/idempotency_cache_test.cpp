#include "engine/memory/idempotency_cache.hpp"

#include <gtest/gtest.h>

#include "tests/engine/memory/test_time.hpp"

namespace herald::memory {
namespace {

using testing::at;

TEST(IdempotencyCache, RemembersResultForDefault300Seconds) {
  IdempotencyCache cache;
  EXPECT_EQ(cache.ttl(), std::chrono::seconds(300));
  cache.put("ch", "k", StreamPosition{7, "AbCd"}, at(0));
  EXPECT_EQ(cache.get("ch", "k", at(299)), (StreamPosition{7, "AbCd"}));
  EXPECT_FALSE(cache.get("ch", "k", at(300)).has_value());
  EXPECT_EQ(cache.size(), 0u);  // dropped on the expired read
}

TEST(IdempotencyCache, KeysAreScopedByChannel) {
  IdempotencyCache cache;
  cache.put("ch", "k", StreamPosition{1, "e"}, at(0));
  EXPECT_FALSE(cache.get("other", "k", at(1)).has_value());
  EXPECT_FALSE(cache.get("ch", "other", at(1)).has_value());
  // Concatenations that look alike do not collide.
  cache.put("a", "bc", StreamPosition{1, ""}, at(0));
  cache.put("ab", "c", StreamPosition{2, ""}, at(0));
  EXPECT_EQ(cache.get("a", "bc", at(1))->offset, 1u);
  EXPECT_EQ(cache.get("ab", "c", at(1))->offset, 2u);
}

TEST(IdempotencyCache, ExpireDropsDueResults) {
  IdempotencyCache cache(std::chrono::seconds(10));
  cache.put("ch", "a", StreamPosition{}, at(0));
  cache.put("ch", "b", StreamPosition{}, at(5));
  EXPECT_EQ(cache.expire(at(9)), 0u);
  EXPECT_EQ(cache.expire(at(10)), 1u);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.next_deadline(), at(15));
  EXPECT_EQ(cache.expire(at(15)), 1u);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(IdempotencyCache, PutAfterExpiryStartsAFreshTtl) {
  IdempotencyCache cache(std::chrono::seconds(10));
  cache.put("ch", "k", StreamPosition{1, "e"}, at(0));
  EXPECT_FALSE(cache.get("ch", "k", at(10)).has_value());
  cache.put("ch", "k", StreamPosition{2, "e"}, at(10));
  EXPECT_EQ(cache.expire(at(19)), 0u);  // the first put's stale item is ignored
  EXPECT_EQ(cache.get("ch", "k", at(19))->offset, 2u);
  EXPECT_EQ(cache.expire(at(20)), 1u);
}

}  // namespace
}  // namespace herald::memory
