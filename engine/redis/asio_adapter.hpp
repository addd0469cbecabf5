// Drives a hiredis 0.14 async context from Asio. hiredis ships adapters for libev, libuv,
// Qt... but not Asio: this is the missing one. hiredis asks for read/write interest through
// its ev hooks; we turn interest into posix::stream_descriptor::async_wait and, when the
// socket is ready, let the owner call into hiredis (redisAsyncHandleRead/Write).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>

struct redisAsyncContext;  // hiredis

namespace herald::redis::detail {

using Strand = boost::asio::strand<boost::asio::any_io_executor>;

/// The owner's side of the adapter. Called on the strand, outside any hiredis call.
class IoHandler {
 public:
  /// The socket is readable: call redisAsyncHandleRead (or read replies yourself).
  virtual void on_readable() = 0;
  /// The socket is writable: call redisAsyncHandleWrite (this is also how hiredis learns
  /// that a non-blocking connect finished).
  virtual void on_writable() = 0;
  /// hiredis is freeing `ac` (error, EOF or redisAsyncFree). Called from inside hiredis:
  /// record the fact, do not call hiredis back. Pending reply callbacks already ran.
  virtual void on_context_freed(const redisAsyncContext* ac) = 0;

 protected:
  ~IoHandler() = default;
};

/// Installs the Asio hooks on `ac` (whose fd must be valid: check ac->err first). Every
/// redisAsync* call on `ac`, and `handler`'s callbacks, must run on `strand`. The adapter
/// keeps itself alive until hiredis calls its cleanup hook; it never closes the fd (hiredis
/// does, in redisFree), it only releases it from Asio. `handler` must outlive `ac`.
void attach_asio(redisAsyncContext* ac, const Strand& strand, IoHandler& handler);

}  // namespace herald::redis::detail
