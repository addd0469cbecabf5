#include "transport/ws/frame_codec.hpp"

#include <algorithm>
#include <cstring>

namespace herald::ws {

namespace {

constexpr size_t kMaxControlPayload = 125;
constexpr size_t kMaxReserve = 1 << 20;  // a frame's length is the peer's claim: trust it so far

bool is_control(Opcode op) { return static_cast<uint8_t>(op) >= 8; }

/// XORs `n` bytes with the mask key, starting at key byte `pos`; returns the next position.
uint8_t unmask(char* p, size_t n, const uint8_t key[4], uint8_t pos) {
  size_t i = 0;
  for (; i < n && (pos & 3) != 0; ++i, ++pos) p[i] ^= static_cast<char>(key[pos & 3]);
  if (n - i >= 8) {
    uint8_t k8[8];
    for (int j = 0; j < 8; ++j) k8[j] = key[j & 3];
    uint64_t mask;
    std::memcpy(&mask, k8, 8);
    for (; n - i >= 8; i += 8) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      w ^= mask;
      std::memcpy(p + i, &w, 8);
    }
  }
  for (; i < n; ++i, ++pos) p[i] ^= static_cast<char>(key[pos & 3]);
  return static_cast<uint8_t>(pos & 3);
}

void fail(FrameEvent& ev, uint16_t code) {
  ev.kind = FrameEvent::Kind::error;
  ev.code = code;
}

}  // namespace

size_t FrameReader::feed(const char* data, size_t n, std::string& message, FrameEvent& ev) {
  ev.kind = FrameEvent::Kind::none;
  size_t used = 0;
  while (used < n) {
    if (!in_frame_) {
      header_[header_len_++] = static_cast<uint8_t>(data[used++]);
      if (header_len_ < 2) continue;
      const uint8_t len7 = header_[1] & 0x7F;
      const size_t need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + 4;  // always masked
      if ((header_[1] & 0x80) == 0) {
        fail(ev, kCloseProtocolError);  // a client's frames must be masked
        return used;
      }
      if (header_len_ < need) continue;
      header_len_ = 0;
      if (!parse_header(ev)) return used;
      if (remaining_ == 0) {
        finish_frame(message, ev);
        if (ev.kind != FrameEvent::Kind::none) return used;
      }
      continue;
    }
    const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, n - used));
    std::string& into = is_control(frame_op_) ? *control_ : message;
    const size_t at = into.size();
    into.append(data + used, take);
    key_pos_ = unmask(into.data() + at, take, key_, key_pos_);
    used += take;
    remaining_ -= take;
    if (remaining_ == 0) {
      finish_frame(message, ev);
      if (ev.kind != FrameEvent::Kind::none) return used;
    }
  }
  return used;
}

bool FrameReader::parse_header(FrameEvent& ev) {
  const uint8_t b0 = header_[0];
  const bool fin = (b0 & 0x80) != 0;
  const auto op = static_cast<Opcode>(b0 & 0x0F);
  if ((b0 & 0x70) != 0) {  // RSV bits: no extension was negotiated
    fail(ev, kCloseProtocolError);
    return false;
  }
  switch (op) {
    case Opcode::cont:
    case Opcode::text:
    case Opcode::binary:
    case Opcode::close:
    case Opcode::ping:
    case Opcode::pong:
      break;
    default:
      fail(ev, kCloseProtocolError);
      return false;
  }
  const uint8_t len7 = header_[1] & 0x7F;
  uint64_t len = len7;
  size_t pos = 2;
  if (len7 == 126) {
    len = (uint64_t{header_[2]} << 8) | header_[3];
    pos = 4;
    if (len < 126) {  // not the shortest encoding
      fail(ev, kCloseProtocolError);
      return false;
    }
  } else if (len7 == 127) {
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | header_[2 + i];
    pos = 10;
    if (len < 65536 || (len >> 63) != 0) {
      fail(ev, kCloseProtocolError);
      return false;
    }
  }
  std::memcpy(key_, header_ + pos, 4);
  key_pos_ = 0;
  if (is_control(op)) {
    if (!fin || len > kMaxControlPayload) {
      fail(ev, kCloseProtocolError);
      return false;
    }
    control_ = std::make_unique<std::string>();
  } else {
    if ((op == Opcode::cont) != in_message_) {  // a continuation of nothing, or a new message
      fail(ev, kCloseProtocolError);             // inside one
      return false;
    }
    if (op != Opcode::cont) {
      in_message_ = true;
      message_binary_ = op == Opcode::binary;
      message_size_ = 0;
    }
    if (max_message_ != 0 && len > max_message_ - std::min(max_message_, message_size_)) {
      fail(ev, kCloseTooBig);
      return false;
    }
    message_size_ += len;
  }
  frame_op_ = op;
  frame_fin_ = fin;
  remaining_ = len;
  in_frame_ = true;
  return true;
}

