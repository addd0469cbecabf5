// The life of one logical connection, shared by Connection and PubSub: resolve, connect,
// handshake (AUTH, SELECT, CLIENT SETNAME, PING), io_timeout on replies, health-check pings,
// state reports and reconnects with backoff. Subclasses decide what to send and how replies
// are dispatched. Everything here runs on one strand unless a comment says otherwise.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/redis/address.hpp"
#include "engine/redis/asio_adapter.hpp"
#include "engine/redis/backoff.hpp"
#include "engine/redis/errors.hpp"
#include "engine/redis/options.hpp"
#include "engine/redis/reply.hpp"

namespace herald::redis::detail {

enum class LinkState : uint8_t { connecting, up, down, closed };

/// `args` as hiredis' (argc, argv, argvlen) triple: binary-safe, no copies.
struct ArgvView {
  explicit ArgvView(const Args& args);
  int argc() const { return static_cast<int>(ptrs.size()); }
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
};

/// Items submitted from any thread and drained on the strand: push() says whether the caller
/// must post a drain (at most one is pending), so a burst of submissions costs one post and
/// is drained — and written — in one strand turn.
template <class T>
class Inbox {
 public:
  bool push(T item) {
    std::lock_guard lock(mutex_);
    items_.push_back(std::move(item));
    return !std::exchange(drain_posted_, true);
  }
  bool push_all(std::vector<T> items) {
    std::lock_guard lock(mutex_);
    for (auto& item : items) items_.push_back(std::move(item));
    return !std::exchange(drain_posted_, true);
  }
  /// Takes everything (or, with keep = true, nothing) and allows the next post.
  std::vector<T> take(bool keep = false) {
    std::lock_guard lock(mutex_);
    drain_posted_ = false;
    std::vector<T> out;
    if (!keep) out.swap(items_);
    return out;
  }

 private:
  std::mutex mutex_;
  std::vector<T> items_;
  bool drain_posted_ = false;
};

class Link : public std::enable_shared_from_this<Link>, private IoHandler {
 public:
  Link(Strand strand, Address address, Options options, StateCallback on_state);
  virtual ~Link();
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  /// Any thread. Starts the first connection attempt.
  void start();
  /// Any thread, idempotent. Fails everything pending with Errc::closed; no state reports
  /// after this. The object lives on until its last queued handler ran.
  void close();

  LinkState state() const { return state_.load(); }
  Stats stats() const;
  const Address& address() const { return address_; }
  const Strand& strand() const { return strand_; }

 protected:
  // -- for subclasses, on the strand -----------------------------------------------------
  redisAsyncContext* context() const { return ac_; }
  bool is_up() const { return state() == LinkState::up; }
  /// `n` more replies are due within io_timeout (in send order).
  void expect_replies(size_t n);
  /// `n` expected replies arrived.
  void got_replies(size_t n);
  /// Hands hiredis' output buffer to write(2) now. Never from inside a hiredis callback.
  void write_now();
  /// Frees the context (hiredis fails its pending callbacks with failure()), reports down
  /// and schedules a reconnect. Never from inside a hiredis callback: post it.
  void drop(Errc why, const std::string& reason);
  /// What the callbacks of commands dropped with the context report.
  Errc failure() const { return failure_; }
  /// Replies are read by on_raw_readable() instead of hiredis' dispatcher (PubSub).
  void set_raw_reads(bool on) { raw_reads_ = on; }
  /// Up/down are reported only when they change; resubscribed always.
  void report(Event e, const std::string& reason);
  /// Synchronous close, for destructors of subclasses (their members are still alive).
  void close_now();

  std::atomic<uint64_t> flushes_{0};
  std::atomic<uint64_t> commands_{0};

  // -- hooks --------------------------------------------------------------------------------
  /// Handshake done; `reconnected` ⇒ this link was up before.
  virtual void on_up(bool reconnected) = 0;
  /// The connection is gone (context freed, state down) because of `why` (connection_lost,
  /// timeout, or not_connected for a failed attempt): fail or keep what is queued.
  virtual void on_down(Errc why) = 0;
  /// Terminal: fail everything still queued, drop user callbacks.
  virtual void on_closed() = 0;
  /// Health check: nothing in flight for a while; send a PING.
  virtual void send_ping() = 0;
  virtual void on_raw_readable() {}

 private:
  struct Due {
    std::chrono::steady_clock::time_point deadline;
    size_t count;
  };

  void attempt();
  void connect_to(const boost::asio::ip::tcp::endpoint& endpoint);
  void handshake();
  void finish_handshake();
  void lost(Errc why, const std::string& reason);
  void arm_io_timer();
  void arm_health_timer();
  template <class Fn>
  void post_if_current(Fn fn);
  static void on_connect(const redisAsyncContext* ac, int status);
  static void on_handshake_reply(redisAsyncContext* ac, void* reply, void* privdata);

  void on_readable() override;
  void on_writable() override;
  void on_context_freed(const redisAsyncContext* ac) override;

  Strand strand_;
  Address address_;
  Options options_;
  StateCallback on_state_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer attempt_timer_;
  boost::asio::steady_timer reconnect_timer_;
  boost::asio::steady_timer io_timer_;
  boost::asio::steady_timer health_timer_;
  Backoff backoff_;

  std::atomic<LinkState> state_{LinkState::connecting};
  redisAsyncContext* ac_ = nullptr;
  uint64_t generation_ = 0;  ///< bumped when a connection is lost or closed: stale handlers
  bool dropping_ = false;    ///< we are freeing the context ourselves
  bool raw_reads_ = false;
  bool ever_up_ = false;
  bool io_timer_armed_ = false;
  Errc failure_ = Errc::connection_lost;
  std::optional<Event> reported_;
  std::deque<Due> inflight_;
  size_t handshake_left_ = 0;
  std::string handshake_error_;

  std::atomic<uint64_t> writes_{0};
  std::atomic<uint64_t> connects_{0};
  std::atomic<uint64_t> timeouts_{0};
};

}  // namespace herald::redis::detail
