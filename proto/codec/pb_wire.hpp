// Proto3 wire format by hand: varints, tags, length-delimited fields. Writers omit zero
// values (proto3 rules); the Reader rejects anything truncated or malformed instead of
// guessing. Internal to proto/codec.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "proto/codec/codec.hpp"

namespace herald::protocol::pb {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLen = 2, kFixed32 = 5 };

// -- writing ---------------------------------------------------------------------------------

constexpr std::size_t varint_size(uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

/// Writes `v` at `p` (room for varint_size(v) bytes); returns the end.
inline char* write_varint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

inline void put_varint(std::string& out, uint64_t v) {
  char buf[10];
  out.append(buf, write_varint(buf, v));
}

inline void put_tag(std::string& out, uint32_t field, WireType type) {
  put_varint(out, (uint64_t{field} << 3) | type);
}

constexpr std::size_t tag_size(uint32_t field) { return varint_size(uint64_t{field} << 3); }

inline void put_uint(std::string& out, uint32_t field, uint64_t v) {
  if (v == 0) return;
  put_tag(out, field, kVarint);
  put_varint(out, v);
}

/// int32/int64: negative values take ten bytes (two's complement), as protobuf does.
inline void put_int(std::string& out, uint32_t field, int64_t v) {
  put_uint(out, field, static_cast<uint64_t>(v));
}

inline void put_bool(std::string& out, uint32_t field, bool v) {
  if (!v) return;
  put_tag(out, field, kVarint);
  out.push_back(1);
}

/// string and bytes fields; empty is omitted.
inline void put_bytes(std::string& out, uint32_t field, std::string_view v) {
  if (v.empty()) return;
  put_tag(out, field, kLen);
  put_varint(out, v.size());
  out.append(v);
}

/// Size of a put_bytes() field.
constexpr std::size_t bytes_field_size(uint32_t field, std::size_t len) {
  return len == 0 ? 0 : tag_size(field) + varint_size(len) + len;
}

constexpr std::size_t uint_field_size(uint32_t field, uint64_t v) {
  return v == 0 ? 0 : tag_size(field) + varint_size(v);
}

/// Size of a nested message field whose body is `len` bytes (always present).
constexpr std::size_t message_field_size(uint32_t field, std::size_t len) {
  return tag_size(field) + varint_size(len) + len;
}

/// For messages whose size is not computed up front: begin_message() writes the tag and a
/// one-byte length placeholder and returns where the body starts; end_message() patches
/// the length, moving the body when the length needs more than one byte.
inline std::size_t begin_message(std::string& out, uint32_t field) {
  put_tag(out, field, kLen);
  out.push_back(0);
  return out.size();
}

/// Length prefix of a whole frame message: the placeholder without a tag.
inline std::size_t begin_length_prefixed(std::string& out) {
  out.push_back(0);
  return out.size();
}

inline void end_message(std::string& out, std::size_t body_start) {
  const std::size_t len = out.size() - body_start;
  if (len < 0x80) {
    out[body_start - 1] = static_cast<char>(len);
    return;
  }
  const std::size_t n = varint_size(len);
  out.insert(body_start, n - 1, '\0');
  write_varint(out.data() + body_start - 1, len);
}

// -- reading ---------------------------------------------------------------------------------

class Reader {
 public:
  explicit Reader(std::string_view data) : p_(data.data()), end_(data.data() + data.size()) {}

  bool done() const { return p_ == end_; }
  DecodeStatus status() const { return status_; }

  bool fail(DecodeStatus s) {
    if (status_ == DecodeStatus::ok) status_ = s;
    return false;
  }

  /// At most 10 bytes, the last one holding at most bit 63.
  bool read_varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (p_ == end_) return fail(DecodeStatus::truncated);
      const auto b = static_cast<uint8_t>(*p_++);
      if (shift == 63 && b > 1) return fail(DecodeStatus::syntax_error);
      v |= uint64_t{b & 0x7Fu} << shift;
      if (b < 0x80) return true;
    }
    return fail(DecodeStatus::syntax_error);
  }

  /// Field numbers 1..2^29-1; wire types 0, 1, 2, 5 (groups are rejected).
  bool read_tag(uint32_t& field, uint32_t& type) {
    uint64_t t = 0;
    if (!read_varint(t)) return false;
    field = static_cast<uint32_t>(t >> 3);
    type = static_cast<uint32_t>(t & 7);
    if (field == 0 || t >> 3 > 0x1FFFFFFF) return fail(DecodeStatus::syntax_error);
    if (type != kVarint && type != kFixed64 && type != kLen && type != kFixed32) {
      return fail(DecodeStatus::syntax_error);
    }
    return true;
  }

  bool read_len(std::string_view& v) {
    uint64_t len = 0;
    if (!read_varint(len)) return false;
    if (len > static_cast<uint64_t>(end_ - p_)) return fail(DecodeStatus::truncated);
    v = std::string_view(p_, static_cast<std::size_t>(len));
    p_ += len;
    return true;
  }

  bool skip(uint32_t type) {
    std::size_t n = 0;
    switch (type) {
      case kVarint: {
        uint64_t ignored = 0;
        return read_varint(ignored);
      }
      case kLen: {
        std::string_view ignored;
        return read_len(ignored);
      }
      case kFixed64: n = 8; break;
      case kFixed32: n = 4; break;
      default: return fail(DecodeStatus::syntax_error);
    }
    if (static_cast<std::size_t>(end_ - p_) < n) return fail(DecodeStatus::truncated);
    p_ += n;
    return true;
  }

  // Typed fields: a wire type other than the field's is a type mismatch (as Go's decoder).
  bool bytes(uint32_t type, std::string& out) {
    std::string_view v;
    if (!expect(type, kLen) || !read_len(v)) return false;
    out.assign(v);
    return true;
  }
  bool message(uint32_t type, std::string_view& body) {
    return expect(type, kLen) && read_len(body);
  }
  bool u64(uint32_t type, uint64_t& out) { return expect(type, kVarint) && read_varint(out); }
  bool u32(uint32_t type, uint32_t& out) {
    uint64_t v = 0;
    if (!u64(type, v)) return false;
    out = static_cast<uint32_t>(v);  // protobuf truncates to 32 bits
    return true;
  }
  bool i32(uint32_t type, int32_t& out) {
    uint64_t v = 0;
    if (!u64(type, v)) return false;
    out = static_cast<int32_t>(static_cast<uint32_t>(v));
    return true;
  }
  bool boolean(uint32_t type, bool& out) {
    uint64_t v = 0;
    if (!u64(type, v)) return false;
    out = v != 0;
    return true;
  }

 private:
  bool expect(uint32_t type, WireType want) {
    return type == want || fail(DecodeStatus::type_mismatch);
  }

  const char* p_;
  const char* end_;
  DecodeStatus status_ = DecodeStatus::ok;
};

}  // namespace herald::protocol::pb
