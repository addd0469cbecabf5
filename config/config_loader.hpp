// Loads the config: defaults, then the JSON file, then HERALD_* env overrides, then validate().
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace herald {

struct LoadResult {
  std::optional<Config> config;       ///< set only when `errors` is empty
  std::vector<std::string> warnings;  ///< unknown keys/env vars; log them, keep going
  std::vector<std::string> errors;    ///< every problem found, "path.to.key: reason"
};

/// Reads `path` as JSON ("" = no file: defaults + env only). Parse errors are reported as
/// one error "config: <file>:<line>:<col>: <what>"; other problems are all collected.
LoadResult load_config_file(const std::string& path,
                            const std::map<std::string, std::string>& env);

/// Same as load_config_file for JSON text already in memory (errors name "<inline>").
/// Text that is empty or only whitespace means "no keys".
LoadResult load_config_json(std::string_view json_text,
                            const std::map<std::string, std::string>& env);

/// The process environment as a map (from main's envp or `environ`).
std::map<std::string, std::string> environment_from(char** envp);

}  // namespace herald
