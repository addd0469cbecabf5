// Internal to config_validate*.cpp: the error sink and small checks shared by the rules.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/duration.hpp"

namespace herald::validation {

inline bool one_of(std::string_view v, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

inline bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

inline bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c & 0x80) == 0; });
}

inline bool regex_compiles(const std::string& pattern) {
  try {
    std::regex re(pattern);
    return true;
  } catch (const std::regex_error&) {
    return false;
  }
}

/// Collects "path: reason" messages for one Config.
class Checker {
 public:
  Checker(const Config& cfg, std::vector<std::string>& errors) : cfg_(cfg), errors_(errors) {}

  const Config& cfg() const { return cfg_; }

  void err(const std::string& path, const std::string& what) {
    errors_.push_back(path + ": " + what);
  }

  void port(const std::string& path, int value, int min) {
    if (value < min || value > 65535) {
      err(path, "must be in " + std::to_string(min) + "..65535, got " + std::to_string(value));
    }
  }

  void handler_prefix(const std::string& path, const std::string& prefix) {
    if (!prefix.empty() && prefix.front() != '/') err(path, "must be empty or start with '/'");
  }

  void positive(const std::string& path, std::chrono::milliseconds d) {
    if (d.count() <= 0) err(path, "must be positive, got " + format_duration(d));
  }

  template <class T>
  void not_negative(const std::string& path, T value) {
    if (value < 0) err(path, "must not be negative");
  }

 private:
  const Config& cfg_;
  std::vector<std::string>& errors_;
};

/// A proxy target; `required` = the endpoint must be set because something uses it.
void check_endpoint(Checker& c, const std::string& path, const ProxyEndpointConfig& p,
                    bool required);

/// channel.*, proxies[] and rpc.* rules (validate_channel.cpp).
void check_channels_proxies_rpc(Checker& c);

}  // namespace herald::validation
