#include "actors/api/glob.hpp"

#include <gtest/gtest.h>

namespace herald {
namespace {

TEST(Glob, EmptyPatternMatchesAll) { EXPECT_TRUE(*glob_match("", "anything")); }

TEST(Glob, StarQuestionAndLiterals) {
  EXPECT_TRUE(*glob_match("chat:*", "chat:index"));
  EXPECT_TRUE(*glob_match("chat:*", "chat:"));
  EXPECT_FALSE(*glob_match("chat:*", "news:1"));
  EXPECT_TRUE(*glob_match("*:1", "news:1"));
  EXPECT_TRUE(*glob_match("a?c", "abc"));
  EXPECT_FALSE(*glob_match("a?c", "ac"));
  EXPECT_TRUE(*glob_match("*a*b*", "xxaxxbxx"));
  EXPECT_FALSE(*glob_match("*a*b", "xxaxxbxx"));
}

TEST(Glob, ClassesAlternativesAndEscapes) {
  EXPECT_TRUE(*glob_match("user[0-9]", "user7"));
  EXPECT_FALSE(*glob_match("user[!0-9]", "user7"));
  EXPECT_TRUE(*glob_match("{chat,news}:*", "news:2"));
  EXPECT_FALSE(*glob_match("{chat,news}:*", "misc:2"));
  EXPECT_TRUE(*glob_match("a\\*b", "a*b"));
  EXPECT_FALSE(*glob_match("a\\*b", "axb"));
}

TEST(Glob, MalformedPatternIsReported) {
  EXPECT_FALSE(glob_match("user[0-9", "user1").has_value());
  EXPECT_FALSE(glob_match("{a,b", "a").has_value());
  EXPECT_FALSE(glob_valid("user[0-9"));
  EXPECT_FALSE(glob_valid("{a,b"));
  EXPECT_FALSE(glob_valid("a\\"));
  EXPECT_TRUE(glob_valid("{a,b}[!x-z]*?\\*"));
}

}  // namespace
}  // namespace herald
