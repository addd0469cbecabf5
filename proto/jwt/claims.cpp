#include "proto/jwt/claims.hpp"

#include <cmath>
#include <limits>
#include <regex>

#include "proto/jwt/base64.hpp"

namespace herald::jwt::detail {
namespace {

using nlohmann::json;

// std::regex matches recursively: a long subject can exhaust the stack, so claim values
// longer than this never match a configured regex.
constexpr size_t kMaxRegexSubject = 1024;

Failure bad_claim(const char* key, const char* what) {
  return Failure{JwtError::bad_claim, std::string(key) + " claim " + what};
}

// nullptr when absent or null, so readers treat both as "not set".
const json* find(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string compact(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

int json_depth(std::string_view text) {
  int depth = 0;
  int max_depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return max_depth;
}

std::optional<int64_t> to_int64(const json& v, bool allow_fraction) {
  if (v.is_number_integer()) {
    if (v.is_number_unsigned()) {
      const auto u = v.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
      return static_cast<int64_t>(u);
    }
    return v.get<int64_t>();
  }
  if (!v.is_number_float()) return std::nullopt;
  const double d = v.get<double>();
  // 2^63 is exactly representable; anything at or beyond it does not fit.
  if (!std::isfinite(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0) {
    return std::nullopt;
  }
  const double whole = std::trunc(d);
  if (!allow_fraction && whole != d) return std::nullopt;
  return static_cast<int64_t>(whole);
}

// Go's regexp.FindStringSubmatch semantics: a match anywhere in the subject.
std::optional<bool> regex_search(const std::string& pattern, std::string_view subject) {
  if (subject.size() > kMaxRegexSubject) return false;
  try {
    const std::regex re(pattern, std::regex::ECMAScript);
    return std::regex_search(subject.begin(), subject.end(), re);
  } catch (const std::regex_error&) {
    return std::nullopt;
  }
}

Check read_bool_value(const json& override_obj, const char* key, std::optional<bool>& out) {
  const json* entry = find(override_obj, key);
  if (entry == nullptr) return std::nullopt;
  if (!entry->is_object()) return bad_claim(key, "override must be {\"value\": bool}");
  const json* value = find(*entry, "value");
  if (value == nullptr) {
    out = false;  // Go decodes {} into BoolValue{Value: false}
    return std::nullopt;
  }
  if (!value->is_boolean()) return bad_claim(key, "override value must be a bool");
  out = value->get<bool>();
  return std::nullopt;
}

}  // namespace

std::optional<json> parse_object(std::string_view text) {
  if (json_depth(text) > kMaxJsonDepth) return std::nullopt;
  json parsed = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return std::nullopt;  // also covers the "discarded" parse error
  return parsed;
}

Check read_string(const json& obj, const char* key, std::string& out) {
  const json* v = find(obj, key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) return bad_claim(key, "must be a string");
  out = v->get<std::string>();
  return std::nullopt;
}

Check read_string_list(const json& obj, const char* key, std::vector<std::string>& out) {
  const json* v = find(obj, key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_array()) return bad_claim(key, "must be an array of strings");
  std::vector<std::string> list;
  list.reserve(v->size());
  for (const auto& item : *v) {
    if (!item.is_string()) return bad_claim(key, "must be an array of strings");
    list.push_back(item.get<std::string>());
  }
  out = std::move(list);
  return std::nullopt;
}

Check read_int(const json& obj, const char* key, std::optional<int64_t>& out) {
  const json* v = find(obj, key);
  if (v == nullptr) return std::nullopt;
  auto n = to_int64(*v, /*allow_fraction=*/false);
  if (!n) return bad_claim(key, "must be an integer");
  out = n;
  return std::nullopt;
}

Check read_raw_json(const json& obj, const char* key, std::string& out) {
  const json* v = find(obj, key);
  if (v != nullptr) out = compact(*v);
  return std::nullopt;
}

Check read_base64(const json& obj, const char* key, std::string& out) {
  std::string text;
  if (auto failed = read_string(obj, key, text)) return failed;
  if (!base64_decode(text)) return bad_claim(key, "is not valid base64");
  out = std::move(text);
  return std::nullopt;
}

Check read_override(const json& obj, const char* key, SubscribeOverride& out) {
  const json* v = find(obj, key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_object()) return bad_claim(key, "must be an object");
  SubscribeOverride parsed;
  for (auto [name, field] : {std::pair{"presence", &parsed.presence},
                             std::pair{"join_leave", &parsed.join_leave},
                             std::pair{"force_push_join_leave", &parsed.force_push_join_leave},
                             std::pair{"force_recovery", &parsed.force_recovery},
                             std::pair{"force_positioning", &parsed.force_positioning}}) {
    if (auto failed = read_bool_value(*v, name, *field)) return failed;
  }
  out = parsed;
  return std::nullopt;
}

Check read_subscribe_fields(const json& obj, SubscribeClaim& out) {
  if (auto f = read_raw_json(obj, "info", out.info)) return f;
  if (auto f = read_base64(obj, "b64info", out.b64info)) return f;
  if (auto f = read_raw_json(obj, "data", out.data)) return f;
  if (auto f = read_base64(obj, "b64data", out.b64data)) return f;
  return read_override(obj, "override", out.override);
}

Check read_standard(const json& payload, const VerifyOptions& options, StandardClaims& out) {
  if (auto f = read_string(payload, "sub", out.sub)) return f;
  if (auto f = read_string(payload, "jti", out.jti)) return f;
  if (auto f = read_string(payload, "iss", out.iss)) return f;
  // `aud` is a string or an array of strings (RFC 7519 §4.1.3).
  if (const json* aud = find(payload, "aud"); aud != nullptr && aud->is_string()) {
    out.aud = {aud->get<std::string>()};
  } else if (auto f = read_string_list(payload, "aud", out.aud)) {
    return f;
  }
  // NumericDate claims may carry fractions; like Go, keep the whole seconds.
  for (auto [key, field] : {std::pair{"exp", &out.exp}, std::pair{"nbf", &out.nbf},
                            std::pair{"iat", &out.iat}}) {
    const json* v = find(payload, key);
    if (v == nullptr) continue;
    auto n = to_int64(*v, /*allow_fraction=*/true);
    if (!n) return bad_claim(key, "must be a number");
    *field = n;
  }
  if (!options.user_id_claim.empty()) {
    // Like gjson's String(): strings as-is, other values as their JSON text.
    out.sub.clear();
    const json* v = find(payload, options.user_id_claim.c_str());
    if (v != nullptr) out.sub = v->is_string() ? v->get<std::string>() : compact(*v);
  }
  return std::nullopt;
}

Check check_audience_issuer(const StandardClaims& claims, const VerifyOptions& options) {
  if (!options.audience.empty()) {
    bool found = false;
    for (const auto& a : claims.aud) found = found || a == options.audience;
    if (!found) return Failure{JwtError::bad_audience, "invalid audience"};
  }
  if (!options.audience_regex.empty()) {
    bool found = false;
    for (const auto& a : claims.aud) {
      auto m = regex_search(options.audience_regex, a);
      if (!m) return Failure{JwtError::bad_audience, "invalid audience_regex"};
      if (*m) {
        found = true;
        break;
      }
    }
    if (!found) return Failure{JwtError::bad_audience, "audience not matched"};
  }
  if (!options.issuer.empty() && claims.iss != options.issuer) {
    return Failure{JwtError::bad_issuer, "invalid issuer"};
  }
  if (!options.issuer_regex.empty()) {
    auto m = regex_search(options.issuer_regex, claims.iss);
    if (!m) return Failure{JwtError::bad_issuer, "invalid issuer_regex"};
    if (!*m) return Failure{JwtError::bad_issuer, "issuer not matched"};
  }
  return std::nullopt;
}

Check check_time(const StandardClaims& claims, int64_t now_unix) {
  // No leeway, as Centrifugo: valid while now < exp and from nbf on.
  if (claims.exp && now_unix >= *claims.exp) return Failure{JwtError::expired, "token expired"};
  if (claims.nbf && now_unix < *claims.nbf) {
    return Failure{JwtError::not_yet_valid, "token not valid yet"};
  }
  return std::nullopt;
}

}  // namespace herald::jwt::detail
