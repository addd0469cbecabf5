#include "actors/api/api_decode.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <span>
#include <strings.h>

namespace herald {

using nlohmann::json;

namespace {

// -- schemas: the request structs of docs/protocol.md §4.2 ---------------------------------

enum class Kind : uint8_t {
  string,
  boolean,
  i32,
  i64,
  u32,
  u64,
  raw,         ///< any JSON value, kept as text (Go: apiproto.Raw)
  strings,     ///< []string
  string_map,  ///< map[string]string
  object,      ///< a nested message (`schema`)
  objects,     ///< []*message; null items stay null
  opaque,      ///< a message Herald does not serve (PRO, maps): an object, not looked into
};

struct Schema;
struct Field {
  std::string_view name;
  Kind kind;
  const Schema* schema = nullptr;
};
struct Schema {
  std::span<const Field> fields;
};

#define HERALD_SCHEMA(name, ...)                        \
  const Field name##_fields[] = {__VA_ARGS__};          \
  const Schema name{std::span<const Field>(name##_fields)}

extern const Schema kFilterNode;
HERALD_SCHEMA(kFilterNode, {"op", Kind::string}, {"key", Kind::string}, {"cmp", Kind::string},
              {"val", Kind::string}, {"vals", Kind::strings},
              {"nodes", Kind::objects, &kFilterNode});
HERALD_SCHEMA(kStreamPosition, {"offset", Kind::u64}, {"epoch", Kind::string});
HERALD_SCHEMA(kBoolValue, {"value", Kind::boolean});
HERALD_SCHEMA(kOverride, {"presence", Kind::object, &kBoolValue},
              {"join_leave", Kind::object, &kBoolValue},
              {"force_recovery", Kind::object, &kBoolValue},
              {"force_positioning", Kind::object, &kBoolValue},
              {"force_push_join_leave", Kind::object, &kBoolValue});
HERALD_SCHEMA(kDisconnectCode, {"code", Kind::u32}, {"reason", Kind::string});

HERALD_SCHEMA(kPublish, {"channel", Kind::string}, {"data", Kind::raw},
              {"b64data", Kind::string}, {"skip_history", Kind::boolean},
              {"tags", Kind::string_map}, {"idempotency_key", Kind::string},
              {"delta", Kind::boolean}, {"version", Kind::u64},
              {"version_epoch", Kind::string});
HERALD_SCHEMA(kBroadcast, {"channels", Kind::strings}, {"data", Kind::raw},
              {"b64data", Kind::string}, {"skip_history", Kind::boolean},
              {"tags", Kind::string_map}, {"idempotency_key", Kind::string},
              {"delta", Kind::boolean}, {"version", Kind::u64},
              {"version_epoch", Kind::string});
HERALD_SCHEMA(kSubscribe, {"channel", Kind::string}, {"user", Kind::string},
              {"expire_at", Kind::i64}, {"info", Kind::raw}, {"b64info", Kind::string},
              {"client", Kind::string}, {"data", Kind::raw}, {"b64data", Kind::string},
              {"recover_since", Kind::object, &kStreamPosition},
              {"override", Kind::object, &kOverride}, {"session", Kind::string},
              {"label_filter", Kind::object, &kFilterNode}, {"all_users", Kind::boolean});
HERALD_SCHEMA(kUnsubscribe, {"channel", Kind::string}, {"user", Kind::string},
              {"client", Kind::string}, {"session", Kind::string},
              {"label_filter", Kind::object, &kFilterNode}, {"all_users", Kind::boolean});
HERALD_SCHEMA(kDisconnect, {"user", Kind::string},
              {"disconnect", Kind::object, &kDisconnectCode}, {"client", Kind::string},
              {"whitelist", Kind::strings}, {"session", Kind::string},
              {"label_filter", Kind::object, &kFilterNode}, {"all_users", Kind::boolean});
HERALD_SCHEMA(kRefresh, {"user", Kind::string}, {"client", Kind::string},
              {"expired", Kind::boolean}, {"expire_at", Kind::i64}, {"info", Kind::raw},
              {"session", Kind::string}, {"label_filter", Kind::object, &kFilterNode},
              {"all_users", Kind::boolean});
HERALD_SCHEMA(kChannelOnly, {"channel", Kind::string});
HERALD_SCHEMA(kHistory, {"channel", Kind::string}, {"limit", Kind::i32},
              {"since", Kind::object, &kStreamPosition}, {"reverse", Kind::boolean});
const Schema kNoFields{};
HERALD_SCHEMA(kRpc, {"method", Kind::string}, {"params", Kind::raw});
HERALD_SCHEMA(kChannels, {"pattern", Kind::string});

// A batch command: one member per method, looked at in Centrifugo's order (processCmd).
HERALD_SCHEMA(kCommand, {"publish", Kind::object, &kPublish},
              {"broadcast", Kind::object, &kBroadcast},
              {"subscribe", Kind::object, &kSubscribe},
              {"unsubscribe", Kind::object, &kUnsubscribe},
              {"disconnect", Kind::object, &kDisconnect},
              {"history", Kind::object, &kHistory},
              {"history_remove", Kind::object, &kChannelOnly},
              {"presence", Kind::object, &kChannelOnly},
              {"presence_stats", Kind::object, &kChannelOnly},
              {"info", Kind::object, &kNoFields}, {"rpc", Kind::object, &kRpc},
              {"refresh", Kind::object, &kRefresh}, {"channels", Kind::object, &kChannels},
              // Centrifugo PRO and map subscriptions: not served, answered 104.
              {"connections", Kind::opaque}, {"update_user_status", Kind::opaque},
              {"get_user_status", Kind::opaque}, {"delete_user_status", Kind::opaque},
              {"block_user", Kind::opaque}, {"unblock_user", Kind::opaque},
              {"revoke_token", Kind::opaque}, {"invalidate_user_tokens", Kind::opaque},
              {"device_register", Kind::opaque}, {"device_update", Kind::opaque},
              {"device_remove", Kind::opaque}, {"device_list", Kind::opaque},
              {"device_topic_list", Kind::opaque}, {"device_topic_update", Kind::opaque},
              {"user_topic_list", Kind::opaque}, {"user_topic_update", Kind::opaque},
              {"send_push_notification", Kind::opaque}, {"update_push_status", Kind::opaque},
              {"cancel_push", Kind::opaque}, {"map_publish", Kind::opaque},
              {"map_remove", Kind::opaque}, {"map_read_state", Kind::opaque},
              {"map_read_stream", Kind::opaque}, {"map_stats", Kind::opaque},
              {"map_clear", Kind::opaque}, {"shared_poll_publish", Kind::opaque});
HERALD_SCHEMA(kBatch, {"commands", Kind::objects, &kCommand}, {"parallel", Kind::boolean});

// The legacy envelope; `method` is read as raw text (see legacy_method_number).
HERALD_SCHEMA(kLegacyCommand, {"id", Kind::u32}, {"method", Kind::raw}, {"params", Kind::raw});

#undef HERALD_SCHEMA

const Schema* schema_of(std::string_view method) {
  for (const Field& f : kCommand_fields)
    if (f.name == method) return f.schema;  // nullptr for the opaque ones
  return method == "batch" ? &kBatch : nullptr;
}

[[noreturn]] void malformed(std::string_view what) {
  throw MalformedRequest("malformed request: " + std::string(what));
}

// -- walking validated JSON text -----------------------------------------------------------

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/// The members of an object value (valid JSON): raw key text (quoted) and value text.
template <class F>
void for_each_member(std::string_view obj, F f) {
  size_t i = skip_json_space(obj, 1);
  while (i < obj.size() && obj[i] != '}') {
    size_t key_end = *json_value_end(obj, i);
    std::string_view key = obj.substr(i, key_end - i);
    i = skip_json_space(obj, key_end) + 1;  // past ':'
    i = skip_json_space(obj, i);
    size_t value_end = *json_value_end(obj, i);
    f(key, obj.substr(i, value_end - i));
    i = skip_json_space(obj, value_end);
    if (i < obj.size() && obj[i] == ',') i = skip_json_space(obj, i + 1);
  }
}

/// The items of an array value (valid JSON).
template <class F>
void for_each_item(std::string_view arr, F f) {
  size_t i = skip_json_space(arr, 1);
  while (i < arr.size() && arr[i] != ']') {
    size_t end = *json_value_end(arr, i);
    f(arr.substr(i, end - i));
    i = skip_json_space(arr, end);
    if (i < arr.size() && arr[i] == ',') i = skip_json_space(arr, i + 1);
  }
}

/// A JSON string literal's value.
std::string unquote(std::string_view literal) {
  if (literal.find('\\') == std::string_view::npos)
    return std::string(literal.substr(1, literal.size() - 2));
  return json::parse(literal).get<std::string>();
}

bool ascii_iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

/// Go's field lookup: the exact name, else the name ignoring ASCII case.
const Field* find_field(const Schema& s, std::string_view key) {
  for (const Field& f : s.fields)
    if (f.name == key) return &f;
  for (const Field& f : s.fields)
    if (ascii_iequals(f.name, key)) return &f;
  return nullptr;
}

/// An integer literal (Go's strconv.ParseInt/ParseUint): no fraction, no exponent, in range.
template <class T>
T integer(std::string_view text, std::string_view field) {
  T v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) malformed(field);
  return v;
}

void decode_into(const Schema& schema, std::string_view obj, json& out);

/// Decodes value `v` of field `f` into `target` (the field's current value: Go decodes a
/// repeated key of a message or map into what the earlier one left).
void decode_value(const Field& f, std::string_view v, json& target) {
  const char c = v.empty() ? '\0' : v[0];
  switch (f.kind) {
    case Kind::string:
      if (c != '"') malformed(f.name);
      target = unquote(v);
      return;
    case Kind::boolean:
      if (v != "true" && v != "false") malformed(f.name);
      target = v == "true";
      return;
    case Kind::i32: target = integer<int32_t>(v, f.name); return;
    case Kind::i64: target = integer<int64_t>(v, f.name); return;
    case Kind::u32: target = integer<uint32_t>(v, f.name); return;
    case Kind::u64: target = integer<uint64_t>(v, f.name); return;
    case Kind::raw: target = std::string(v); return;
    case Kind::strings:
      if (c != '[') malformed(f.name);
      target = json::array();
      for_each_item(v, [&](std::string_view item) {
        if (item != "null" && item[0] != '"') malformed(f.name);
        target.push_back(item == "null" ? std::string() : unquote(item));
      });
      return;
    case Kind::string_map:
      if (c != '{') malformed(f.name);
      if (!target.is_object()) target = json::object();
      for_each_member(v, [&](std::string_view key, std::string_view item) {
        if (item != "null" && item[0] != '"') malformed(f.name);
        target[unquote(key)] = item == "null" ? std::string() : unquote(item);
      });
      return;
    case Kind::object:
      if (!target.is_object()) target = json::object();
      decode_into(*f.schema, v, target);
      return;
    case Kind::objects:
      if (c != '[') malformed(f.name);
      target = json::array();
      for_each_item(v, [&](std::string_view item) {
        json decoded;  // null items stay null
        if (item != "null") decode_into(*f.schema, item, decoded = json::object());
        target.push_back(std::move(decoded));
      });
      return;
    case Kind::opaque:
      if (c != '{') malformed(f.name);
      target = json::object();
      return;
  }
}

/// Decodes an object value against `schema` into `out` (an object), member by member in
/// document order, as Go does.
void decode_into(const Schema& schema, std::string_view obj, json& out) {
  if (obj.empty() || obj[0] != '{') malformed("expected an object");
  for_each_member(obj, [&](std::string_view key, std::string_view value) {
    const Field* f = find_field(schema, unquote(key));
    if (f == nullptr) return;
    if (value == "null") {
      // Go: a raw field keeps "null"; a message, list or map becomes nil; a scalar stays.
      if (f->kind == Kind::raw) {
        out[f->name] = "null";
      } else if (f->kind >= Kind::strings) {
        out.erase(std::string(f->name));
      }
      return;
    }
    decode_value(*f, value, out[std::string(f->name)]);
  });
}

json decode_object(const Schema& schema, std::string_view obj) {
  json out = json::object();
  decode_into(schema, obj, out);
  return out;
}

/// Checks the syntax (strict JSON, one value) before the text is walked.
void require_valid_json(std::string_view text) {
  // nlohmann skips a leading byte order mark; Go's decoder does not.
  if (text.substr(0, 3) == "\xEF\xBB\xBF" || !json::accept(text)) malformed("not JSON");
}

// -- the legacy endpoint's MethodType -------------------------------------------------------

struct LegacyMethod {
  std::string_view type;  ///< the MethodType enum name
  int32_t number;
  std::string_view method;  ///< Herald's method, "" when not served
};

// Every name Centrifugo's MethodType knows; only 0-12 are methods Herald serves.
constexpr std::array<LegacyMethod, 39> kLegacyMethods{{
    {"PUBLISH", 0, "publish"},
    {"BROADCAST", 1, "broadcast"},
    {"UNSUBSCRIBE", 2, "unsubscribe"},
    {"DISCONNECT", 3, "disconnect"},
    {"PRESENCE", 4, "presence"},
    {"PRESENCE_STATS", 5, "presence_stats"},
    {"HISTORY", 6, "history"},
    {"HISTORY_REMOVE", 7, "history_remove"},
    {"CHANNELS", 8, "channels"},
    {"INFO", 9, "info"},
    {"RPC", 10, "rpc"},
    {"SUBSCRIBE", 11, "subscribe"},
    {"REFRESH", 12, "refresh"},
    {"CONNECTIONS", 14, ""},
    {"UPDATE_USER_STATUS", 15, ""},
    {"GET_USER_STATUS", 16, ""},
    {"DELETE_USER_STATUS", 17, ""},
    {"BLOCK_USER", 18, ""},
    {"UNBLOCK_USER", 19, ""},
    {"REVOKE_TOKEN", 20, ""},
    {"INVALIDATE_USER_TOKENS", 21, ""},
    {"DEVICE_REGISTER", 22, ""},
    {"DEVICE_UPDATE", 23, ""},
    {"DEVICE_REMOVE", 24, ""},
    {"DEVICE_LIST", 25, ""},
    {"DEVICE_TOPIC_LIST", 26, ""},
    {"DEVICE_TOPIC_UPDATE", 27, ""},
    {"USER_TOPIC_LIST", 28, ""},
    {"USER_TOPIC_UPDATE", 29, ""},
    {"SEND_PUSH_NOTIFICATION", 30, ""},
    {"UPDATE_PUSH_STATUS", 31, ""},
    {"CANCEL_PUSH", 32, ""},
    {"MAP_PUBLISH", 33, ""},
    {"MAP_REMOVE", 34, ""},
    {"MAP_READ_STATE", 35, ""},
    {"MAP_READ_STREAM", 36, ""},
    {"MAP_STATS", 37, ""},
    {"MAP_CLEAR", 38, ""},
    {"SHARED_POLL_PUBLISH", 39, ""},
}};

/// Centrifugo's reading of `method` from its raw JSON text: the text without its first and
/// last byte, upper-cased, as an enum name; otherwise the whole text as a decimal integer,
/// truncated to 32 bits. Anything else refuses the request.
int32_t legacy_method_number(std::string_view raw) {
  if (raw.size() > 2) {
    std::string name(raw.substr(1, raw.size() - 2));
    for (char& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    for (const LegacyMethod& m : kLegacyMethods)
      if (m.type == name) return m.number;
  }
  // JSON text never starts with '+', the one form strconv.Atoi takes that this does not.
  const auto n = integer<int64_t>(raw, "method");
  return static_cast<int32_t>(static_cast<uint32_t>(n));
}

}  // namespace

const std::vector<std::string_view>& api_command_methods() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const Field& f : kCommand_fields)
      if (f.kind == Kind::object) out.push_back(f.name);
    return out;
  }();
  return names;
}

