#include "actors/channel/channel_actor.hpp"

#include <algorithm>

namespace herald {

namespace {

/// Flushes the next chunk of `f->due` (a task of the channel's queue `q`) and defers the
/// rest, one chunk at a time.
void flush_chunk(const std::shared_ptr<ChannelActorState::PendingFlushes>& f,
                 const std::shared_ptr<WsTaskQueue>& q) {
  const size_t end = std::min(f->due.size(), f->next + ChannelActorState::kFlushChunk);
  for (; f->next < end; ++f->next) f->due[f->next]->flush();
  if (f->next < f->due.size()) {
    f->chunk_pending = true;
    return q->defer([f, q] { flush_chunk(f, q); });
  }
  f->chunk_pending = false;
  f->due.clear();
  f->next = 0;
}

}  // namespace

channel_actor::behavior_type channel_actor_impl(
    channel_actor::stateful_pointer<ChannelActorState> self, std::string channel,
    subscriber_release_actor node) {
  self->state.channel = std::move(channel);
  // After any change of the set, the next delivery takes a new snapshot of it: tasks already
  // queued keep the one they were given.
  auto changed = [=] { self->state.targets.reset(); };
  // A subscriber that dies without unsubscribing: drop it and tell the node, which counts the
  // channel's subscribers to know when to stop this actor.
  self->set_down_handler([=](caf::down_msg& dm) {
    if (self->state.subscribers.remove(dm.source)) {
      changed();
      self->send(node, released_atom::value, self->state.channel);
    }
  });
  return {
      [=](sub_atom, SubscriberSpec& spec) {
        auto& st = self->state;
        if (!st.queue && spec.slot && spec.slot->connection())
          st.queue = spec.slot->connection()->make_task_queue();
        if (st.subscribers.add(spec))
          self->monitor(spec.actor);
        else
          self->send(node, released_atom::value, st.channel);  // counted twice, held once
        changed();
      },
      [=](unsub_atom, subscriber_actor& actor) {
        // The node counts a subscriber out only here and in the down handler, whichever
        // removes it: a closing connection's unsubscribe (through the node) and its down
        // message (straight here, usually first) both arrive.
        if (self->state.subscribers.remove(actor)) {
          self->demonitor(actor.address());
          self->send(node, released_atom::value, self->state.channel);
        }
        changed();
      },
      [=](deliver_atom, BrokerEventPtr& event) {
        auto& st = self->state;
        auto push = st.subscribers.encode(event);
        if (!push) return;
        if (!st.targets) {
          auto targets = std::make_shared<std::vector<ChannelActorState::Target>>();
          targets->reserve(st.subscribers.size());
          st.unslotted = 0;
          for (const auto& s : st.subscribers.all()) {
            if (s.slot)
              targets->push_back({s.slot, s.join_leave});
            else
              ++st.unslotted;
          }
          st.targets = std::move(targets);
        }
        const bool is_pub = event->kind == BrokerEvent::Kind::publication;
        if (st.queue) {
          st.flushes->queued.fetch_add(1, std::memory_order_relaxed);
          st.queue->post([push, is_pub, targets = st.targets, f = st.flushes, q = st.queue] {
            for (const auto& t : *targets)
              if (is_pub || t.join_leave) t.slot->deliver(push, t.slot, &f->due);
            const uint32_t behind = f->queued.fetch_sub(1, std::memory_order_acq_rel) - 1;
            if (behind > 0 && ++f->tasks < ChannelActorState::kMaxTasksPerFlush) return;
            f->tasks = 0;
            // A chunk task on its way flushes what this one added too.
            if (!f->chunk_pending) flush_chunk(f, q);
          });
        } else {
          for (const auto& t : *st.targets)
            if (is_pub || t.join_leave) t.slot->deliver(push, t.slot);
        }
        st.delivered += st.targets->size();
        if (st.unslotted == 0) return;
        for (const auto& s : st.subscribers.all()) {
          if (s.slot || !ChannelSubscribers::wants(s, *event)) continue;
          self->send(s.actor, push_atom::value, push);
          ++st.delivered;
        }
      },
      [=](interrupt_atom) {
        for (const auto& s : self->state.subscribers.all())
          self->send(s.actor, interrupt_atom::value, self->state.channel);
      },
      [=](shutdown_atom) { self->quit(); },
  };
}

}  // namespace herald
