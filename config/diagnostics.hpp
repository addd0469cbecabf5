// Problems found while loading a config: errors stop the start, warnings are only logged.
#pragma once

#include <string>
#include <vector>

namespace herald {

struct Diagnostics {
  std::vector<std::string> warnings;  ///< "path.to.key: reason"
  std::vector<std::string> errors;    ///< "path.to.key: reason"
};

/// "a.b" + "c" = "a.b.c"; "" + "c" = "c".
inline std::string join_path(const std::string& base, std::string_view key) {
  std::string out = base;
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

}  // namespace herald