bool is_api_method(std::string_view method) { return schema_of(method) != nullptr; }

json decode_request(std::string_view method, std::string_view body) {
  const Schema* schema = schema_of(method);
  if (schema == nullptr) malformed("unknown method");
  require_valid_json(body);
  size_t start = skip_json_space(body, 0);
  std::string_view value = body.substr(start, *json_value_end(body, start) - start);
  if (value == "null") return json::object();
  return decode_object(*schema, value);
}

std::string raw_field(const json& request, const char* key) {
  auto it = request.find(key);
  return it == request.end() || !it->is_string() ? std::string() : it->get<std::string>();
}

size_t skip_json_space(std::string_view text, size_t i) {
  while (i < text.size() && is_json_space(text[i])) ++i;
  return i;
}

std::optional<size_t> json_value_end(std::string_view text, size_t i) {
  if (i >= text.size()) return std::nullopt;
  const char first = text[i];
  if (first == '"') {
    for (size_t j = i + 1; j < text.size(); ++j) {
      if (text[j] == '\\') {
        ++j;
      } else if (text[j] == '"') {
        return j + 1;
      }
    }
    return std::nullopt;
  }
  if (first == '{' || first == '[') {
    int depth = 0;
    for (size_t j = i; j < text.size(); ++j) {
      const char c = text[j];
      if (c == '"') {
        auto end = json_value_end(text, j);
        if (!end) return std::nullopt;
        j = *end - 1;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        return j + 1;
      }
    }
    return std::nullopt;
  }
  // A number or a literal: up to the next delimiter (Go's scanner ends it there too).
  size_t j = i;
  while (j < text.size() && !is_json_space(text[j]) &&
         std::string_view(",:]}[{\"").find(text[j]) == std::string_view::npos)
    ++j;
  return j == i ? j + 1 : j;  // a stray delimiter is a one-byte (invalid) value
}

LegacyCommand decode_legacy_command(std::string_view value) {
  require_valid_json(value);
  LegacyCommand cmd;
  cmd.method = "publish";  // MethodType 0
  if (value == "null") return cmd;
  json env = decode_object(kLegacyCommand, value);
  if (auto it = env.find("id"); it != env.end()) cmd.id = it->get<uint32_t>();
  cmd.params = raw_field(env, "params");
  if (auto it = env.find("method"); it != env.end()) {
    const int32_t n = legacy_method_number(it->get<std::string>());
    auto m = std::find_if(kLegacyMethods.begin(), kLegacyMethods.end(),
                          [n](const LegacyMethod& lm) { return lm.number == n; });
    cmd.method = m == kLegacyMethods.end() ? std::string() : std::string(m->method);
  }
  return cmd;
}

}  // namespace herald
