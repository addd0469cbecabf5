#include "actors/engine/memory_engine_actor.hpp"

#include "actors/errors.hpp"

namespace herald {

namespace {

using self_ptr = memory_engine_actor::stateful_pointer<MemoryEngineState>;

void deliver(self_ptr self, BrokerEvent event) {
  if (self->state.handler)
    self->state.handler->deliver(std::make_shared<const BrokerEvent>(std::move(event)));
}

// The sweep timer runs only while something can expire, so an idle engine sleeps.
void arm_tick(self_ptr self) {
  if (self->state.tick_armed || !self->state.core.next_deadline()) return;
  self->state.tick_armed = true;
  self->delayed_send(self, kMemoryEngineSweepInterval, tick_atom::value);
}

PublishOutcome publish(self_ptr self, const std::string& channel, Publication pub,
                       const PublishOptions& opts) {
  auto out = self->state.core.publish(channel, pub, opts, self->state.now());
  arm_tick(self);
  PublishOutcome result{out.position, out.from_cache, nullptr};
  if (!out.from_cache) {
    auto ev = std::make_shared<BrokerEvent>();
    ev->kind = BrokerEvent::Kind::publication;
    ev->channel = channel;
    ev->publication = std::move(pub);
    ev->epoch = out.position.epoch;
    result.event = ev;
    if (self->state.handler) self->state.handler->deliver(std::move(ev));
  }
  return result;
}

}  // namespace

memory_engine_actor::behavior_type memory_engine_actor_impl(self_ptr self, EngineClock now) {
  self->state.now = now ? std::move(now) : EngineClock([] { return memory::Clock::now(); });
  return {
      [=](handler_atom, BrokerHandlerPtr& handler) { self->state.handler = std::move(handler); },
      [=](publish_atom, std::string& channel, Publication& pub, PublishOptions& opts) {
        return publish(self, channel, std::move(pub), opts);
      },
      [=](broadcast_atom, std::vector<std::string>& channels, Publication& pub,
          std::vector<PublishOptions>& opts) {
        std::vector<PublishReply> out(channels.size());
        for (size_t i = 0; i < channels.size(); ++i)
          out[i].outcome =
              publish(self, channels[i], pub, i < opts.size() ? opts[i] : PublishOptions{});
        return out;
      },
      [=](join_atom, std::string& channel, ClientInfo& info) {
        deliver(self, BrokerEvent{BrokerEvent::Kind::join, std::move(channel), {}, std::move(info), {}});
      },
      [=](leave_atom, std::string& channel, ClientInfo& info) {
        deliver(self, BrokerEvent{BrokerEvent::Kind::leave, std::move(channel), {}, std::move(info), {}});
      },
      // One node: everything published reaches the handler, which keeps what it needs.
      [=](bsub_atom, std::vector<std::string>&) { return true; },
      [=](bunsub_atom, std::vector<std::string>&) {},
      [=](control_atom, ControlMessage&) {},  // there is no other node
      [=](pres_add_atom, std::string& channel, ClientInfo& info, int64_t ttl_ms) {
        self->state.core.add_presence(channel, info, std::chrono::milliseconds(ttl_ms),
                                      self->state.now());
        arm_tick(self);
        return true;
      },
      [=](pres_rm_atom, std::string& channel, ClientInfo& info) {
        self->state.core.remove_presence(channel, info.client);
        return true;
      },
      [=](presence_atom, std::string& channel) -> PresenceMap {
        return self->state.core.presence(channel, self->state.now());
      },
      [=](pres_stat_atom, std::string& channel) -> PresenceStats {
        return self->state.core.presence_stats(channel, self->state.now());
      },
      [=](history_atom, std::string& channel,
          HistoryQuery& query) -> caf::result<HistoryResult> {
        Error err;
        auto result = self->state.core.history(channel, query, self->state.now(), &err);
        arm_tick(self);
        if (err) return to_caf_error(static_cast<ErrorCode>(err.code));
        return result;
      },
      [=](hist_rm_atom, std::string& channel) {
        self->state.core.remove_history(channel);
        return true;
      },
      [=](tick_atom) {
        self->state.tick_armed = false;
        self->state.core.expire_all(self->state.now());
        arm_tick(self);
      },
  };
}

}  // namespace herald
