// Reading server API request objects: typed field access where a wrong JSON type makes the
// whole body malformed (HTTP 400, as Centrifugo's decoder does), and result writers shared by
// the API methods.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "actors/api/json_writer.hpp"
#include "engine/types.hpp"

namespace herald {

/// Thrown while reading a request whose JSON does not fit the method's schema.
struct MalformedRequest : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Typed, null-tolerant access to one JSON request object.
class RequestFields {
 public:
  /// `j` must be an object (or null, read as empty); anything else is malformed.
  explicit RequestFields(const nlohmann::json& j);

  std::string str(const char* key) const;
  bool boolean(const char* key) const;
  int64_t integer(const char* key) const;
  uint64_t unsigned_integer(const char* key) const;
  std::vector<std::string> strings(const char* key) const;
  std::map<std::string, std::string> string_map(const char* key) const;
  /// A JSON value as compact text ("" when absent or null): `data`, `info`.
  std::string raw(const char* key) const;
  /// Raw bytes from `raw_key` (JSON) or, when that is absent, base64 `b64_key`. A bad base64
  /// string is reported through `bad_base64`.
  std::string payload(const char* raw_key, const char* b64_key, bool& bad_base64) const;
  std::optional<StreamPosition> position(const char* key) const;
  const nlohmann::json* object(const char* key) const;
  const nlohmann::json* array(const char* key) const;

 private:
  const nlohmann::json* get(const char* key) const;
  const nlohmann::json& j_;
};

/// `{"user":..,"client":..,"conn_info":..,"chan_info":..}` (user and client always present).
void write_client_info(JsonWriter& w, const ClientInfo& info);
/// An API Publication: data, info, offset, tags.
void write_api_publication(JsonWriter& w, const Publication& pub);
/// `{"code":N,"message":"..."}`.
void write_error(JsonWriter& w, const Error& err);

}  // namespace herald
