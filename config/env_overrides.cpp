#include "config/env_overrides.hpp"

#include <cctype>
#include <charconv>
#include <set>
#include <sstream>
#include <type_traits>

#include "config/fields.hpp"
#include "config/json_reader.hpp"

namespace herald {
namespace {

template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};

template <class T>
concept NamedItem = requires(T& t) { t.name; };

class EnvWalker {
 public:
  EnvWalker(const std::map<std::string, std::string>& env, std::set<std::string>& used,
            Diagnostics& diag, std::string prefix, std::string path, bool skip_name)
      : env_(env),
        used_(used),
        diag_(diag),
        prefix_(std::move(prefix)),
        path_(std::move(path)),
        skip_name_(skip_name) {}

  template <class T>
  void operator()(std::string_view key, T& field, unsigned flags) {
    if (skip_name_ && key == "name") return;
    const std::string var = prefix_ + "_" + env_name_part(key);
    const std::string path = join_path(path_, key);
    // Centrifugo's other keys of a section Herald lacks are not "unknown" variables either.
    if ((flags & kFieldOtherKeysIgnored) != 0) accept_prefix(var + "_");
    if constexpr (ConfigStruct<T>) {
      EnvWalker nested(env_, used_, diag_, var, path, false);
      visit_fields(field, nested);
    } else {
      if (const std::string* value = lookup(var)) apply(var, path, *value, field, flags);
      if constexpr (IsVector<T>::value) {
        if constexpr (ConfigStruct<typename T::value_type>) {
          if constexpr (NamedItem<typename T::value_type>) per_item(var, path, field);
        }
      }
    }
  }

 private:
  void accept_prefix(const std::string& prefix) {
    for (auto it = env_.lower_bound(prefix); it != env_.end(); ++it) {
      if (it->first.compare(0, prefix.size(), prefix) != 0) break;
      used_.insert(it->first);
    }
  }

  const std::string* lookup(const std::string& var) {
    auto it = env_.find(var);
    if (it == env_.end() || it->second.empty()) return nullptr;  // empty = unset
    used_.insert(var);
    return &it->second;
  }

  template <class Item>
  void per_item(const std::string& var, const std::string& path, std::vector<Item>& items) {
    for (size_t i = 0; i < items.size(); ++i) {
      EnvWalker item(env_, used_, diag_, var + "_" + env_name_part(items[i].name),
                     path + "[" + std::to_string(i) + "]", true);
      visit_fields(items[i], item);
    }
  }

  void fail(const std::string& var, const std::string& path, const std::string& what) {
    diag_.errors.push_back(var + " (" + path + "): " + what);
  }

  template <class T>
  void apply(const std::string& var, const std::string& path, const std::string& value,
             T& field, unsigned flags) {
    if constexpr (std::is_same_v<T, std::string>) {
      field = value;
    } else if constexpr (std::is_same_v<T, bool>) {
      if (auto b = parse_go_bool(value)) {
        field = *b;
      } else {
        fail(var, path, "invalid boolean \"" + value + "\" (use true/false, 1/0, t/f)");
      }
    } else if constexpr (std::is_integral_v<T>) {
      T parsed{};
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
      if (ec != std::errc() || end != value.data() + value.size()) {
        fail(var, path, "invalid integer \"" + value + "\"");
      } else {
        field = parsed;
      }
    } else if constexpr (std::is_same_v<T, std::chrono::milliseconds>) {
      if (auto d = parse_duration(value)) {
        field = *d;
      } else {
        fail(var, path, "invalid duration \"" + value + "\" (use Go syntax like \"25s\")");
      }
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      std::vector<std::string> items;
      std::istringstream in(value);
      for (std::string item; in >> item;) items.push_back(item);
      field = std::move(items);
    } else {
      read_json(var, path, value, field, flags);  // maps and arrays of objects
    }
  }

  template <class T>
  void read_json(const std::string& var, const std::string& path, const std::string& value,
                 T& field, unsigned flags) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(value);
    } catch (const nlohmann::json::exception& e) {
      fail(var, path, std::string("invalid JSON: ") + e.what());
      return;
    }
    Diagnostics local;
    JsonReader(local).read(j, field, path, flags);
    for (auto& w : local.warnings) diag_.warnings.push_back(var + ": " + w);
    for (auto& e : local.errors) diag_.errors.push_back(var + ": " + e);
  }

  const std::map<std::string, std::string>& env_;
  std::set<std::string>& used_;
  Diagnostics& diag_;
  std::string prefix_;
  std::string path_;
  bool skip_name_;
};

}  // namespace

std::optional<bool> parse_go_bool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") {
    return true;
  }
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") {
    return false;
  }
  return std::nullopt;
}

std::string env_name_part(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c == '.' || c == '-') {
      out += '_';
    } else {
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

void apply_env_overrides(Config& cfg, const std::map<std::string, std::string>& env,
                         Diagnostics& diag) {
  std::set<std::string> used;
  EnvWalker root(env, used, diag, std::string(kEnvPrefix), "", false);
  visit_fields(cfg, root);
  const std::string prefix = std::string(kEnvPrefix) + "_";
  for (const auto& [name, value] : env) {
    if (value.empty() || name.compare(0, prefix.size(), prefix) != 0) continue;
    if (used.count(name) == 0) {
      diag.warnings.push_back(name + ": unknown environment variable (matches no config key)");
    }
  }
}

}  // namespace herald
