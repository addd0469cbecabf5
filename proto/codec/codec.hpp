// Client protocol codec: decodes client frames into Commands and appends encoded Replies and
// pushes to caller-owned buffers (docs/protocol.md §1.2-1.10). No CAF, no Beast, no exceptions
// escape except std::bad_alloc.
//
// Framing of one WebSocket message:
//   JSON      objects joined by '\n' (no trailing '\n' from the server);
//   protobuf  each message prefixed by its length as an unsigned varint.
// Every append_* function appends ONE message: for protobuf with its length prefix, for JSON
// without a separator. Join several with FrameWriter or append_json_separator_if_needed().
// Fan-out encodes a push once per protocol and hands the same bytes to every connection.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/types.hpp"
#include "proto/codec/client_protocol.hpp"

namespace herald::protocol {

// -- decoding ------------------------------------------------------------------------------

/// Why a frame was rejected. Every status but `ok` means disconnect 3501 "bad request".
enum class DecodeStatus : uint8_t {
  ok,
  empty_frame,    ///< no command at all (empty message, or an empty JSON line)
  syntax_error,   ///< malformed JSON, or a malformed protobuf wire structure
  truncated,      ///< protobuf varint or length runs past the end of its message
  type_mismatch,  ///< a known field holds the wrong type or an out-of-range number
  too_deep,       ///< JSON nesting deeper than kMaxJsonDepth
};

std::string_view to_string(DecodeStatus status);

/// JSON values nested deeper than this are rejected (bounded work, no recursion).
inline constexpr int kMaxJsonDepth = 512;

/// Appends the commands of one client frame to `out`, in order. On error `out` keeps the
/// commands decoded before the bad one (Centrifuge processes those, then disconnects).
/// JSON: lines split on '\n'; one trailing '\n' is allowed, any other empty line is an error.
DecodeStatus decode_commands(Protocol protocol, std::string_view frame,
                             std::vector<Command>& out);

/// A complete, valid JSON value (RFC 8259, UTF-8 checked) with only whitespace around it.
/// Payloads failing this cannot go to a JSON client (disconnect 3506).
bool is_valid_json(std::string_view text);

// -- encoding ------------------------------------------------------------------------------

void append_reply(Protocol protocol, const Reply& reply, std::string& out);

/// Server ping: `{}` / 0x00.
void append_ping(Protocol protocol, std::string& out);

void append_publication_push(Protocol protocol, std::string_view channel,
                             const Publication& pub, std::string& out);
void append_join_push(Protocol protocol, std::string_view channel, const ClientInfo& info,
                      std::string& out);
void append_leave_push(Protocol protocol, std::string_view channel, const ClientInfo& info,
                       std::string& out);
void append_unsubscribe_push(Protocol protocol, std::string_view channel, uint32_t code,
                             std::string_view reason, std::string& out);
void append_subscribe_push(Protocol protocol, std::string_view channel,
                           const SubscribePush& sub, std::string& out);
void append_message_push(Protocol protocol, std::string_view data, std::string& out);

/// JSON: appends '\n' when `out` already holds a message. Protobuf: nothing to do.
inline void append_json_separator_if_needed(Protocol protocol, std::string& out) {
  if (protocol == Protocol::json && !out.empty()) out.push_back('\n');
}

/// Owns one outgoing WebSocket message and joins encoded messages into it.
class FrameWriter {
 public:
  explicit FrameWriter(Protocol protocol) : protocol_(protocol) {}

  Protocol protocol() const { return protocol_; }

  void add_reply(const Reply& reply) {
    append_json_separator_if_needed(protocol_, buf_);
    append_reply(protocol_, reply, buf_);
  }

  void add_ping() {
    append_json_separator_if_needed(protocol_, buf_);
    append_ping(protocol_, buf_);
  }

  /// One message produced by an append_* function of the same protocol (a shared push).
  void add_encoded(std::string_view message) {
    append_json_separator_if_needed(protocol_, buf_);
    buf_.append(message);
  }

  bool empty() const { return buf_.empty(); }
  std::size_t size() const { return buf_.size(); }
  const std::string& buffer() const { return buf_; }

  /// Hands the frame over and starts a new one.
  std::string take() { return std::exchange(buf_, std::string()); }
  void clear() { buf_.clear(); }

 private:
  Protocol protocol_;
  std::string buf_;
};

}  // namespace herald::protocol
