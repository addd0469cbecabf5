// The WebSocket session: Beast's websocket::stream over the upgraded TCP socket, all of it on
// the connection's strand. send(), send_deferred(), flush() and close() are called from
// other threads (connection actors, a channel's fan-out task on another strand); they touch
// the mutex-guarded outbound state and post to the strand.
//
// Memory per idle connection is the point of several choices here:
// - reads go into a std::string whose inline (SSO) storage takes the first bytes of a
//   message, so a connection waiting for input holds no read buffer;
// - the outbound buffers are released when a write leaves nothing pending;
// - the stream sits on the bare tcp::socket, not on beast::tcp_stream (whose three timers
//   cost ~500 bytes): one timer of ours serves the handshake and write timeouts and the close
//   deadline; the native-ping timer exists only for ?cf_ws_frame_ping_pong=true connections;
// - the handshake details are built once, handed to `accept` and not kept.
#include "transport/ws/ws_session.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <unistd.h>

#include <algorithm>
#include <optional>
#include <string>

#include "transport/http/upgrade.hpp"
#include "transport/ws/handshake.hpp"

namespace herald::ws_detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

// Concrete executor types: a type-erased any_io_executor costs a heap block per copy that
// asks for work tracking, i.e. per pending operation.
using Strand = asio::strand<asio::io_context::executor_type>;
using Socket = asio::basic_stream_socket<tcp, Strand>;
using Timer = asio::basic_waitable_timer<std::chrono::steady_clock,
                                         asio::wait_traits<std::chrono::steady_clock>, Strand>;

constexpr size_t kMaxReadChunk = 64 * 1024;  // bounds one buffer growth when there is no limit
constexpr size_t kMaxCloseReason = 123;      // a control frame carries at most 125 bytes
constexpr uint16_t kNoCloseFrame = 3000;     // "connection closed": TCP close only (§1.1)

std::string truncate_reason(std::string_view r) {
  if (r.size() <= kMaxCloseReason) return std::string(r);
  size_t n = kMaxCloseReason;
  while (n > 0 && (static_cast<unsigned char>(r[n]) & 0xC0) == 0x80) --n;  // whole UTF-8 chars
  return std::string(r.substr(0, n));
}

/// An upgrade refused with `status`, then close: 403 "Forbidden" for a refused Origin
/// (gorilla/websocket's answer, which Centrifugo uses), 503 without a body for a full node.
void reject(beast::tcp_stream stream, unsigned version,
            http::status status = http::status::forbidden) {
  struct Rejection {
    beast::tcp_stream stream;
    http::response<http::string_body> res;
  };
  auto r = std::make_shared<Rejection>(Rejection{std::move(stream), {status, version}});
  r->res.set(http::field::server, "herald");
  if (status == http::status::forbidden) {
    r->res.set(http::field::content_type, "text/plain; charset=utf-8");
    r->res.body() = "Forbidden\n";
  }
  r->res.keep_alive(false);
  r->res.prepare_payload();
  r->stream.expires_after(std::chrono::seconds(5));
  http::async_write(r->stream, r->res, [r](beast::error_code, size_t) {
    beast::error_code ec;
    r->stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    r->stream.close();
  });
}

/// A strand of the io_context: a channel's fan-out runs there. A send from an io thread
/// queues its flush on that thread (no lock, no wake-up) and the flushes run right after the
/// fan-out task, each connection's pending bytes as one frame.
class StrandQueue final : public WsTaskQueue {
 public:
  explicit StrandQueue(asio::io_context::executor_type ex) : strand_(ex) {}
  void post(std::function<void()> task) override { asio::post(strand_, std::move(task)); }
  void defer(std::function<void()> task) override {
    asio::post(strand_.get_inner_executor(),
               [s = strand_, t = std::move(task)]() mutable { asio::post(s, std::move(t)); });
  }

 private:
  Strand strand_;
};

class Session final : public RegisteredConnection {
 public:
  Session(std::shared_ptr<EndpointState> ep, Socket&& socket,
          protocol::Protocol protocol, bool native_ping)
      : ep_(std::move(ep)),
        ws_(std::move(socket)),
        timer_(ws_.get_executor()),
        json_(protocol == protocol::Protocol::json),
        native_ping_(native_ping) {}

  ~Session() override {
    if (!finished_) ep_->remove(this);
  }

  void accept(const http::request<http::string_body>& req, const char* subprotocol,
              std::unique_ptr<WsHandshake> hs);

  // -- WsConnection ------------------------------------------------------------------------

