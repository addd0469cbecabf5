#include "actors/api/json_writer.hpp"

#include <gtest/gtest.h>

namespace herald {
namespace {

TEST(JsonWriter, NestedObjectsArraysAndRawValues) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().key("a").number(uint64_t{1}).key("b").begin_array();
  w.string("x").raw(R"({"k":true})").number(int64_t{-2}).end_array();
  w.key("c").begin_object().end_object().key("d").boolean(false).end_object();
  EXPECT_EQ(out, R"({"a":1,"b":["x",{"k":true},-2],"c":{},"d":false})");
}

TEST(JsonWriter, EscapesStrings) {
  std::string out;
  append_json_string(out, std::string("q\"b\\n\n\x01") + "é");
  EXPECT_EQ(out, "\"q\\\"b\\\\n\\n\\u0001é\"");
  out.clear();
  append_json_string(out, "bad\xff");  // invalid UTF-8 never reaches an answer
  EXPECT_EQ(out, "\"bad\\ufffd\"");
}

}  // namespace
}  // namespace herald
