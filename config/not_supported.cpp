#include "config/not_supported.hpp"

#include <type_traits>

#include "config/fields.hpp"

namespace herald {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  while (true) {
    const size_t dot = path.find('.');
    parts.push_back(path.substr(0, dot));
    if (dot == std::string_view::npos) return parts;
    path.remove_prefix(dot + 1);
  }
}

// "namespaces[12]" and "namespaces[]" are the same segment of a pattern.
bool segment_matches(std::string_view pattern, std::string_view segment) {
  if (pattern == "*") return true;
  const size_t open = segment.find('[');
  if (open == std::string_view::npos) return pattern == segment;
  return pattern.size() == open + 2 && pattern.substr(0, open) == segment.substr(0, open) &&
         pattern.substr(open) == "[]";
}

bool matches(const std::vector<std::string_view>& pattern, size_t p,
             const std::vector<std::string_view>& path, size_t i) {
  if (p == pattern.size()) return i == path.size();
  if (pattern[p] == "**") {
    for (size_t k = i; k <= path.size(); ++k) {
      if (matches(pattern, p + 1, path, k)) return true;
    }
    return false;
  }
  return i < path.size() && segment_matches(pattern[p], path[i]) &&
         matches(pattern, p + 1, path, i + 1);
}

template <class T>
concept ObjectArray = requires(const T& t) {
  typename T::value_type;
  t.size();
} && ConfigStruct<typename T::value_type>;

// Walks a config struct next to a default-constructed one of the same type, so that each key
// is compared with its own default (array items with a default item).
class Walker {
 public:
  Walker(const Config& cfg, std::vector<std::string>& errors) : cfg_(cfg), errors_(errors) {}

  template <class S>
  void walk(const S& value, const S& defaults, const std::string& path) {
    std::vector<const void*> default_fields;
    visit_fields(defaults, [&](std::string_view, const auto& field, unsigned) {
      default_fields.push_back(&field);
    });
    size_t i = 0;
    visit_fields(value, [&](std::string_view key, const auto& field, unsigned) {
      using T = std::remove_cvref_t<decltype(field)>;
      const T& dflt = *static_cast<const T*>(default_fields[i++]);
      const std::string p = path.empty() ? std::string(key) : path + "." + std::string(key);
      if constexpr (ConfigStruct<T>) {
        walk(field, dflt, p);
      } else if constexpr (ObjectArray<T>) {
        const typename T::value_type item_default{};
        for (size_t n = 0; n < field.size(); ++n) {
          walk(field[n], item_default, p + "[" + std::to_string(n) + "]");
        }
      } else if (!(field == dflt)) {
        leaf(p, field);
      }
    });
  }

 private:
  template <class T>
  void leaf(const std::string& path, const T& value) {
    for (const NotSupportedKey& k : kNotSupportedYet) {
      if (!key_pattern_matches(k.pattern, path)) continue;
      if (k.missing != nullptr && !k.missing(cfg_)) continue;
      if (k.value.empty()) return refuse(path, k);
      if constexpr (std::is_same_v<T, std::string>) {
        if (value_matches(k.value, value)) return refuse(path, k);
      } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
        for (size_t i = 0; i < value.size(); ++i) {
          if (value_matches(k.value, value[i])) refuse(path + "[" + std::to_string(i) + "]", k);
        }
      }
    }
  }

  static bool value_matches(std::string_view wanted, std::string_view value) {
    if (!wanted.ends_with('*')) return value == wanted;
    return value.starts_with(wanted.substr(0, wanted.size() - 1));
  }

  void refuse(const std::string& path, const NotSupportedKey& k) {
    std::string e = path + ": not supported yet";
    if (!k.where.empty()) e += " (" + std::string(k.where) + ")";
    errors_.push_back(std::move(e));
  }

  const Config& cfg_;
  std::vector<std::string>& errors_;
};

}  // namespace

bool key_pattern_matches(std::string_view pattern, std::string_view path) {
  return matches(split_path(pattern), 0, split_path(path), 0);
}

void check_not_supported(const Config& cfg, std::vector<std::string>& errors) {
  Walker(cfg, errors).walk(cfg, Config{}, "");
}

}  // namespace herald