  void start(Callbacks callbacks) override {
    asio::post(ws_.get_executor(), [self = self(), cb = std::move(callbacks)]() mutable {
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
    std::unique_lock lock(mu_);
    if (closing_) return false;
    const size_t sep = json_ && !pending_.empty() ? 1 : 0;
    if (pending_.size() + in_flight_ + sep + message.size() > ep_->options.queue_max_size) {
      // The reader is too slow: what is queued would not reach it in time anyway.
      closing_ = true;
      std::string().swap(pending_);
      lock.unlock();
      post_close(3008, "slow");
      return false;
    }
    if (sep) pending_.push_back('\n');
    pending_.append(message);
    if (!flush_posted_) flush_due = flush_posted_ = true;
    return true;
  }

  void flush() override {
    asio::post(ws_.get_executor(), [self = self()] { self->advance(); });
  }

  void consumed(uint32_t messages) override {
    asio::post(ws_.get_executor(), [self = self(), messages] {
      self->unconsumed_ -= std::min(self->unconsumed_, messages);
      self->read_more();  // resumes a paused reader; a no-op otherwise
    });
  }

  void close(uint16_t code, std::string_view reason) override {
    {
      std::lock_guard lock(mu_);
      if (closing_) return;
      closing_ = true;
    }
    post_close(code, truncate_reason(reason));
  }

  std::shared_ptr<WsTaskQueue> make_task_queue() override {
    return std::make_shared<StrandQueue>(ws_.get_executor().get_inner_executor());
  }

 private:
  struct CloseRequest {
    uint16_t code;
    std::string reason;
  };

  std::shared_ptr<Session> self() {
    return std::static_pointer_cast<Session>(shared_from_this());
  }

  void post_close(uint16_t code, std::string reason) {
    asio::post(ws_.get_executor(), [self = self(), code, reason = std::move(reason)]() mutable {
      if (self->close_req_ || self->dead_) return;
      self->close_req_ = std::make_unique<CloseRequest>(CloseRequest{code, std::move(reason)});
      self->advance();
    });
  }

  void on_accept(beast::error_code ec, std::unique_ptr<WsHandshake> hs);
  void read_more();
  void on_read(beast::error_code ec, size_t n);
  void advance();
  void on_write(beast::error_code ec);
  void start_close();
  void arm_deadline(std::chrono::milliseconds d, bool closing);
  void disarm_deadline();
  void schedule_ping();
  void on_ping_tick();
  void on_control(websocket::frame_type kind);
  void fail();
  void maybe_finish();
  void deliver_closed();

  std::shared_ptr<EndpointState> ep_;
  websocket::stream<Socket> ws_;
  Timer timer_;  // handshake or write timeout, then the close deadline
  std::unique_ptr<Timer> ping_timer_;  // only with native pings
  Callbacks callbacks_;

  // Guarded by mu_: what send()/close() touch from other threads.
  std::mutex mu_;
  std::string pending_;   // messages not yet handed to a write
  size_t in_flight_ = 0;  // bytes of the write in progress
  bool flush_posted_ = false;
  bool closing_ = false;  // no more sends: close requested, overflowed, or gone

  // Strand only.
  std::string out_;  // the frame being written
  std::string msg_;  // the message being read
  size_t filled_ = 0;
  uint32_t unconsumed_ = 0;  // messages delivered and not yet consumed() by the owner
  std::unique_ptr<CloseRequest> close_req_;
  uint64_t deadline_gen_ = 0;
  const bool json_;
  const bool native_ping_;
  bool open_ = false, handshaking_ = false, started_ = false;
  bool reading_ = false, writing_ = false, pinging_ = false, closing_op_ = false;
  bool close_started_ = false, close_deadline_ = false;
  bool alive_ = true;  // something arrived since the last native ping
  bool dead_ = false, finished_ = false;
};

void Session::accept(const http::request<http::string_body>& req, const char* subprotocol,
                     std::unique_ptr<WsHandshake> hs) {
  const auto& opts = ep_->options;
  // A captured pointer to a string literal fits the decorator's inline storage: no heap.
  ws_.set_option(websocket::stream_base::decorator([subprotocol](websocket::response_type& r) {
    r.set(http::field::server, "herald");
    if (subprotocol) r.set(http::field::sec_websocket_protocol, subprotocol);
  }));
  ws_.read_message_max(opts.message_size_limit);
  ws_.auto_fragment(false);  // one coalesced buffer = one frame
  if (json_) {
    ws_.text(true);
  } else {
    ws_.binary(true);
  }
  if (opts.compression) {
    websocket::permessage_deflate pmd;
    pmd.server_enable = true;
    pmd.compLevel = std::clamp(opts.compression_level, 1, 9);
    ws_.set_option(pmd);
  }
  // Pongs (native ping liveness) and the peer's close frame (starts the close deadline).
  ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
    on_control(kind);
  });
  handshaking_ = true;
  arm_deadline(opts.handshake_timeout, false);
  ws_.async_accept(req, [self = self(), hs = std::move(hs)](beast::error_code ec) mutable {
    self->on_accept(ec, std::move(hs));
  });
}

