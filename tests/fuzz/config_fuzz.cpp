// libFuzzer target: a config file's text. Not client input, but an operator's typo must give a
// list of errors, never a crash or an exception escaping the loader.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "config/config_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::map<std::string, std::string> kNoEnv;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const herald::LoadResult result = herald::load_config_json(text, kNoEnv);
  // The loader's contract: a config exactly when no error was found, and every error says
  // which key (or the file) it is about.
  if (result.config.has_value() != result.errors.empty()) std::abort();
  for (const std::string& e : result.errors) {
    if (e.find(':') == std::string::npos) std::abort();
  }
  return 0;
}
