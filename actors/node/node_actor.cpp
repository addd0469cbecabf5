#include "actors/node/node_actor.hpp"

#include "actors/errors.hpp"

namespace herald {

namespace {

using self_ptr = node_actor_impl_type::stateful_pointer<NodeActorState>;
using Clock = std::chrono::steady_clock;

/// Hands what the engine delivers on; called from any thread. Deliveries go straight to the
/// channel's actor (or nowhere: no local subscriber), the rest to the node actor.
class NodeBrokerHandler final : public BrokerHandler {
 public:
  NodeBrokerHandler(node_actor node, std::shared_ptr<const LocalChannels> channels)
      : node_(std::move(node)), channels_(std::move(channels)) {}
  void deliver(BrokerEventPtr event) override {
    if (auto actor = channels_->find(event->channel))
      caf::anon_send(*actor, deliver_atom::value, std::move(event));
  }
  void control(ControlMessage message) override {
    caf::anon_send(node_, control_atom::value, std::move(message));
  }
  void interrupted(std::vector<std::string> channels) override {
    caf::anon_send(node_, interrupt_atom::value, std::move(channels));
  }

 private:
  node_actor node_;
  std::shared_ptr<const LocalChannels> channels_;
};

template <class Handle, class... Ts>
uint32_t send_to_all(self_ptr self, const std::vector<Handle>& targets, const Ts&... xs) {
  for (const auto& t : targets) self->send(t, xs...);
  return static_cast<uint32_t>(targets.size());
}

/// Sends a command to every other node (the engine never loops it back here).
template <class Body>
void tell_others(self_ptr self, Body body) {
  ControlMessage m;
  m.from = self->state.identity.uid;
  m.body = std::move(body);
  self->send(self->state.engine, control_atom::value, std::move(m));
}

NodeInfo own_info(self_ptr self) {
  const auto& id = self->state.identity;
  NodeCounts n = self->state.registry.counts();
  NodeInfo info;
  info.uid = id.uid;
  info.name = id.name;
  info.version = id.version;
  info.num_clients = n.num_clients;
  info.num_users = n.num_users;
  info.num_channels = n.num_channels;
  info.num_subs = n.num_subs;
  info.uptime_s = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - id.started).count());
  return info;
}

/// Drops one subscriber of `channel`; after the last, stops its actor and tells the broker.
void release(self_ptr self, const std::string& channel) {
  auto& st = self->state;
  auto* ch = st.registry.find_channel(channel);
  if (!ch) return;
  auto actor = ch->actor;
  if (!st.registry.release_subscriber(channel)) return;
  st.local->remove(channel);
  // Ordered after what the caller sent it: the channel actor quits with nothing left to do.
  self->send(actor, shutdown_atom::value);
  self->send(st.engine, bunsub_atom::value, std::vector<std::string>{channel});
  // Whoever still waits for the broker has unsubscribed meanwhile.
  if (auto p = st.pending_broker.find(channel); p != st.pending_broker.end()) {
    for (auto& rp : p->second.waiting) rp.deliver(true);
    st.pending_broker.erase(p);
  }
}

/// How long a channel's first local subscribers wait for the broker's subscription before
/// their subscribes fail (and the next one asks the broker again).
constexpr auto kBrokerSubscribeTimeout = std::chrono::seconds(10);

caf::typed_response_promise<bool> subscribe_local(self_ptr self, const std::string& channel,
                                                  SubscriberSpec& spec) {
  auto& st = self->state;
  auto rp = self->make_response_promise<bool>();
  auto* ch = st.registry.find_channel(channel);
  if (!ch) {
    ch = &st.registry.add_channel(
        channel, self->spawn(channel_actor_impl, channel,
                             caf::actor_cast<subscriber_release_actor>(self)));
    // Before the broker subscription: every publication ordered after it finds the actor.
    st.local->add(channel, ch->actor);
    const uint64_t gen = ++st.generation;
    st.pending_broker[channel] = NodeActorState::PendingBroker{gen, {}};
    // Bounded here, once per channel: the connections waiting for it ask the node with no
    // timeout of their own (see connection_logic.hpp).
    self->request(st.engine, kBrokerSubscribeTimeout, bsub_atom::value,
                  std::vector<std::string>{channel})
        .then(
            [self, channel, gen](bool) {
              auto& pending = self->state.pending_broker;
              auto p = pending.find(channel);
              if (p == pending.end() || p->second.generation != gen) return;
              for (auto& w : p->second.waiting) w.deliver(true);
              pending.erase(p);
            },
            [self, channel, gen](caf::error& err) {
              auto& pending = self->state.pending_broker;
              auto p = pending.find(channel);
              if (p == pending.end() || p->second.generation != gen) return;
              // Each waiting subscriber fails and unsubscribes; the last one's unsubscribe
              // drops the channel, and the next subscriber asks the broker again.
              for (auto& w : p->second.waiting) w.deliver(err);
              pending.erase(p);
            });
  }
  st.registry.count_subscriber(*ch);
  self->send(ch->actor, sub_atom::value, std::move(spec));
  if (auto p = st.pending_broker.find(channel); p != st.pending_broker.end())
    p->second.waiting.push_back(rp);
  else
    rp.deliver(true);
  return rp;
}

