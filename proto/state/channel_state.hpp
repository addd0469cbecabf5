// Channel state events (occupied / vacated) as the backend receives them, and the port through
// which they are sent. Shared by actors/ (partition and webhook actors, which produce and hand
// over batches) and transport/ (the HTTP and gRPC clients that implement the sender), so it
// lives below both. Plain C++: no CAF, no Asio.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace herald {

struct ChannelStateEvent {
  enum class Type : uint8_t { occupied, vacated };

  /// "<partition>-<gen>": the same for every delivery of one transition, whichever node
  /// delivers it, so a backend can drop repeats.
  std::string id;
  std::string channel;
  Type type = Type::occupied;
  /// Grows with every transition of the channel; odd = occupied, even = vacated. A backend
  /// applying "only if gen > stored gen" applies each transition exactly once, in order.
  uint64_t gen = 0;
  int64_t time_ms = 0;  ///< unix milliseconds of the transition (not of the delivery)
  /// Vacated only: "unsubscribe", "disconnect", "presence_expired" or "node_lost".
  std::string reason;

  friend bool operator==(const ChannelStateEvent&, const ChannelStateEvent&) = default;
};

using ChannelStateBatch = std::vector<ChannelStateEvent>;

/// Sends batches to `channel.proxy.state.endpoint`. Implementations: HTTP(S) POST of
/// {"events":[...]} and gRPC NotifyChannelState. Thread-safe; never blocks.
class ChannelStateSender {
 public:
  struct Result {
    bool ok = false;
    std::string error;  ///< why it failed: connect error, timeout, HTTP status, error object
  };
  using Done = std::function<void(Result)>;

  virtual ~ChannelStateSender() = default;
  /// One attempt (no retries here: the caller owns the backoff). `done` is called exactly
  /// once, on a transport thread (an io thread for HTTP, a gRPC thread for gRPC), possibly
  /// before send() returns; it must not block. Success is HTTP 200 with a JSON answer that has no
  /// `error` object (gRPC: OK status and no `error` in the response): see state_json.hpp.
  virtual void send(ChannelStateBatch batch, Done done) = 0;
  /// Ends what is in flight (their `done` report failure) and releases the transport's
  /// connections. The process calls it before its io threads stop for good: an HTTP
  /// connection refers to its client until that close has run on an io thread.
  virtual void close() {}
};
using ChannelStateSenderPtr = std::shared_ptr<ChannelStateSender>;

/// Counters and gauges of the feature, updated by the actors and read by `info` (later by
/// `/metrics`). Lock-free: every actor and thread may touch them.
struct ChannelStateCounters {
  std::atomic<uint64_t> emitted{0};    ///< transitions queued as events
  std::atomic<uint64_t> delivered{0};  ///< events acknowledged by the backend
  std::atomic<uint64_t> retried{0};    ///< failed attempts that will be retried
  std::atomic<uint64_t> dropped{0};    ///< events lost to a full queue (logged too)
  std::atomic<uint64_t> batches{0};    ///< successful requests
  std::atomic<int64_t> queue_length{0};           ///< events waiting, over owned partitions
  std::atomic<int64_t> oldest_undelivered_ms{0};  ///< age of the oldest waiting event
  std::atomic<uint64_t> last_batch_size{0};
};

}  // namespace herald
