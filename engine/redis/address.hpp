// Where a connection goes: host, port and the credentials/db an address URL may carry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace herald::redis {

struct Address {
  std::string host = "127.0.0.1";
  uint16_t port = 6379;
  std::string user;      ///< empty ⇒ AUTH with the password only (the default user)
  std::string password;  ///< empty ⇒ no AUTH
  int db = 0;            ///< SELECT db when not 0

  /// "host:port" ("[v6]:port" for IPv6): no credentials, safe for logs and as a map key.
  std::string endpoint() const;
  friend bool operator==(const Address&, const Address&) = default;
};

/// Accepts "host:port", "host" (port 6379), "[::1]:6379" and
/// "redis://[[user]:password@]host[:port][/db]" (user and password may be %-encoded).
/// Refuses "rediss://" (hiredis 0.14 has no TLS) and "unix:" with a message in `*error`.
std::optional<Address> parse_address(std::string_view text, std::string* error = nullptr);

}  // namespace herald::redis
