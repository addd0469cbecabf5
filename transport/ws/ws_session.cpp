// The upgrade entry point, what both sessions share, and the Beast session: Beast's
// websocket::stream over the upgraded TCP socket, all of it on the connection's strand. It
// serves only connections that negotiate permessage-deflate (`websocket.compression` on and
// offered by the client); every other connection is a LeanSession (lean_session.cpp), which
// drops Beast's 2.6 KB stream after the handshake. send(), send_deferred(), flush() and
// close() are called from other threads (connection actors, a channel's fan-out task on
// another strand); they touch the lock-guarded outbound state and post to the strand.
//
// Memory per idle connection: reads go into a std::string whose inline (SSO) storage takes
// the first bytes of a message; the outbound buffers are released when a write leaves
// nothing pending; the stream sits on the bare tcp::socket, not on beast::tcp_stream (whose
// three timers cost ~500 bytes); the handshake details are built once, handed to `accept`
// and not kept.
#include "transport/ws/ws_session.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <unistd.h>

#include <algorithm>
#include <optional>
#include <string>

#include "transport/http/upgrade.hpp"
#include "transport/ws/handshake.hpp"
#include "transport/ws/session_common.hpp"

namespace herald::ws_detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

constexpr size_t kMaxReadChunk = 64 * 1024;  // bounds one buffer growth when there is no limit
constexpr size_t kMaxCloseReason = 123;      // a control frame carries at most 125 bytes

std::string truncate_reason(std::string_view r) {
  if (r.size() <= kMaxCloseReason) return std::string(r);
  size_t n = kMaxCloseReason;
  while (n > 0 && (static_cast<unsigned char>(r[n]) & 0xC0) == 0x80) --n;  // whole UTF-8 chars
  return std::string(r.substr(0, n));
}

void StrandQueue::post(std::function<void()> task) { asio::post(strand_, std::move(task)); }

void StrandQueue::defer(std::function<void()> task) {
  asio::post(strand_.get_inner_executor(),
             [s = strand_, t = std::move(task)]() mutable { asio::post(s, std::move(t)); });
}

Outbound::Append Outbound::append(std::string_view message, bool json, uint64_t limit) {
  std::lock_guard lock(mu_);
  if (closing_) return Append::closing;
  const size_t sep = json && !pending_.empty() ? 1 : 0;
  if (pending_.size() + in_flight_ + sep + message.size() > limit) {
    // The reader is too slow: what is queued would not reach it in time anyway.
    closing_ = true;
    std::string().swap(pending_);
    return Append::overflow;
  }
  if (sep) pending_.push_back('\n');
  pending_.append(message);
  if (flush_posted_) return Append::queued;
  flush_posted_ = true;
  return Append::flush_due;
}

bool Outbound::start_closing() {
  std::lock_guard lock(mu_);
  if (closing_) return false;
  closing_ = true;
  return true;
}

bool Outbound::closing() {
  std::lock_guard lock(mu_);
  return closing_;
}

void Outbound::take(std::string& out) {
  std::lock_guard lock(mu_);
  flush_posted_ = false;
  if (!pending_.empty()) {
    out.swap(pending_);
    in_flight_ = out.size();
  } else {
    std::string().swap(pending_);  // idle: keep no capacity around
  }
}

void Outbound::written() {
  std::lock_guard lock(mu_);
  in_flight_ = 0;
}

void Outbound::abandon() {
  std::lock_guard lock(mu_);
  closing_ = true;
  std::string().swap(pending_);
}

namespace {

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

class Session final : public SessionFront<Session> {
 public:
  Session(std::shared_ptr<EndpointState> ep, Socket&& socket,
          protocol::Protocol protocol, bool native_ping)
      : SessionFront(std::move(ep), protocol, socket.get_executor()),
        ws_(std::move(socket)),
        native_ping_(native_ping) {}

  void accept(const http::request<http::string_body>& req, const char* subprotocol,
              std::unique_ptr<WsHandshake> hs);

 private:
  friend class SessionFront<Session>;

  Strand executor() { return ws_.get_executor(); }
  void on_accept(beast::error_code ec, std::unique_ptr<WsHandshake> hs);
  void read_more();
  void on_read(beast::error_code ec, size_t n);
  void advance();
  void on_write(beast::error_code ec);
  void start_close();
  void on_ping_tick();
  void on_control(websocket::frame_type kind);
  void fail();
  void maybe_finish();

  websocket::stream<Socket> ws_;

  // Strand only.
  std::string out_;  // the frame being written
  std::string msg_;  // the message being read
  size_t filled_ = 0;
  const bool native_ping_;
  bool open_ = false;
  bool reading_ = false, pinging_ = false, closing_op_ = false;
  bool close_started_ = false;
  bool alive_ = true;  // something arrived since the last native ping
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
  if (outbound_.closing()) return advance();  // shutdown() while the 101 was being written
  if (native_ping_) schedule_ping();
  hand_over(std::move(hs));
  advance();
}

void Session::read_more() {
  if (dead_ || reading_ || !started_ || !open_) return;
  if (input_paused()) return;
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
  deliver(std::move(message));
  read_more();
}

// The write pump: flushes pending bytes as one frame at a time, then a requested close.
void Session::advance() {
  if (dead_) return maybe_finish();
  if (!open_ || writing_) return;
  outbound_.take(out_);
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
  outbound_.written();
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
    outbound_.abandon();
    beast::error_code ec;
    ws_.next_layer().close(ec);
    cancel_timers();
  }
  maybe_finish();
}

void Session::maybe_finish() {
  if (!dead_ || finished_ || reading_ || writing_ || pinging_ || closing_op_ || handshaking_)
    return;
  std::string().swap(out_);
  std::string().swap(msg_);
  finish();
}

/// The client offers permessage-deflate (RFC 7692) in Sec-WebSocket-Extensions.
bool offers_deflate(const UpgradeRequest& req) {
  for (const auto& f : req) {
    if (f.name() != http::field::sec_websocket_extensions) continue;
    for (const auto& ext : http::ext_list{f.value()})
      if (beast::iequals(ext.first, "permessage-deflate")) return true;
  }
  return false;
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
  if (!state->options.compression || !offers_deflate(req)) {
    return start_lean_session(state, std::move(*socket), choice.protocol, native_ping, req,
                              choice.subprotocol, std::move(hs));
  }
  auto session =
      std::make_shared<Session>(state, std::move(*socket), choice.protocol, native_ping);
  // After shutdown() the handshake still completes so that the client sees 3001.
  if (!state->add(session.get())) session->close(3001, "shutdown");
  session->accept(req, choice.subprotocol, std::move(hs));
}

}  // namespace herald::ws_detail
