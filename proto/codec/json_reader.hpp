// A small pull-style JSON scanner over one buffer: validates as it goes, records the raw span
// of values (so `data` payloads are kept byte-exact) and decodes strings and integers.
// Internal to proto/codec.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "proto/codec/codec.hpp"

namespace herald::protocol::json {

class Reader {
 public:
  explicit Reader(std::string_view text) : s_(text) {}

  /// The first error met (ok while none).
  DecodeStatus status() const { return status_; }
  bool failed() const { return status_ != DecodeStatus::ok; }

  void skip_ws() {
    while (pos_ < s_.size() && is_ws(s_[pos_])) ++pos_;
  }
  /// True when only whitespace is left.
  bool at_end() {
    skip_ws();
    return pos_ >= s_.size();
  }

  /// Consumes `null` if it is the next value.
  bool take_null();

  /// Validates the next value and returns its exact text (no surrounding whitespace).
  bool skip_value(std::string_view* raw = nullptr);

  /// Decodes the next value as a string (escapes resolved; lone surrogates become U+FFFD).
  bool read_string(std::string& out);
  bool read_bool(bool& out);
  /// JSON integers only (no fraction/exponent), range-checked: otherwise type_mismatch.
  bool read_uint(uint64_t max, uint64_t& out);
  bool read_int(int64_t min, int64_t max, int64_t& out);

  /// Object iteration: begin_object() consumes '{'; next_key() returns false at '}' (check
  /// failed()) and otherwise the decoded key, with the reader placed before the value.
  /// `scratch` holds keys that contain escapes; the returned view may point into it.
  bool begin_object();
  bool next_key(std::string_view& key, std::string& scratch);

  bool fail(DecodeStatus status) {
    if (status_ == DecodeStatus::ok) status_ = status;
    return false;
  }

  static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

 private:
  bool scan_string(bool decode, std::string* out);
  bool scan_number();
  bool scan_literal(std::string_view word);
  bool read_digits(bool negative, uint64_t limit, uint64_t& out);

  std::string_view s_;
  std::size_t pos_ = 0;
  DecodeStatus status_ = DecodeStatus::ok;
  bool object_first_ = false;  // next_key() is at the first member
};

/// Length of the valid UTF-8 sequence at `p` (RFC 3629: no overlongs, no surrogates,
/// <= U+10FFFF), or 0 if invalid. `n` is the number of bytes available (>= 1).
std::size_t utf8_sequence_length(const unsigned char* p, std::size_t n);

}  // namespace herald::protocol::json
