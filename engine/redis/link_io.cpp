// Link's I/O side: reply deadlines (io_timeout), health-check pings and socket readiness.
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <hiredis/sds.h>

#include "engine/redis/link.hpp"

namespace herald::redis::detail {

using Clock = std::chrono::steady_clock;

// -- replies and timeouts ----------------------------------------------------------------------

void Link::expect_replies(size_t n) {
  if (n == 0) return;
  auto deadline = Clock::now() + options_.io_timeout;
  // One entry per millisecond at most: a flush of 10k commands costs one entry.
  if (!inflight_.empty() && deadline - inflight_.back().deadline < std::chrono::milliseconds(1)) {
    inflight_.back().count += n;
  } else {
    inflight_.push_back({deadline, n});
  }
  if (!io_timer_armed_) arm_io_timer();
}

void Link::got_replies(size_t n) {
  while (n > 0 && !inflight_.empty()) {
    size_t k = std::min(n, inflight_.front().count);
    inflight_.front().count -= k;
    n -= k;
    if (inflight_.front().count == 0) inflight_.pop_front();
  }
}

void Link::arm_io_timer() {
  io_timer_armed_ = true;
  io_timer_.expires_at(inflight_.front().deadline);
  io_timer_.async_wait([self = shared_from_this(), gen = generation_](auto) {
    if (gen != self->generation_) return;  // a cancelled wait of an old connection
    self->io_timer_armed_ = false;
    if (self->inflight_.empty()) return;
    if (self->inflight_.front().deadline > Clock::now()) return self->arm_io_timer();
    ++self->timeouts_;
    auto ms = std::to_string(self->options_.io_timeout.count());
    self->drop(Errc::timeout, "no reply within io_timeout (" + ms + " ms)");
  });
}

void Link::arm_health_timer() {
  if (options_.health_check_interval.count() <= 0) return;
  health_timer_.expires_after(options_.health_check_interval);
  health_timer_.async_wait([self = shared_from_this(), gen = generation_](auto ec) {
    if (ec || gen != self->generation_ || !self->is_up()) return;
    if (self->inflight_.empty()) self->send_ping();
    self->arm_health_timer();
  });
}

// -- socket readiness (from the adapter) -------------------------------------------------------

void Link::on_readable() {
  if (ac_ == nullptr) return;
  if (raw_reads_) {
    on_raw_readable();
  } else {
    redisAsyncHandleRead(ac_);
  }
}

void Link::on_writable() {
  if (ac_ == nullptr) return;
  bool connecting = (ac_->c.flags & REDIS_CONNECTED) == 0;
  bool pending = ac_->c.obuf != nullptr && sdslen(ac_->c.obuf) > 0;
  redisAsyncHandleWrite(ac_);  // one write(2) of the whole buffer (or connect completion)
  // A completed connect writes the handshake queued in on_connect within the same call.
  if (pending || (connecting && ac_ != nullptr && (ac_->c.flags & REDIS_CONNECTED))) ++writes_;
}

void Link::write_now() {
  if (ac_ != nullptr && (ac_->c.flags & REDIS_CONNECTED)) on_writable();
}

}  // namespace herald::redis::detail
