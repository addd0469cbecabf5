#include "actors/engine/memory_engine_actor.hpp"

#include "actors/errors.hpp"

namespace herald {

namespace {

using self_ptr = engine_actor::stateful_pointer<MemoryEngineState>;

void deliver(self_ptr self, BrokerEvent event) {
  if (!self->state.handler) return;
  self->send(self->state.handler, deliver_atom::value,
             std::make_shared<const BrokerEvent>(std::move(event)));
}

// The sweep timer runs only while something can expire, so an idle engine sleeps.
void arm_tick(self_ptr self) {
  if (self->state.tick_armed || !self->state.core.next_deadline()) return;
  self->state.tick_armed = true;
  self->delayed_send(self, kMemoryEngineSweepInterval, tick_atom::value);
}

}  // namespace

engine_actor::behavior_type memory_engine_actor_impl(self_ptr self, EngineClock now) {
  self->state.now = now ? std::move(now) : EngineClock([] { return memory::Clock::now(); });
  return {
      [=](handler_atom, broker_handler_actor& handler) { self->state.handler = std::move(handler); },
      [=](publish_atom, std::string& channel, Publication& pub,
          PublishOptions& opts) -> PublishOutcome {
        auto out = self->state.core.publish(channel, pub, opts, self->state.now());
        arm_tick(self);
        if (!out.from_cache) {
          BrokerEvent ev;
          ev.kind = BrokerEvent::Kind::publication;
          ev.channel = channel;
          ev.publication = std::move(pub);
          ev.epoch = out.position.epoch;
          deliver(self, std::move(ev));
        }
        return PublishOutcome{out.position, out.from_cache};
      },
      [=](join_atom, std::string& channel, ClientInfo& info) {
        deliver(self, BrokerEvent{BrokerEvent::Kind::join, std::move(channel), {}, std::move(info), {}});
      },
      [=](leave_atom, std::string& channel, ClientInfo& info) {
        deliver(self, BrokerEvent{BrokerEvent::Kind::leave, std::move(channel), {}, std::move(info), {}});
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
      [=](presence_atom, std::string& channel) -> PresenceMap {
        return self->state.core.presence(channel, self->state.now());
      },
      [=](pres_stat_atom, std::string& channel) -> PresenceStats {
        return self->state.core.presence_stats(channel, self->state.now());
      },
      [=](pres_add_atom, std::string& channel, ClientInfo& info, int64_t ttl_ms) {
        self->state.core.add_presence(channel, info, std::chrono::milliseconds(ttl_ms), self->state.now());
        arm_tick(self);
      },
      [=](pres_rm_atom, std::string& channel, std::string& client) {
        self->state.core.remove_presence(channel, client);
      },
      [=](tick_atom) {
        self->state.tick_armed = false;
        self->state.core.expire_all(self->state.now());
        arm_tick(self);
      },
  };
}

}  // namespace herald
