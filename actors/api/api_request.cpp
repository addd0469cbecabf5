#include "actors/api/api_request.hpp"

#include "actors/api/json_writer.hpp"
#include "proto/jwt/base64.hpp"

namespace herald {

using nlohmann::json;

namespace {
const json kNull;

[[noreturn]] void malformed(const char* key, const char* want) {
  throw MalformedRequest(std::string("field \"") + key + "\" must be " + want);
}
}  // namespace

RequestFields::RequestFields(const json& j) : j_(j.is_null() ? kNull : j) {
  if (!j.is_null() && !j.is_object()) throw MalformedRequest("request must be a JSON object");
}

const json* RequestFields::get(const char* key) const {
  if (!j_.is_object()) return nullptr;
  auto it = j_.find(key);
  if (it == j_.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string RequestFields::str(const char* key) const {
  const json* v = get(key);
  if (!v) return {};
  if (!v->is_string()) malformed(key, "a string");
  return v->get<std::string>();
}

bool RequestFields::boolean(const char* key) const {
  const json* v = get(key);
  if (!v) return false;
  if (!v->is_boolean()) malformed(key, "a boolean");
  return v->get<bool>();
}

int64_t RequestFields::integer(const char* key) const {
  const json* v = get(key);
  if (!v) return 0;
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_number_float()) {
    double d = v->get<double>();
    if (d == static_cast<double>(static_cast<int64_t>(d))) return static_cast<int64_t>(d);
  }
  malformed(key, "an integer");
}

uint64_t RequestFields::unsigned_integer(const char* key) const {
  const json* v = get(key);
  if (!v) return 0;
  if (v->is_number_unsigned()) return v->get<uint64_t>();
  if (v->is_number_integer() && v->get<int64_t>() >= 0) return v->get<uint64_t>();
  malformed(key, "a non-negative integer");
}

std::vector<std::string> RequestFields::strings(const char* key) const {
  const json* v = get(key);
  std::vector<std::string> out;
  if (!v) return out;
  if (!v->is_array()) malformed(key, "an array of strings");
  for (const auto& e : *v) {
    if (!e.is_string()) malformed(key, "an array of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

std::map<std::string, std::string> RequestFields::string_map(const char* key) const {
  const json* v = get(key);
  std::map<std::string, std::string> out;
  if (!v) return out;
  if (!v->is_object()) malformed(key, "an object of strings");
  for (auto it = v->begin(); it != v->end(); ++it) {
    if (!it->is_string()) malformed(key, "an object of strings");
    out.emplace(it.key(), it->get<std::string>());
  }
  return out;
}

std::string RequestFields::raw(const char* key) const {
  const json* v = get(key);
  return v ? v->dump() : std::string();
}

std::string RequestFields::payload(const char* raw_key, const char* b64_key,
                                   bool& bad_base64) const {
  bad_base64 = false;
  std::string data = raw(raw_key);
  if (!data.empty()) return data;
  std::string b64 = str(b64_key);
  if (b64.empty()) return {};
  auto decoded = jwt::base64_decode(b64);
  if (!decoded) {
    bad_base64 = true;
    return {};
  }
  return std::move(*decoded);
}

std::optional<StreamPosition> RequestFields::position(const char* key) const {
  const json* v = get(key);
  if (!v) return std::nullopt;
  RequestFields f(*v);
  return StreamPosition{f.unsigned_integer("offset"), f.str("epoch")};
}

const json* RequestFields::object(const char* key) const {
  const json* v = get(key);
  if (v && !v->is_object()) malformed(key, "an object");
  return v;
}

const json* RequestFields::array(const char* key) const {
  const json* v = get(key);
  if (v && !v->is_array()) malformed(key, "an array");
  return v;
}

void write_client_info(JsonWriter& w, const ClientInfo& info) {
  w.begin_object().key("user").string(info.user).key("client").string(info.client);
  if (!info.conn_info.empty()) w.key("conn_info").raw(info.conn_info);
  if (!info.chan_info.empty()) w.key("chan_info").raw(info.chan_info);
  w.end_object();
}

void write_api_publication(JsonWriter& w, const Publication& pub) {
  w.begin_object();
  if (!pub.data.empty()) {
    // Binary payloads (published with b64data) cannot be embedded in JSON as they are.
    if (json::accept(pub.data))
      w.key("data").raw(pub.data);
    else
      w.key("b64data").string(jwt::base64_encode(pub.data));
  }
  if (pub.info) {
    w.key("info");
    write_client_info(w, *pub.info);
  }
  if (pub.offset) w.key("offset").number(pub.offset);
  if (!pub.tags.empty()) {
    w.key("tags").begin_object();
    for (const auto& [k, v] : pub.tags) w.key(k).string(v);
    w.end_object();
  }
  w.end_object();
}

void write_error(JsonWriter& w, const Error& err) {
  w.begin_object().key("code").number(static_cast<uint64_t>(err.code));
  w.key("message").string(err.message).end_object();
}

}  // namespace herald
