#include "transport/webhook/endpoint.hpp"

#include <cctype>
#include <charconv>

namespace herald {

namespace {

std::optional<ProxyEndpoint> fail(std::string* error, std::string why) {
  if (error) *error = std::move(why);
  return std::nullopt;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::optional<ProxyEndpoint> parse_proxy_endpoint(std::string_view url, std::string* error) {
  for (unsigned char c : url)
    if (c <= 0x20 || c == 0x7f) return fail(error, "must not contain spaces or control characters");
  const auto sep = url.find("://");
  if (sep == std::string_view::npos)
    return fail(error, "must start with http://, https:// or grpc://");
  ProxyEndpoint ep;
  const std::string scheme = lower(url.substr(0, sep));
  if (scheme == "http") {
    ep.scheme = ProxyEndpoint::Scheme::http;
    ep.port = 80;
  } else if (scheme == "https") {
    ep.scheme = ProxyEndpoint::Scheme::https;
    ep.port = 443;
  } else if (scheme == "grpc") {
    ep.scheme = ProxyEndpoint::Scheme::grpc;
  } else {
    return fail(error, "scheme \"" + scheme + "\" is not supported: use http://, https:// or grpc://");
  }
  std::string_view rest = url.substr(sep + 3);
  if (rest.find('#') != std::string_view::npos) return fail(error, "must not have a #fragment");
  const auto path_at = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_at);
  std::string_view target =
      path_at == std::string_view::npos ? std::string_view{} : rest.substr(path_at);
  if (authority.find('@') != std::string_view::npos)
    return fail(error, "must not contain user info (user:password@): use static headers");

  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail(error, "has an unclosed [ in its host");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail(error, "has garbage after the ] of its host");
      port = after.substr(1);
      if (port.empty()) return fail(error, "has an empty port");
    }
  } else {
    const auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      if (port.empty()) return fail(error, "has an empty port");
      if (host.find(':') != std::string_view::npos)
        return fail(error, "has an IPv6 host without [brackets]");
    }
  }
  if (host.empty()) return fail(error, "has no host");
  if (!port.empty()) {
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || p != port.data() + port.size() || value == 0 || value > 65535)
      return fail(error, "has an invalid port \"" + std::string(port) + "\"");
    ep.port = static_cast<uint16_t>(value);
  }
  if (ep.scheme == ProxyEndpoint::Scheme::grpc) {
    if (port.empty()) return fail(error, "grpc:// endpoints need a port (grpc://host:port)");
    if (!target.empty() && target != "/")
      return fail(error, "grpc:// endpoints take no path (grpc://host:port)");
    target = {};
  }
  ep.host = std::string(host);
  ep.authority = std::string(authority);
  if (ep.scheme != ProxyEndpoint::Scheme::grpc) {
    ep.target = target.empty() ? "/" : target.front() == '?' ? "/" + std::string(target)
                                                              : std::string(target);
  }
  return ep;
}

}  // namespace herald
