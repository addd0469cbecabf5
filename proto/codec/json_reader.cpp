#include "proto/codec/json_reader.hpp"

#include <charconv>

namespace herald::protocol::json {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Four hex digits at s[pos..pos+4), or -1.
int32_t read_hex4(std::string_view s, std::size_t pos) {
  if (pos + 4 > s.size()) return -1;
  int32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const int h = hex_value(s[pos + i]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

constexpr uint32_t kReplacementChar = 0xFFFD;

}  // namespace

std::size_t utf8_sequence_length(const unsigned char* p, std::size_t n) {
  const unsigned char c = p[0];
  if (c < 0x80) return 1;
  auto cont = [&](std::size_t i, unsigned char lo, unsigned char hi) {
    return i < n && p[i] >= lo && p[i] <= hi;
  };
  if (c < 0xC2) return 0;  // stray continuation byte or overlong 2-byte form
  if (c < 0xE0) return cont(1, 0x80, 0xBF) ? 2 : 0;
  if (c < 0xF0) {
    const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;  // no overlongs
    const unsigned char hi = c == 0xED ? 0x9F : 0xBF;  // no UTF-16 surrogates
    return cont(1, lo, hi) && cont(2, 0x80, 0xBF) ? 3 : 0;
  }
  if (c < 0xF5) {
    const unsigned char lo = c == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;  // <= U+10FFFF
    return cont(1, lo, hi) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

bool Reader::take_null() {
  skip_ws();
  if (s_.compare(pos_, 4, "null") == 0) {
    pos_ += 4;
    return true;
  }
  return false;
}

bool Reader::scan_literal(std::string_view word) {
  if (s_.compare(pos_, word.size(), word) != 0) return fail(DecodeStatus::syntax_error);
  pos_ += word.size();
  return true;
}

bool Reader::scan_number() {
  const std::size_t n = s_.size();
  if (pos_ < n && s_[pos_] == '-') ++pos_;
  if (pos_ >= n || !is_digit(s_[pos_])) return fail(DecodeStatus::syntax_error);
  if (s_[pos_] == '0') {
    ++pos_;
  } else {
    while (pos_ < n && is_digit(s_[pos_])) ++pos_;
  }
  if (pos_ < n && s_[pos_] == '.') {
    ++pos_;
    if (pos_ >= n || !is_digit(s_[pos_])) return fail(DecodeStatus::syntax_error);
    while (pos_ < n && is_digit(s_[pos_])) ++pos_;
  }
  if (pos_ < n && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
    ++pos_;
    if (pos_ < n && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
    if (pos_ >= n || !is_digit(s_[pos_])) return fail(DecodeStatus::syntax_error);
    while (pos_ < n && is_digit(s_[pos_])) ++pos_;
  }
  return true;
}

// Starts at the opening quote. With `decode`, appends the unescaped text to *out.
bool Reader::scan_string(bool decode, std::string* out) {
  const std::size_t n = s_.size();
  const auto* bytes = reinterpret_cast<const unsigned char*>(s_.data());
  ++pos_;
  std::size_t run = pos_;  // start of the pending unescaped run
  while (pos_ < n) {
    const unsigned char c = bytes[pos_];
    if (c == '"') {
      if (decode) out->append(s_.data() + run, pos_ - run);
      ++pos_;
      return true;
    }
    if (c == '\\') {
      if (decode) out->append(s_.data() + run, pos_ - run);
      if (++pos_ >= n) break;
      const char e = s_[pos_++];
      char simple = 0;
      switch (e) {
        case '"': simple = '"'; break;
        case '\\': simple = '\\'; break;
        case '/': simple = '/'; break;
        case 'b': simple = '\b'; break;
        case 'f': simple = '\f'; break;
        case 'n': simple = '\n'; break;
        case 'r': simple = '\r'; break;
        case 't': simple = '\t'; break;
        case 'u': {
          int32_t cp = read_hex4(s_, pos_);
          if (cp < 0) return fail(DecodeStatus::syntax_error);
          pos_ += 4;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            // A high surrogate only counts when a low one follows; else U+FFFD (as Go).
            const int32_t low = pos_ + 1 < n && s_[pos_] == '\\' && s_[pos_ + 1] == 'u'
                                    ? read_hex4(s_, pos_ + 2)
                                    : -1;
            if (low >= 0xDC00 && low <= 0xDFFF) {
              pos_ += 6;
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else {
              cp = kReplacementChar;
            }
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            cp = kReplacementChar;
          }
          if (decode) append_utf8(*out, static_cast<uint32_t>(cp));
          break;
        }
        default:
          return fail(DecodeStatus::syntax_error);
      }
      if (decode && simple != 0) out->push_back(simple);
      run = pos_;
      continue;
    }
    if (c < 0x20) return fail(DecodeStatus::syntax_error);
    if (c < 0x80) {
      ++pos_;
      continue;
    }
    const std::size_t len = utf8_sequence_length(bytes + pos_, n - pos_);
    if (len == 0) return fail(DecodeStatus::syntax_error);
    pos_ += len;
  }
  return fail(DecodeStatus::syntax_error);
}

bool Reader::skip_value(std::string_view* raw) {
  skip_ws();
  const std::size_t start = pos_;
  const std::size_t n = s_.size();
  char stack[kMaxJsonDepth];  // open containers: '{' or '['
  int depth = 0;
  // Consumes `"key" :` inside an object.
  auto member_key = [&]() {
    skip_ws();
    if (pos_ >= n || s_[pos_] != '"') return fail(DecodeStatus::syntax_error);
    if (!scan_string(false, nullptr)) return false;
    skip_ws();
    if (pos_ >= n || s_[pos_] != ':') return fail(DecodeStatus::syntax_error);
    ++pos_;
    return true;
  };
  for (;;) {
    // A value is expected here.
    skip_ws();
    if (pos_ >= n) return fail(DecodeStatus::syntax_error);
    const char c = s_[pos_];
    if (c == '{' || c == '[') {
      if (depth == kMaxJsonDepth) return fail(DecodeStatus::too_deep);
      ++pos_;
      skip_ws();
      const char close = c == '{' ? '}' : ']';
      if (pos_ < n && s_[pos_] == close) {
        ++pos_;
      } else {
        stack[depth++] = c;
        if (c == '{' && !member_key()) return false;
        continue;
      }
    } else if (c == '"') {
      if (!scan_string(false, nullptr)) return false;
    } else if (c == 't') {
      if (!scan_literal("true")) return false;
    } else if (c == 'f') {
      if (!scan_literal("false")) return false;
    } else if (c == 'n') {
      if (!scan_literal("null")) return false;
    } else if (c == '-' || is_digit(c)) {
      if (!scan_number()) return false;
    } else {
      return fail(DecodeStatus::syntax_error);
    }
    // A value ended: close containers until another element is expected.
    for (;;) {
      if (depth == 0) {
        if (raw != nullptr) *raw = s_.substr(start, pos_ - start);
        return true;
      }
      skip_ws();
      if (pos_ >= n) return fail(DecodeStatus::syntax_error);
      const char d = s_[pos_++];
      const char top = stack[depth - 1];
      if (d == ',') {
        if (top == '{' && !member_key()) return false;
        break;
      }
      if ((top == '{' && d == '}') || (top == '[' && d == ']')) {
        --depth;
        continue;
      }
      return fail(DecodeStatus::syntax_error);
    }
  }
}

bool Reader::read_string(std::string& out) {
  skip_ws();
  if (pos_ >= s_.size() || s_[pos_] != '"') return fail(DecodeStatus::type_mismatch);
  out.clear();
  return scan_string(true, &out);
}

bool Reader::read_bool(bool& out) {
  skip_ws();
  if (s_.compare(pos_, 4, "true") == 0) {
    pos_ += 4;
    out = true;
    return true;
  }
  if (s_.compare(pos_, 5, "false") == 0) {
    pos_ += 5;
    out = false;
    return true;
  }
  return fail(DecodeStatus::type_mismatch);
}

bool Reader::read_uint(uint64_t max, uint64_t& out) {
  skip_ws();
  const std::size_t start = pos_;
  if (pos_ >= s_.size() || !is_digit(s_[pos_])) return fail(DecodeStatus::type_mismatch);
  if (!scan_number()) return false;
  const char* first = s_.data() + start;
  const char* last = s_.data() + pos_;
  uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(first, last, v);
  // A fraction or exponent leaves ptr short of the end: not an integer.
  if (ec != std::errc() || ptr != last || v > max) return fail(DecodeStatus::type_mismatch);
  out = v;
  return true;
}

bool Reader::read_int(int64_t min, int64_t max, int64_t& out) {
  skip_ws();
  const std::size_t start = pos_;
  if (pos_ >= s_.size() || !(is_digit(s_[pos_]) || s_[pos_] == '-')) {
    return fail(DecodeStatus::type_mismatch);
  }
  if (!scan_number()) return false;
  const char* first = s_.data() + start;
  const char* last = s_.data() + pos_;
  int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(first, last, v);
  if (ec != std::errc() || ptr != last || v < min || v > max) {
    return fail(DecodeStatus::type_mismatch);
  }
  out = v;
  return true;
}

bool Reader::begin_object() {
  skip_ws();
  if (pos_ >= s_.size()) return fail(DecodeStatus::syntax_error);
  const char c = s_[pos_];
  if (c != '{') {
    const bool other_value = c == '[' || c == '"' || c == '-' || is_digit(c) || c == 't' ||
                             c == 'f' || c == 'n';
    return fail(other_value ? DecodeStatus::type_mismatch : DecodeStatus::syntax_error);
  }
  ++pos_;
  object_first_ = true;
  return true;
}

bool Reader::next_key(std::string_view& key, std::string& scratch) {
  if (failed()) return false;
  skip_ws();
  const std::size_t n = s_.size();
  if (pos_ >= n) return fail(DecodeStatus::syntax_error);
  if (s_[pos_] == '}') {
    ++pos_;
    object_first_ = false;  // the enclosing object (if any) is past its first member
    return false;
  }
  if (!object_first_) {
    if (s_[pos_] != ',') return fail(DecodeStatus::syntax_error);
    ++pos_;
    skip_ws();
  }
  object_first_ = false;
  if (pos_ >= n || s_[pos_] != '"') return fail(DecodeStatus::syntax_error);
  const std::size_t quote = pos_;
  if (!scan_string(false, nullptr)) return false;
  key = s_.substr(quote + 1, pos_ - quote - 2);
  if (key.find('\\') != std::string_view::npos) {
    const std::size_t end = pos_;
    pos_ = quote;
    scratch.clear();
    if (!scan_string(true, &scratch)) return false;
    pos_ = end;
    key = scratch;
  }
  skip_ws();
  if (pos_ >= n || s_[pos_] != ':') return fail(DecodeStatus::syntax_error);
  ++pos_;
  return true;
}

}  // namespace herald::protocol::json

namespace herald::protocol {

bool is_valid_json(std::string_view text) {
  json::Reader r(text);
  return r.skip_value() && r.at_end();
}

}  // namespace herald::protocol
