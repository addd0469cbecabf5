// Reading decoded server API requests (api_decode.hpp: types already checked, raw fields
// held as JSON text), and result writers shared by the API methods.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "actors/api/json_writer.hpp"
#include "engine/control/control.hpp"
#include "engine/types.hpp"

namespace herald {

/// Thrown while decoding a request whose JSON does not fit the method's schema.
struct MalformedRequest : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Access to one decoded request object (or nested message): absent fields read as zero.
class RequestFields {
 public:
  explicit RequestFields(const nlohmann::json& j) : j_(j) {}

  std::string str(const char* key) const;
  bool boolean(const char* key) const;
  int64_t integer(const char* key) const;
  uint64_t unsigned_integer(const char* key) const;
  std::vector<std::string> strings(const char* key) const;
  std::map<std::string, std::string> string_map(const char* key) const;
  /// A raw field's JSON text as the request had it ("" when absent; "null" for null).
  std::string raw(const char* key) const;
  /// The bytes of base64 `b64_key` when it is set, else the raw JSON of `raw_key`, as
  /// Centrifugo picks them. A bad base64 string is reported through `bad_base64`.
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
/// An `info` node's `"metrics":{"interval":60,"items":{...}}`: the item names Centrifugo's
/// node reports. Herald fills in what it counts (clients, users, channels, subscriptions,
/// nodes, the connection limit); the other items are 0 until Herald measures them.
void write_node_metrics(JsonWriter& w, const NodeInfo& node, size_t num_nodes,
                        int connection_limit);

}  // namespace herald
