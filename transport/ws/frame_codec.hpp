// The WebSocket framing of RFC 6455 as a server speaks it, with no I/O: a reader that turns
// bytes from a client into messages and control frames, and the encoders for what a server
// sends (unmasked, unfragmented frames). No extension is supported here: a connection that
// negotiates permessage-deflate uses Beast's stream instead (ws_session.cpp).
//
// The reader keeps at most a partial frame header (14 bytes) of its own; message payload goes
// straight into the caller's string, so a connection between messages holds no buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace herald::ws {

enum class Opcode : uint8_t { cont = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

/// Close codes the reader fails with (RFC 6455 §7.4.1).
constexpr uint16_t kCloseProtocolError = 1002;
constexpr uint16_t kCloseBadPayload = 1007;  ///< invalid UTF-8 in a text message
constexpr uint16_t kCloseTooBig = 1009;

/// What one call of FrameReader::feed() completed.
struct FrameEvent {
  enum class Kind : uint8_t {
    none,     ///< the bytes were used up before anything completed
    message,  ///< a whole data message is in the caller's string (`binary` says which kind)
    ping,     ///< a ping; `payload` must be echoed in a pong
    pong,
    close,    ///< the peer's close frame: `code` (0 if it sent none) and `payload` (reason)
    error     ///< the input broke the protocol: close with `code`; read nothing more
  };
  Kind kind = Kind::none;
  bool binary = false;
  uint16_t code = 0;
  std::string payload;
};

/// Incremental parser of client frames: masked, FIN/continuation, 7/16/64-bit lengths,
/// control frames between fragments, the message size limit and UTF-8 of text messages.
class FrameReader {
 public:
  /// `max_message`: bytes per message; a longer one fails with 1009. 0 = no limit.
  explicit FrameReader(uint64_t max_message) : max_message_(max_message) {}

  /// Consumes bytes from `data` up to the end of the first frame that completes an event and
  /// returns how many it used; message payload is appended to `message`. Call again with
  /// the rest. After an error or a close frame, nothing more should be fed.
  size_t feed(const char* data, size_t n, std::string& message, FrameEvent& ev);

  /// True while a message has started (some of its frames read) and not yet ended.
  bool in_message() const { return in_message_ || remaining_ > 0 || header_len_ > 0; }

 private:
  bool parse_header(FrameEvent& ev);
  void finish_frame(std::string& message, FrameEvent& ev);
  void finish_data(std::string& message, FrameEvent& ev);
  void finish_control(FrameEvent& ev);

  uint64_t max_message_;
  uint64_t message_size_ = 0;  ///< payload bytes of the current message so far
  uint64_t remaining_ = 0;     ///< payload bytes of the current frame still to come
  uint8_t header_[14];         ///< the header being read
  uint8_t header_len_ = 0;
  uint8_t key_[4] = {};
  uint8_t key_pos_ = 0;
  Opcode frame_op_ = Opcode::cont;  ///< opcode of the frame being read
  bool frame_fin_ = false;
  bool in_frame_ = false;           ///< the header is read; payload follows
  bool in_message_ = false;         ///< a data message's first frame has been read
  bool message_binary_ = false;
  /// Payload of a control frame (≤ 125 bytes), allocated while one is read.
  std::unique_ptr<std::string> control_;
};

/// True if `s` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool valid_utf8(std::string_view s);

/// True for a close code a peer may send (RFC 6455 §7.4): 1000–1003, 1007–1013, ≥ 3000.
bool valid_close_code(uint16_t code);

/// Writes the header of an unmasked final frame of `op` carrying `len` bytes into `out`
/// (room for 10 bytes); returns its size.
size_t write_frame_header(uint8_t* out, Opcode op, uint64_t len);

/// Appends a whole control frame (header and payload ≤ 125 bytes) to `out`.
void append_control_frame(std::string& out, Opcode op, std::string_view payload);

/// Appends a close frame with `code` and `reason` (cut to 123 bytes by the caller); code 0
/// sends an empty close frame.
void append_close_frame(std::string& out, uint16_t code, std::string_view reason);

}  // namespace herald::ws
