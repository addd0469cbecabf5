#include "engine/redis/slot.hpp"

#include <charconv>

namespace herald::redis {

uint16_t crc16(std::string_view data) {
  uint16_t crc = 0;
  for (unsigned char c : data) {
    crc ^= static_cast<uint16_t>(c << 8);
    for (int i = 0; i < 8; ++i) {
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<uint16_t>(crc << 1);
    }
  }
  return crc;
}

std::string_view hash_tag(std::string_view key) {
  size_t open = key.find('{');
  if (open == std::string_view::npos) return key;
  size_t close = key.find('}', open + 1);
  if (close == std::string_view::npos || close == open + 1) return key;
  return key.substr(open + 1, close - open - 1);
}

uint16_t key_slot(std::string_view key) { return crc16(hash_tag(key)) % kSlotCount; }

std::optional<Redirect> parse_redirect(const Reply& error) {
  Redirect r{};
  std::string_view rest;
  const std::string& s = error.str();
  if (error.error_is("MOVED")) {
    r.kind = Redirect::Kind::moved;
    rest = std::string_view(s).substr(6);
  } else if (error.error_is("ASK")) {
    r.kind = Redirect::Kind::ask;
    rest = std::string_view(s).substr(4);
  } else {
    return std::nullopt;
  }
  size_t space = rest.find(' ');
  size_t colon = rest.rfind(':');
  if (space == std::string_view::npos || colon == std::string_view::npos || colon < space) {
    return std::nullopt;
  }
  auto num = [](std::string_view t, uint16_t& out) {
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
    return ec == std::errc() && end == t.data() + t.size();
  };
  if (!num(rest.substr(0, space), r.slot) || r.slot >= kSlotCount) return std::nullopt;
  if (!num(rest.substr(colon + 1), r.port)) return std::nullopt;
  std::string_view host = rest.substr(space + 1, colon - space - 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  r.host = std::string(host);
  return r;
}

std::optional<std::vector<SlotRange>> parse_cluster_slots(const Reply& reply,
                                                          std::string_view asked_host) {
  if (!reply.is_array()) return std::nullopt;
  std::vector<SlotRange> ranges;
  for (const Reply& e : reply.elements()) {
    if (!e.is_array() || e.size() < 3 || !e[0].is_integer() || !e[1].is_integer()) {
      return std::nullopt;
    }
    const Reply& master = e[2];
    if (!master.is_array() || master.size() < 2 || !master[1].is_integer()) return std::nullopt;
    long long first = e[0].integer(), last = e[1].integer(), port = master[1].integer();
    if (first < 0 || last < first || last >= kSlotCount || port <= 0 || port > 65535) {
      return std::nullopt;
    }
    SlotRange r;
    r.first = static_cast<uint16_t>(first);
    r.last = static_cast<uint16_t>(last);
    r.host = master[0].is_nil() ? "" : master[0].str();
    if (r.host.empty() || r.host == "?") r.host = std::string(asked_host);
    r.port = static_cast<uint16_t>(port);
    ranges.push_back(std::move(r));
  }
  return ranges;
}

}  // namespace herald::redis