/// Subscribes every matched local connection; answers the first failure, or success.
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

void finish_survey(self_ptr self, uint64_t id) {
  auto it = self->state.surveys.find(id);
  if (it == self->state.surveys.end()) return;
  it->second.promise.deliver(std::move(it->second.merged));
  self->state.surveys.erase(it);
}

caf::typed_response_promise<ChannelCounts> survey_channels(self_ptr self) {
  auto& st = self->state;
  auto rp = self->make_response_promise<ChannelCounts>();
  ChannelCounts local = st.registry.channel_counts();
  if (st.directory.size() == 0) {
    rp.deliver(std::move(local));
    return rp;
  }
  const uint64_t id = st.next_survey++;
  st.surveys[id] = NodeActorState::Survey{rp, std::move(local), st.directory.size()};
  tell_others(self, control::SurveyRequest{id, "channels"});
  // Nodes that do not answer in time (gone meanwhile) are left out.
  self->delayed_send(self, st.timing.survey_timeout, timer_atom::value, id);
  return rp;
}

/// A command or announcement from another node.
void on_control(self_ptr self, ControlMessage& m) {
  auto& st = self->state;
  auto& reg = st.registry;
  if (m.from == st.identity.uid) return;  // ours (an engine should not loop it back anyway)
  if (!m.to.empty() && m.to != st.identity.uid) return;
  std::visit(
      [&](auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, control::Subscribe>) {
          subscribe_all(self, reg.match(body.filter), body.request);
        } else if constexpr (std::is_same_v<T, control::Unsubscribe>) {
          send_to_all(self, reg.match(body.filter), unsub_atom::value, body.channel);
        } else if constexpr (std::is_same_v<T, control::Disconnect>) {
          send_to_all(self, reg.match(body.filter), disconn_atom::value, body.code, body.reason);
        } else if constexpr (std::is_same_v<T, control::Refresh>) {
          send_to_all(self, reg.match(body.filter), refresh_atom::value, body.request);
        } else if constexpr (std::is_same_v<T, control::Alive>) {
          st.directory.heard(body.node, Clock::now());
        } else if constexpr (std::is_same_v<T, control::SurveyRequest>) {
          ControlMessage reply;
          reply.from = st.identity.uid;
          reply.to = m.from;
          reply.body = control::SurveyReply{body.id, reg.channel_counts()};
          self->send(st.engine, control_atom::value, std::move(reply));
        } else if constexpr (std::is_same_v<T, control::SurveyReply>) {
          auto it = st.surveys.find(body.id);
          if (it == st.surveys.end()) return;
          for (auto& [name, n] : body.channels) it->second.merged[name] += n;
          if (--it->second.replies_left == 0) finish_survey(self, body.id);
        }
      },
      m.body);
}

}  // namespace