void Session::on_accept(beast::error_code ec, std::unique_ptr<WsHandshake> hs) {
  handshaking_ = false;
  disarm_deadline();
  if (ec) return fail();  // Beast has answered a malformed upgrade with 400/426
  open_ = true;
  bool refused;
  {
    std::lock_guard lock(mu_);
    refused = closing_;  // shutdown() while the 101 was being written
  }
  if (refused) return advance();
  if (native_ping_) schedule_ping();
  try {
    if (ep_->accept) ep_->accept(self(), std::move(*hs));
  } catch (const std::exception& e) {
    if (ep_->options.on_error) ep_->options.on_error("accepting a WebSocket connection", e.what());
    close(1011, "internal server error");
  }
  advance();
}

void Session::read_more() {
  if (dead_ || reading_ || !started_ || !open_) return;
  // Inbound backpressure: the owner has not handled what it got; the kernel's receive buffer,
  // then TCP flow control, hold the client back until it does.
  if (unconsumed_ >= kMaxUnconsumedMessages) {
    if (ep_->options.on_read_paused) ep_->options.on_read_paused();
    return;
  }
  size_t room;
  if (filled_ == 0) {
    std::string().swap(msg_);  // back to inline storage while waiting
    room = msg_.capacity();
  } else {
    room = std::clamp<size_t>(ws_.read_size_hint(512), 1, kMaxReadChunk);
  }
  msg_.resize(filled_ + room);
  reading_ = true;
  ws_.async_read_some(asio::buffer(msg_.data() + filled_, room),
                      [self = self()](beast::error_code ec, size_t n) { self->on_read(ec, n); });
}

void Session::on_read(beast::error_code ec, size_t n) {
  reading_ = false;
  if (ec) {
    // Closed by the peer, 1009 (too big), 1007 (bad UTF-8), protocol error, reset or our
    // own abort: Beast has already sent its close frame and torn the connection down.
    std::string().swap(msg_);
    filled_ = 0;
    return fail();
  }
  filled_ += n;
  alive_ = true;
  if (!ws_.is_message_done()) return read_more();
  msg_.resize(filled_);
  filled_ = 0;
  std::string message = std::move(msg_);
  msg_.clear();
  ++unconsumed_;
  if (callbacks_.on_message) callbacks_.on_message(std::move(message));
  read_more();
}

// The write pump: flushes pending bytes as one frame at a time, then a requested close.
void Session::advance() {
  if (dead_) return maybe_finish();
  if (!open_ || writing_) return;
  {
    std::lock_guard lock(mu_);
    flush_posted_ = false;
    if (!pending_.empty()) {
      out_.swap(pending_);
      in_flight_ = out_.size();
    } else {
      std::string().swap(pending_);  // idle: keep no capacity around
    }
  }
  if (out_.empty()) {
    std::string().swap(out_);
    if (close_req_ && !close_started_) start_close();
    return;
  }
  writing_ = true;
  arm_deadline(ep_->options.write_timeout, false);
  ws_.async_write(asio::buffer(out_),
                  [self = self()](beast::error_code ec, size_t) { self->on_write(ec); });
}

void Session::on_write(beast::error_code ec) {
  writing_ = false;
  disarm_deadline();
  out_.clear();
  {
    std::lock_guard lock(mu_);
    in_flight_ = 0;
  }
  if (ec) return fail();  // includes a write timeout, which closed the socket
  advance();
}

void Session::start_close() {
  close_started_ = true;
  arm_deadline(ep_->options.close_timeout, true);
  if (close_req_->code == kNoCloseFrame) {
    beast::error_code ec;
    ws_.next_layer().shutdown(tcp::socket::shutdown_send, ec);
    return fail();
  }
  // Beast is already closing (it answered a close frame or a bad message); the deadline
  // bounds its teardown.
  if (!ws_.is_open()) return;
  closing_op_ = true;
  websocket::close_reason cr(static_cast<websocket::close_code>(close_req_->code),
                             close_req_->reason);
  ws_.async_close(cr, [self = self()](beast::error_code) {
    self->closing_op_ = false;
    self->fail();  // handshake over (or failed): the connection is done either way
  });
}

/// One timer, two uses. The close deadline, once armed, is never moved or disarmed.
void Session::arm_deadline(std::chrono::milliseconds d, bool closing) {
  if (close_deadline_) return;
  close_deadline_ = closing;
  const uint64_t gen = ++deadline_gen_;
  timer_.expires_after(d);
  timer_.async_wait([self = self(), gen](beast::error_code ec) {
    if (ec || gen != self->deadline_gen_ || self->dead_) return;
    if (self->close_deadline_ || self->writing_ || self->handshaking_) self->fail();
  });
}

