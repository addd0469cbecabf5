// Semantic checks of a loaded config (ranges, cross-key rules, Centrifugo's own rules).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace herald {

/// Every problem as "path.to.key: reason" (all of them, not only the first); empty = valid.
/// Called by the loader; also usable alone on a Config built in code.
std::vector<std::string> validate(const Config& cfg);

/// `^[-a-zA-Z0-9_.]{2,}$`: namespace, RPC namespace and proxy names.
bool valid_namespace_name(std::string_view name);

/// True for "http://x", "https://x" (x non-empty) and "grpc://host:port" (port 1..65535).
bool valid_proxy_endpoint(std::string_view endpoint);

}  // namespace herald
