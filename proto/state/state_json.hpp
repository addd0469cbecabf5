// The HTTP form of channel state events: the JSON body POSTed to the state proxy endpoint, and
// the rule that decides whether the backend's answer acknowledged it. Plain C++, no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "proto/state/channel_state.hpp"

namespace herald::state {

/// "occupied" or "vacated".
std::string_view type_name(ChannelStateEvent::Type type);
/// The inverse of type_name(); nullopt for anything else.
std::optional<ChannelStateEvent::Type> parse_type(std::string_view name);

/// Appends `{"events":[{"channel":…,"type":…,"time_ms":…,"gen":…,"id":"…","reason":"…"}]}`.
/// `channel`, `type` and `time_ms` are always written (Centrifugo's three keys); `gen`, `id`
/// and `reason` are Herald's extensions, written when set (non-zero, non-empty; `reason` on
/// vacated events only). Strings are escaped; invalid UTF-8 becomes U+FFFD.
void append_json(std::string& out, const ChannelStateBatch& batch);
std::string encode_json(const ChannelStateBatch& batch);

/// Parses a body made by encode_json() (for receivers written in C++: tests, tools). Unknown
/// keys are skipped; a missing `type` or an unknown one, or malformed JSON, gives nullopt.
std::optional<ChannelStateBatch> decode_json(std::string_view body);

/// The answer rule of HTTP proxies (as Centrifugo's proxy client decides): the status must be
/// exactly 200 and the body must be JSON that decodes as the response object — an object (or
/// `null`) whose `result`, if present, is an object or null — with no `error` object. Any
/// other status, a body that is not JSON (an empty one included), trailing garbage, a
/// non-object `result` or a non-null `error` is a failure, whose `error` text says why
/// ("HTTP status 503", "error 1000: backend busy", "answer is not JSON: syntax_error").
ChannelStateSender::Result judge_http_answer(int status, std::string_view body);

}  // namespace herald::state
