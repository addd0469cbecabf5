#include "actors/webhook/webhook_pool_actor.hpp"

#include <algorithm>

namespace herald {

webhook_actor::behavior_type webhook_pool_actor_impl(webhook_pool_pointer self,
                                                     std::shared_ptr<const WebhookContext> ctx,
                                                     size_t workers) {
  workers = std::max<size_t>(workers, 1);
  for (size_t i = 0; i < workers; ++i)
    self->state.workers.push_back(
        self->spawn<caf::linked>(webhook_actor_impl, ctx, static_cast<uint32_t>(i)));
  auto worker_of = [self](uint32_t partition) -> const webhook_actor& {
    return self->state.workers[partition % self->state.workers.size()];
  };
  return {
      [self, worker_of](deliver_atom a, uint32_t partition, ChannelStateBatch& batch) {
        return self->delegate(worker_of(partition), a, partition, std::move(batch));
      },
      [self, worker_of](wh_forget_atom a, uint32_t partition) {
        return self->delegate(worker_of(partition), a, partition);
      },
      [self](shutdown_atom a) {
        for (const auto& w : self->state.workers) self->send(w, a);
        self->quit();
      },
  };
}

}  // namespace herald
