// Internal to transport/ws: what both WebSocket sessions share. LeanSession (lean_session.cpp)
// frames messages itself and serves every connection that negotiates no extension; Session
// (ws_session.cpp) keeps Beast's websocket::stream for permessage-deflate. Includes Beast:
// only those two .cpp files include this.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "transport/ws/ws_session.hpp"

namespace herald::ws_detail {

// Concrete executor types: a type-erased any_io_executor costs a heap block per copy that
// asks for work tracking, i.e. per pending operation.
using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, Strand>;
using Timer = boost::asio::basic_waitable_timer<
    std::chrono::steady_clock, boost::asio::wait_traits<std::chrono::steady_clock>, Strand>;
using UpgradeRequest = boost::beast::http::request<boost::beast::http::string_body>;

constexpr uint16_t kNoCloseFrame = 3000;  // "connection closed": TCP close only (§1.1)

/// A close reason cut to what a close frame carries (123 bytes), on a UTF-8 boundary.
std::string truncate_reason(std::string_view reason);

/// A strand of the io_context: a channel's fan-out runs there. A send from an io thread
/// queues its flush on that thread (no lock, no wake-up) and the flushes run right after the
/// fan-out task, each connection's pending bytes as one frame.
class StrandQueue final : public WsTaskQueue {
 public:
  explicit StrandQueue(boost::asio::io_context::executor_type ex) : strand_(ex) {}
  void post(std::function<void()> task) override;
  void defer(std::function<void()> task) override;

 private:
  Strand strand_;
};

/// A lock for a few instructions (one append): 1 byte where std::mutex takes 40, on every
/// connection.
class SpinLock {
 public:
  void lock() {
    while (flag_.test_and_set(std::memory_order_acquire)) std::this_thread::yield();
  }
  void unlock() { flag_.clear(std::memory_order_release); }

 private:
  std::atomic_flag flag_ = ATOMIC_FLAG_INIT;
};

/// The outbound bytes of a session: what send()/close() touch from any thread, guarded by a
/// mutex; the strand takes them out for one write at a time.
class Outbound {
 public:
  enum class Append : uint8_t {
    queued,     ///< appended; a flush was already due
    flush_due,  ///< appended; this call made a flush due (the caller posts or defers it)
    closing,    ///< refused: the session is closing
    overflow    ///< refused: over `limit`; pending bytes dropped, now closing (caller: 3008)
  };

  /// Appends one message (JSON messages joined by '\n' when `json`).
  Append append(std::string_view message, bool json, uint64_t limit);
  /// Marks the session closing; false if it already was.
  bool start_closing();
  bool closing();
  /// Strand: moves what is pending into `out` (empty if nothing) and counts it in flight.
  void take(std::string& out);
  /// Strand: the write of what take() gave has finished.
  void written();
  /// The connection is gone: no more sends, pending bytes dropped.
  void abandon();

 private:
  SpinLock mu_;
  std::string pending_;   // messages not yet handed to a write
  size_t in_flight_ = 0;  // bytes of the write in progress
  bool flush_posted_ = false;
  bool closing_ = false;  // no more sends: close requested, overflowed, or gone
};

/// What both sessions do alike: the thread-safe WsConnection calls (each posts to the
/// strand), the deadline timer and the native-ping timer, and the state they share.
/// `Derived` provides, on its strand: `executor()`, `advance()` (the write pump),
/// `read_more()`, `on_ping_tick()` and `fail()`.
template <class Derived>
class SessionFront : public RegisteredConnection {
 public:
  SessionFront(std::shared_ptr<EndpointState> ep, protocol::Protocol protocol, Strand strand)
      : ep_(std::move(ep)), timer_(strand), json_(protocol == protocol::Protocol::json) {}

  ~SessionFront() override {
    if (!finished_) ep_->remove(this);
  }

  void start(Callbacks callbacks) override {
    boost::asio::post(derived().executor(),
                      [self = self(), cb = std::move(callbacks)]() mutable {
                        self->started_ = true;
                        self->callbacks_ = std::move(cb);
                        if (self->finished_) return self->deliver_closed();
                        self->read_more();
                      });
  }

  bool send(std::string_view message) override {
    bool due = false;
    if (!send_deferred(message, due)) return false;
    if (due) flush();
    return true;
  }

  bool send_deferred(std::string_view message, bool& flush_due) override {
    flush_due = false;
    switch (outbound_.append(message, json_, ep_->options.queue_max_size)) {
      case Outbound::Append::flush_due:
        flush_due = true;
        return true;
      case Outbound::Append::queued:
        return true;
      case Outbound::Append::overflow:
        post_close(3008, "slow");
        return false;
      case Outbound::Append::closing:
        break;
    }
    return false;
  }

  void flush() override {
    boost::asio::post(derived().executor(), [self = self()] { self->advance(); });
  }

  void consumed(uint32_t messages) override {
    boost::asio::post(derived().executor(), [self = self(), messages] {
      self->unconsumed_ -= std::min(self->unconsumed_, messages);
      self->read_more();  // resumes a paused reader; a no-op otherwise
    });
  }

