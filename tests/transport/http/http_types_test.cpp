#include "transport/http/http_types.hpp"

#include <gtest/gtest.h>

namespace herald {
namespace {

TEST(HttpTypes, QueryParamsAreDecoded) {
  HttpRequest r;
  r.query = "a=1&api_key=k%20x%2B&flag&empty=";
  EXPECT_EQ(r.query_param("api_key"), "k x+");
  EXPECT_EQ(r.query_param("a"), "1");
  EXPECT_EQ(r.query_param("flag"), "");
  EXPECT_EQ(r.query_param("missing"), "");
}

TEST(HttpTypes, PercentDecodeKeepsBrokenEscapes) {
  EXPECT_EQ(percent_decode("%zz%4"), "%zz%4");
  EXPECT_EQ(percent_decode("a+b%41"), "a bA");
}

}  // namespace
}  // namespace herald
