// HERALD_* environment overrides, following Centrifugo's CENTRIFUGO_* rules (docs/protocol.md §6.5).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/diagnostics.hpp"

namespace herald {

/// The environment prefix: HERALD_<PATH> where PATH is the key path upper-cased, '.' → '_'.
inline constexpr std::string_view kEnvPrefix = "HERALD";

/// Applies every non-empty HERALD_* variable of `env` that names a key of `cfg`:
/// scalars and durations as text, booleans like Go's ParseBool, string arrays
/// space-separated, maps and arrays of objects as JSON text, and per-item overrides
/// HERALD_CHANNEL_NAMESPACES_<NAME>_<OPTION> (also RPC_NAMESPACES_, PROXIES_) on the items
/// present after the file and the whole-array variables. Names are matched by walking the
/// key tree, so keys containing '_' are never split wrongly. Bad values become errors naming
/// the variable and the key; HERALD_* variables matching no key become warnings.
void apply_env_overrides(Config& cfg, const std::map<std::string, std::string>& env,
                         Diagnostics& diag);

/// Go strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False.
std::optional<bool> parse_go_bool(std::string_view s);

/// A namespace/proxy name as it appears in an env variable: upper-cased, '.' and '-' → '_'.
std::string env_name_part(std::string_view name);

}  // namespace herald
