#include "proto/codec/fuzz_entry.hpp"

#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "proto/codec/codec.hpp"
#include "proto/codec/pb_wire.hpp"

namespace herald::protocol {

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// The bytes of a decoded command worth echoing back: a channel-ish string and a payload.
std::pair<std::string_view, std::string_view> sample(const Command& cmd) {
  if (const auto* p = std::get_if<PublishRequest>(&cmd.request)) return {p->channel, p->data};
  if (const auto* s = std::get_if<SubscribeRequest>(&cmd.request)) return {s->channel, s->data};
  if (const auto* c = std::get_if<ConnectRequest>(&cmd.request)) return {c->name, c->data};
  if (const auto* r = std::get_if<RpcRequest>(&cmd.request)) return {r->method, r->data};
  if (const auto* s = std::get_if<SendRequest>(&cmd.request)) return {{}, s->data};
  if (const auto* h = std::get_if<HistoryRequest>(&cmd.request)) return {h->channel, {}};
  return {};
}

// Whatever strings we got, a JSON push built from them is valid JSON once its payload is.
void check_json_push(std::string_view channel, std::string_view data) {
  Publication pub;
  pub.data = is_valid_json(data) ? std::string(data) : std::string("null");
  pub.info = ClientInfo{std::string(channel), std::string(channel), {}, {}};
  pub.tags.emplace(std::string(channel), std::string(channel));
  std::string out;
  append_publication_push(Protocol::json, channel, pub, out);
  check(is_valid_json(out));
}

// A protobuf push's length prefix covers exactly the rest of the message.
void check_protobuf_push(std::string_view channel, std::string_view data) {
  Publication pub;
  pub.data = std::string(data);
  pub.offset = data.size();
  std::string out;
  append_publication_push(Protocol::protobuf, channel, pub, out);
  pb::Reader r(out);
  std::string_view body;
  check(r.read_len(body) && r.done());
}

void check_kind_matches(const Command& cmd) {
  const bool empty = std::holds_alternative<std::monostate>(cmd.request);
  const bool no_request = cmd.kind == CommandKind::pong || cmd.kind == CommandKind::unknown;
  check(empty == no_request);
  check(cmd.kind != CommandKind::pong || cmd.id == 0);
}

}  // namespace

int fuzz_decode_json(const uint8_t* data, size_t size) {
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  std::vector<Command> cmds;
  const DecodeStatus status = decode_commands(Protocol::json, frame, cmds);
  if (status == DecodeStatus::ok) {
    check(!cmds.empty());
    if (frame.find('\n') == std::string_view::npos) check(is_valid_json(frame));
  }
  for (const Command& cmd : cmds) {
    check_kind_matches(cmd);
    const auto [channel, payload] = sample(cmd);
    // Raw bytes fields keep the exact text of a JSON value.
    check(payload.empty() || is_valid_json(payload));
    check_json_push(channel, payload);
  }
  return 0;
}

int fuzz_decode_protobuf(const uint8_t* data, size_t size) {
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  std::vector<Command> cmds;
  const DecodeStatus status = decode_commands(Protocol::protobuf, frame, cmds);
  check(status != DecodeStatus::ok || !cmds.empty());
  for (const Command& cmd : cmds) {
    check_kind_matches(cmd);
    const auto [channel, payload] = sample(cmd);
    check_protobuf_push(channel, payload);
    check_json_push(channel, payload);  // arbitrary bytes must still escape to valid JSON
  }
  // The raw frame as a string field: escaping never produces invalid JSON.
  std::string escaped;
  append_message_push(Protocol::json, "{}", escaped);
  Publication pub;
  pub.info = ClientInfo{std::string(frame), {}, {}, {}};
  append_json_separator_if_needed(Protocol::json, escaped);
  const std::size_t second = escaped.size();
  append_publication_push(Protocol::json, frame, pub, escaped);
  check(is_valid_json(std::string_view(escaped).substr(second)));
  return 0;
}

}  // namespace herald::protocol
