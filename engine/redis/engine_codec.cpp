#include "engine/redis/engine_codec.hpp"

#include <charconv>
#include <cstdint>

namespace herald::redis {

namespace {

// -- writing --------------------------------------------------------------------------------

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLen = 2, kFixed32 = 5 };

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_tag(std::string& out, uint32_t field, WireType type) {
  put_varint(out, (static_cast<uint64_t>(field) << 3) | type);
}

/// proto3: empty strings are not written.
void put_bytes(std::string& out, uint32_t field, std::string_view bytes) {
  if (bytes.empty()) return;
  put_tag(out, field, kLen);
  put_varint(out, bytes.size());
  out.append(bytes);
}

void put_uint(std::string& out, uint32_t field, uint64_t v) {
  if (v == 0) return;
  put_tag(out, field, kVarint);
  put_varint(out, v);
}

// -- reading --------------------------------------------------------------------------------

/// A bounds-checked cursor; the first failure makes every later read fail too.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : data_(bytes) {}
  bool done() const { return pos_ >= data_.size(); }
  bool ok() const { return ok_; }

  bool varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return fail();
      auto byte = static_cast<uint8_t>(data_[pos_++]);
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return fail();  // more than 10 bytes
  }
  bool bytes(std::string_view& out) {
    uint64_t n = 0;
    if (!varint(n) || n > data_.size() - pos_) return fail();
    out = data_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool skip(uint32_t type) {
    uint64_t ignored = 0;
    std::string_view ignored_bytes;
    switch (type) {
      case kVarint: return varint(ignored);
      case kFixed64: return advance(8);
      case kLen: return bytes(ignored_bytes);
      case kFixed32: return advance(4);
      default: return fail();  // groups (3, 4) and invalid types
    }
  }
  /// Next field's number and wire type.
  bool tag(uint32_t& field, uint32_t& type) {
    uint64_t t = 0;
    if (!varint(t)) return false;
    field = static_cast<uint32_t>(t >> 3);
    type = static_cast<uint32_t>(t & 7);
    if (field == 0 || (t >> 3) > 0x1fffffff) return fail();
    return true;
  }

 private:
  bool advance(size_t n) {
    if (n > data_.size() - pos_) return fail();
    pos_ += n;
    return true;
  }
  bool fail() {
    ok_ = false;
    pos_ = data_.size();
    return false;
  }
  std::string_view data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

/// Reads a length-delimited field into `out`; false when the wire type is not `kLen`.
bool read_string(Reader& r, uint32_t type, std::string& out) {
  std::string_view v;
  if (type != kLen || !r.bytes(v)) return false;
  out.assign(v);
  return true;
}

bool read_varint(Reader& r, uint32_t type, uint64_t& out) {
  return type == kVarint && r.varint(out);
}

/// Reads every field of a message: `on_field(reader, field, wire type)` consumes the ones it
/// knows and answers false for a wrong wire type; unknown fields are skipped.
template <class OnField>
bool read_fields(std::string_view bytes, OnField on_field) {
  Reader r(bytes);
  while (!r.done()) {
    uint32_t field = 0, type = 0;
    if (!r.tag(field, type)) return false;
    std::optional<bool> known = on_field(r, field, type);
    if (!(known ? *known : r.skip(type))) return false;
  }
  return r.ok();
}

/// A nested message field (`tag`, length, bytes), written even when empty.
void put_message(std::string& out, uint32_t field, std::string_view bytes) {
  put_tag(out, field, kLen);
  put_varint(out, bytes.size());
  out.append(bytes);
}

std::optional<std::pair<std::string, std::string>> decode_tag_entry(std::string_view bytes) {
  std::pair<std::string, std::string> kv;
  bool ok = read_fields(bytes, [&](Reader& r, uint32_t field, uint32_t type) -> std::optional<bool> {
    if (field == 1) return read_string(r, type, kv.first);
    if (field == 2) return read_string(r, type, kv.second);
    return std::nullopt;
  });
  if (!ok) return std::nullopt;
  return kv;
}

constexpr std::string_view kMetaSep = "__";
constexpr std::string_view kJoin = "__j__";
constexpr std::string_view kLeave = "__l__";
constexpr std::string_view kPub = "__p1:";

}  // namespace

std::string encode_client_info(const ClientInfo& info) {
  std::string out;
  out.reserve(info.user.size() + info.client.size() + info.conn_info.size() +
              info.chan_info.size() + 12);
  put_bytes(out, 1, info.user);
  put_bytes(out, 2, info.client);
  put_bytes(out, 3, info.conn_info);
  put_bytes(out, 4, info.chan_info);
  return out;
}