void FrameReader::finish_frame(std::string& message, FrameEvent& ev) {
  in_frame_ = false;
  if (is_control(frame_op_)) {
    finish_control(ev);
    control_.reset();
  } else {
    finish_data(message, ev);
  }
}

void FrameReader::finish_data(std::string& message, FrameEvent& ev) {
  if (!frame_fin_) return;
  in_message_ = false;
  message_size_ = 0;
  if (!message_binary_ && !valid_utf8(message)) return fail(ev, kCloseBadPayload);
  ev.kind = FrameEvent::Kind::message;
  ev.binary = message_binary_;
}

void FrameReader::finish_control(FrameEvent& ev) {
  std::string& control = *control_;
  switch (frame_op_) {
    case Opcode::ping:
      ev.kind = FrameEvent::Kind::ping;
      ev.payload = std::move(control);
      return;
    case Opcode::pong:
      ev.kind = FrameEvent::Kind::pong;
      return;
    default:  // close
      if (control.size() == 1) return fail(ev, kCloseProtocolError);
      ev.code = 0;
      ev.payload.clear();
      if (control.size() >= 2) {
        ev.code = static_cast<uint16_t>((static_cast<uint8_t>(control[0]) << 8) |
                                        static_cast<uint8_t>(control[1]));
        if (!valid_close_code(ev.code)) return fail(ev, kCloseProtocolError);
        std::string_view reason(control.data() + 2, control.size() - 2);
        if (!valid_utf8(reason)) return fail(ev, kCloseBadPayload);
        ev.payload.assign(reason);
      }
      ev.kind = FrameEvent::Kind::close;
  }
}

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    if (n - i >= 8) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if ((w & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    const unsigned c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;  // a continuation byte first, an overlong 2-byte lead, or past U+10FFFF
    }
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      const unsigned cc = p[i + k];
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return false;
    if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return false;
    i += len;
  }
  return true;
}

bool valid_close_code(uint16_t code) {
  if (code >= 3000) return true;
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1013);
}

size_t write_frame_header(uint8_t* out, Opcode op, uint64_t len) {
  out[0] = static_cast<uint8_t>(0x80 | static_cast<uint8_t>(op));
  if (len < 126) {
    out[1] = static_cast<uint8_t>(len);
    return 2;
  }
  if (len <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<uint8_t>(len >> 8);
    out[3] = static_cast<uint8_t>(len);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<uint8_t>(len >> (56 - 8 * i));
  return 10;
}

void append_control_frame(std::string& out, Opcode op, std::string_view payload) {
  const size_t n = std::min(payload.size(), kMaxControlPayload);
  uint8_t header[10];
  const size_t h = write_frame_header(header, op, n);
  out.append(reinterpret_cast<const char*>(header), h);
  out.append(payload.data(), n);
}

void append_close_frame(std::string& out, uint16_t code, std::string_view reason) {
  if (code == 0) return append_control_frame(out, Opcode::close, {});
  std::string payload;
  payload.reserve(2 + reason.size());
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  payload.append(reason.substr(0, kMaxControlPayload - 2));
  append_control_frame(out, Opcode::close, payload);
}

}  // namespace herald::ws
