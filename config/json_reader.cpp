#include "config/json_reader.hpp"

#include <array>

namespace herald {

bool is_unsupported_centrifugo_section(std::string_view key) {
  // Centrifugo v6 sections with no Herald counterpart that turn nothing on by themselves
  // (what would use them is refused or absent); a warning says so explicitly instead of the
  // generic "unknown key". Sections that switch a feature on are in the tree and refused
  // when enabled (config/not_supported.hpp).
  static constexpr std::array<std::string_view, 5> kSections = {
      "emulation", "usage_stats", "enable_unreleased_features", "map_broker", "shared_poll"};
  for (std::string_view s : kSections) {
    if (s == key) return true;
  }
  return false;
}

}  // namespace herald
