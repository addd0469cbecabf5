// Reads JSON values into the config tree, collecting every problem instead of stopping at
// the first. Used for config files and for env values that hold JSON (arrays of objects).
#pragma once

#include <charconv>
#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/diagnostics.hpp"
#include "config/duration.hpp"
#include "config/fields.hpp"

namespace herald {

/// True for Centrifugo top-level sections Herald knows of but does not implement.
bool is_unsupported_centrifugo_section(std::string_view key);

class JsonReader {
 public:
  explicit JsonReader(Diagnostics& diag) : diag_(diag) {}

  /// Reads `j` into `out` (whose current value is the default), reporting under `path`.
  /// JSON null leaves the default in place.
  template <class T>
  void read(const nlohmann::json& j, T& out, const std::string& path, unsigned flags = 0) {
    if (j.is_null()) return;
    if constexpr (ConfigStruct<T>) {
      read_object(j, out, path, flags);
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (j.is_string()) {
        out = j.get<std::string>();
      } else {
        type_error(path, "a string", j);
      }
    } else if constexpr (std::is_same_v<T, bool>) {
      if (j.is_boolean()) {
        out = j.get<bool>();
      } else {
        type_error(path, "true or false", j);
      }
    } else if constexpr (std::is_integral_v<T>) {
      read_integer(j, out, path, flags);
    } else if constexpr (std::is_same_v<T, std::chrono::milliseconds>) {
      if (!j.is_string()) {
        type_error(path, "a duration string like \"25s\"", j);
      } else if (auto d = parse_duration(j.get_ref<const std::string&>())) {
        out = *d;
      } else {
        error(path, "invalid duration \"" + j.get<std::string>() +
                        "\" (use Go syntax like \"25s\", \"500ms\", \"1h30m\")");
      }
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      read_string_array(j, out, path, flags);
    } else if constexpr (std::is_same_v<T, std::map<std::string, std::string>>) {
      read_string_map(j, out, path);
    } else {
      read_object_array(j, out, path, flags);
    }
  }

 private:
  template <class T>
  void read_object(const nlohmann::json& j, T& out, const std::string& path, unsigned flags) {
    if (!j.is_object()) {
      type_error(path, "an object", j);
      return;
    }
    std::set<std::string, std::less<>> seen;
    visit_fields(out, [&](std::string_view key, auto& field, unsigned flags) {
      auto it = j.find(key);
      if (it == j.end()) return;
      seen.emplace(key);
      read(*it, field, join_path(path, key), flags);
    });
    if ((flags & kFieldOtherKeysIgnored) != 0) return;
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (seen.count(it.key()) != 0) continue;
      if (path.empty() && is_unsupported_centrifugo_section(it.key())) {
        diag_.warnings.push_back(it.key() + ": Centrifugo option not supported by Herald; ignored");
      } else {
        diag_.warnings.push_back(join_path(path, it.key()) + ": unknown key");
      }
    }
  }

  template <class T>
  void read_integer(const nlohmann::json& j, T& out, const std::string& path, unsigned flags) {
    if (j.is_string() && (flags & kFieldNumericString) != 0) {
      const std::string& s = j.get_ref<const std::string&>();
      T value{};
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
      if (ec != std::errc() || end != s.data() + s.size() || s.empty()) {
        error(path, "invalid integer \"" + s + "\"");
      } else {
        out = value;
      }
      return;
    }
    if (j.is_number_unsigned()) {
      const auto v = j.get<uint64_t>();
      if (v > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
        error(path, "value " + std::to_string(v) + " is out of range");
      } else {
        out = static_cast<T>(v);
      }
    } else if (j.is_number_integer()) {
      const auto v = j.get<int64_t>();
      if (v < 0 && std::is_unsigned_v<T>) {
        error(path, "must not be negative");
      } else if (v < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
                 (v > 0 && static_cast<uint64_t>(v) >
                               static_cast<uint64_t>(std::numeric_limits<T>::max()))) {
        error(path, "value " + std::to_string(v) + " is out of range");
      } else {
        out = static_cast<T>(v);
      }
    } else {
      type_error(path, "an integer", j);
    }
  }

  void read_string_array(const nlohmann::json& j, std::vector<std::string>& out,
                         const std::string& path, unsigned flags) {
    if (j.is_string() && (flags & kFieldSingleString) != 0) {
      out = {j.get<std::string>()};
      return;
    }
    if (!j.is_array()) {
      type_error(path, "an array of strings", j);
      return;
    }
    std::vector<std::string> values;
    for (size_t i = 0; i < j.size(); ++i) {
      if (j[i].is_string()) {
        values.push_back(j[i].get<std::string>());
      } else {
        type_error(path + "[" + std::to_string(i) + "]", "a string", j[i]);
      }
    }
    out = std::move(values);
  }

  void read_string_map(const nlohmann::json& j, std::map<std::string, std::string>& out,
                       const std::string& path) {
    if (!j.is_object()) {
      type_error(path, "an object of strings", j);
      return;
    }
    std::map<std::string, std::string> values;
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it->is_string()) {
        values[it.key()] = it->template get<std::string>();
      } else {
        type_error(join_path(path, it.key()), "a string", *it);
      }
    }
    out = std::move(values);
  }

  template <class T>
  void read_object_array(const nlohmann::json& j, std::vector<T>& out, const std::string& path,
                         unsigned flags) {
    static_assert(ConfigStruct<T>, "unsupported config member type");
    if (!j.is_array()) {
      type_error(path, "an array of objects", j);
      return;
    }
    std::vector<T> values(j.size());
    for (size_t i = 0; i < j.size(); ++i) {
      read(j[i], values[i], path + "[" + std::to_string(i) + "]", flags);
    }
    out = std::move(values);
  }

  void type_error(const std::string& path, const char* expected, const nlohmann::json& got) {
    error(path, std::string("expected ") + expected + ", got " + got.type_name());
  }
  void error(const std::string& path, const std::string& what) {
    diag_.errors.push_back(path + ": " + what);
  }

  Diagnostics& diag_;
};

}  // namespace herald
