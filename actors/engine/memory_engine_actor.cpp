#include "actors/engine/memory_engine_actor.hpp"

#include "actors/errors.hpp"

namespace herald {

namespace {

using self_ptr = memory_engine_actor::stateful_pointer<MemoryEngineState>;

}  // namespace

memory_engine_actor::behavior_type shared_memory_engine_actor_impl(
    self_ptr self, std::shared_ptr<MemoryEngine> engine) {
  self->state.engine = std::move(engine);
  auto& eng = *self->state.engine;
  // Weak: the engine outlives the actor when others hold it, and must not keep it alive.
  caf::actor_addr weak = self->address();
  eng.set_sweep_request([weak] {
    if (auto a = caf::actor_cast<memory_engine_actor>(weak))
      caf::delayed_anon_send(a, kMemoryEngineSweepInterval, tick_atom::value);
  });
  return {
      [=](handler_atom, BrokerHandlerPtr& handler) {
        self->state.engine->set_handler(std::move(handler));
      },
      [=](publish_atom, std::string& channel, Publication& pub, PublishOptions& opts) {
        return self->state.engine->publish(channel, std::move(pub), opts);
      },
      [=](broadcast_atom, std::vector<std::string>& channels, Publication& pub,
          std::vector<PublishOptions>& opts) {
        std::vector<PublishReply> out(channels.size());
        for (size_t i = 0; i < channels.size(); ++i)
          out[i].outcome = self->state.engine->publish(
              channels[i], pub, i < opts.size() ? opts[i] : PublishOptions{});
        return out;
      },
      [=](join_atom, std::string& channel, ClientInfo& info) {
        self->state.engine->deliver(
            BrokerEvent{BrokerEvent::Kind::join, std::move(channel), {}, std::move(info), {}});
      },
      [=](leave_atom, std::string& channel, ClientInfo& info) {
        self->state.engine->deliver(
            BrokerEvent{BrokerEvent::Kind::leave, std::move(channel), {}, std::move(info), {}});
      },
      // One node: everything published reaches the handler, which keeps what it needs.
      [=](bsub_atom, std::vector<std::string>&) { return true; },
      [=](bunsub_atom, std::vector<std::string>&) {},
      [=](control_atom, ControlMessage&) {},  // there is no other node
      [=](pres_add_atom, std::string& channel, ClientInfo& info, int64_t ttl_ms) {
        self->state.engine->add_presence(channel, info, std::chrono::milliseconds(ttl_ms));
        return true;
      },
      [=](pres_rm_atom, std::string& channel, ClientInfo& info) {
        self->state.engine->remove_presence(channel, info.client);
        return true;
      },
      [=](presence_atom, std::string& channel) -> PresenceMap {
        return self->state.engine->presence(channel);
      },
      [=](pres_stat_atom, std::string& channel) -> PresenceStats {
        return self->state.engine->presence_stats(channel);
      },
      [=](history_atom, std::string& channel,
          HistoryQuery& query) -> caf::result<HistoryResult> {
        Error err;
        auto result = self->state.engine->history(channel, query, &err);
        if (err) return to_caf_error(static_cast<ErrorCode>(err.code));
        return result;
      },
      [=](hist_rm_atom, std::string& channel) {
        self->state.engine->remove_history(channel);
        return true;
      },
      [=](tick_atom) {
        if (self->state.engine->sweep())
          self->delayed_send(self, kMemoryEngineSweepInterval, tick_atom::value);
      },
  };
}

memory_engine_actor::behavior_type memory_engine_actor_impl(self_ptr self, EngineClock now) {
  return shared_memory_engine_actor_impl(self, std::make_shared<MemoryEngine>(std::move(now)));
}

}  // namespace herald
