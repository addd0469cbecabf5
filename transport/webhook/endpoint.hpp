// Where a proxy request goes: the parts of an `http://`, `https://` or `grpc://` endpoint
// URL that the clients need. Plain C++.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace herald {

struct ProxyEndpoint {
  enum class Scheme : uint8_t { http, https, grpc };
  Scheme scheme = Scheme::http;
  std::string host;  ///< name or address, without brackets ("::1", not "[::1]")
  uint16_t port = 0;  ///< explicit, or the scheme's default (80, 443; gRPC has none)
  /// HTTP request target: path plus "?query", "/" when the URL has no path. Not used by gRPC.
  std::string target;
  /// The Host header (HTTP) / the gRPC target: host as written in the URL, brackets
  /// included, with ":port" only when the URL gave one.
  std::string authority;
};

/// Parses `scheme://host[:port][/path][?query]`. The scheme is case-insensitive; user info
/// (`user:pass@`) and fragments are refused (credentials belong in headers), as are an empty
/// host, a port outside 1..65535, spaces and control characters, and a gRPC endpoint with a
/// path or without a port. On failure returns nullopt and sets `*error` (if given) to a
/// sentence for the config error message.
std::optional<ProxyEndpoint> parse_proxy_endpoint(std::string_view url,
                                                  std::string* error = nullptr);

}  // namespace herald
