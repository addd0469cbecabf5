// Protobuf commands: varint-length-prefixed Command messages. Proto3 semantics: unknown
// fields skipped, a repeated scalar overwrites, a repeated message field merges.
// Differences from Go's decoder, on purpose: a truncated length prefix is an error (Go
// silently ends the frame), and groups (wire types 3/4) are rejected.
#include <string>

#include "proto/codec/command_fields.hpp"
#include "proto/codec/pb_codec.hpp"
#include "proto/codec/pb_wire.hpp"

namespace herald::protocol::pb {

namespace {

// Calls on_field(reader, field, wire_type) for each field of `body`; on_field consumes the
// value. A nested failure reports through `status`.
template <class OnField>
bool decode_fields(std::string_view body, DecodeStatus& status, OnField&& on_field) {
  Reader r(body);
  while (!r.done()) {
    uint32_t field = 0;
    uint32_t type = 0;
    if (!r.read_tag(field, type) || !on_field(r, field, type)) {
      if (r.status() != DecodeStatus::ok) status = r.status();
      if (status == DecodeStatus::ok) status = DecodeStatus::syntax_error;
      return false;
    }
  }
  return true;
}

bool decode_subscribe(std::string_view body, SubscribeRequest& out, DecodeStatus& st) {
  return decode_fields(body, st, [&](Reader& r, uint32_t f, uint32_t t) {
    switch (f) {
      case 1: return r.bytes(t, out.channel);
      case 2: return r.bytes(t, out.token);
      case 3: return r.boolean(t, out.recover);
      case 6: return r.bytes(t, out.epoch);
      case 7: return r.u64(t, out.offset);
      case 8: return r.bytes(t, out.data);
      case 9: return r.boolean(t, out.positioned);
      case 10: return r.boolean(t, out.recoverable);
      case 11: return r.boolean(t, out.join_leave);
      case 12: return r.bytes(t, out.delta);
      default: return r.skip(t);
    }
  });
}

// A map entry {1: key, 2: value}; decode_value(body, value, status) merges into value.
template <class Map, class DecodeValue>
bool decode_map_entry(Reader& r, uint32_t type, Map& map, DecodeStatus& st,
                      DecodeValue&& decode_value) {
  std::string_view entry;
  if (!r.message(type, entry)) return false;
  std::string key;
  typename Map::mapped_type value{};
  const bool ok = decode_fields(entry, st, [&](Reader& e, uint32_t f, uint32_t t) {
    if (f == 1) return e.bytes(t, key);
    if (f == 2) return decode_value(e, t, value);
    return e.skip(t);
  });
  if (!ok) return false;
  map.insert_or_assign(std::move(key), std::move(value));
  return true;
}

bool decode_connect(std::string_view body, ConnectRequest& out, DecodeStatus& st) {
  return decode_fields(body, st, [&](Reader& r, uint32_t f, uint32_t t) {
    switch (f) {
      case 1: return r.bytes(t, out.token);
      case 2: return r.bytes(t, out.data);
      case 3:
        return decode_map_entry(r, t, out.subs, st,
                                [&](Reader& e, uint32_t vt, SubscribeRequest& v) {
                                  std::string_view sub;
                                  return e.message(vt, sub) && decode_subscribe(sub, v, st);
                                });
      case 4: return r.bytes(t, out.name);
      case 5: return r.bytes(t, out.version);
      case 6:
        return decode_map_entry(r, t, out.headers, st,
                                [](Reader& e, uint32_t vt, std::string& v) {
                                  return e.bytes(vt, v);
                                });
      default: return r.skip(t);
    }
  });
}

template <class T>
bool decode_channel_only(std::string_view body, T& out, DecodeStatus& st) {
  return decode_fields(body, st, [&](Reader& r, uint32_t f, uint32_t t) {
    return f == 1 ? r.bytes(t, out.channel) : r.skip(t);
  });
}

bool decode_history(std::string_view body, HistoryRequest& out, DecodeStatus& st) {
  return decode_fields(body, st, [&](Reader& r, uint32_t f, uint32_t t) {
    switch (f) {
      case 1: return r.bytes(t, out.channel);
      case 7: return r.i32(t, out.limit);
      case 8: {
        std::string_view since;
        if (!r.message(t, since)) return false;
        StreamPosition& pos = out.since ? *out.since : out.since.emplace();
        return decode_fields(since, st, [&](Reader& s, uint32_t sf, uint32_t stype) {
          if (sf == 1) return s.u64(stype, pos.offset);
          if (sf == 2) return s.bytes(stype, pos.epoch);
          return s.skip(stype);
        });
      }
      case 9: return r.boolean(t, out.reverse);
      default: return r.skip(t);
    }
  });
}

bool decode_publish(std::string_view body, PublishRequest& out, DecodeStatus& st) {
  return decode_fields(body, st, [&](Reader& r, uint32_t f, uint32_t t) {
    if (f == 1) return r.bytes(t, out.channel);
    if (f == 2) return r.bytes(t, out.data);
    return r.skip(t);
  });
}

bool decode_send(std::string_view body, SendRequest& out, DecodeStatus& st) {
  return decode_fields(body, st, [&](Reader& r, uint32_t f, uint32_t t) {
    return f == 1 ? r.bytes(t, out.data) : r.skip(t);
  });
}

bool decode_rpc(std::string_view body, RpcRequest& out, DecodeStatus& st) {
  return decode_fields(body, st, [&](Reader& r, uint32_t f, uint32_t t) {
    if (f == 1) return r.bytes(t, out.data);
    if (f == 2) return r.bytes(t, out.method);
    return r.skip(t);
  });
}

bool decode_refresh(std::string_view body, RefreshRequest& out, DecodeStatus& st) {
  return decode_fields(body, st, [&](Reader& r, uint32_t f, uint32_t t) {
    return f == 1 ? r.bytes(t, out.token) : r.skip(t);
  });
}

bool decode_sub_refresh(std::string_view body, SubRefreshRequest& out, DecodeStatus& st) {
  return decode_fields(body, st, [&](Reader& r, uint32_t f, uint32_t t) {
    if (f == 1) return r.bytes(t, out.channel);
    if (f == 2) return r.bytes(t, out.token);
    return r.skip(t);
  });
}

bool decode_ping(std::string_view body, PingRequest&, DecodeStatus& st) {
  return decode_fields(body, st, [](Reader& r, uint32_t, uint32_t t) { return r.skip(t); });
}

// Decodes every occurrence of request field `field` of `msg` into one T (proto merge).
template <class T, class Decode>
DecodeStatus decode_request(std::string_view msg, uint32_t field, Command& cmd, Decode decode) {
  T& req = cmd.request.emplace<T>();
  DecodeStatus st = DecodeStatus::ok;
  decode_fields(msg, st, [&](Reader& r, uint32_t f, uint32_t t) {
    if (f != field) return r.skip(t);
    std::string_view body;
    return r.message(t, body) && decode(body, req, st);
  });
  return st;
}

DecodeStatus decode_chosen(std::string_view msg, uint32_t field, Command& cmd) {
  using namespace detail;
  switch (field) {
    case kConnect: return decode_request<ConnectRequest>(msg, field, cmd, decode_connect);
    case kSubscribe: return decode_request<SubscribeRequest>(msg, field, cmd, decode_subscribe);
    case kUnsubscribe:
      return decode_request<UnsubscribeRequest>(msg, field, cmd,
                                                decode_channel_only<UnsubscribeRequest>);
    case kPublish: return decode_request<PublishRequest>(msg, field, cmd, decode_publish);
    case kPresence:
      return decode_request<PresenceRequest>(msg, field, cmd,
                                             decode_channel_only<PresenceRequest>);
    case kPresenceStats:
      return decode_request<PresenceStatsRequest>(msg, field, cmd,
                                                  decode_channel_only<PresenceStatsRequest>);
    case kHistory: return decode_request<HistoryRequest>(msg, field, cmd, decode_history);
    case kPing: return decode_request<PingRequest>(msg, field, cmd, decode_ping);
    case kSend: return decode_request<SendRequest>(msg, field, cmd, decode_send);
    case kRpc: return decode_request<RpcRequest>(msg, field, cmd, decode_rpc);
    case kRefresh: return decode_request<RefreshRequest>(msg, field, cmd, decode_refresh);
    case kSubRefresh:
      return decode_request<SubRefreshRequest>(msg, field, cmd, decode_sub_refresh);
    default: return DecodeStatus::ok;
  }
}

// Pass 1 finds the id and which requests are present (they may come in any order);
// pass 2 decodes only the dispatched one.
DecodeStatus decode_command(std::string_view msg, Command& cmd) {
  detail::PresentMask present = 0;
  DecodeStatus st = DecodeStatus::ok;
  const bool ok = decode_fields(msg, st, [&](Reader& r, uint32_t f, uint32_t t) {
    if (f == detail::kId) return r.u32(t, cmd.id);
    if (f >= detail::kConnect && f <= detail::kSubRefresh) {
      std::string_view body;
      if (!r.message(t, body)) return false;
      present |= detail::bit(f);
      return true;
    }
    return r.skip(t);
  });
  if (!ok) return st;
  const uint32_t field = detail::pick_request(cmd.id, present);
  cmd.kind = detail::kind_of(field, cmd.id);
  return decode_chosen(msg, field, cmd);
}

}  // namespace

DecodeStatus decode_commands(std::string_view frame, std::vector<Command>& out) {
  if (frame.empty()) return DecodeStatus::empty_frame;
  Reader r(frame);
  while (!r.done()) {
    std::string_view msg;
    if (!r.read_len(msg)) return r.status();
    Command cmd;
    const DecodeStatus status = decode_command(msg, cmd);
    if (status != DecodeStatus::ok) return status;
    out.push_back(std::move(cmd));
  }
  return DecodeStatus::ok;
}

}  // namespace herald::protocol::pb
