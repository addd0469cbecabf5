// A minimal appending JSON writer for API answers: raw JSON payloads (`data`, `info`) are
// embedded as they are, which a DOM library cannot do without re-parsing them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace herald {

/// Appends `s` as a JSON string literal (quotes, escapes; UTF-8 passes through).
void append_json_string(std::string& out, std::string_view s);

/// Builds one JSON object or array by appending; the caller keeps the structure valid.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }

  /// Writes `"name":` (with a comma before it when needed).
  JsonWriter& key(std::string_view name);

  JsonWriter& string(std::string_view s);
  JsonWriter& number(uint64_t v);
  JsonWriter& number(int64_t v);
  JsonWriter& number(double v);
  JsonWriter& boolean(bool v);
  /// Embeds already-valid JSON text as a value.
  JsonWriter& raw(std::string_view json);

 private:
  JsonWriter& open(char c);
  JsonWriter& close(char c);
  void value_prefix();

  std::string& out_;
  bool need_comma_ = false;
  bool after_key_ = false;
};

}  // namespace herald
