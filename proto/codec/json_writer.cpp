#include "proto/codec/json_writer.hpp"

#include <cstring>

#include "proto/codec/json_reader.hpp"

namespace herald::protocol::json {

namespace {

// Bytes that cannot be copied as they are: control characters, '"', '\\' and non-ASCII
// (checked for valid UTF-8 before copying).
constexpr bool needs_care(unsigned char c) { return c < 0x20 || c == '"' || c == '\\' || c >= 0x80; }

void append_escape(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '"': append_literal(out, "\\\""); return;
    case '\\': append_literal(out, "\\\\"); return;
    case '\b': append_literal(out, "\\b"); return;
    case '\f': append_literal(out, "\\f"); return;
    case '\n': append_literal(out, "\\n"); return;
    case '\r': append_literal(out, "\\r"); return;
    case '\t': append_literal(out, "\\t"); return;
    default: {
      const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out.append(esc, 6);
    }
  }
}

}  // namespace

void append_string(std::string& out, std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  out.reserve(out.size() + n + 2);
  out.push_back('"');
  std::size_t run = 0;  // start of the pending verbatim run
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (!needs_care(c)) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const std::size_t len = utf8_sequence_length(p + i, n - i);
      if (len != 0) {
        i += len;
        continue;
      }
      out.append(s.data() + run, i - run);
      append_literal(out, "\\ufffd");
      run = ++i;
      continue;
    }
    out.append(s.data() + run, i - run);
    append_escape(out, c);
    run = ++i;
  }
  out.append(s.data() + run, n - run);
  out.push_back('"');
}

void append_raw(std::string& out, std::string_view raw) {
  const char* p = raw.data();
  const char* end = p + raw.size();
  for (;;) {
    const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
    if (nl == nullptr) {
      out.append(p, end);
      return;
    }
    const char* stop = static_cast<const char*>(nl);
    out.append(p, stop);
    p = stop + 1;
  }
}

}  // namespace herald::protocol::json
