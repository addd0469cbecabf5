#include "actors/channel/channel_actor.hpp"

namespace herald {

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
        if (st.subscribers.add(spec)) self->monitor(spec.actor);
        changed();
      },
      [=](unsub_atom, subscriber_actor& actor) {
        if (self->state.subscribers.remove(actor)) self->demonitor(actor.address());
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
          st.queue->post([push, is_pub, targets = st.targets, f = st.flushes] {
            for (const auto& t : *targets)
              if (is_pub || t.join_leave) t.slot->deliver(push, t.slot, &f->due);
            const uint32_t behind = f->queued.fetch_sub(1, std::memory_order_acq_rel) - 1;
            if (behind > 0 && ++f->tasks < ChannelActorState::kMaxTasksPerFlush) return;
            f->tasks = 0;
            for (const auto& c : f->due) c->flush();
            f->due.clear();
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
