#include "actors/api/api_request.hpp"

#include "actors/api/json_writer.hpp"
#include "proto/jwt/base64.hpp"

namespace herald {

using nlohmann::json;

const json* RequestFields::get(const char* key) const {
  if (!j_.is_object()) return nullptr;
  auto it = j_.find(key);
  return it == j_.end() || it->is_null() ? nullptr : &*it;
}

std::string RequestFields::str(const char* key) const {
  const json* v = get(key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

bool RequestFields::boolean(const char* key) const {
  const json* v = get(key);
  return v && v->is_boolean() && v->get<bool>();
}

int64_t RequestFields::integer(const char* key) const {
  const json* v = get(key);
  return v && v->is_number_integer() ? v->get<int64_t>() : 0;
}

uint64_t RequestFields::unsigned_integer(const char* key) const {
  const json* v = get(key);
  return v && v->is_number_unsigned() ? v->get<uint64_t>() : 0;
}

std::vector<std::string> RequestFields::strings(const char* key) const {
  const json* v = get(key);
  return v && v->is_array() ? v->get<std::vector<std::string>>() : std::vector<std::string>();
}

std::map<std::string, std::string> RequestFields::string_map(const char* key) const {
  const json* v = get(key);
  return v && v->is_object() ? v->get<std::map<std::string, std::string>>()
                             : std::map<std::string, std::string>();
}

std::string RequestFields::raw(const char* key) const { return str(key); }

std::string RequestFields::payload(const char* raw_key, const char* b64_key,
                                   bool& bad_base64) const {
  bad_base64 = false;
  std::string b64 = str(b64_key);
  if (b64.empty()) return raw(raw_key);
  // Go's base64.StdEncoding: line breaks are skipped, padding is required.
  std::erase_if(b64, [](char c) { return c == '\r' || c == '\n'; });
  auto decoded = b64.size() % 4 == 0 ? jwt::base64_decode(b64) : std::nullopt;
  if (!decoded) {
    bad_base64 = true;
    return {};
  }
  return std::move(*decoded);
}

std::optional<StreamPosition> RequestFields::position(const char* key) const {
  const json* v = object(key);
  if (!v) return std::nullopt;
  RequestFields f(*v);
  return StreamPosition{f.unsigned_integer("offset"), f.str("epoch")};
}

const json* RequestFields::object(const char* key) const {
  const json* v = get(key);
  return v && v->is_object() ? v : nullptr;
}

const json* RequestFields::array(const char* key) const {
  const json* v = get(key);
  return v && v->is_array() ? v : nullptr;
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

void write_node_metrics(JsonWriter& w, const NodeInfo& node, size_t num_nodes,
                        int connection_limit) {
  // Sorted, as Go writes a map. Centrifugo aggregates them every 60 s.
  static constexpr std::string_view kItems[] = {
      "centrifugo.broker.redis_pub_sub_dropped_messages.channel_type.client",
      "centrifugo.broker.redis_pub_sub_dropped_messages.channel_type.control",
      "centrifugo.client.command_duration_seconds.count.method.connect",
      "centrifugo.client.command_duration_seconds.count.method.history",
      "centrifugo.client.command_duration_seconds.count.method.presence",
      "centrifugo.client.command_duration_seconds.count.method.presence_stats",
      "centrifugo.client.command_duration_seconds.count.method.publish",
      "centrifugo.client.command_duration_seconds.count.method.refresh",
      "centrifugo.client.command_duration_seconds.count.method.rpc",
      "centrifugo.client.command_duration_seconds.count.method.send",
      "centrifugo.client.command_duration_seconds.count.method.sub_refresh",
      "centrifugo.client.command_duration_seconds.count.method.subscribe",
      "centrifugo.client.command_duration_seconds.count.method.unknown",
      "centrifugo.client.command_duration_seconds.count.method.unsubscribe",
      "centrifugo.client.command_duration_seconds.sum.method.connect",
      "centrifugo.client.command_duration_seconds.sum.method.history",
      "centrifugo.client.command_duration_seconds.sum.method.presence",
      "centrifugo.client.command_duration_seconds.sum.method.presence_stats",
      "centrifugo.client.command_duration_seconds.sum.method.publish",
      "centrifugo.client.command_duration_seconds.sum.method.refresh",
      "centrifugo.client.command_duration_seconds.sum.method.rpc",
      "centrifugo.client.command_duration_seconds.sum.method.send",
      "centrifugo.client.command_duration_seconds.sum.method.sub_refresh",
      "centrifugo.client.command_duration_seconds.sum.method.subscribe",
      "centrifugo.client.command_duration_seconds.sum.method.unknown",
      "centrifugo.client.command_duration_seconds.sum.method.unsubscribe",
      "centrifugo.map.broker_redis_pub_sub_dropped_messages.channel_type.client",
      "centrifugo.node.client_connection_limit",
      "centrifugo.node.messages_received_count.type.control",
      "centrifugo.node.messages_received_count.type.join",
      "centrifugo.node.messages_received_count.type.leave",
      "centrifugo.node.messages_received_count.type.publication",
      "centrifugo.node.messages_sent_count.type.control",
      "centrifugo.node.messages_sent_count.type.join",
      "centrifugo.node.messages_sent_count.type.leave",
      "centrifugo.node.messages_sent_count.type.publication",
      "centrifugo.node.num_channels",
      "centrifugo.node.num_clients",
      "centrifugo.node.num_nodes",
      "centrifugo.node.num_subscriptions",
      "centrifugo.node.num_users",
      "centrifugo.shared.poll_num_channels",
      "centrifugo.shared.poll_num_keys",
  };
  auto value = [&](std::string_view item) -> double {
    if (item == "centrifugo.node.client_connection_limit") return connection_limit;
    if (item == "centrifugo.node.num_channels") return node.num_channels;
    if (item == "centrifugo.node.num_clients") return node.num_clients;
    if (item == "centrifugo.node.num_nodes") return static_cast<double>(num_nodes);
    if (item == "centrifugo.node.num_subscriptions") return node.num_subs;
    if (item == "centrifugo.node.num_users") return node.num_users;
    return 0;
  };
  w.key("metrics").begin_object().key("interval").number(uint64_t{60});
  w.key("items").begin_object();
  for (std::string_view item : kItems) w.key(item).number(value(item));
  w.end_object().end_object();
}

}  // namespace herald
