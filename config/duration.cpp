#include "config/duration.hpp"

#include <cstdint>
#include <limits>

namespace herald {
namespace {

// Go keeps durations as int64 nanoseconds; we do the same so overflow matches Go's.
constexpr uint64_t kMaxNanos = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

struct Unit {
  std::string_view name;
  uint64_t nanos;
};

// Longer names first so "ms" is not read as "m" followed by junk.
constexpr Unit kUnits[] = {
    {"ns", 1},
    {"us", 1'000},
    {"\xC2\xB5s", 1'000},  // U+00B5 micro sign
    {"\xCE\xBCs", 1'000},  // U+03BC Greek mu
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::milliseconds(0);
  if (s.empty()) return std::nullopt;

  uint64_t total = 0;
  while (!s.empty()) {
    // Integer part.
    uint64_t whole = 0;
    size_t i = 0;
    bool overflow = false;
    for (; i < s.size() && is_digit(s[i]); ++i) {
      if (whole > (kMaxNanos - (s[i] - '0')) / 10) overflow = true;
      if (!overflow) whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
    }
    const bool had_whole = i > 0;
    // Fraction: keep up to 18 digits; more cannot change a nanosecond count.
    uint64_t frac = 0, scale = 1;
    bool had_frac = false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      for (; i < s.size() && is_digit(s[i]); ++i) {
        had_frac = true;
        if (scale < 1'000'000'000'000'000'000ULL) {
          frac = frac * 10 + static_cast<uint64_t>(s[i] - '0');
          scale *= 10;
        }
      }
    }
    if (!had_whole && !had_frac) return std::nullopt;
    if (overflow) return std::nullopt;
    s.remove_prefix(i);

    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (s.substr(0, u.name.size()) == u.name) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) return std::nullopt;  // missing or unknown unit
    s.remove_prefix(unit->name.size());

    if (whole > kMaxNanos / unit->nanos) return std::nullopt;
    unsigned __int128 term = static_cast<unsigned __int128>(whole) * unit->nanos;
    term += static_cast<unsigned __int128>(frac) * unit->nanos / scale;
    term += total;
    if (term > kMaxNanos) return std::nullopt;
    total = static_cast<uint64_t>(term);
  }
  const auto ms = static_cast<int64_t>(total / 1'000'000);
  return std::chrono::milliseconds(negative ? -ms : ms);
}

std::string format_duration(std::chrono::milliseconds d) {
  int64_t v = d.count();
  if (v == 0) return "0s";
  std::string out;
  uint64_t rest;
  if (v < 0) {
    out = "-";
    rest = static_cast<uint64_t>(-(v + 1)) + 1;  // no overflow at INT64_MIN
  } else {
    rest = static_cast<uint64_t>(v);
  }
  constexpr std::pair<uint64_t, const char*> kParts[] = {
      {3'600'000, "h"}, {60'000, "m"}, {1'000, "s"}, {1, "ms"}};
  for (const auto& [size, name] : kParts) {
    if (rest >= size) {
      out += std::to_string(rest / size);
      out += name;
      rest %= size;
    }
  }
  return out;
}

}  // namespace herald