/// Ends a handshake or write timeout; the close deadline stays.
void Session::disarm_deadline() {
  if (close_deadline_) return;
  ++deadline_gen_;
  timer_.cancel();
}

void Session::schedule_ping() {
  if (!ping_timer_) ping_timer_ = std::make_unique<Timer>(ws_.get_executor());
  ping_timer_->expires_after(ep_->options.native_ping_interval);
  // Weak: the ping loop alone must not keep a connection nobody owns.
  ping_timer_->async_wait([weak = weak_from_this()](beast::error_code ec) {
    auto self = std::static_pointer_cast<Session>(weak.lock());
    if (!ec && self) self->on_ping_tick();
  });
}

void Session::on_ping_tick() {
  if (dead_ || close_started_) return;
  if (!alive_) return fail();  // no pong (nor anything else) for a whole interval
  alive_ = false;
  if (!pinging_ && ws_.is_open()) {
    pinging_ = true;
    ws_.async_ping({}, [self = self()](beast::error_code ec) {
      self->pinging_ = false;
      if (ec) return self->fail();
      self->maybe_finish();
    });
  }
  schedule_ping();
}

void Session::on_control(websocket::frame_type kind) {
  if (kind == websocket::frame_type::pong) {
    alive_ = true;
  } else if (kind == websocket::frame_type::close) {
    arm_deadline(ep_->options.close_timeout, true);  // bounds Beast's reply and teardown
  }
}

/// The connection is over: drop the socket (aborting what is pending) and finish once every
/// operation has returned.
void Session::fail() {
  if (!dead_) {
    dead_ = true;
    {
      std::lock_guard lock(mu_);
      closing_ = true;
      std::string().swap(pending_);
    }
    beast::error_code ec;
    ws_.next_layer().close(ec);
    timer_.cancel();
    if (ping_timer_) ping_timer_->cancel();
  }
  maybe_finish();
}

void Session::maybe_finish() {
  if (!dead_ || finished_ || reading_ || writing_ || pinging_ || closing_op_ || handshaking_)
    return;
  finished_ = true;
  std::string().swap(out_);
  std::string().swap(msg_);
  ep_->remove(this);
  if (started_) deliver_closed();
}

void Session::deliver_closed() {
  auto on_closed = std::move(callbacks_.on_closed);
  callbacks_ = {};  // drop what the callbacks captured (often this connection)
  if (on_closed) on_closed();
}

/// The same connection and strand, with the executor's type spelled out (see Strand).
std::optional<Socket> rebind(tcp::socket s) {
  const Strand* strand = s.get_executor().target<Strand>();
  beast::error_code ec;
  const auto local = s.local_endpoint(ec);
  if (!strand || ec) return std::nullopt;
  Strand ex = *strand;
  const auto fd = s.release(ec);
  if (ec) return std::nullopt;
  Socket out(ex);
  out.assign(local.protocol(), fd, ec);
  if (ec) {
    ::close(fd);
    return std::nullopt;
  }
  return out;
}

}  // namespace

void start_session(const std::shared_ptr<EndpointState>& state, HttpUpgrade&& up) {
  const auto& req = up.request;
  if (state->options.at_capacity && state->options.at_capacity())
    return reject(std::move(up.stream), req.version(), http::status::service_unavailable);
  if (!ws::origin_allowed(state->options.allowed_origins, req[http::field::origin]))
    return reject(std::move(up.stream), req.version());

  std::string_view target = req.target();
  const size_t q = target.find('?');
  const std::string_view query =
      q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  std::string offered;
  for (const auto& f : req) {
    if (f.name() != http::field::sec_websocket_protocol) continue;
    if (!offered.empty()) offered.push_back(',');
    offered.append(f.value());
  }
  const ws::ProtocolChoice choice = ws::choose_protocol(offered, query);

  auto hs = std::make_unique<WsHandshake>();
  hs->protocol = choice.protocol;
  hs->remote_address = std::move(up.remote_address);
  hs->ws_frame_ping_pong = ws::wants_frame_ping_pong(query);
  hs->headers.reserve(std::distance(req.begin(), req.end()));
  for (const auto& f : req) {
    std::string name(f.name_string());
    for (char& c : name)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    hs->headers.emplace_back(std::move(name), std::string(f.value()));
  }

  auto socket = rebind(up.stream.release_socket());
  if (!socket) return;  // not on an io_context strand (HttpServer always is): just drop it
  const bool native_ping = hs->ws_frame_ping_pong;
  auto session =
      std::make_shared<Session>(state, std::move(*socket), choice.protocol, native_ping);
  // After shutdown() the handshake still completes so that the client sees 3001.
  if (!state->add(session.get())) session->close(3001, "shutdown");
  session->accept(req, choice.subprotocol, std::move(hs));
}

}  // namespace herald::ws_detail
