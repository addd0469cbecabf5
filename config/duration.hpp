// Go-style duration strings ("25s", "1h30m", "1.5s") as Centrifugo writes them in its config.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace herald {

/// Parses a Go `time.ParseDuration` string: an optional sign, then one or more
/// `<number><unit>` terms with units ns, us, µs, μs, ms, s, m, h; numbers may have a fraction
/// ("1.5s"). "0" alone is accepted; any other bare number ("5"), "", "-" or an unknown unit is
/// rejected. Sub-millisecond remainders are truncated toward zero ("1500us" = 1ms).
/// A leading '-' is accepted here; which keys may be negative is the validator's business
/// (only client.ping_interval and client.pong_timeout).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

/// The shortest exact form made of h, m, s and ms terms, largest first: "25s", "500ms",
/// "720h", "1h30m", "1s500ms"; zero is "0s" and negatives get a leading '-'.
/// Always round-trips through parse_duration.
std::string format_duration(std::chrono::milliseconds d);

}  // namespace herald
