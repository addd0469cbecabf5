// Protobuf replies and pushes, fields in field-number order (as protobuf serializes them),
// zero values omitted, map entries always carrying key and value. Publication, join/leave
// and message pushes compute exact sizes up front so fan-out never moves payload bytes;
// other replies use begin_message()/end_message() placeholders.
#include <variant>

#include "proto/codec/pb_codec.hpp"
#include "proto/codec/pb_wire.hpp"

namespace herald::protocol::pb {

namespace {

// Reply field numbers (proto/client.proto).
enum ReplyField : uint32_t {
  kReplyId = 1,
  kReplyError = 2,
  kReplyPush = 4,
  kReplyConnect = 5,
  kReplySubscribe = 6,
  kReplyUnsubscribe = 7,
  kReplyPublish = 8,
  kReplyPresence = 9,
  kReplyPresenceStats = 10,
  kReplyHistory = 11,
  kReplyPing = 12,
  kReplyRpc = 13,
  kReplyRefresh = 14,
  kReplySubRefresh = 15,
};

// Push field numbers.
enum PushField : uint32_t {
  kPushChannel = 2,
  kPushPub = 4,
  kPushJoin = 5,
  kPushLeave = 6,
  kPushUnsubscribe = 7,
  kPushMessage = 8,
  kPushSubscribe = 9,
  kPushConnect = 10,
  kPushDisconnect = 11,
  kPushRefresh = 12,
};

void put_string_always(std::string& out, uint32_t field, std::string_view v) {
  put_tag(out, field, kLen);
  put_varint(out, v.size());
  out.append(v);
}

// -- exact-size messages ---------------------------------------------------------------------

std::size_t client_info_size(const ClientInfo& i) {
  return bytes_field_size(1, i.user.size()) + bytes_field_size(2, i.client.size()) +
         bytes_field_size(3, i.conn_info.size()) + bytes_field_size(4, i.chan_info.size());
}

void write_client_info(std::string& out, const ClientInfo& i) {
  put_bytes(out, 1, i.user);
  put_bytes(out, 2, i.client);
  put_bytes(out, 3, i.conn_info);
  put_bytes(out, 4, i.chan_info);
}

void put_client_info_field(std::string& out, uint32_t field, const ClientInfo& i) {
  put_tag(out, field, kLen);
  put_varint(out, client_info_size(i));
  write_client_info(out, i);
}

std::size_t tag_entry_size(const std::string& k, const std::string& v) {
  return message_field_size(1, k.size()) + message_field_size(2, v.size());
}

// Centrifugo sends data, info, offset, tags and (at offset 1) epoch; `time_ms` stays
// server-side.
std::size_t publication_size(const Publication& p) {
  std::size_t n = bytes_field_size(4, p.data.size());
  if (p.info) n += message_field_size(5, client_info_size(*p.info));
  n += uint_field_size(6, p.offset);
  for (const auto& [k, v] : p.tags) n += message_field_size(7, tag_entry_size(k, v));
  if (!p.epoch.empty()) n += bytes_field_size(14, p.epoch.size());
  return n;
}

void write_publication(std::string& out, const Publication& p) {
  put_bytes(out, 4, p.data);
  if (p.info) put_client_info_field(out, 5, *p.info);
  put_uint(out, 6, p.offset);
  for (const auto& [k, v] : p.tags) {
    put_tag(out, 7, kLen);
    put_varint(out, tag_entry_size(k, v));
    put_string_always(out, 1, k);
    put_string_always(out, 2, v);
  }
  if (!p.epoch.empty()) put_bytes(out, 14, p.epoch);
}

void put_publication_field(std::string& out, uint32_t field, const Publication& p) {
  put_tag(out, field, kLen);
  put_varint(out, publication_size(p));
  write_publication(out, p);
}

// Reply{push: Push{channel, <field>: body}} around a body of `body_size` bytes written by
// write_body(); everything is sized first, so nothing moves.
template <class WriteBody>
void put_push_frame(std::string& out, std::string_view channel, uint32_t field,
                    std::size_t body_size, WriteBody&& write_body) {
  const std::size_t push_size =
      bytes_field_size(kPushChannel, channel.size()) + message_field_size(field, body_size);
  const std::size_t reply_size = message_field_size(kReplyPush, push_size);
  out.reserve(out.size() + varint_size(reply_size) + reply_size);
  put_varint(out, reply_size);
  put_tag(out, kReplyPush, kLen);
  put_varint(out, push_size);
  put_bytes(out, kPushChannel, channel);
  put_tag(out, field, kLen);
  put_varint(out, body_size);
  write_body();
}

// -- placeholder-sized messages --------------------------------------------------------------

void write_subscribe_result(std::string& out, const SubscribeResult& r) {
  put_bool(out, 1, r.expires);
  put_uint(out, 2, r.ttl);
  put_bool(out, 3, r.recoverable);
  put_bytes(out, 6, r.epoch);
  for (const Publication& p : r.publications) put_publication_field(out, 7, p);
  put_bool(out, 8, r.recovered);
  put_uint(out, 9, r.offset);
  put_bool(out, 10, r.positioned);
  put_bytes(out, 11, r.data);
  put_bool(out, 12, r.was_recovering);
  put_bool(out, 13, r.delta);
}

void put_subs(std::string& out, uint32_t field,
              const std::map<std::string, SubscribeResult>& subs) {
  for (const auto& [channel, sub] : subs) {
    const std::size_t entry = begin_message(out, field);
    put_string_always(out, 1, channel);
    const std::size_t value = begin_message(out, 2);
    write_subscribe_result(out, sub);
    end_message(out, value);
    end_message(out, entry);
  }
}

// ConnectResult and the Connect push carry the same content under different numbers.
void write_connect(std::string& out, const ConnectResult& r, bool as_push) {
  put_bytes(out, 1, r.client);
  put_bytes(out, 2, r.version);
  if (as_push) {
    put_bytes(out, 3, r.data);
    put_subs(out, 4, r.subs);
    put_bool(out, 5, r.expires);
    put_uint(out, 6, r.ttl);
  } else {
    put_bool(out, 3, r.expires);
    put_uint(out, 4, r.ttl);
    put_bytes(out, 5, r.data);
    put_subs(out, 6, r.subs);
  }
  put_uint(out, 7, r.ping);
  put_bool(out, 8, r.pong);
  put_bytes(out, 9, r.session);
  put_bytes(out, 10, r.node);
  put_int(out, 11, r.time);
}

// Writes one message field with a placeholder length around write_body().
template <class WriteBody>
void put_message(std::string& out, uint32_t field, WriteBody&& write_body) {
  const std::size_t body = begin_message(out, field);
  write_body();
  end_message(out, body);
}

struct PushBodyWriter {
  std::string& out;

