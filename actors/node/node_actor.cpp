#include "actors/node/node_actor.hpp"

namespace herald {

namespace {

using self_ptr = node_actor::stateful_pointer<NodeActorState>;

template <class Handle, class... Ts>
uint32_t send_to_all(self_ptr self, const std::vector<Handle>& targets, const Ts&... xs) {
  for (const auto& t : targets) self->send(t, xs...);
  return static_cast<uint32_t>(targets.size());
}

/// Drops one subscriber of `channel`; stops the channel actor after the last.
void release(self_ptr self, const std::string& channel) {
  auto& reg = self->state.registry;
  auto* ch = reg.find_channel(channel);
  if (!ch) return;
  auto actor = ch->actor;
  // Ordered after what the caller sent it: the channel actor quits with nothing left to do.
  if (reg.release_subscriber(channel)) self->send(actor, shutdown_atom::value);
}

/// Subscribes every matched connection; answers the first failure, or success.
caf::typed_response_promise<Error> subscribe_all(self_ptr self,
                                                 std::vector<connection_control_actor> targets,
                                                 const ServerSubscribeRequest& req) {
  auto rp = self->make_response_promise<Error>();
  if (targets.empty()) {
    rp.deliver(Error{});
    return rp;
  }
  struct Gather {
    size_t pending;
    Error first;
  };
  auto g = std::make_shared<Gather>(Gather{targets.size(), {}});
  auto one = [rp, g](Error e) mutable {
    if (e && !g->first) g->first = std::move(e);
    if (--g->pending == 0) rp.deliver(g->first);
  };
  for (const auto& t : targets) {
    // A connection that closes meanwhile answers nothing: count it as done, not failed.
    self->request(t, std::chrono::seconds(10), sub_atom::value, req)
        .then([one](Error& e) mutable { one(std::move(e)); },
              [one](caf::error&) mutable { one(Error{}); });
  }
  return rp;
}

}  // namespace

node_actor::behavior_type node_actor_impl(self_ptr self, engine_actor engine) {
  self->send(engine, handler_atom::value, caf::actor_cast<broker_handler_actor>(self));
  auto& reg = self->state.registry;
  // A connection actor that died without `disconn` (it threw, or was killed).
  self->set_down_handler([=, &reg](caf::down_msg& dm) {
    reg.remove_connections_if(
        [&](const connection_control_actor& c) { return c.address() == dm.source; });
  });
  return {
      [=, &reg](deliver_atom, BrokerEventPtr& event) {
        if (auto* ch = reg.find_channel(event->channel))
          self->send(ch->actor, deliver_atom::value, std::move(event));
      },
      [=, &reg](sub_atom, std::string& channel, SubscriberSpec& spec) {
        auto* ch = reg.find_channel(channel);
        if (!ch)
          ch = &reg.add_channel(channel, self->spawn(channel_actor_impl, channel,
                                                     caf::actor_cast<subscriber_release_actor>(self)));
        reg.count_subscriber(*ch);
        self->send(ch->actor, sub_atom::value, std::move(spec));
      },
      [=, &reg](unsub_atom, std::string& channel, subscriber_actor& subscriber) {
        if (auto* ch = reg.find_channel(channel)) {
          self->send(ch->actor, unsub_atom::value, subscriber);
          release(self, channel);
        }
      },
      [=](released_atom, std::string& channel) { release(self, channel); },
      [=, &reg](conn_atom, ConnectionEntry& c) {
        if (!reg.admits(c.user, c.connection_limit, c.user_connection_limit)) return false;
        self->monitor(c.control);
        reg.add_connection(c.client, std::move(c.user), std::move(c.session),
                           std::move(c.control));
        return true;
      },
      [=, &reg](disconn_atom, std::string& client) {
        if (auto control = reg.remove_connection(client)) self->demonitor(control.address());
      },
      [=, &reg](sub_atom, ConnectionFilter& f, ServerSubscribeRequest& req) {
        return subscribe_all(self, reg.match(f), req);
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
