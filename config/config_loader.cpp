#include "config/config_loader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "config/config_validate.hpp"
#include "config/env_overrides.hpp"
#include "config/json_reader.hpp"

namespace herald {
namespace {

// nlohmann reports a byte count; editors want line:column (both 1-based).
std::string position_of(std::string_view text, size_t byte) {
  size_t line = 1, col = 1;
  const size_t end = std::min(byte == 0 ? 0 : byte - 1, text.size());
  for (size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return std::to_string(line) + ":" + std::to_string(col);
}

// Drops nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 2: "
// since we print the position ourselves.
std::string parse_error_text(const std::string& what) {
  size_t p = what.find("column ");
  if (p != std::string::npos) p = what.find(": ", p);
  if (p != std::string::npos) return what.substr(p + 2);
  p = what.find("] ");
  return p == std::string::npos ? what : what.substr(p + 2);
}

LoadResult load(std::string_view text, const std::string& source,
                const std::map<std::string, std::string>& env) {
  LoadResult result;
  Diagnostics diag;
  Config cfg;

  const bool blank = std::all_of(text.begin(), text.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  });
  if (!blank) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      result.errors.push_back("config: " + source + ":" + position_of(text, e.byte) + ": " +
                              parse_error_text(e.what()));
      return result;
    } catch (const nlohmann::json::exception& e) {
      result.errors.push_back("config: " + source + ": " + e.what());
      return result;
    }
    if (!j.is_object()) {
      result.errors.push_back("config: " + source + ": top level must be a JSON object, got " +
                              std::string(j.type_name()));
      return result;
    }
    JsonReader(diag).read(j, cfg, "");
  }

  apply_env_overrides(cfg, env, diag);
  // Keys that failed to read keep their defaults, so validating the rest still finds every
  // other problem; skip any key the reading already reported so it is not named twice (a key
  // that validation finds wrong in several ways keeps all its messages).
  const size_t read_errors = diag.errors.size();
  for (auto& e : validate(cfg)) {
    const std::string key = e.substr(0, e.find(':'));
    const auto read_end = diag.errors.begin() + static_cast<std::ptrdiff_t>(read_errors);
    bool seen = std::any_of(diag.errors.begin(), read_end, [&](const std::string& d) {
      return d.compare(0, key.size() + 1, key + ":") == 0 || d.find("(" + key + ")") != std::string::npos;
    });
    if (!seen) diag.errors.push_back(std::move(e));
  }

  result.warnings = std::move(diag.warnings);
  result.errors = std::move(diag.errors);
  if (result.errors.empty()) result.config = std::move(cfg);
  return result;
}

}  // namespace

LoadResult load_config_file(const std::string& path,
                            const std::map<std::string, std::string>& env) {
  if (path.empty()) return load("", "<none>", env);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult result;
    result.errors.push_back("config: " + path + ": cannot open: " + std::strerror(errno));
    return result;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) {
    LoadResult result;
    result.errors.push_back("config: " + path + ": read error");
    return result;
  }
  return load(buf.str(), path, env);
}

LoadResult load_config_json(std::string_view json_text,
                            const std::map<std::string, std::string>& env) {
  return load(json_text, "<inline>", env);
}

std::map<std::string, std::string> environment_from(char** envp) {
  std::map<std::string, std::string> env;
  if (envp == nullptr) return env;
  for (char** p = envp; *p != nullptr; ++p) {
    std::string_view entry(*p);
    const size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

}  // namespace herald
