#include "actors/node/node_actor.hpp"

namespace herald {

namespace {

template <class Handle, class... Ts>
uint32_t send_to_all(node_actor::stateful_pointer<NodeActorState> self,
                     const std::vector<Handle>& targets, const Ts&... xs) {
  for (const auto& t : targets) self->send(t, xs...);
  return static_cast<uint32_t>(targets.size());
}

}  // namespace

node_actor::behavior_type node_actor_impl(node_actor::stateful_pointer<NodeActorState> self,
                                          engine_actor engine) {
  self->send(engine, handler_atom::value, caf::actor_cast<broker_handler_actor>(self));
  auto& reg = self->state.registry;
  return {
      [=, &reg](deliver_atom, BrokerEventPtr& event) {
        if (auto* ch = reg.find_channel(event->channel))
          self->send(ch->actor, deliver_atom::value, std::move(event));
      },
      [=, &reg](sub_atom, std::string& channel, SubscriberSpec& spec) {
        auto* ch = reg.find_channel(channel);
        if (!ch) ch = &reg.add_channel(channel, self->spawn(channel_actor_impl, channel));
        reg.count_subscriber(*ch);
        self->send(ch->actor, sub_atom::value, std::move(spec));
      },
      [=, &reg](unsub_atom, std::string& channel, subscriber_actor& subscriber) {
        auto* ch = reg.find_channel(channel);
        if (!ch) return;
        auto actor = ch->actor;
        self->send(actor, unsub_atom::value, subscriber);
        // Ordered after the unsub: the channel actor quits with nothing left to deliver.
        if (reg.release_subscriber(channel)) self->send(actor, shutdown_atom::value);
      },
      [=, &reg](conn_atom, ConnectionEntry& c) {
        if (!reg.admits(c.user, c.connection_limit, c.user_connection_limit)) return false;
        reg.add_connection(c.client, std::move(c.user), std::move(c.session),
                           std::move(c.control));
        return true;
      },
      [=, &reg](disconn_atom, std::string& client) { reg.remove_connection(client); },
      [=, &reg](sub_atom, ConnectionFilter& f, ServerSubscribeRequest& req) {
        return send_to_all(self, reg.match(f), sub_atom::value, req);
      },
      [=, &reg](unsub_atom, ConnectionFilter& f, std::string& channel) {
        return send_to_all(self, reg.match(f), unsub_atom::value, channel);
      },
      [=, &reg](disconn_atom, ConnectionFilter& f, uint32_t code, std::string& reason) {
        return send_to_all(self, reg.match(f), disconn_atom::value, code, reason);
      },
      [=, &reg](refresh_atom, ConnectionFilter& f, ServerRefreshRequest& req) {
        return send_to_all(self, reg.match(f), refresh_atom::value, req);
      },
      [=, &reg](info_atom) { return reg.counts(); },
      [=, &reg](channels_atom) { return reg.channel_counts(); },
      [=, &reg](shutdown_atom) {
        reg.for_each_channel(
            [&](const std::string&, const channel_actor& a) { self->send(a, shutdown_atom::value); });
        self->quit();
      },
  };
}

}  // namespace herald
