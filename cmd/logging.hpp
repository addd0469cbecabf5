// Structured log lines: `2026-11-23T18:30:00.123Z level=info msg="..." key=value ...`.
// Every layer logs through spdlog; this sets the sink, format and level from `log.*`.
#pragma once

#include <string>

namespace herald {

/// level: trace|debug|info|warn|error|none; file: "" = stderr. Returns false with `error`
/// set when the log file cannot be opened.
bool setup_logging(const std::string& level, const std::string& file, std::string& error);

}  // namespace herald
