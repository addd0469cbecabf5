#include "engine/redis/asio_adapter.hpp"

#include <hiredis/async.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <memory>

namespace herald::redis::detail {

namespace {

namespace asio = boost::asio;
using Descriptor = asio::posix::stream_descriptor;

// One per hiredis context. State is touched only on the strand (hiredis hooks are called
// from redisAsync* calls, which the owner makes on the strand).
class Adapter : public std::enable_shared_from_this<Adapter> {
 public:
  Adapter(redisAsyncContext* ac, const Strand& strand, IoHandler& handler)
      : ac_(ac), descriptor_(strand, ac->c.fd), handler_(&handler) {}

  void install(std::shared_ptr<Adapter> self) {
    self_ = std::move(self);  // released in cleanup(): hiredis owns our lifetime
    ac_->ev.data = this;
    ac_->ev.addRead = [](void* p) { static_cast<Adapter*>(p)->want(kRead, true); };
    ac_->ev.delRead = [](void* p) { static_cast<Adapter*>(p)->want(kRead, false); };
    ac_->ev.addWrite = [](void* p) { static_cast<Adapter*>(p)->want(kWrite, true); };
    ac_->ev.delWrite = [](void* p) { static_cast<Adapter*>(p)->want(kWrite, false); };
    ac_->ev.cleanup = [](void* p) { static_cast<Adapter*>(p)->cleanup(); };
  }

 private:
  enum Dir { kRead = 0, kWrite = 1 };

  // hiredis' add/del hooks must be idempotent. "del" only clears the wish: a wait already
  // armed completes later and is ignored, which is cheaper than cancelling it.
  void want(Dir d, bool on) {
    if (ac_ == nullptr) return;
    wanted_[d] = on;
    if (on) arm(d);
  }

  void arm(Dir d) {
    if (armed_[d]) return;
    armed_[d] = true;
    auto type = d == kRead ? Descriptor::wait_read : Descriptor::wait_write;
    descriptor_.async_wait(type, [self = shared_from_this(), d](boost::system::error_code ec) {
      self->ready(d, ec);
    });
  }

  void ready(Dir d, boost::system::error_code ec) {
    armed_[d] = false;
    if (ac_ == nullptr || ec == asio::error::operation_aborted || !wanted_[d]) return;
    // Any other wait error is left for hiredis to discover on its read/write.
    if (d == kRead) {
      handler_->on_readable();
    } else {
      handler_->on_writable();
    }
    if (ac_ == nullptr) return;  // the context was freed inside the call
    // Re-arm while hiredis still wants it. Asio's epoll reactor re-registers the descriptor
    // (EPOLL_CTL_MOD) for every new wait, so bytes already buffered (hiredis reads 16 KB per
    // call) still wake the next wait even though epoll is edge-triggered.
    if (wanted_[kRead]) arm(kRead);
    if (wanted_[kWrite]) arm(kWrite);
  }

  void cleanup() {
    if (ac_ == nullptr) return;
    redisAsyncContext* ac = ac_;
    ac_ = nullptr;
    // No more hooks: hiredis may call cleanup again on some paths, and we are about to die.
    ac->ev.data = nullptr;
    ac->ev.addRead = ac->ev.delRead = ac->ev.addWrite = ac->ev.delWrite = nullptr;
    ac->ev.cleanup = nullptr;
    handler_->on_context_freed(ac);
    // release(), not close(): redisFree() closes the fd right after this hook returns.
    // release() also cancels our pending waits (they complete with operation_aborted).
    descriptor_.release();
    auto keep = std::move(self_);  // may destroy *this when this function returns
  }

  redisAsyncContext* ac_;
  Descriptor descriptor_;
  IoHandler* handler_;
  bool wanted_[2] = {false, false};
  bool armed_[2] = {false, false};
  std::shared_ptr<Adapter> self_;
};

}  // namespace

void attach_asio(redisAsyncContext* ac, const Strand& strand, IoHandler& handler) {
  auto adapter = std::make_shared<Adapter>(ac, strand, handler);
  adapter->install(adapter);
}

}  // namespace herald::redis::detail
