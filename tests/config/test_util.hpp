// Helpers shared by the config tests.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/json_reader.hpp"

namespace herald::testing_util {

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string fixture(const std::string& name) {
  return std::string(HERALD_SOURCE_DIR) + "/tests/fixtures/configs/" + name;
}

/// True if one message starts with `prefix` (messages are "path: reason").
inline bool has_message(const std::vector<std::string>& messages, const std::string& prefix) {
  for (const auto& m : messages) {
    if (m.compare(0, prefix.size(), prefix) == 0) return true;
  }
  return false;
}

/// A JSON file read into the tree without validation, to see where each value lands even in
/// a config that validation refuses. Read problems go to `diag`.
inline Config read_unvalidated(const std::string& path, Diagnostics& diag) {
  Config cfg;
  JsonReader(diag).read(nlohmann::json::parse(read_text(path)), cfg, "");
  return cfg;
}

inline std::string joined(const std::vector<std::string>& messages) {
  std::string out;
  for (const auto& m : messages) out += "\n  " + m;
  return out;
}

}  // namespace herald::testing_util