  void operator()(const Publication& p) { put_publication_field(out, kPushPub, p); }
  void operator()(const JoinPush& j) {
    put_message(out, kPushJoin, [&] { put_client_info_field(out, 1, j.info); });
  }
  void operator()(const LeavePush& l) {
    put_message(out, kPushLeave, [&] { put_client_info_field(out, 1, l.info); });
  }
  void operator()(const UnsubscribePush& u) {
    put_message(out, kPushUnsubscribe, [&] {
      put_uint(out, 2, u.code);
      put_bytes(out, 3, u.reason);
    });
  }
  void operator()(const MessagePush& m) {
    put_message(out, kPushMessage, [&] { put_bytes(out, 1, m.data); });
  }
  void operator()(const SubscribePush& s) {
    put_message(out, kPushSubscribe, [&] {
      put_bool(out, 1, s.recoverable);
      put_bytes(out, 4, s.epoch);
      put_uint(out, 5, s.offset);
      put_bool(out, 6, s.positioned);
      put_bytes(out, 7, s.data);
    });
  }
  void operator()(const ConnectResult& c) {
    put_message(out, kPushConnect, [&] { write_connect(out, c, true); });
  }
  void operator()(const DisconnectPush& d) {
    put_message(out, kPushDisconnect, [&] {
      put_uint(out, 1, d.code);
      put_bytes(out, 2, d.reason);
      put_bool(out, 3, d.reconnect);
    });
  }
  void operator()(const RefreshPush& r) {
    put_message(out, kPushRefresh, [&] {
      put_bool(out, 1, r.expires);
      put_uint(out, 2, r.ttl);
    });
  }
};

struct ResultWriter {
  std::string& out;

