#include "proto/codec/codec.hpp"

#include "proto/codec/json_codec.hpp"
#include "proto/codec/pb_codec.hpp"

namespace herald::protocol {

std::string_view to_string(CommandKind kind) {
  switch (kind) {
    case CommandKind::connect: return "connect";
    case CommandKind::subscribe: return "subscribe";
    case CommandKind::unsubscribe: return "unsubscribe";
    case CommandKind::publish: return "publish";
    case CommandKind::presence: return "presence";
    case CommandKind::presence_stats: return "presence_stats";
    case CommandKind::history: return "history";
    case CommandKind::ping: return "ping";
    case CommandKind::send: return "send";
    case CommandKind::rpc: return "rpc";
    case CommandKind::refresh: return "refresh";
    case CommandKind::sub_refresh: return "sub_refresh";
    case CommandKind::pong: return "pong";
    case CommandKind::unknown: return "unknown";
  }
  return "unknown";
}

std::string_view to_string(DecodeStatus status) {
  switch (status) {
    case DecodeStatus::ok: return "ok";
    case DecodeStatus::empty_frame: return "empty frame";
    case DecodeStatus::syntax_error: return "syntax error";
    case DecodeStatus::truncated: return "truncated";
    case DecodeStatus::type_mismatch: return "type mismatch";
    case DecodeStatus::too_deep: return "nesting too deep";
  }
  return "unknown";
}

DecodeStatus decode_commands(Protocol protocol, std::string_view frame,
                             std::vector<Command>& out) {
  return protocol == Protocol::json ? json::decode_commands(frame, out)
                                    : pb::decode_commands(frame, out);
}

void append_reply(Protocol protocol, const Reply& reply, std::string& out) {
  if (protocol == Protocol::json) {
    json::append_reply(reply, out);
  } else {
    pb::append_reply(reply, out);
  }
}

void append_ping(Protocol protocol, std::string& out) {
  if (protocol == Protocol::json) {
    json::append_ping(out);
  } else {
    pb::append_ping(out);
  }
}

void append_publication_push(Protocol protocol, std::string_view channel,
                             const Publication& pub, std::string& out) {
  if (protocol == Protocol::json) {
    json::append_publication_push(channel, pub, out);
  } else {
    pb::append_publication_push(channel, pub, out);
  }
}

void append_join_push(Protocol protocol, std::string_view channel, const ClientInfo& info,
                      std::string& out) {
  if (protocol == Protocol::json) {
    json::append_join_push(channel, info, out);
  } else {
    pb::append_join_push(channel, info, out);
  }
}

void append_leave_push(Protocol protocol, std::string_view channel, const ClientInfo& info,
                       std::string& out) {
  if (protocol == Protocol::json) {
    json::append_leave_push(channel, info, out);
  } else {
    pb::append_leave_push(channel, info, out);
  }
}

void append_unsubscribe_push(Protocol protocol, std::string_view channel, uint32_t code,
                             std::string_view reason, std::string& out) {
  if (protocol == Protocol::json) {
    json::append_unsubscribe_push(channel, code, reason, out);
  } else {
    pb::append_unsubscribe_push(channel, code, reason, out);
  }
}

void append_subscribe_push(Protocol protocol, std::string_view channel,
                           const SubscribePush& sub, std::string& out) {
  if (protocol == Protocol::json) {
    json::append_subscribe_push(channel, sub, out);
  } else {
    pb::append_subscribe_push(channel, sub, out);
  }
}

void append_message_push(Protocol protocol, std::string_view data, std::string& out) {
  if (protocol == Protocol::json) {
    json::append_message_push(data, out);
  } else {
    pb::append_message_push(data, out);
  }
}

}  // namespace herald::protocol
