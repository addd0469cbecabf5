#include "actors/api/json_writer.hpp"

#include "proto/codec/json_writer.hpp"

#include <charconv>
#include <cmath>

namespace herald {

void append_json_string(std::string& out, std::string_view s) {
  // The client protocol's escaping: also turns invalid UTF-8 into U+FFFD, so an answer is
  // valid JSON whatever bytes a token or a client put in a string.
  protocol::json::append_string(out, s);
}

void JsonWriter::value_prefix() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (need_comma_) out_.push_back(',');
}

JsonWriter& JsonWriter::open(char c) {
  value_prefix();
  out_.push_back(c);
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::close(char c) {
  out_.push_back(c);
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  if (need_comma_) out_.push_back(',');
  append_json_string(out_, name);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view s) {
  value_prefix();
  append_json_string(out_, s);
  need_comma_ = true;
  return *this;
}

template <class T>
static void append_integer(std::string& out, T v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, end);
}

JsonWriter& JsonWriter::number(uint64_t v) {
  value_prefix();
  append_integer(out_, v);
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::number(int64_t v) {
  value_prefix();
  append_integer(out_, v);
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::number(double v) {
  value_prefix();
  if (!std::isfinite(v)) v = 0;  // JSON has no NaN/Inf
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out_.append(buf, end);
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::boolean(bool v) {
  value_prefix();
  out_.append(v ? "true" : "false");
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  value_prefix();
  out_.append(json);
  need_comma_ = true;
  return *this;
}

}  // namespace herald
