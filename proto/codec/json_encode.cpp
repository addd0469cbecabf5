// JSON replies and pushes. Key order follows proto/client.proto field order (as Go emits);
// zero values are omitted except the members docs/protocol.md §1 marks *always*.
#include <variant>

#include "proto/codec/json_codec.hpp"
#include "proto/codec/json_writer.hpp"

namespace herald::protocol::json {

namespace {

void write_client_info(std::string& out, const ClientInfo& info) {
  ObjectWriter w(out);
  w.str_always("user", info.user);
  w.str_always("client", info.client);
  w.raw("conn_info", info.conn_info);
  w.raw("chan_info", info.chan_info);
  w.close();
}

void write_string_map(std::string& out, const std::map<std::string, std::string>& map) {
  out.push_back('{');
  bool first = true;
  for (const auto& [k, v] : map) {
    if (!first) out.push_back(',');
    first = false;
    append_string(out, k);
    out.push_back(':');
    append_string(out, v);
  }
  out.push_back('}');
}

// Centrifugo v6.0 sends data, info, offset and tags; `time_ms` stays server-side.
void write_publication(std::string& out, const Publication& pub) {
  ObjectWriter w(out);
  w.raw("data", pub.data);
  if (pub.info) {
    w.key("info");
    write_client_info(out, *pub.info);
  }
  w.number("offset", pub.offset);
  if (!pub.tags.empty()) {
    w.key("tags");
    write_string_map(out, pub.tags);
  }
  w.str("epoch", pub.epoch);
  w.close();
}

void write_publications(std::string& out, const std::vector<Publication>& pubs) {
  out.push_back('[');
  for (std::size_t i = 0; i < pubs.size(); ++i) {
    if (i != 0) out.push_back(',');
    write_publication(out, pubs[i]);
  }
  out.push_back(']');
}

void write_error(std::string& out, const Error& e) {
  ObjectWriter w(out);
  w.number_always("code", e.code);
  w.str_always("message", e.message);
  w.boolean("temporary", e.temporary);
  w.close();
}

void write_subscribe_result(std::string& out, const SubscribeResult& r) {
  ObjectWriter w(out);
  w.boolean("expires", r.expires);
  w.number("ttl", r.ttl);
  w.boolean("recoverable", r.recoverable);
  w.str("epoch", r.epoch);
  if (!r.publications.empty()) {
    w.key("publications");
    write_publications(out, r.publications);
  }
  w.boolean("recovered", r.recovered);
  w.number("offset", r.offset);
  w.boolean("positioned", r.positioned);
  w.raw("data", r.data);
  w.boolean("was_recovering", r.was_recovering);
  w.boolean("delta", r.delta);
  w.close();
}

void write_subs(ObjectWriter& w, std::string& out,
                const std::map<std::string, SubscribeResult>& subs) {
  if (subs.empty()) return;
  w.key("subs");
  out.push_back('{');
  bool first = true;
  for (const auto& [channel, sub] : subs) {
    if (!first) out.push_back(',');
    first = false;
    append_string(out, channel);
    out.push_back(':');
    write_subscribe_result(out, sub);
  }
  out.push_back('}');
}

// ConnectResult and the Connect push share JSON keys; only their protobuf numbers differ.
void write_connect_result(std::string& out, const ConnectResult& r) {
  ObjectWriter w(out);
  w.str("client", r.client);
  w.str("version", r.version);
  w.boolean("expires", r.expires);
  w.number("ttl", r.ttl);
  w.raw("data", r.data);
  write_subs(w, out, r.subs);
  w.number("ping", r.ping);
  w.boolean("pong", r.pong);
  w.str("session", r.session);
  w.str("node", r.node);
  w.number("time", r.time);
  w.close();
}

void write_info_wrapper(std::string& out, const ClientInfo& info) {
  append_literal(out, "{\"info\":");
  write_client_info(out, info);
  out.push_back('}');
}

void write_unsubscribe(std::string& out, uint32_t code, std::string_view reason) {
  ObjectWriter b(out);
  b.number("code", code);
  b.str("reason", reason);
  b.close();
}

void write_message(std::string& out, std::string_view data) {
  ObjectWriter b(out);
  b.raw("data", data);
  b.close();
}

void write_subscribe_push(std::string& out, const SubscribePush& s) {
  ObjectWriter b(out);
  b.boolean("recoverable", s.recoverable);
  b.str("epoch", s.epoch);
  b.number("offset", s.offset);
  b.boolean("positioned", s.positioned);
  b.raw("data", s.data);
  b.close();
}

struct PushBodyWriter {
  std::string& out;
  ObjectWriter& w;

