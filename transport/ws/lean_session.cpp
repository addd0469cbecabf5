// The lean WebSocket session: every connection that negotiates no extension. Beast answers
// the upgrade (its validation, its 400/426 refusals, our 101) and its stream is dropped
// right after; from then on frames are parsed and written here (frame_codec), so that an
// idle connection's transport costs this object (~560 bytes with its socket and timer), the
// epoll descriptor and the strand, about 0.8 KB, where Beast's stream alone is 2.6 KB (a
// fixed 1.5 KB read buffer, a timer and a frame buffer of its own).
//
// Reads: the pending read of an idle connection fills a 16-byte inbox of its own; when that
// comes back full, the rest is read at once (non-blocking) into a buffer of the io thread
// (64 KiB) and everything that arrived is parsed. A connection keeps nothing of a read but
// a partial frame header, the message being assembled, and, only while the owner has not
// consumed enough (inbound backpressure), the bytes not yet parsed. (A readiness wait with no
// buffer at all would be leaner still, but Asio's edge-triggered reactor can miss data that
// arrived while no operation was queued; a read operation cannot.)
//
// Writes: one data frame per flush (header and payload gathered in one write); pongs,
// native pings and the close frame wait in `control` for the write in progress. The close
// handshake: our close frame (after pending data), the peer's (or an error of its input),
// then shutdown(send) and a drain to the peer's EOF, all bounded by `close_timeout`.
#include <boost/asio/write.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <array>

#include "transport/ws/frame_codec.hpp"
#include "transport/ws/session_common.hpp"

namespace herald::ws_detail {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

constexpr size_t kReadChunk = 64 * 1024;

/// Where reads land: one buffer per io thread, so that no connection holds one.
char* read_chunk() {
  thread_local std::unique_ptr<char[]> chunk(new char[kReadChunk]);
  return chunk.get();
}

class LeanSession final : public SessionFront<LeanSession> {
 public:
  LeanSession(std::shared_ptr<EndpointState> ep, Socket&& socket, protocol::Protocol protocol,
              bool native_ping)
      : SessionFront(std::move(ep), protocol, socket.get_executor()),
        socket_(socket.get_executor()),
        reader_(ep_->options.message_size_limit),
        native_ping_(native_ping),
        handshake_(std::make_unique<websocket::stream<Socket>>(std::move(socket))) {}

  void accept(const UpgradeRequest& req, const char* subprotocol,
              std::unique_ptr<WsHandshake> hs);

 private:
  friend class SessionFront<LeanSession>;

  Strand executor() { return socket_.get_executor(); }
  void on_accept(error_code ec, std::unique_ptr<WsHandshake> hs);
  void read_more();
  void on_read(error_code ec, size_t n);
  bool consume(const char* data, size_t n);
  void on_peer_close(uint16_t code);
  void on_input_error(uint16_t code);
  void queue_close(uint16_t code, std::string_view reason);
  void advance();
  void write(bool data);
  void on_write(error_code ec);
  void start_close();
  void teardown();
  void on_ping_tick();
  void fail();
  void maybe_finish();

  Socket socket_;  // unopened until the handshake hands the connection over
  ws::FrameReader reader_;
  const bool native_ping_;
  /// Beast's stream, only while it writes the 101.
  std::unique_ptr<websocket::stream<Socket>> handshake_;

