// Glob patterns of the `channels` API (gobwas/glob syntax without separators):
// `*` any run of characters, `?` one character, `[abc]` `[a-z]` `[!a]` classes,
// `{a,b}` alternatives, `\` escapes the next character.
#pragma once

#include <optional>
#include <string_view>

namespace herald {

/// Whether `text` matches `pattern`. An empty pattern matches everything. A malformed
/// pattern (an unclosed `[` or `{`) yields std::nullopt.
std::optional<bool> glob_match(std::string_view pattern, std::string_view text);

/// Whether `pattern` is well formed (every `[` and `{` closed, no trailing `\`).
bool glob_valid(std::string_view pattern);

}  // namespace herald
