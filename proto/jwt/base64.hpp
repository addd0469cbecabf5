// Base64 codecs for tokens and token claims: base64url (RFC 4648 §5) for JWT segments and
// standard base64 (§4) for the `b64info` / `b64data` claims and API fields.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace herald::jwt {

/// base64url without padding, as JWT segments are written.
std::string base64url_encode(std::string_view bytes);

/// Decodes base64url; trailing '=' padding is tolerated but not required. Returns nullopt
/// on a character outside the alphabet, misplaced padding or an impossible length.
std::optional<std::string> base64url_decode(std::string_view text);

/// Standard base64 with '=' padding.
std::string base64_encode(std::string_view bytes);

/// Decodes standard base64; missing padding is tolerated. Same rejections as above.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace herald::jwt
