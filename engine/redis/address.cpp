#include "engine/redis/address.hpp"

#include <charconv>

namespace herald::redis {

namespace {

bool fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

template <class Int>
bool parse_int(std::string_view s, Int& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = hex_digit(in[i + 1]), lo = hex_digit(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

// "host", "host:port", "[v6]", "[v6]:port".
bool parse_host_port(std::string_view s, Address& a, std::string* error) {
  std::string_view port;
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos) return fail(error, "unterminated '[' in host");
    a.host = std::string(s.substr(1, close - 1));
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return fail(error, "expected ':' after ']'");
      port = rest.substr(1);
    }
  } else {
    size_t colon = s.rfind(':');
    a.host = std::string(s.substr(0, colon));
    if (colon != std::string_view::npos) port = s.substr(colon + 1);
  }
  if (a.host.empty()) return fail(error, "empty host");
  if (port.data() != nullptr && !parse_int(port, a.port)) {
    return fail(error, "invalid port '" + std::string(port) + "'");
  }
  if (port.data() != nullptr && a.port == 0) return fail(error, "port 0");
  return true;
}

}  // namespace

std::string Address::endpoint() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<Address> parse_address(std::string_view text, std::string* error) {
  Address a;
  if (text.starts_with("rediss://")) {
    fail(error, "TLS (rediss://) is not supported");
    return std::nullopt;
  }
  if (text.starts_with("unix:")) {
    fail(error, "unix sockets are not supported");
    return std::nullopt;
  }
  if (!text.starts_with("redis://")) {
    if (text.find("://") != std::string_view::npos) {
      fail(error, "unknown scheme in '" + std::string(text) + "'");
      return std::nullopt;
    }
    if (!parse_host_port(text, a, error)) return std::nullopt;
    return a;
  }
  std::string_view rest = text.substr(8);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && (!parse_int(db, a.db) || a.db < 0)) {
      fail(error, "invalid db '" + std::string(db) + "'");
      return std::nullopt;
    }
  }
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    size_t colon = userinfo.find(':');
    // "redis://secret@host" is a password (Redis' own convention, before ACL users existed).
    std::string_view user = colon == std::string_view::npos ? "" : userinfo.substr(0, colon);
    std::string_view pass =
        colon == std::string_view::npos ? userinfo : userinfo.substr(colon + 1);
    if (!percent_decode(user, a.user) || !percent_decode(pass, a.password)) {
      fail(error, "invalid %-escape in credentials");
      return std::nullopt;
    }
  }
  if (!parse_host_port(authority, a, error)) return std::nullopt;
  return a;
}

}  // namespace herald::redis
