// docs/configuration.md must mention every key of the struct tree, so a new key cannot be
// added without documenting it.
#include <gtest/gtest.h>

#include <set>

#include "config/fields.hpp"
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

}  // namespace
}  // namespace herald
