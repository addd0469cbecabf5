// `herald genconfig`: a minimal working config with fresh secrets (as `centrifugo genconfig`).
#pragma once

#include <string>

namespace herald {

/// Pretty-printed JSON (2-space indent, trailing newline) with client.token.hmac_secret_key
/// (64 hex chars = 256 bits), http_api.key, admin.password and admin.secret (UUID v4 each),
/// admin disabled and client.allowed_origins []. Loads and validates as is.
std::string generate_config_json();

}  // namespace herald