std::optional<ClientInfo> decode_client_info(std::string_view bytes) {
  ClientInfo info;
  bool ok = read_fields(bytes, [&](Reader& r, uint32_t field, uint32_t type) -> std::optional<bool> {
    switch (field) {
      case 1: return read_string(r, type, info.user);
      case 2: return read_string(r, type, info.client);
      case 3: return read_string(r, type, info.conn_info);
      case 4: return read_string(r, type, info.chan_info);
      default: return std::nullopt;
    }
  });
  if (!ok) return std::nullopt;
  return info;
}

std::string encode_publication(const Publication& pub) {
  std::string out;
  out.reserve(pub.data.size() + 32);
  put_bytes(out, 4, pub.data);
  // A present but empty info is still written, so "info set" survives the round trip.
  if (pub.info) put_message(out, 5, encode_client_info(*pub.info));
  for (const auto& [key, value] : pub.tags) {
    std::string entry;
    put_bytes(entry, 1, key);
    put_bytes(entry, 2, value);
    put_message(out, 7, entry);
  }
  put_uint(out, 9, static_cast<uint64_t>(pub.time_ms));  // int64: two's complement varint
  return out;
}

std::optional<Publication> decode_publication(std::string_view bytes) {
  Publication pub;
  bool ok = read_fields(bytes, [&](Reader& r, uint32_t field, uint32_t type) -> std::optional<bool> {
    uint64_t v = 0;
    std::string_view sub;
    switch (field) {
      case 4: return read_string(r, type, pub.data);
      case 5: {
        if (type != kLen || !r.bytes(sub)) return false;
        auto info = decode_client_info(sub);
        if (info) pub.info = std::move(*info);
        return info.has_value();
      }
      case 6:
        if (!read_varint(r, type, v)) return false;
        pub.offset = v;
        return true;
      case 7: {
        if (type != kLen || !r.bytes(sub)) return false;
        auto kv = decode_tag_entry(sub);
        if (kv) pub.tags[std::move(kv->first)] = std::move(kv->second);
        return kv.has_value();
      }
      case 9:
        if (!read_varint(r, type, v)) return false;
        pub.time_ms = static_cast<int64_t>(v);
        return true;
      case 14: return read_string(r, type, pub.epoch);
      default: return std::nullopt;
    }
  });
  if (!ok) return std::nullopt;
  return pub;
}

std::string encode_publication_message(const Publication& pub) { return encode_publication(pub); }

std::string encode_publication_message(const Publication& pub, uint64_t offset,
                                       std::string_view epoch) {
  std::string out(kPub);
  out += std::to_string(offset);
  out += ':';
  out += epoch;
  out += kMetaSep;
  out += encode_publication(pub);
  return out;
}

std::string encode_join_message(const ClientInfo& info) {
  return std::string(kJoin) + encode_client_info(info);
}

std::string encode_leave_message(const ClientInfo& info) {
  return std::string(kLeave) + encode_client_info(info);
}

std::optional<PubSubMessage> decode_message(std::string_view bytes) {
  PubSubMessage m;
  if (!bytes.starts_with(kMetaSep)) {  // a publication without history
    auto pub = decode_publication(bytes);
    if (!pub) return std::nullopt;
    m.publication = std::move(*pub);
    m.epoch = std::move(m.publication.epoch);
    m.publication.epoch.clear();
    return m;
  }
  if (bytes.starts_with(kJoin) || bytes.starts_with(kLeave)) {
    auto info = decode_client_info(bytes.substr(kJoin.size()));
    if (!info) return std::nullopt;
    m.kind = bytes[2] == 'j' ? PubSubMessage::Kind::join : PubSubMessage::Kind::leave;
    m.info = std::move(*info);
    return m;
  }
  if (!bytes.starts_with(kPub)) return std::nullopt;  // __d1: (delta) and unknown kinds
  std::string_view rest = bytes.substr(kPub.size());
  size_t end = rest.find(kMetaSep);
  if (end == std::string_view::npos) return std::nullopt;
  std::string_view header = rest.substr(0, end);  // <offset>:<epoch>
  size_t colon = header.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  uint64_t offset = 0;
  auto [ptr, ec] = std::from_chars(header.data(), header.data() + colon, offset);
  if (ec != std::errc{} || ptr != header.data() + colon) return std::nullopt;
  auto pub = decode_publication(rest.substr(end + kMetaSep.size()));
  if (!pub) return std::nullopt;
  m.publication = std::move(*pub);
  m.epoch = std::string(header.substr(colon + 1));
  if (m.publication.offset == 0) m.publication.offset = offset;
  m.publication.epoch.clear();
  // Herald's convention (engine/types.hpp): the publication at offset 1 carries the epoch.
  if (m.publication.offset == 1) m.publication.epoch = m.epoch;
  return m;
}

}  // namespace herald::redis