  // Strand only.
  std::string msg_;      // the message being read
  std::string out_;      // the data frame being written
  /// What few connections ever need, allocated on first use: 88 bytes less per connection.
  struct Rare {
    std::string backlog;  // read, not yet parsed: input paused for the owner
    std::string control;  // control frames waiting for the write in progress
    std::string wire;     // the control frames being written
  };
  std::unique_ptr<Rare> rare_;
  Rare& rare() {
    if (!rare_) rare_ = std::make_unique<Rare>();
    return *rare_;
  }
  bool has_backlog() const { return rare_ && !rare_->backlog.empty(); }
  bool has_control() const { return rare_ && !rare_->control.empty(); }
  std::array<uint8_t, 10> header_{};  // the data frame's header being written
  std::array<char, 16> inbox_{};      // what an idle connection's pending read fills
  bool open_ = false;
  bool reading_ = false, writing_data_ = false, writing_close_ = false;
  bool input_done_ = false;    // a close frame or broken input: drain what follows
  bool peer_closed_ = false;   // the peer's close frame arrived
  bool input_failed_ = false;  // its input broke the protocol
  bool close_queued_ = false, close_sent_ = false;  // our close frame
  bool close_started_ = false, torn_down_ = false;
  bool alive_ = true;  // something arrived since the last native ping
};

void LeanSession::accept(const UpgradeRequest& req, const char* subprotocol,
                         std::unique_ptr<WsHandshake> hs) {
  // A captured pointer to a string literal fits the decorator's inline storage: no heap.
  handshake_->set_option(
      websocket::stream_base::decorator([subprotocol](websocket::response_type& r) {
        r.set(http::field::server, "herald");
        if (subprotocol) r.set(http::field::sec_websocket_protocol, subprotocol);
      }));
  handshaking_ = true;
  arm_deadline(ep_->options.handshake_timeout, false);
  handshake_->async_accept(req, [self = self(), hs = std::move(hs)](error_code ec) mutable {
    self->on_accept(ec, std::move(hs));
  });
}

void LeanSession::on_accept(error_code ec, std::unique_ptr<WsHandshake> hs) {
  handshaking_ = false;
  disarm_deadline();
  if (!ec && !dead_) socket_ = std::move(handshake_->next_layer());
  handshake_.reset();
  if (ec || dead_) return fail();  // Beast has answered a malformed upgrade with 400/426
  socket_.non_blocking(true, ec);  // the reads that follow a full inbox must not block
  if (ec) return fail();
  open_ = true;
  if (outbound_.closing()) return advance();  // shutdown() while the 101 was being written
  if (native_ping_) schedule_ping();
  hand_over(std::move(hs));
  advance();
}

void LeanSession::read_more() {
  if (dead_ || reading_ || !open_) return;
  if (!input_done_) {
    // Once our close frame is queued, the peer's is awaited even if nobody started us (what
    // arrives before it is dropped anyway).
    if (!close_queued_ && (!started_ || input_paused())) return;
    if (has_backlog()) {
      std::string pending = std::move(rare_->backlog);
      rare_->backlog.clear();
      if (!consume(pending.data(), pending.size())) return;
    }
  }
  reading_ = true;
  socket_.async_read_some(asio::buffer(inbox_), [self = self()](error_code ec, size_t n) {
    self->on_read(ec, n);
  });
}

void LeanSession::on_read(error_code ec, size_t n) {
  reading_ = false;
  if (ec || dead_) return fail();  // EOF or reset: the peer is gone (or the drain's end)
  alive_ = true;
  if (!consume(inbox_.data(), n)) return;
  if (n == inbox_.size() && !input_done_ &&
      (close_queued_ || unconsumed_ < kMaxUnconsumedMessages)) {
    // The inbox filled up: take what else has arrived now, through the thread's buffer.
    char* chunk = read_chunk();
    for (;;) {
      const size_t got = socket_.read_some(asio::buffer(chunk, kReadChunk), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) break;
      if (ec) return fail();
      if (!consume(chunk, got)) return;
      if (got < kReadChunk || (!close_queued_ && unconsumed_ >= kMaxUnconsumedMessages)) break;
    }
  }
  read_more();
}

/// Parses what arrived; false when reading must stop here (paused with the rest kept in
/// `backlog`, or the input ended with a close frame or an error, which read on themselves).
bool LeanSession::consume(const char* data, size_t n) {
  if (input_done_) return !dead_;  // after a close frame: discarded until the peer's EOF
  ws::FrameEvent ev;
  while (n > 0) {
    const size_t used = reader_.feed(data, n, msg_, ev);
    data += used;
    n -= used;
    switch (ev.kind) {
      case ws::FrameEvent::Kind::none:
        break;
      case ws::FrameEvent::Kind::message:
        if (!close_queued_) {
          std::string message = std::move(msg_);
          msg_.clear();
          deliver(std::move(message));
        } else {
          std::string().swap(msg_);  // we are closing: the owner gets nothing more
        }
        if (dead_) return false;
        if (!close_queued_ && n > 0 && input_paused()) {
          rare().backlog.assign(data, n);  // the owner catches up first; consumed() resumes
          return false;
        }
        break;
      case ws::FrameEvent::Kind::ping:
        if (!close_queued_) {
          ws::append_control_frame(rare().control, ws::Opcode::pong, ev.payload);
          advance();
        }
        break;
      case ws::FrameEvent::Kind::pong:
        break;
      case ws::FrameEvent::Kind::close:
        on_peer_close(ev.code);
        return false;
      case ws::FrameEvent::Kind::error:
        on_input_error(ev.code);
        return false;
    }
  }
  return true;
}

/// The peer's close frame: echo its code (as gorilla/websocket does), then tear down.
void LeanSession::on_peer_close(uint16_t code) {
  input_done_ = peer_closed_ = true;
  std::string().swap(msg_);
  outbound_.abandon();  // nobody will read what is still pending
  if (!close_queued_) queue_close(code, {});
  if (close_sent_) teardown();
  advance();
  read_more();
}

/// A protocol error, too big a message, bad UTF-8: close with `code` and read no more.
void LeanSession::on_input_error(uint16_t code) {
  input_done_ = input_failed_ = true;
  std::string().swap(msg_);
  if (rare_) std::string().swap(rare_->backlog);
  outbound_.abandon();
  if (!close_queued_) queue_close(code, {});
  if (close_sent_) teardown();
  advance();
  read_more();
}

void LeanSession::queue_close(uint16_t code, std::string_view reason) {
  close_queued_ = true;
  ws::append_close_frame(rare().control, code, reason);
  arm_deadline(ep_->options.close_timeout, true);
}

// The write pump: control frames first, then what is pending as one data frame, then a
// requested close (after the data, so that a close never overtakes what was sent before it).
void LeanSession::advance() {
  if (dead_) return maybe_finish();
  if (!open_ || writing_) return;
  if (has_control()) return write(false);
  if (close_queued_) return;  // nothing goes after our close frame
  outbound_.take(out_);
  if (!out_.empty()) return write(true);
  std::string().swap(out_);
  if (close_req_ && !close_started_) start_close();
}

void LeanSession::write(bool data) {
  writing_ = true;
  writing_data_ = data;
  arm_deadline(ep_->options.write_timeout, false);
  auto done = [self = self()](error_code ec, size_t) { self->on_write(ec); };
  if (!data) {
    writing_close_ = close_queued_ && !close_sent_;  // a queued close is the last control frame
    rare_->wire.swap(rare_->control);
    asio::async_write(socket_, asio::buffer(rare_->wire), std::move(done));
    return;
  }
  const auto op = json_ ? ws::Opcode::text : ws::Opcode::binary;
  const size_t h = ws::write_frame_header(header_.data(), op, out_.size());
  const std::array<asio::const_buffer, 2> frame{asio::buffer(header_.data(), h),
                                                asio::buffer(out_)};
  asio::async_write(socket_, frame, std::move(done));
}

void LeanSession::on_write(error_code ec) {
  writing_ = false;
  disarm_deadline();
  if (writing_data_) {
    out_.clear();
    outbound_.written();
  } else {
    std::string().swap(rare_->wire);
  }
  if (ec) return fail();  // includes a write timeout, which closed the socket
  if (writing_close_) {
    writing_close_ = false;
    close_sent_ = true;
    if (peer_closed_ || input_failed_) teardown();
  }
  advance();
}

void LeanSession::start_close() {
  close_started_ = true;
  if (close_req_->code == kNoCloseFrame) {
    error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    return fail();
  }
  if (close_queued_) return;  // already closing: the peer's close or its broken input
  queue_close(close_req_->code, close_req_->reason);
  advance();
  read_more();
}

/// Both close frames are out (or the input broke): the server ends the TCP connection first
/// (RFC 6455 §7.1.1) and reads to the peer's EOF, so that unread input cannot turn our
/// close into a reset that discards the close frame at the peer.
void LeanSession::teardown() {
  if (torn_down_) return;
  torn_down_ = true;
  arm_deadline(ep_->options.close_timeout, true);
  error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  read_more();
}

void LeanSession::on_ping_tick() {
  if (dead_ || close_started_ || close_queued_) return;
  if (!alive_) return fail();  // no pong (nor anything else) for a whole interval
  alive_ = false;
  ws::append_control_frame(rare().control, ws::Opcode::ping, {});
  advance();
  schedule_ping();
}

/// The connection is over: drop the socket (aborting what is pending) and finish once every
/// operation has returned.
void LeanSession::fail() {
  if (!dead_) {
    dead_ = true;
    outbound_.abandon();
    error_code ec;
    if (handshake_) handshake_->next_layer().close(ec);
    socket_.close(ec);
    cancel_timers();
  }
  maybe_finish();
}

void LeanSession::maybe_finish() {
  if (!dead_ || finished_ || reading_ || writing_ || handshaking_) return;
  std::string().swap(out_);
  std::string().swap(msg_);
  rare_.reset();
  finish();
}

}  // namespace

void start_lean_session(const std::shared_ptr<EndpointState>& ep, Socket&& socket,
                        protocol::Protocol protocol, bool native_ping, const UpgradeRequest& req,
                        const char* subprotocol, std::unique_ptr<WsHandshake> hs) {
  auto session = std::make_shared<LeanSession>(ep, std::move(socket), protocol, native_ping);
  // After shutdown() the handshake still completes so that the client sees 3001.
  if (!ep->add(session.get())) session->close(3001, "shutdown");
  session->accept(req, subprotocol, std::move(hs));
}

}  // namespace herald::ws_detail
