#include "actors/webhook/webhook_actor.hpp"

#include <spdlog/spdlog.h>

namespace herald {

namespace {

class Worker {
 public:
  using Partition = WebhookActorState::Partition;

  explicit Worker(webhook_pointer self) : self_(self), st_(self->state) {}

  caf::typed_response_promise<bool> deliver(uint32_t partition, ChannelStateBatch& batch) {
    auto rp = self_->make_response_promise<bool>();
    if (st_.stopping) {
      rp.deliver(false);
      return rp;
    }
    if (batch.empty()) {
      rp.deliver(true);
      return rp;
    }
    auto [it, fresh] = st_.partitions.try_emplace(partition);
    Partition& p = it->second;
    if (fresh) p.backoff = DeliveryBackoff(ctx().options.backoff_min, ctx().options.backoff_max);
    p.items.push_back(Partition::Item{std::move(batch), rp});
    if (!p.in_flight && p.timer == 0) attempt(partition, p);
    return rp;
  }

  uint32_t forget(uint32_t partition) {
    auto it = st_.partitions.find(partition);
    if (it == st_.partitions.end()) return 0;
    const auto n = static_cast<uint32_t>(it->second.items.size());
    give_up(it->second);
    st_.partitions.erase(it);
    return n;
  }

  void shutdown() {
    st_.stopping = true;
    for (auto& [partition, p] : st_.partitions) give_up(p);
    st_.partitions.clear();
    self_->quit();
  }

  /// The sender's verdict on attempt `id` of `partition`.
  void sent(uint32_t partition, uint64_t id, bool ok, const std::string& error) {
    Partition* p = find(partition, id);
    if (!p || !p->in_flight) return;  // given up meanwhile: nobody waits for it any more
    p->in_flight = false;
    if (ok) return succeeded(partition, *p);
    const auto& c = ctx();
    if (c.counters) ++c.counters->retried;
    if (c.health && c.health->on_failure())
      spdlog::warn("msg=\"channel state proxy failing: batches are retried until it answers\" "
                   "endpoint=\"{}\" partition={} error=\"{}\"",
                   c.endpoint, partition, error);
    const auto delay = p->backoff.next(st_.rng);
    caf::weak_actor_ptr weak{self_->ctrl()};
    p->timer = c.timers->schedule_after(delay, [weak, partition, id](TimerService::TimerId) {
      // On the thread driving the timers: only a message, never the actor's state.
      if (auto strong = weak.lock())
        caf::anon_send(caf::actor_cast<webhook_actor_impl_type>(strong), timer_atom::value,
                       partition, id);
    });
  }

  void retry_due(uint32_t partition, uint64_t id) {
    Partition* p = find(partition, id);
    if (!p || p->timer == 0) return;
    p->timer = 0;
    attempt(partition, *p);
  }

 private:
  const WebhookContext& ctx() const { return *st_.ctx; }

  /// The partition's entry, if `id` is still its current attempt.
  Partition* find(uint32_t partition, uint64_t id) {
    auto it = st_.partitions.find(partition);
    if (it == st_.partitions.end() || it->second.attempt != id) return nullptr;
    return &it->second;
  }

  /// Sends the partition's oldest batch (a copy: it may have to go again).
  void attempt(uint32_t partition, Partition& p) {
    const uint64_t id = st_.next_attempt++;
    p.attempt = id;
    p.in_flight = true;
    auto me = caf::actor_cast<webhook_actor_impl_type>(self_);
    ctx().sender->send(p.items.front().batch,
                       [me, partition, id](ChannelStateSender::Result r) {
                         // On a transport thread: hand the verdict to the actor, nothing more.
                         caf::anon_send(me, wh_sent_atom::value, partition, id, r.ok,
                                        std::move(r.error));
                       });
  }

  void succeeded(uint32_t partition, Partition& p) {
    const auto& c = ctx();
    Partition::Item item = std::move(p.items.front());
    p.items.pop_front();
    p.backoff.reset();
    p.attempt = 0;
    if (c.counters) {
      ++c.counters->batches;
      c.counters->delivered += item.batch.size();
      c.counters->last_batch_size = item.batch.size();
    }
    uint64_t failed_attempts = 0;
    if (c.health && c.health->on_success(&failed_attempts))
      spdlog::info("msg=\"channel state proxy recovered\" endpoint=\"{}\" failed_attempts={}",
                   c.endpoint, failed_attempts);
    item.promise.deliver(true);
    if (p.items.empty()) {
      st_.partitions.erase(partition);
      return;
    }
    attempt(partition, p);
  }

  void give_up(Partition& p) {
    if (p.timer != 0) ctx().timers->cancel(p.timer);
    p.timer = 0;
    p.attempt = 0;
    p.in_flight = false;
    for (auto& item : p.items) item.promise.deliver(false);
    p.items.clear();
  }

  webhook_pointer self_;
  WebhookActorState& st_;
};

}  // namespace

WebhookActorState::~WebhookActorState() {
  for (auto& [partition, p] : partitions) {
    if (p.timer != 0 && ctx) ctx->timers->cancel(p.timer);
    for (auto& item : p.items)
      if (item.promise.pending()) item.promise.deliver(false);
  }
}

webhook_actor_impl_type::behavior_type webhook_actor_impl(
    webhook_pointer self, std::shared_ptr<const WebhookContext> ctx, uint32_t index) {
  self->state.ctx = std::move(ctx);
  const uint64_t seed = self->state.ctx->options.seed;
  self->state.rng.seed(seed != 0 ? seed + index : std::random_device{}());
  return {
      [self](deliver_atom, uint32_t partition, ChannelStateBatch& batch) {
        return Worker(self).deliver(partition, batch);
      },
      [self](wh_forget_atom, uint32_t partition) { return Worker(self).forget(partition); },
      [self](shutdown_atom) { Worker(self).shutdown(); },
      [self](wh_sent_atom, uint32_t partition, uint64_t id, bool ok, std::string& error) {
        Worker(self).sent(partition, id, ok, error);
      },
      [self](timer_atom, uint32_t partition, uint64_t id) {
        Worker(self).retry_due(partition, id);
      },
  };
}

}  // namespace herald
