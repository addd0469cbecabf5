// docs/configuration.md must mention every key of the struct tree, so a new key cannot be
// added without documenting it.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "config/fields.hpp"
#include "config/not_supported.hpp"
#include "tests/config/test_util.hpp"

namespace herald {
namespace {

struct KeyCollector {
  std::set<std::string>* keys;
  template <class T>
  void operator()(std::string_view key, T& field, unsigned) {
    keys->emplace(key);
    if constexpr (ConfigStruct<T>) {
      visit_fields(field, *this);
    } else if constexpr (requires { typename T::value_type; field.emplace_back(); }) {
      if constexpr (ConfigStruct<typename T::value_type>) {
        typename T::value_type item{};
        visit_fields(item, *this);
      }
    }
  }
};

TEST(ConfigDocs, EveryKeyIsDocumented) {
  const std::string doc =
      testing_util::read_text(std::string(HERALD_SOURCE_DIR) + "/docs/configuration.md");
  ASSERT_FALSE(doc.empty());
  Config c;
  std::set<std::string> keys;
  visit_fields(c, KeyCollector{&keys});
  EXPECT_GT(keys.size(), 150u);
  for (const auto& key : keys) {
    // Either the bare key (shared tables: Redis, TLS, proxy, channel options) or a full
    // dotted path ending in it.
    const bool found = doc.find("`" + key + "`") != std::string::npos ||
                       doc.find("." + key + "`") != std::string::npos;
    EXPECT_TRUE(found) << "undocumented key: " << key;
  }
}

// The refusal table and the docs' list of refused keys say the same thing.
TEST(ConfigDocs, EveryRefusedKeyIsListedAsNotSupportedYet) {
  const std::string doc =
      testing_util::read_text(std::string(HERALD_SOURCE_DIR) + "/docs/configuration.md");
  const std::string heading = "## Not supported yet (refused at start)";
  const size_t begin = doc.find(heading);
  ASSERT_NE(begin, std::string::npos) << heading;
  const size_t end = doc.find("\n## ", begin + heading.size());
  const std::string section = doc.substr(begin, end - begin);
  std::vector<std::string> rows;
  for (size_t at = 0; at < section.size();) {
    const size_t eol = std::min(section.find('\n', at), section.size());
    rows.push_back(section.substr(at, eol - at));
    at = eol + 1;
  }
  for (const NotSupportedKey& k : kNotSupportedYet) {
    const std::string key = "| `" + std::string(k.pattern) + "` |";
    const std::string value = "`\"" + std::string(k.value) + "\"`";
    const bool listed = std::any_of(rows.begin(), rows.end(), [&](const std::string& r) {
      return r.starts_with(key) && (k.value.empty() || r.find(value) != std::string::npos);
    });
    EXPECT_TRUE(listed) << "no row for " << k.pattern << " " << k.value;
  }
}

}  // namespace
}  // namespace herald
