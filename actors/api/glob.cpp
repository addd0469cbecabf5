#include "actors/api/glob.hpp"

#include <string>
#include <vector>

namespace herald {

namespace {

// Matches one bracket class at p[0] == '['; sets `end` past the ']'. Returns nullopt if
// malformed.
std::optional<bool> match_class(std::string_view p, char c, size_t& end) {
  size_t i = 1;
  bool negate = i < p.size() && (p[i] == '!' || p[i] == '^');
  if (negate) ++i;
  bool hit = false;
  bool first = true;
  while (i < p.size() && (p[i] != ']' || first)) {
    first = false;
    char lo = p[i];
    if (lo == '\\' && i + 1 < p.size()) lo = p[++i];
    char hi = lo;
    if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      hi = p[i + 2];
      i += 2;
    }
    if (c >= lo && c <= hi) hit = true;
    ++i;
  }
  if (i >= p.size()) return std::nullopt;
  end = i + 1;
  return hit != negate;
}

// Splits "{a,b}" alternatives at top level; `end` is set past the closing brace.
std::optional<std::vector<std::string_view>> split_braces(std::string_view p, size_t& end) {
  std::vector<std::string_view> alts;
  int depth = 0;
  size_t start = 1;
  for (size_t i = 1; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\') {
      ++i;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}' && depth > 0) {
      --depth;
    } else if (c == '}' || (c == ',' && depth == 0)) {
      alts.push_back(p.substr(start, i - start));
      start = i + 1;
      if (c == '}') {
        end = i + 1;
        return alts;
      }
    }
  }
  return std::nullopt;
}

std::optional<bool> match(std::string_view p, std::string_view t) {
  size_t pi = 0, ti = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (ti < t.size() || pi < p.size()) {
    if (pi < p.size()) {
      char c = p[pi];
      if (c == '*') {
        star_p = ++pi;
        star_t = ti;
        continue;
      }
      if (c == '{') {
        size_t end = 0;
        auto alts = split_braces(p.substr(pi), end);
        if (!alts) return std::nullopt;
        std::string_view rest = p.substr(pi + end);
        for (auto alt : *alts) {
          std::string combined(alt);
          combined.append(rest);
          auto m = match(combined, t.substr(ti));
          if (!m) return std::nullopt;
          if (*m) return true;
        }
        if (star_p == std::string_view::npos || star_t >= t.size()) return false;
        pi = star_p;
        ti = ++star_t;
        continue;
      }
      if (ti < t.size()) {
        bool ok = false;
        size_t next = pi + 1;
        if (c == '?') {
          ok = true;
        } else if (c == '[') {
          size_t end = 0;
          auto m = match_class(p.substr(pi), t[ti], end);
          if (!m) return std::nullopt;
          ok = *m;
          next = pi + end;
        } else if (c == '\\' && pi + 1 < p.size()) {
          ok = p[pi + 1] == t[ti];
          next = pi + 2;
        } else {
          ok = c == t[ti];
        }
        if (ok) {
          pi = next;
          ++ti;
          continue;
        }
      }
    }
    if (star_p != std::string_view::npos && star_t < t.size()) {
      pi = star_p;
      ti = ++star_t;
      continue;
    }
    return false;
  }
  return true;
}

}  // namespace

bool glob_valid(std::string_view p) {
  int braces = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\') {
      if (++i >= p.size()) return false;
    } else if (c == '[') {
      size_t end = 0;
      if (!match_class(p.substr(i), 'a', end)) return false;
      i += end - 1;
    } else if (c == '{') {
      ++braces;
    } else if (c == '}' && braces > 0) {
      --braces;
    }
  }
  return braces == 0;
}

std::optional<bool> glob_match(std::string_view pattern, std::string_view text) {
  if (pattern.empty()) return true;
  return match(pattern, text);
}

}  // namespace herald
