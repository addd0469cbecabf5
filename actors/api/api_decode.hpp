// Decoding server API request bodies the way Centrifugo does (Go's encoding/json into the
// request structs of docs/protocol.md §4.2), so that Herald accepts and refuses exactly the
// same bodies:
//
// - a key names a field exactly or, failing that, ignoring ASCII case ("Channel" sets
//   `channel`); unknown keys are ignored;
// - `null` leaves a field unset, except raw fields (`data`, `info`, `params`), which keep
//   any JSON value as the exact bytes of the request — `null` included;
// - a value of the wrong type makes the whole body malformed (HTTP 400): a float, or a
//   number out of the field's range, for an integer field; a non-string in a string list or
//   map (whose `null` items read as ""); a non-object for a nested message.
//
// The decoded request is a JSON object holding only known fields under their names; raw
// fields hold their JSON text as a string. A batch decodes every command before any runs.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/api/api_request.hpp"

namespace herald {

/// The API methods Herald serves, in the order Centrifugo picks a batch command's method
/// when a command names several: "publish", "broadcast", ... (no "batch").
const std::vector<std::string_view>& api_command_methods();

/// Whether `method` is a method of `POST <prefix>/<method>` (the commands and "batch").
bool is_api_method(std::string_view method);

/// Decodes `body` (JSON text) for `method`, which must be an API method. Throws
/// MalformedRequest for a body Centrifugo refuses with HTTP 400. A `null` body is an empty
/// request.
nlohmann::json decode_request(std::string_view method, std::string_view body);

/// A field of a decoded request holding raw JSON text (`data`, `info`, `params`): the text,
/// or "" when absent.
std::string raw_field(const nlohmann::json& request, const char* key);

// -- JSON text ------------------------------------------------------------------------------

/// Index of the first byte at or after `i` that is not JSON whitespace (space, tab, CR, LF).
size_t skip_json_space(std::string_view text, size_t i);

/// The JSON value starting at `i` (no leading whitespace): its end index, or nullopt when
/// the text ends inside it. Only the value's extent is found; its syntax is not checked.
std::optional<size_t> json_value_end(std::string_view text, size_t i);

// -- the legacy endpoint (POST <prefix>) ----------------------------------------------------

/// One command of the legacy endpoint: `{"id":N,"method":M,"params":{...}}`.
struct LegacyCommand {
  uint32_t id = 0;
  /// The method's name ("publish"), or "" for a MethodType Herald does not serve (104).
  std::string method;
  std::string params;  ///< raw JSON text; "" when absent
};

/// Decodes one legacy command from the JSON text of one value. A `method` is its MethodType
/// name in any letter case, or its number; absent means publish. Throws MalformedRequest
/// for what makes Centrifugo answer the whole request with HTTP 400 (not an object, a wrong
/// `id`, a method name it does not know — "batch" included).
LegacyCommand decode_legacy_command(std::string_view value);

}  // namespace herald