  void operator()(const std::monostate&) {}
  void operator()(const Push& p) {
    put_message(out, kReplyPush, [&] {
      put_bytes(out, kPushChannel, p.channel);
      std::visit(PushBodyWriter{out}, p.body);
    });
  }
  void operator()(const ConnectResult& r) {
    put_message(out, kReplyConnect, [&] { write_connect(out, r, false); });
  }
  void operator()(const SubscribeResult& r) {
    put_message(out, kReplySubscribe, [&] { write_subscribe_result(out, r); });
  }
  void operator()(const UnsubscribeResult&) { empty(kReplyUnsubscribe); }
  void operator()(const PublishResult&) { empty(kReplyPublish); }
  void operator()(const PingResult&) { empty(kReplyPing); }
  void operator()(const PresenceResult& r) {
    put_message(out, kReplyPresence, [&] {
      for (const auto& [client, info] : r.presence) {
        put_message(out, 1, [&] {
          put_string_always(out, 1, client);
          put_client_info_field(out, 2, info);
        });
      }
    });
  }
  void operator()(const PresenceStats& r) {
    put_message(out, kReplyPresenceStats, [&] {
      put_uint(out, 1, r.num_clients);
      put_uint(out, 2, r.num_users);
    });
  }
  void operator()(const HistoryResult& r) {
    put_message(out, kReplyHistory, [&] {
      for (const Publication& p : r.publications) put_publication_field(out, 1, p);
      put_bytes(out, 2, r.position.epoch);
      put_uint(out, 3, r.position.offset);
    });
  }
  void operator()(const RpcResult& r) {
    put_message(out, kReplyRpc, [&] { put_bytes(out, 1, r.data); });
  }
  void operator()(const RefreshResult& r) {
    put_message(out, kReplyRefresh, [&] {
      put_bytes(out, 1, r.client);
      put_bytes(out, 2, r.version);
      put_bool(out, 3, r.expires);
      put_uint(out, 4, r.ttl);
    });
  }
  void operator()(const SubRefreshResult& r) {
    put_message(out, kReplySubRefresh, [&] {
      put_bool(out, 1, r.expires);
      put_uint(out, 2, r.ttl);
    });
  }

  void empty(uint32_t field) {
    put_tag(out, field, kLen);
    out.push_back(0);
  }
};

}  // namespace

void append_reply(const Reply& reply, std::string& out) {
  const std::size_t body = begin_length_prefixed(out);
  put_uint(out, kReplyId, reply.id);
  if (reply.error.code != 0) {
    put_message(out, kReplyError, [&] {
      put_uint(out, 1, reply.error.code);
      put_bytes(out, 2, reply.error.message);
      put_bool(out, 3, reply.error.temporary);
    });
  } else {
    std::visit(ResultWriter{out}, reply.result);
  }
  end_message(out, body);
}

void append_ping(std::string& out) { out.push_back(0); }

void append_publication_push(std::string_view channel, const Publication& pub,
                             std::string& out) {
  put_push_frame(out, channel, kPushPub, publication_size(pub),
                 [&] { write_publication(out, pub); });
}

void append_join_push(std::string_view channel, const ClientInfo& info, std::string& out) {
  const std::size_t join_size = message_field_size(1, client_info_size(info));
  put_push_frame(out, channel, kPushJoin, join_size,
                 [&] { put_client_info_field(out, 1, info); });
}

void append_leave_push(std::string_view channel, const ClientInfo& info, std::string& out) {
  const std::size_t leave_size = message_field_size(1, client_info_size(info));
  put_push_frame(out, channel, kPushLeave, leave_size,
                 [&] { put_client_info_field(out, 1, info); });
}

void append_unsubscribe_push(std::string_view channel, uint32_t code, std::string_view reason,
                             std::string& out) {
  const std::size_t size = uint_field_size(2, code) + bytes_field_size(3, reason.size());
  put_push_frame(out, channel, kPushUnsubscribe, size, [&] {
    put_uint(out, 2, code);
    put_bytes(out, 3, reason);
  });
}

void append_subscribe_push(std::string_view channel, const SubscribePush& sub,
                           std::string& out) {
  const std::size_t size = (sub.recoverable ? 2 : 0) + bytes_field_size(4, sub.epoch.size()) +
                           uint_field_size(5, sub.offset) + (sub.positioned ? 2 : 0) +
                           bytes_field_size(7, sub.data.size());
  put_push_frame(out, channel, kPushSubscribe, size, [&] {
    put_bool(out, 1, sub.recoverable);
    put_bytes(out, 4, sub.epoch);
    put_uint(out, 5, sub.offset);
    put_bool(out, 6, sub.positioned);
    put_bytes(out, 7, sub.data);
  });
}

void append_message_push(std::string_view data, std::string& out) {
  put_push_frame(out, {}, kPushMessage, bytes_field_size(1, data.size()),
                 [&] { put_bytes(out, 1, data); });
}

}  // namespace herald::protocol::pb
