#include "transport/ws/handshake.hpp"

#include "transport/http/http_types.hpp"

namespace herald::ws {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool offers(std::string_view offered, std::string_view name) {
  while (!offered.empty()) {
    size_t comma = offered.find(',');
    if (trim(offered.substr(0, comma)) == name) return true;
    if (comma == std::string_view::npos) break;
    offered.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  // Greedy match that backtracks only to the last '*': O(pattern x text) at worst and never
  // recursive, so a hostile Origin header cannot blow up the stack or the time.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool origin_allowed(const std::vector<std::string>& allowed, std::string_view origin) {
  if (origin.empty()) return true;
  const std::string origin_lc = lower(origin);
  for (const auto& pattern : allowed)
    if (glob_match(lower(pattern), origin_lc)) return true;
  return false;
}

ProtocolChoice choose_protocol(std::string_view offered, std::string_view query) {
  ProtocolChoice c;
  if (offers(offered, "centrifuge-protobuf")) {
    c.protocol = protocol::Protocol::protobuf;
    c.subprotocol = "centrifuge-protobuf";
    return c;
  }
  if (offers(offered, "centrifuge-json")) c.subprotocol = "centrifuge-json";
  if (query_value(query, "cf_protocol") == "protobuf" || query_value(query, "format") == "protobuf")
    c.protocol = protocol::Protocol::protobuf;
  return c;
}

bool wants_frame_ping_pong(std::string_view query) {
  return query_value(query, "cf_ws_frame_ping_pong") == "true";
}

std::string query_value(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    if (percent_decode(pair.substr(0, eq)) == name)
      return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

}  // namespace herald::ws
