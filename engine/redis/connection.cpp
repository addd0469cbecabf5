#include "engine/redis/connection.hpp"

#include <hiredis/async.h>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "engine/redis/connection_impl.hpp"

namespace herald::redis {

namespace detail {

ConnectionImpl::~ConnectionImpl() { close_now(); }

void ConnectionImpl::command(Args args, ReplyCallback callback) {
  if (inbox_.push({std::move(args), std::move(callback)})) post_flush();
}

void ConnectionImpl::batch(std::vector<Command> commands) {
  if (commands.empty()) return;
  if (inbox_.push_all(std::move(commands))) post_flush();
}

void ConnectionImpl::post_flush() {
  auto self = std::static_pointer_cast<ConnectionImpl>(shared_from_this());
  boost::asio::post(strand(), [self] { self->flush(); });
}

void ConnectionImpl::flush() {
  // During a connection attempt commands stay queued; on_up()/on_down() flush again.
  auto batch = inbox_.take(state() == LinkState::connecting);
  if (batch.empty()) return;
  if (!is_up() || context() == nullptr) {
    auto ec = make_error_code(state() == LinkState::closed ? Errc::closed : Errc::not_connected);
    for (auto& c : batch) {
      if (c.callback) c.callback(ec, {});
    }
    return;
  }
  size_t issued = 0;
  for (auto& c : batch) {
    if (c.args.empty()) {
      if (c.callback) c.callback({}, Reply::error_value("ERR empty command"));
      continue;
    }
    ArgvView v(c.args);
    auto* pending = new Pending{std::move(c.callback)};
    if (redisAsyncCommandArgv(context(), &ConnectionImpl::on_reply, pending, v.argc(),
                              v.ptrs.data(), v.lens.data()) != REDIS_OK) {
      // Only when hiredis is already disconnecting: the context is about to go.
      std::unique_ptr<Pending> own(pending);
      if (own->callback) own->callback(make_error_code(Errc::connection_lost), {});
      continue;
    }
    ++issued;
  }
  if (issued == 0) return;
  commands_ += issued;
  ++flushes_;
  expect_replies(issued);
  write_now();
}

void ConnectionImpl::on_reply(redisAsyncContext* ac, void* reply, void* privdata) {
  std::unique_ptr<Pending> pending(static_cast<Pending*>(privdata));
  auto* self = static_cast<ConnectionImpl*>(static_cast<Link*>(ac->data));
  if (reply != nullptr && self != nullptr) self->got_replies(1);
  if (!pending->callback) return;
  if (reply != nullptr) {
    pending->callback({}, Reply::from_hiredis(static_cast<redisReply*>(reply)));
  } else {
    // hiredis frees the context: failure() says why (lost, timeout or closed).
    pending->callback(make_error_code(self ? self->failure() : Errc::closed), {});
  }
}

void ConnectionImpl::on_ping(redisAsyncContext* ac, void* reply, void*) {
  auto* self = static_cast<ConnectionImpl*>(static_cast<Link*>(ac->data));
  if (reply != nullptr && self != nullptr) self->got_replies(1);
}

void ConnectionImpl::send_ping() {
  const char* argv[] = {"PING"};
  const size_t lens[] = {4};
  if (redisAsyncCommandArgv(context(), &ConnectionImpl::on_ping, nullptr, 1, argv, lens) ==
      REDIS_OK) {
    expect_replies(1);
    write_now();
  }
}

void ConnectionImpl::on_up(bool) { flush(); }
void ConnectionImpl::on_down(Errc) { flush(); }
void ConnectionImpl::on_closed() { flush(); }

}  // namespace detail

Connection::Connection(boost::asio::any_io_executor executor, Address address, Options options,
                       StateCallback on_state)
    : impl_(std::make_shared<detail::ConnectionImpl>(boost::asio::make_strand(executor),
                                                     std::move(address), std::move(options),
                                                     std::move(on_state))) {
  impl_->start();
}

Connection::~Connection() { impl_->close(); }

void Connection::command(Args args, ReplyCallback callback) {
  impl_->command(std::move(args), std::move(callback));
}

void Connection::batch(std::vector<Command> commands) { impl_->batch(std::move(commands)); }

Sender Connection::sender() const {
  return [impl = impl_](Args args, ReplyCallback callback) {
    impl->command(std::move(args), std::move(callback));
  };
}

void Connection::close() { impl_->close(); }
bool Connection::is_up() const { return impl_->state() == detail::LinkState::up; }
Stats Connection::stats() const { return impl_->stats(); }
const Address& Connection::address() const { return impl_->address(); }

}  // namespace herald::redis