node_actor_impl_type::behavior_type node_actor_impl(self_ptr self, engine_actor engine,
                                                    NodeIdentity identity, NodeTiming timing) {
  auto& st = self->state;
  st.engine = std::move(engine);
  st.identity = std::move(identity);
  st.timing = timing;
  st.directory = NodeDirectory(timing.lapse);
  self->send(st.engine, handler_atom::value,
             BrokerHandlerPtr(std::make_shared<NodeBrokerHandler>(
                 caf::actor_cast<node_actor>(self), st.local)));
  self->send(self, announce_atom::value);
  auto& reg = st.registry;
  // A connection actor that died without `conn_gone` (it threw, or was killed): rare, so a
  // scan. A connection that says goodbye detaches this monitor itself before it can quit
  // (say_goodbye), or a mass disconnect would bring one down message and one scan per
  // connection. The scan compares control block pointers (an actor_addr made per element
  // took a fifth of a connect storm's CPU).
  self->set_down_handler([=, &reg](caf::down_msg& dm) {
    const auto* gone = caf::actor_cast<caf::actor_control_block*>(dm.source);
    reg.remove_connections_if([gone](const connection_control_actor& c) {
      return caf::actor_cast<caf::actor_control_block*>(c) == gone;
    });
  });
  return {
      [=](ch_sub_atom, std::string& channel, SubscriberSpec& spec) {
        return subscribe_local(self, channel, spec);
      },
      // Counted out when the channel actor answers `released` (it may have dropped the
      // subscriber already, on its down message).
      [=, &reg](ch_unsub_atom, std::string& channel, subscriber_actor& subscriber) {
        if (auto* ch = reg.find_channel(channel))
          self->send(ch->actor, unsub_atom::value, subscriber);
      },
      [=](released_atom, std::string& channel) { release(self, channel); },
      [=, &reg](conn_atom, ConnectionEntry& c) {
        if (!reg.admits(c.user, c.connection_limit, c.user_connection_limit)) return false;
        self->monitor(c.control);
        reg.add_connection(c.client, std::move(c.user), std::move(c.session),
                           std::move(c.control));
        return true;
      },
      [=, &reg](conn_gone_atom, std::string& client) {
        if (auto control = reg.remove_connection(client)) self->demonitor(control.address());
      },
      [=, &reg](sub_atom, ConnectionFilter& f, ServerSubscribeRequest& req) {
        tell_others(self, control::Subscribe{f, req});
        return subscribe_all(self, reg.match(f), req);
      },
      [=, &reg](unsub_atom, ConnectionFilter& f, std::string& channel) {
        tell_others(self, control::Unsubscribe{f, channel});
        return send_to_all(self, reg.match(f), unsub_atom::value, channel);
      },
      [=, &reg](disconn_atom, ConnectionFilter& f, uint32_t code, std::string& reason) {
        tell_others(self, control::Disconnect{f, code, reason});
        return send_to_all(self, reg.match(f), disconn_atom::value, code, reason);
      },
      [=, &reg](refresh_atom, ConnectionFilter& f, ServerRefreshRequest& req) {
        tell_others(self, control::Refresh{f, req});
        return send_to_all(self, reg.match(f), refresh_atom::value, req);
      },
      [=, &reg](info_atom) { return reg.counts(); },
      [=](nodes_atom) {
        std::vector<NodeInfo> out{own_info(self)};
        for (auto& n : self->state.directory.nodes()) out.push_back(std::move(n));
        return out;
      },
      [=](channels_atom) { return survey_channels(self); },
      [=, &reg](deliver_atom, BrokerEventPtr& event) {
        if (auto* ch = reg.find_channel(event->channel))
          self->send(ch->actor, deliver_atom::value, std::move(event));
      },
      [=](control_atom, ControlMessage& m) { on_control(self, m); },
      [=, &reg](interrupt_atom, std::vector<std::string>& channels) {
        for (const auto& name : channels)
          if (auto* ch = reg.find_channel(name))
            self->send(ch->actor, interrupt_atom::value);
      },
      [=, &reg](repres_atom) {
        reg.for_each_connection([&](const std::string&, const connection_control_actor& c) {
          self->send(c, repres_atom::value);
        });
      },
      [=, &reg](shutdown_atom) {
        self->state.local->clear();
        reg.for_each_channel(
            [&](const std::string&, const channel_actor& a) { self->send(a, shutdown_atom::value); });
        for (auto& [id, survey] : self->state.surveys) survey.promise.deliver(survey.merged);
        self->state.surveys.clear();
        self->quit();
      },
      [=](announce_atom) {
        auto& s = self->state;
        s.directory.prune(Clock::now());
        tell_others(self, control::Alive{own_info(self)});
        self->delayed_send(self, s.timing.announce_interval, announce_atom::value);
      },
      [=](timer_atom, uint64_t survey_id) { finish_survey(self, survey_id); },
  };
}

}  // namespace herald
