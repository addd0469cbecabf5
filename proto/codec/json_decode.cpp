// JSON commands: one object per line, keys as in proto/client.proto. Like Go's decoder:
// unknown keys ignored, `null` leaves a field untouched (a null request is absent), a
// repeated key overwrites. Bytes fields keep the exact raw text of their JSON value.
#include <limits>
#include <string>

#include "proto/codec/command_fields.hpp"
#include "proto/codec/json_codec.hpp"
#include "proto/codec/json_reader.hpp"

namespace herald::protocol::json {

namespace {

constexpr uint64_t kU32Max = std::numeric_limits<uint32_t>::max();

bool str_field(Reader& r, std::string& out) { return r.take_null() || r.read_string(out); }

bool raw_field(Reader& r, std::string& out) {
  if (r.take_null()) return true;
  std::string_view raw;
  if (!r.skip_value(&raw)) return false;
  out.assign(raw);
  return true;
}

bool bool_field(Reader& r, bool& out) { return r.take_null() || r.read_bool(out); }

bool u64_field(Reader& r, uint64_t& out) {
  return r.take_null() || r.read_uint(std::numeric_limits<uint64_t>::max(), out);
}

bool u32_field(Reader& r, uint32_t& out) {
  if (r.take_null()) return true;
  uint64_t v = 0;
  if (!r.read_uint(kU32Max, v)) return false;
  out = static_cast<uint32_t>(v);
  return true;
}

bool i32_field(Reader& r, int32_t& out) {
  if (r.take_null()) return true;
  int64_t v = 0;
  if (!r.read_int(std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max(), v)) {
    return false;
  }
  out = static_cast<int32_t>(v);
  return true;
}

// Calls on_key(key) for each member; on_key consumes the value and returns false on error.
template <class OnKey>
bool parse_object(Reader& r, OnKey&& on_key) {
  if (!r.begin_object()) return false;
  std::string_view key;
  std::string scratch;  // per nesting level: keys may point into it
  while (r.next_key(key, scratch)) {
    if (!on_key(key)) return false;
  }
  return !r.failed();
}

// Requests with only a `channel` field.
template <class T>
bool parse_channel_only(Reader& r, T& out) {
  return parse_object(r, [&](std::string_view k) {
    return k == "channel" ? str_field(r, out.channel) : r.skip_value();
  });
}

bool parse_subscribe(Reader& r, SubscribeRequest& out) {
  return parse_object(r, [&](std::string_view k) {
    if (k == "channel") return str_field(r, out.channel);
    if (k == "token") return str_field(r, out.token);
    if (k == "recover") return bool_field(r, out.recover);
    if (k == "epoch") return str_field(r, out.epoch);
    if (k == "offset") return u64_field(r, out.offset);
    if (k == "data") return raw_field(r, out.data);
    if (k == "positioned") return bool_field(r, out.positioned);
    if (k == "recoverable") return bool_field(r, out.recoverable);
    if (k == "join_leave") return bool_field(r, out.join_leave);
    if (k == "delta") return str_field(r, out.delta);
    return r.skip_value();
  });
}

bool parse_subs(Reader& r, std::map<std::string, SubscribeRequest>& out) {
  if (r.take_null()) return true;
  return parse_object(r, [&](std::string_view k) {
    SubscribeRequest& sub = out[std::string(k)];
    sub = SubscribeRequest{};
    return r.take_null() || parse_subscribe(r, sub);
  });
}

bool parse_headers(Reader& r, std::map<std::string, std::string>& out) {
  if (r.take_null()) return true;
  return parse_object(r, [&](std::string_view k) {
    std::string& value = out[std::string(k)];
    value.clear();
    return str_field(r, value);
  });
}

bool parse_connect(Reader& r, ConnectRequest& out) {
  return parse_object(r, [&](std::string_view k) {
    if (k == "token") return str_field(r, out.token);
    if (k == "data") return raw_field(r, out.data);
    if (k == "subs") return parse_subs(r, out.subs);
    if (k == "name") return str_field(r, out.name);
    if (k == "version") return str_field(r, out.version);
    if (k == "headers") return parse_headers(r, out.headers);
    return r.skip_value();
  });
}

bool parse_since(Reader& r, std::optional<StreamPosition>& out) {
  if (r.take_null()) return true;
  StreamPosition& pos = out.emplace();
  return parse_object(r, [&](std::string_view k) {
    if (k == "offset") return u64_field(r, pos.offset);
    if (k == "epoch") return str_field(r, pos.epoch);
    return r.skip_value();
  });
}

bool parse_history(Reader& r, HistoryRequest& out) {
  return parse_object(r, [&](std::string_view k) {
    if (k == "channel") return str_field(r, out.channel);
    if (k == "limit") return i32_field(r, out.limit);
    if (k == "since") return parse_since(r, out.since);
    if (k == "reverse") return bool_field(r, out.reverse);
    return r.skip_value();
  });
}

bool parse_publish(Reader& r, PublishRequest& out) {
  return parse_object(r, [&](std::string_view k) {
    if (k == "channel") return str_field(r, out.channel);
    if (k == "data") return raw_field(r, out.data);
    return r.skip_value();
  });
}

bool parse_send(Reader& r, SendRequest& out) {
  return parse_object(r, [&](std::string_view k) {
    return k == "data" ? raw_field(r, out.data) : r.skip_value();
  });
}

bool parse_rpc(Reader& r, RpcRequest& out) {
  return parse_object(r, [&](std::string_view k) {
    if (k == "data") return raw_field(r, out.data);
    if (k == "method") return str_field(r, out.method);
    return r.skip_value();
  });
}

bool parse_refresh(Reader& r, RefreshRequest& out) {
  return parse_object(r, [&](std::string_view k) {
    return k == "token" ? str_field(r, out.token) : r.skip_value();
  });
}

bool parse_sub_refresh(Reader& r, SubRefreshRequest& out) {
  return parse_object(r, [&](std::string_view k) {
    if (k == "channel") return str_field(r, out.channel);
    if (k == "token") return str_field(r, out.token);
    return r.skip_value();
  });
}

bool parse_ping(Reader& r, PingRequest&) {
  return parse_object(r, [&](std::string_view) { return r.skip_value(); });
}

template <class T, class Parse>
DecodeStatus parse_into(std::string_view raw, Command& cmd, Parse parse) {
  Reader r(raw);
  if (parse(r, cmd.request.emplace<T>())) return DecodeStatus::ok;
  return r.failed() ? r.status() : DecodeStatus::syntax_error;
}

DecodeStatus parse_request(uint32_t field, std::string_view raw, Command& cmd) {
  switch (field) {
    case detail::kConnect: return parse_into<ConnectRequest>(raw, cmd, parse_connect);
    case detail::kSubscribe: return parse_into<SubscribeRequest>(raw, cmd, parse_subscribe);
    case detail::kUnsubscribe:
      return parse_into<UnsubscribeRequest>(raw, cmd, parse_channel_only<UnsubscribeRequest>);
    case detail::kPublish: return parse_into<PublishRequest>(raw, cmd, parse_publish);
    case detail::kPresence:
      return parse_into<PresenceRequest>(raw, cmd, parse_channel_only<PresenceRequest>);
    case detail::kPresenceStats:
      return parse_into<PresenceStatsRequest>(raw, cmd,
                                              parse_channel_only<PresenceStatsRequest>);
    case detail::kHistory: return parse_into<HistoryRequest>(raw, cmd, parse_history);
    case detail::kPing: return parse_into<PingRequest>(raw, cmd, parse_ping);
    case detail::kSend: return parse_into<SendRequest>(raw, cmd, parse_send);
    case detail::kRpc: return parse_into<RpcRequest>(raw, cmd, parse_rpc);
    case detail::kRefresh: return parse_into<RefreshRequest>(raw, cmd, parse_refresh);
    case detail::kSubRefresh: return parse_into<SubRefreshRequest>(raw, cmd, parse_sub_refresh);
    default: return DecodeStatus::ok;
  }
}

DecodeStatus decode_line(std::string_view line, Command& cmd) {
  Reader r(line);
  if (!r.begin_object()) return r.status();
  std::string_view requests[detail::kSubRefresh + 1];
  detail::PresentMask present = 0;
  std::string_view key;
  std::string scratch;
  while (r.next_key(key, scratch)) {
    const uint32_t field = detail::command_field(key);
    if (field == detail::kId) {
      if (!u32_field(r, cmd.id)) return r.status();
    } else if (field != 0) {
      if (r.take_null()) {
        present &= ~detail::bit(field);
        continue;
      }
      std::string_view raw;
      if (!r.skip_value(&raw)) return r.status();
      if (raw.front() != '{') return DecodeStatus::type_mismatch;
      requests[field] = raw;
      present |= detail::bit(field);
    } else if (!r.skip_value()) {
      return r.status();
    }
  }
  if (r.failed()) return r.status();
  if (!r.at_end()) return DecodeStatus::syntax_error;
  const uint32_t field = detail::pick_request(cmd.id, present);
  cmd.kind = detail::kind_of(field, cmd.id);
  return parse_request(field, requests[field], cmd);
}

}  // namespace

DecodeStatus decode_commands(std::string_view frame, std::vector<Command>& out) {
  if (frame.empty()) return DecodeStatus::empty_frame;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t nl = frame.find('\n', pos);
    const std::string_view line =
        frame.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (line.empty()) return DecodeStatus::syntax_error;  // an empty line between commands
    Command cmd;
    const DecodeStatus status = decode_line(line, cmd);
    if (status != DecodeStatus::ok) return status;
    out.push_back(std::move(cmd));
    if (nl == std::string_view::npos || nl + 1 == frame.size()) return DecodeStatus::ok;
    pos = nl + 1;
  }
}

}  // namespace herald::protocol::json
