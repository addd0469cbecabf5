#include "proto/state/state_json.hpp"

#include <cstdint>

#include "proto/codec/json_reader.hpp"
#include "proto/codec/json_writer.hpp"

namespace herald::state {

namespace json = protocol::json;

namespace {

/// encoding/json, which Centrifugo decodes answers with, matches keys without regard to case.
bool key_is(std::string_view key, std::string_view lower) {
  if (key.size() != lower.size()) return false;
  for (size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

ChannelStateSender::Result failure(std::string why) { return {false, std::move(why)}; }

std::string not_json(const json::Reader& r) {
  return "answer is not JSON: " + std::string(protocol::to_string(r.status()));
}

/// At an `error` member whose value is not null: a failure, with its code and message when
/// the value is a well-formed error object.
ChannelStateSender::Result judge_error(json::Reader& r) {
  json::Reader probe = r;
  std::string_view raw;
  if (!probe.skip_value(&raw)) return failure(not_json(probe));
  if (raw.front() != '{') {
    r = probe;
    return failure("malformed error in answer: " + std::string(raw.substr(0, 100)));
  }
  uint64_t code = 0;
  std::string message;
  std::string scratch;
  std::string_view key;
  r.begin_object();
  while (r.next_key(key, scratch)) {
    if (key_is(key, "code")) {
      if (!r.read_uint(UINT32_MAX, code)) break;
    } else if (key_is(key, "message")) {
      message.clear();
      if (!r.read_string(message)) break;
    } else if (!r.skip_value()) {
      break;
    }
  }
  if (r.failed()) return failure("malformed error in answer: " + std::string(raw.substr(0, 100)));
  if (message.size() > 200) message.resize(200);
  return failure("error " + std::to_string(code) + (message.empty() ? "" : ": " + message));
}

std::optional<ChannelStateEvent> decode_event(std::string_view text) {
  json::Reader r(text);
  ChannelStateEvent e;
  bool has_type = false;
  std::string scratch;
  std::string_view k;
  if (!r.begin_object()) return std::nullopt;
  while (r.next_key(k, scratch)) {
    std::string type;
    int64_t i64 = 0;
    uint64_t u64 = 0;
    bool ok = true;
    if (k == "channel") {
      ok = r.read_string(e.channel);
    } else if (k == "type") {
      ok = r.read_string(type);
      auto t = parse_type(type);
      if (!t) return std::nullopt;
      e.type = *t;
      has_type = true;
    } else if (k == "time_ms") {
      ok = r.read_int(INT64_MIN, INT64_MAX, i64);
      e.time_ms = i64;
    } else if (k == "gen") {
      ok = r.read_uint(UINT64_MAX, u64);
      e.gen = u64;
    } else if (k == "id") {
      ok = r.read_string(e.id);
    } else if (k == "reason") {
      ok = r.read_string(e.reason);
    } else {
      ok = r.skip_value();
    }
    if (!ok) return std::nullopt;
  }
  if (r.failed() || !r.at_end() || !has_type) return std::nullopt;
  return e;
}

}  // namespace

std::string_view type_name(ChannelStateEvent::Type type) {
  return type == ChannelStateEvent::Type::vacated ? "vacated" : "occupied";
}

std::optional<ChannelStateEvent::Type> parse_type(std::string_view name) {
  if (name == "occupied") return ChannelStateEvent::Type::occupied;
  if (name == "vacated") return ChannelStateEvent::Type::vacated;
  return std::nullopt;
}

void append_json(std::string& out, const ChannelStateBatch& batch) {
  out.reserve(out.size() + 16 + batch.size() * 96);
  json::append_literal(out, "{\"events\":[");
  bool first = true;
  for (const auto& e : batch) {
    if (!first) out.push_back(',');
    first = false;
    json::ObjectWriter o(out);
    o.str_always("channel", e.channel);
    o.str_always("type", type_name(e.type));
    o.number_always("time_ms", e.time_ms);
    o.number("gen", e.gen);
    o.str("id", e.id);
    if (e.type == ChannelStateEvent::Type::vacated) o.str("reason", e.reason);
    o.close();
  }
  json::append_literal(out, "]}");
}

std::string encode_json(const ChannelStateBatch& batch) {
  std::string out;
  append_json(out, batch);
  return out;
}

std::optional<ChannelStateBatch> decode_json(std::string_view body) {
  json::Reader r(body);
  ChannelStateBatch batch;
  std::string scratch;
  std::string_view key;
  if (!r.begin_object()) return std::nullopt;
  while (r.next_key(key, scratch)) {
    std::string_view raw;
    if (!r.skip_value(&raw)) return std::nullopt;
    if (key != "events" || raw == "null") continue;
    if (raw.front() != '[') return std::nullopt;
    // The reader has no array walk: take each element's text in turn, then parse it alone.
    std::string_view rest = raw.substr(1);
    auto skip_ws = [&rest] {
      while (!rest.empty() && json::Reader::is_ws(rest.front())) rest.remove_prefix(1);
    };
    skip_ws();
    if (rest.front() == ']') continue;
    while (true) {
      json::Reader walker(rest);
      std::string_view elem;
      if (!walker.skip_value(&elem)) return std::nullopt;
      rest.remove_prefix(static_cast<size_t>(elem.data() + elem.size() - rest.data()));
      auto e = decode_event(elem);
      if (!e) return std::nullopt;
      batch.push_back(std::move(*e));
      skip_ws();
      if (rest.front() == ']') break;
      rest.remove_prefix(1);  // ','
    }
  }
  if (r.failed() || !r.at_end()) return std::nullopt;
  return batch;
}

ChannelStateSender::Result judge_http_answer(int status, std::string_view body) {
  if (status != 200) return failure("HTTP status " + std::to_string(status));
  json::Reader r(body);
  if (r.take_null()) {
    if (!r.at_end()) return failure("answer is not JSON: trailing data");
    return {true, {}};
  }
  if (!r.begin_object()) return failure(r.failed() ? not_json(r) : "answer is not a JSON object");
  std::optional<ChannelStateSender::Result> verdict;
  std::string scratch;
  std::string_view key;
  while (r.next_key(key, scratch)) {
    if (key_is(key, "error")) {
      if (r.take_null()) {
        verdict.reset();  // a later `"error": null` clears an earlier one, as in Go
        continue;
      }
      verdict = judge_error(r);
      if (r.failed()) return *verdict;
    } else if (key_is(key, "result")) {
      if (r.take_null()) continue;
      std::string_view raw;
      if (!r.skip_value(&raw)) break;
      if (raw.front() != '{') return failure("malformed result in answer");
    } else if (!r.skip_value()) {
      break;
    }
  }
  if (r.failed()) return failure(not_json(r));
  if (!r.at_end()) return failure("answer is not JSON: trailing data");
  if (verdict) return *verdict;
  return {true, {}};
}

}  // namespace herald::state
