// One logical connection to one Redis server, with automatic pipelining, timeouts and
// reconnects. Callers never block: commands are queued and answered through callbacks.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <vector>

#include "engine/redis/address.hpp"
#include "engine/redis/options.hpp"
#include "engine/redis/reply.hpp"

namespace herald::redis {

namespace detail {
class ConnectionImpl;
}

/// Threading: every method may be called from any thread. Callbacks (replies and state) run
/// on this connection's strand of `executor`, i.e. on a thread running its io_context; they
/// must not throw and must not block. The io_context must keep running until close() has
/// been processed (destroy the Connection, then let run() return: nothing remains queued).
///
/// Pipelining: all commands issued within one turn of the event loop leave in one write(2).
///
/// While down: a command issued while the connection is down (between reconnect attempts)
/// fails at once with Errc::not_connected, without being queued. A command issued during a
/// connection attempt (including the very first one) waits for that attempt only: it is sent
/// when the attempt succeeds or fails with not_connected when it fails (≤ connect_timeout).
/// Nothing is queued across attempts, so a dead Redis never accumulates work.
class Connection {
 public:
  /// Starts connecting at once. `on_state` reports up/down transitions, once each.
  Connection(boost::asio::any_io_executor executor, Address address, Options options = {},
             StateCallback on_state = {});
  /// close().
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Sends `args` (binary-safe); `callback` (may be empty) is called exactly once.
  /// Empty `args` ⇒ an "ERR empty command" error reply, nothing sent.
  void command(Args args, ReplyCallback callback = {});
  /// Sends several commands back to back, with nothing from other callers in between
  /// (ASKING + command, MULTI ... EXEC).
  void batch(std::vector<Command> commands);
  /// A Sender for this connection. It shares the connection's state, so it stays safe to
  /// call after the Connection is destroyed (commands then fail with Errc::closed).
  Sender sender() const;

  /// Fails everything pending with Errc::closed; idempotent; no state reports after it.
  void close();
  bool is_up() const;
  Stats stats() const;
  const Address& address() const;

 private:
  std::shared_ptr<detail::ConnectionImpl> impl_;
};

}  // namespace herald::redis
