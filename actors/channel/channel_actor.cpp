#include "actors/channel/channel_actor.hpp"

namespace herald {

channel_actor::behavior_type channel_actor_impl(
    channel_actor::stateful_pointer<ChannelActorState> self, std::string channel,
    subscriber_release_actor node) {
  self->state.channel = std::move(channel);
  // A subscriber that dies without unsubscribing: drop it and tell the node, which counts the
  // channel's subscribers to know when to stop this actor.
  self->set_down_handler([=](caf::down_msg& dm) {
    if (self->state.subscribers.remove(dm.source))
      self->send(node, released_atom::value, self->state.channel);
  });
  return {
      [=](sub_atom, SubscriberSpec& spec) {
        if (self->state.subscribers.add(spec)) self->monitor(spec.actor);
      },
      [=](unsub_atom, subscriber_actor& actor) {
        if (self->state.subscribers.remove(actor)) self->demonitor(actor.address());
      },
      [=](deliver_atom, BrokerEventPtr& event) {
        auto& subs = self->state.subscribers;
        auto push = subs.encode(event);
        if (!push) return;
        for (const auto& s : subs.all()) {
          if (!ChannelSubscribers::wants(s, *event)) continue;
          if (s.slot)
            s.slot->deliver(push, s.slot);
          else
            self->send(s.actor, push_atom::value, push);
          ++self->state.delivered;
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
