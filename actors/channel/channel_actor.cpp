#include "actors/channel/channel_actor.hpp"

namespace herald {

channel_actor::behavior_type channel_actor_impl(
    channel_actor::stateful_pointer<ChannelActorState> self, std::string channel) {
  self->state.channel = std::move(channel);
  return {
      [=](sub_atom, SubscriberSpec& spec) { self->state.subscribers.add(spec); },
      [=](unsub_atom, subscriber_actor& actor) { self->state.subscribers.remove(actor); },
      [=](deliver_atom, BrokerEventPtr& event) {
        auto& subs = self->state.subscribers;
        auto push = subs.encode(event);
        if (!push) return;
        for (const auto& s : subs.all()) {
          if (!ChannelSubscribers::wants(s, *event)) continue;
          self->send(s.actor, push_atom::value, push);
          ++self->state.delivered;
        }
      },
      [=](shutdown_atom) { self->quit(); },
  };
}

}  // namespace herald
