#include "config/json_reader.hpp"

#include <array>

namespace herald {

bool is_unsupported_centrifugo_section(std::string_view key) {
  // Centrifugo v6 sections with no Herald counterpart yet; a warning says so explicitly
  // instead of the generic "unknown key".
  static constexpr std::array<std::string_view, 16> kSections = {
      "sse",          "http_stream",   "uni_websocket", "uni_sse",
      "uni_http_stream", "uni_grpc",   "emulation",     "swagger",
      "debug",        "opentelemetry", "graphite",      "usage_stats",
      "consumers",    "enable_unreleased_features", "webtransport", "map_broker"};
  for (std::string_view s : kSections) {
    if (s == key) return true;
  }
  return false;
}

}  // namespace herald