  void operator()(const Publication& p) {
    w.key("pub");
    write_publication(out, p);
  }
  void operator()(const JoinPush& j) {
    w.key("join");
    write_info_wrapper(out, j.info);
  }
  void operator()(const LeavePush& l) {
    w.key("leave");
    write_info_wrapper(out, l.info);
  }
  void operator()(const UnsubscribePush& u) {
    w.key("unsubscribe");
    write_unsubscribe(out, u.code, u.reason);
  }
  void operator()(const MessagePush& m) {
    w.key("message");
    write_message(out, m.data);
  }
  void operator()(const SubscribePush& s) {
    w.key("subscribe");
    write_subscribe_push(out, s);
  }
  void operator()(const ConnectResult& c) {
    w.key("connect");
    write_connect_result(out, c);
  }
  void operator()(const DisconnectPush& d) {
    w.key("disconnect");
    ObjectWriter b(out);
    b.number("code", d.code);
    b.str("reason", d.reason);
    b.boolean("reconnect", d.reconnect);
    b.close();
  }
  void operator()(const RefreshPush& r) {
    w.key("refresh");
    ObjectWriter b(out);
    b.boolean("expires", r.expires);
    b.number("ttl", r.ttl);
    b.close();
  }
};

void write_push(std::string& out, const Push& push) {
  ObjectWriter w(out);
  w.str("channel", push.channel);
  std::visit(PushBodyWriter{out, w}, push.body);
  w.close();
}

struct ResultWriter {
  std::string& out;
  ObjectWriter& w;

  void operator()(const std::monostate&) {}
  void operator()(const Push& p) {
    w.key("push");
    write_push(out, p);
  }
  void operator()(const ConnectResult& r) {
    w.key("connect");
    write_connect_result(out, r);
  }
  void operator()(const SubscribeResult& r) {
    w.key("subscribe");
    write_subscribe_result(out, r);
  }
  void operator()(const UnsubscribeResult&) { empty("unsubscribe"); }
  void operator()(const PublishResult&) { empty("publish"); }
  void operator()(const PingResult&) { empty("ping"); }
  void operator()(const PresenceResult& r) {
    w.key("presence");
    ObjectWriter b(out);
    b.key("presence");
    out.push_back('{');
    bool first = true;
    for (const auto& [client, info] : r.presence) {
      if (!first) out.push_back(',');
      first = false;
      append_string(out, client);
      out.push_back(':');
      write_client_info(out, info);
    }
    out.push_back('}');
    b.close();
  }
  void operator()(const PresenceStats& r) {
    w.key("presence_stats");
    ObjectWriter b(out);
    b.number_always("num_clients", r.num_clients);
    b.number_always("num_users", r.num_users);
    b.close();
  }
  void operator()(const HistoryResult& r) {
    w.key("history");
    ObjectWriter b(out);
    b.key("publications");
    write_publications(out, r.publications);
    b.str_always("epoch", r.position.epoch);
    b.number_always("offset", r.position.offset);
    b.close();
  }
  void operator()(const RpcResult& r) {
    w.key("rpc");
    ObjectWriter b(out);
    b.raw("data", r.data);
    b.close();
  }
  void operator()(const RefreshResult& r) {
    w.key("refresh");
    ObjectWriter b(out);
    b.str("client", r.client);
    b.str("version", r.version);
    b.boolean("expires", r.expires);
    b.number("ttl", r.ttl);
    b.close();
  }
  void operator()(const SubRefreshResult& r) {
    w.key("sub_refresh");
    ObjectWriter b(out);
    b.boolean("expires", r.expires);
    b.number("ttl", r.ttl);
    b.close();
  }

  void empty(std::string_view key) {
    w.key(key);
    append_literal(out, "{}");
  }
};

// `{"push":{"channel":"…",` — the caller writes the body member and closes both objects.
void open_push(std::string& out, std::string_view channel) {
  append_literal(out, "{\"push\":{");
  if (!channel.empty()) {
    append_literal(out, "\"channel\":");
    append_string(out, channel);
    out.push_back(',');
  }
}

}  // namespace

void append_reply(const Reply& reply, std::string& out) {
  ObjectWriter w(out);
  w.number("id", reply.id);
  if (reply.error.code != 0) {
    w.key("error");
    write_error(out, reply.error);
  } else {
    std::visit(ResultWriter{out, w}, reply.result);
  }
  w.close();
}

void append_ping(std::string& out) { append_literal(out, "{}"); }

void append_publication_push(std::string_view channel, const Publication& pub,
                             std::string& out) {
  out.reserve(out.size() + channel.size() + pub.data.size() + 64);
  open_push(out, channel);
  append_literal(out, "\"pub\":");
  write_publication(out, pub);
  append_literal(out, "}}");
}

void append_join_push(std::string_view channel, const ClientInfo& info, std::string& out) {
  open_push(out, channel);
  append_literal(out, "\"join\":");
  write_info_wrapper(out, info);
  append_literal(out, "}}");
}

void append_leave_push(std::string_view channel, const ClientInfo& info, std::string& out) {
  open_push(out, channel);
  append_literal(out, "\"leave\":");
  write_info_wrapper(out, info);
  append_literal(out, "}}");
}

void append_unsubscribe_push(std::string_view channel, uint32_t code, std::string_view reason,
                             std::string& out) {
  open_push(out, channel);
  append_literal(out, "\"unsubscribe\":");
  write_unsubscribe(out, code, reason);
  append_literal(out, "}}");
}

void append_subscribe_push(std::string_view channel, const SubscribePush& sub,
                           std::string& out) {
  open_push(out, channel);
  append_literal(out, "\"subscribe\":");
  write_subscribe_push(out, sub);
  append_literal(out, "}}");
}

void append_message_push(std::string_view data, std::string& out) {
  open_push(out, {});
  append_literal(out, "\"message\":");
  write_message(out, data);
  append_literal(out, "}}");
}

}  // namespace herald::protocol::json
