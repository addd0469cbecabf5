// A client WebSocket connection as the layers above see it: a thread-safe handle with no
// Beast types. The connection actor owns the protocol; this only moves frames.
//
// Writes coalesce: every send() appends one encoded message to the pending buffer (JSON
// messages joined by '\n', protobuf ones already varint-prefixed) and at most one flush is
// posted to the connection's strand, which writes everything pending as ONE WebSocket frame.
// The pending + in-flight bytes are bounded by `queue_max_size`; past it the connection is
// closed with 3008 "slow".
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proto/codec/client_protocol.hpp"

namespace herald {

/// Tasks that run in order, one at a time, on a transport's io threads (an Asio strand).
class WsTaskQueue {
 public:
  virtual ~WsTaskQueue() = default;
  virtual void post(std::function<void()> task) = 0;
  /// post(), but only after what the io threads have queued by now has run: tasks posted
  /// meanwhile go first.
  virtual void defer(std::function<void()> task) { post(std::move(task)); }
};

/// What the handshake told us about a new connection.
struct WsHandshake {
  protocol::Protocol protocol = protocol::Protocol::json;
  std::string remote_address;
  std::vector<std::pair<std::string, std::string>> headers;  ///< names lower-cased
  bool ws_frame_ping_pong = false;  ///< ?cf_ws_frame_ping_pong=true: native WS pings instead
};

class WsConnection {
 public:
  struct Callbacks {
    /// One complete WebSocket message (text or binary), on an io thread.
    std::function<void(std::string message)> on_message;
    /// The connection is gone (peer closed, error, or after close()); called exactly once.
    std::function<void()> on_closed;
  };

  /// Messages delivered and not yet consumed() before the transport pauses reading. With the
  /// 64 KiB message limit this bounds a connection's unhandled input to about 1 MiB.
  static constexpr uint32_t kMaxUnconsumedMessages = 16;

  virtual ~WsConnection() = default;

  /// Starts reading; no message is delivered before this.
  virtual void start(Callbacks callbacks) = 0;
  /// Appends one encoded message to the outbound buffer (see above). Returns false when the
  /// connection is closing or the queue overflowed (then it closes with 3008).
  virtual bool send(std::string_view message) = 0;
  /// send() that leaves the flush to the caller: `flush_due` comes back true when this call
  /// made one due, and the caller then calls flush() once, later (a channel's fan-out flushes
  /// after a run of publications, so one frame carries several).
  virtual bool send_deferred(std::string_view message, bool& flush_due) {
    flush_due = false;
    return send(message);
  }
  /// Writes what send_deferred() left pending (as one frame).
  virtual void flush() {}
  /// The owner has handled `messages` more of the messages delivered by on_message. The
  /// transport stops reading after kMaxUnconsumedMessages unhandled ones and resumes here:
  /// a client cannot pile up work faster than its connection handles it.
  virtual void consumed(uint32_t messages) = 0;
  /// Flushes what is pending, sends a close frame with `code` and `reason` (≤123 bytes), waits
  /// up to 5 s for the peer's close, then drops the TCP connection. Idempotent.
  virtual void close(uint16_t code, std::string_view reason) = 0;
  /// A new task queue on this connection's io threads, where a channel runs its fan-out: sends
  /// made there leave in one pass after the loop, instead of each waking an io thread from
  /// another thread. nullptr when the transport has no io threads (tests).
  virtual std::shared_ptr<WsTaskQueue> make_task_queue() { return nullptr; }
};

/// Called on an io thread for each accepted WebSocket connection.
using WsAcceptFn = std::function<void(std::shared_ptr<WsConnection>, WsHandshake)>;

}  // namespace herald
