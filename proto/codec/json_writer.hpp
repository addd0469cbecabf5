// Appending JSON to a std::string with the client protocol's rules (docs/protocol.md §1.2): zero
// values omitted unless written with an *_always call, bytes embedded as raw JSON with '\n'
// stripped. Internal to proto/codec.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace herald::protocol::json {

/// Quoted and escaped; invalid UTF-8 becomes \ufffd (as Go's encoder), so the frame stays a
/// valid WebSocket text message whatever the input.
void append_string(std::string& out, std::string_view s);

/// A raw JSON value, minus every 0x0A byte (only whitespace in valid JSON, but it would split
/// the frame).
void append_raw(std::string& out, std::string_view raw);

/// A string literal without its terminating NUL.
template <std::size_t N>
void append_literal(std::string& out, const char (&s)[N]) {
  out.append(s, N - 1);
}

template <class T>
void append_number(std::string& out, T v) {
  static_assert(std::is_integral_v<T>);
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, res.ptr);
}

/// Writes one object's members, handling commas. Keys are trusted literals.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_.push_back('{'); }

  /// Starts a member; the caller writes its value.
  void key(std::string_view k) {
    if (!first_) out_.push_back(',');
    first_ = false;
    out_.push_back('"');
    out_.append(k);
    append_literal(out_, "\":");
  }

  void str(std::string_view k, std::string_view v) {
    if (!v.empty()) str_always(k, v);
  }
  void str_always(std::string_view k, std::string_view v) {
    key(k);
    append_string(out_, v);
  }
  void raw(std::string_view k, std::string_view v) {
    if (v.empty()) return;
    key(k);
    append_raw(out_, v);
  }
  void boolean(std::string_view k, bool v) {
    if (!v) return;
    key(k);
    append_literal(out_, "true");
  }
  template <class T>
  void number(std::string_view k, T v) {
    if (v != 0) number_always(k, v);
  }
  template <class T>
  void number_always(std::string_view k, T v) {
    key(k);
    append_number(out_, v);
  }

  void close() { out_.push_back('}'); }

 private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace herald::protocol::json