  void close(uint16_t code, std::string_view reason) override {
    if (!outbound_.start_closing()) return;
    post_close(code, truncate_reason(reason));
  }

  std::shared_ptr<WsTaskQueue> make_task_queue() override {
    return std::make_shared<StrandQueue>(derived().executor().get_inner_executor());
  }

 protected:
  struct CloseRequest {
    uint16_t code;
    std::string reason;
  };

  std::shared_ptr<Derived> self() {
    return std::static_pointer_cast<Derived>(shared_from_this());
  }

  void post_close(uint16_t code, std::string reason) {
    boost::asio::post(derived().executor(),
                      [self = self(), code, reason = std::move(reason)]() mutable {
                        if (self->close_req_ || self->dead_) return;
                        self->close_req_ = std::make_unique<CloseRequest>(
                            CloseRequest{code, std::move(reason)});
                        self->advance();
                      });
  }

  /// Hands a complete message to the owner and counts it until consumed().
  void deliver(std::string message) {
    ++unconsumed_;
    if (callbacks_.on_message) callbacks_.on_message(std::move(message));
  }

  /// True when the owner has not handled enough of what it got: reading pauses (the
  /// kernel's receive buffer, then TCP flow control, hold the client back).
  bool input_paused() {
    if (unconsumed_ < kMaxUnconsumedMessages) return false;
    if (ep_->options.on_read_paused) ep_->options.on_read_paused();
    return true;
  }

  /// Runs the owner's accept callback for the now open connection.
  void hand_over(std::unique_ptr<WsHandshake> hs) {
    try {
      if (ep_->accept) ep_->accept(self(), std::move(*hs));
    } catch (const std::exception& e) {
      if (ep_->options.on_error)
        ep_->options.on_error("accepting a WebSocket connection", e.what());
      close(1011, "internal server error");
    }
  }

  /// The session is over and every operation has returned: unregister, tell the owner.
  void finish() {
    finished_ = true;
    ep_->remove(this);
    if (started_) deliver_closed();
  }

  /// One timer, two uses: a handshake or write timeout (ended by disarm_deadline()), or the
  /// close deadline, which once armed is never moved or disarmed. Either drops the connection
  /// when it expires.
  void arm_deadline(std::chrono::milliseconds d, bool closing) {
    if (close_deadline_) return;
    close_deadline_ = closing;
    const uint64_t gen = ++deadline_gen_;
    timer_.expires_after(d);
    timer_.async_wait([self = self(), gen](boost::system::error_code ec) {
      if (ec || gen != self->deadline_gen_ || self->dead_) return;
      if (self->close_deadline_ || self->writing_ || self->handshaking_) self->fail();
    });
  }

  /// Ends a handshake or write timeout; the close deadline stays.
  void disarm_deadline() {
    if (close_deadline_) return;
    ++deadline_gen_;
    timer_.cancel();
  }

  /// The next native ping (?cf_ws_frame_ping_pong=true connections only).
  void schedule_ping() {
    if (!ping_timer_) ping_timer_ = std::make_unique<Timer>(derived().executor());
    ping_timer_->expires_after(ep_->options.native_ping_interval);
    // Weak: the ping loop alone must not keep a connection nobody owns.
    ping_timer_->async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = std::static_pointer_cast<Derived>(weak.lock());
      if (!ec && self) self->on_ping_tick();
    });
  }

  /// Stops both timers (the connection is being dropped).
  void cancel_timers() {
    timer_.cancel();
    if (ping_timer_) ping_timer_->cancel();
  }

  void deliver_closed() {
    auto on_closed = std::move(callbacks_.on_closed);
    callbacks_ = {};  // drop what the callbacks captured (often this connection)
    if (on_closed) on_closed();
  }

  std::shared_ptr<EndpointState> ep_;
  Callbacks callbacks_;
  Outbound outbound_;  // what send()/close() touch from other threads
  // Strand only.
  Timer timer_;        // handshake or write timeout, then the close deadline
  std::unique_ptr<Timer> ping_timer_;  // only with native pings
  std::unique_ptr<CloseRequest> close_req_;
  uint64_t deadline_gen_ = 0;
  uint32_t unconsumed_ = 0;  // messages delivered and not yet consumed() by the owner
  const bool json_;
  bool started_ = false, dead_ = false, finished_ = false;
  bool handshaking_ = false, writing_ = false;  // what a deadline's expiry interrupts
  bool close_deadline_ = false;

 private:
  Derived& derived() { return static_cast<Derived&>(*this); }
};

/// Starts a LeanSession: Beast writes the 101 (or the refusal) and is then dropped; frames
/// are read and written by transport/ws/frame_codec.
void start_lean_session(const std::shared_ptr<EndpointState>& ep, Socket&& socket,
                        protocol::Protocol protocol, bool native_ping, const UpgradeRequest& req,
                        const char* subprotocol, std::unique_ptr<WsHandshake> hs);

}  // namespace herald::ws_detail
