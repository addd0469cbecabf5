#include "engine/redis/link.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <boost/asio/post.hpp>

namespace herald::redis::detail {

namespace asio = boost::asio;

namespace {

// Handshake steps travel as hiredis privdata, so failures can say which step failed.
enum Step : uintptr_t { kAuth, kSelect, kSetName, kPing };
const char* step_name(uintptr_t s) {
  static const char* names[] = {"AUTH", "SELECT", "CLIENT SETNAME", "PING"};
  return s <= kPing ? names[s] : "handshake";
}

}  // namespace

ArgvView::ArgvView(const Args& args) {
  ptrs.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
}

Link::Link(Strand strand, Address address, Options options, StateCallback on_state)
    : strand_(std::move(strand)),
      address_(std::move(address)),
      options_(std::move(options)),
      on_state_(std::move(on_state)),
      resolver_(strand_),
      attempt_timer_(strand_),
      reconnect_timer_(strand_),
      io_timer_(strand_),
      health_timer_(strand_),
      backoff_(options_.reconnect_min, options_.reconnect_max) {
  // Options override what the address URL carried.
  if (!options_.user.empty()) address_.user = options_.user;
  if (!options_.password.empty()) address_.password = options_.password;
  if (options_.db >= 0) address_.db = options_.db;
}

Link::~Link() {
  // Subclasses call close_now() in their destructors; this is the last resort (the
  // io_context was destroyed without running our close handler). Detach our callbacks from
  // the context so nothing calls into a half-destroyed object.
  if (ac_ != nullptr) {
    ac_->data = nullptr;
    dropping_ = true;
    redisAsyncFree(std::exchange(ac_, nullptr));
  }
}

void Link::start() {
  asio::post(strand_, [self = shared_from_this()] { self->attempt(); });
}

void Link::close() {
  asio::post(strand_, [self = shared_from_this()] { self->close_now(); });
}

Stats Link::stats() const {
  Stats s;
  s.writes = writes_.load();
  s.flushes = flushes_.load();
  s.commands = commands_.load();
  s.connects = connects_.load();
  s.timeouts = timeouts_.load();
  return s;
}

template <class Fn>
void Link::post_if_current(Fn fn) {
  asio::post(strand_, [self = shared_from_this(), gen = generation_, fn = std::move(fn)] {
    if (gen == self->generation_ && self->state() != LinkState::closed) fn(*self);
  });
}

void Link::report(Event e, const std::string& reason) {
  if (state() == LinkState::closed) return;
  if (e != Event::resubscribed) {
    if (reported_ == e) return;
    reported_ = e;
  }
  if (on_state_) on_state_(e, reason);
}

// -- connecting ------------------------------------------------------------------------------

void Link::attempt() {
  if (state() == LinkState::closed) return;
  state_ = LinkState::connecting;
  attempt_timer_.expires_after(options_.connect_timeout);
  attempt_timer_.async_wait([self = shared_from_this(), gen = generation_](auto ec) {
    if (ec || gen != self->generation_ || self->state() != LinkState::connecting) return;
    auto ms = std::to_string(self->options_.connect_timeout.count());
    self->drop(Errc::not_connected, "connect timeout (" + ms + " ms)");
  });
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(address_.host, ec);
  if (!ec) return connect_to({ip, address_.port});
  // Names go through Asio's resolver: hiredis would call getaddrinfo() on our thread.
  resolver_.async_resolve(
      address_.host, std::to_string(address_.port),
      [self = shared_from_this(), gen = generation_](auto ec, auto results) {
        if (gen != self->generation_ || self->state() != LinkState::connecting) return;
        if (ec || results.empty()) {
          return self->drop(Errc::not_connected, "resolve " + self->address_.host + ": " +
                                                     (ec ? ec.message() : "no address"));
        }
        self->connect_to(results.begin()->endpoint());
      });
}

void Link::connect_to(const asio::ip::tcp::endpoint& endpoint) {
  std::string ip = endpoint.address().to_string();
  redisAsyncContext* ac = redisAsyncConnect(ip.c_str(), endpoint.port());
  if (ac == nullptr) return drop(Errc::not_connected, "out of memory");
  if (ac->err) {
    std::string reason = ac->errstr;
    redisAsyncFree(ac);
    return drop(Errc::not_connected, reason);
  }
  ac_ = ac;
  ac->data = this;
  attach_asio(ac, strand_, *this);
  redisAsyncSetConnectCallback(ac, &Link::on_connect);
  ac->ev.addWrite(ac->ev.data);  // onConnect fires on the first writability
}

void Link::on_connect(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<Link*>(ac->data);
  // On failure hiredis frees the context right after this; on_context_freed reports it.
  if (self != nullptr && status == REDIS_OK) self->handshake();
}

void Link::handshake() {
  // Pipelined in one write; PING last so "up" means the server really answers (a SIGSTOPped
  // Redis still completes TCP handshakes from its listen backlog).
  handshake_error_.clear();
  handshake_left_ = 0;
  auto step = [&](Step s, Args args) {
    ++handshake_left_;
    ArgvView v(args);
    redisAsyncCommandArgv(ac_, &Link::on_handshake_reply, reinterpret_cast<void*>(uintptr_t{s}),
                          v.argc(), v.ptrs.data(), v.lens.data());
  };
  if (!address_.password.empty()) {
    step(kAuth, address_.user.empty() ? Args{"AUTH", address_.password}
                                      : Args{"AUTH", address_.user, address_.password});
  }
  if (address_.db != 0) step(kSelect, {"SELECT", std::to_string(address_.db)});
  if (!options_.client_name.empty()) step(kSetName, {"CLIENT", "SETNAME", options_.client_name});
  step(kPing, {"PING"});
}

void Link::on_handshake_reply(redisAsyncContext* ac, void* reply, void* privdata) {
  auto* self = static_cast<Link*>(ac->data);
  if (self == nullptr || reply == nullptr) return;  // context going away: reported there
  auto* r = static_cast<redisReply*>(reply);
  if (r->type == REDIS_REPLY_ERROR && self->handshake_error_.empty()) {
    self->handshake_error_ = std::string(step_name(reinterpret_cast<uintptr_t>(privdata))) +
                             " failed: " + std::string(r->str, r->len);
  }
  // Act outside hiredis: we may free the context, which is not allowed in its callbacks.
  if (--self->handshake_left_ == 0) self->post_if_current([](Link& l) { l.finish_handshake(); });
}

void Link::finish_handshake() {
  if (!handshake_error_.empty()) return drop(Errc::not_connected, handshake_error_);
  attempt_timer_.cancel();
  state_ = LinkState::up;
  backoff_.reset();
  ++connects_;
  bool reconnected = std::exchange(ever_up_, true);
  arm_health_timer();
  report(Event::up, "");
  on_up(reconnected);
}

// -- losing it -------------------------------------------------------------------------------

void Link::drop(Errc why, const std::string& reason) {
  if (ac_ != nullptr) {
    failure_ = why;
    dropping_ = true;
    redisAsyncFree(std::exchange(ac_, nullptr));  // runs pending callbacks with NULL
    dropping_ = false;
    failure_ = Errc::connection_lost;
  }
  lost(why, reason);
}

void Link::on_context_freed(const redisAsyncContext* ac) {
  if (ac != ac_) return;
  ac_ = nullptr;
  if (dropping_) return;  // drop() or close_now() handles the rest
  // hiredis freed it (EOF, I/O error, failed connect). Timers and posted steps of this
  // connection (health check, finish_handshake) must not run on it: make them stale now.
  ++generation_;
  std::string reason = ac->errstr[0] != '\0' ? ac->errstr : "connection closed";
  post_if_current([reason](Link& l) { l.lost(Errc::connection_lost, reason); });
}

void Link::lost(Errc why, const std::string& reason) {
  if (state() == LinkState::closed) return;
  ++generation_;  // every handler of the old connection is stale now
  resolver_.cancel();
  attempt_timer_.cancel();
  io_timer_.cancel();
  health_timer_.cancel();
  io_timer_armed_ = false;
  inflight_.clear();
  raw_reads_ = false;
  state_ = LinkState::down;
  report(Event::down, reason);  // first, so the owner logs the cause before the failures
  on_down(why);
  reconnect_timer_.expires_after(backoff_.next());
  reconnect_timer_.async_wait([self = shared_from_this(), gen = generation_](auto ec) {
    if (!ec && gen == self->generation_) self->attempt();
  });
}

void Link::close_now() {
  if (state() == LinkState::closed) return;
  ++generation_;
  state_ = LinkState::closed;
  resolver_.cancel();
  for (auto* t : {&attempt_timer_, &reconnect_timer_, &io_timer_, &health_timer_}) t->cancel();
  if (ac_ != nullptr) {
    failure_ = Errc::closed;
    dropping_ = true;
    redisAsyncFree(std::exchange(ac_, nullptr));
    dropping_ = false;
  }
  on_closed();
  on_state_ = nullptr;
}

}  // namespace herald::redis::detail
