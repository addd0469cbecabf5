#include "engine/memory/deadline_heap.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/engine/memory/test_time.hpp"

namespace herald::memory {
namespace {

using testing::at;

TEST(DeadlineHeap, PopsOnlyDueItemsEarliestFirst) {
  DeadlineHeap<std::string> heap;
  heap.push(at(30), "c", 3);
  heap.push(at(10), "a", 1);
  heap.push(at(20), "b", 2);
  EXPECT_EQ(heap.next(), at(10));
  EXPECT_FALSE(heap.pop_due(at(9)).has_value());
  auto a = heap.pop_due(at(25));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->key, "a");
  EXPECT_EQ(a->generation, 1u);
  EXPECT_EQ(heap.pop_due(at(25))->key, "b");
  EXPECT_FALSE(heap.pop_due(at(25)).has_value());
  EXPECT_EQ(heap.size(), 1u);
  EXPECT_EQ(heap.pop_due(at(30))->key, "c");
  EXPECT_FALSE(heap.next().has_value());
}

}  // namespace
}  // namespace herald::memory
