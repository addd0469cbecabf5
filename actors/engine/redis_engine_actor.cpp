#include "actors/engine/redis_engine_actor.hpp"

#include "actors/errors.hpp"

namespace herald {

namespace {

using self_ptr = redis_engine_actor::stateful_pointer<RedisEngineState>;

/// Hands what Redis delivers to the node's BrokerHandler, on the Asio thread it arrived on.
class HandlerBridge final : public redis::EngineHandler {
 public:
  explicit HandlerBridge(BrokerHandlerPtr handler) : handler_(std::move(handler)) {}

  void publication(std::string channel, Publication pub, std::string epoch) override {
    auto ev = std::make_shared<BrokerEvent>();
    ev->kind = BrokerEvent::Kind::publication;
    ev->channel = std::move(channel);
    ev->publication = std::move(pub);
    ev->epoch = std::move(epoch);
    handler_->deliver(std::move(ev));
  }
  void join(std::string channel, ClientInfo info) override { event(BrokerEvent::Kind::join, std::move(channel), std::move(info)); }
  void leave(std::string channel, ClientInfo info) override { event(BrokerEvent::Kind::leave, std::move(channel), std::move(info)); }
  void control(ControlMessage message) override { handler_->control(std::move(message)); }
  void interrupted(std::vector<std::string> channels) override {
    handler_->interrupted(std::move(channels));
  }

 private:
  void event(BrokerEvent::Kind kind, std::string channel, ClientInfo info) {
    auto ev = std::make_shared<BrokerEvent>();
    ev->kind = kind;
    ev->channel = std::move(channel);
    ev->info = std::move(info);
    handler_->deliver(std::move(ev));
  }
  BrokerHandlerPtr handler_;
};

caf::error caf_error_of(const Error& e) {
  return to_caf_error(static_cast<ErrorCode>(e.code ? e.code : 100));
}

void arm_tick(self_ptr self) {
  auto& st = self->state;
  if (st.tick_armed || st.pending.empty()) return;
  st.tick_armed = true;
  self->delayed_send(self, st.options.tick, tick_atom::value);
}

/// Registers `answer` for a new token and returns the function a Redis callback calls (on
/// any thread) to send the answer back to this actor.
std::function<void(RedisAnswer)> expect(self_ptr self, std::function<void(RedisAnswer&)> answer) {
  auto& st = self->state;
  uint64_t token = st.next_token++;
  st.pending.emplace(token, RedisEngineState::Pending{std::move(answer), st.ticks});
  arm_tick(self);
  return [me = caf::actor_cast<redis_engine_actor>(self), token](RedisAnswer a) {
    caf::anon_send(me, rdone_atom::value, token, std::move(a));
  };
}

/// A request answered with `T` (taken from the RedisAnswer) or an error.
template <class T>
std::function<void(RedisAnswer&)> answer_with(caf::typed_response_promise<T> rp) {
  return [rp](RedisAnswer& a) mutable {
    if (a.error) {
      rp.deliver(caf_error_of(a.error));
    } else if constexpr (std::is_same_v<T, bool>) {
      rp.deliver(true);
    } else if (auto* v = std::get_if<T>(&a.value)) {
      rp.deliver(std::move(*v));
    } else {
      rp.deliver(to_caf_error(ErrorCode::internal));
    }
  };
}

redis::Done bool_done(std::function<void(RedisAnswer)> send) {
  return [send = std::move(send)](Error e) { send(RedisAnswer{std::move(e), {}}); };
}

void publish_one(self_ptr self, const std::string& channel, const Publication& pub,
                 const PublishOptions& opts, std::function<void(RedisAnswer&)> answer) {
  auto send = expect(self, std::move(answer));
  self->state.engine->publish(
      channel, pub, opts,
      [send = std::move(send)](Error e, StreamPosition pos, bool from_cache) {
        RedisAnswer a{std::move(e), {}};
        // No event: the publication reaches this node's handler through PUB/SUB like any
        // other; a publisher recognises its own by offset+epoch (or data and client).
        if (!a.error) a.value = PublishOutcome{std::move(pos), from_cache, nullptr};
        send(std::move(a));
      });
}

void flush_batch(self_ptr self) {
  auto& st = self->state;
  st.flush_queued = false;
  if (st.batch_waiters.empty()) return;
  auto channels = std::exchange(st.batch, {});
  auto waiters = std::exchange(st.batch_waiters, {});
  auto send = expect(self, [waiters = std::move(waiters)](RedisAnswer& a) mutable {
    for (auto& rp : waiters) {
      if (a.error) rp.deliver(caf_error_of(a.error));
      else rp.deliver(true);
    }
  });
  st.engine->subscribe(std::move(channels), bool_done(std::move(send)));
}

}  // namespace

redis_engine_actor::behavior_type redis_engine_actor_impl(
    self_ptr self, std::shared_ptr<redis::RedisEngine> engine, RedisEngineActorOptions options) {
  self->state.engine = std::move(engine);
  self->state.options = options;
  return {
      [=](handler_atom, BrokerHandlerPtr& handler) {
        self->state.handler = handler;
        self->state.engine->set_handler(
            handler ? std::make_shared<HandlerBridge>(std::move(handler)) : nullptr);
      },
      [=](publish_atom, std::string& channel, Publication& pub, PublishOptions& opts) {
        auto rp = self->make_response_promise<PublishOutcome>();
        publish_one(self, channel, pub, opts, answer_with(rp));
        return rp;
      },
      [=](broadcast_atom, std::vector<std::string>& channels, Publication& pub,
          std::vector<PublishOptions>& opts) {
        auto rp = self->make_response_promise<std::vector<PublishReply>>();
        if (channels.empty()) {
          rp.deliver(std::vector<PublishReply>{});
          return rp;
        }
        struct Gather {
          std::vector<PublishReply> replies;
          size_t left;
        };
        auto g = std::make_shared<Gather>(Gather{std::vector<PublishReply>(channels.size()),
                                                 channels.size()});
        for (size_t i = 0; i < channels.size(); ++i) {
          publish_one(self, channels[i], pub, i < opts.size() ? opts[i] : PublishOptions{},
                      [g, i, rp](RedisAnswer& a) mutable {
                        auto& out = g->replies[i];
                        if (a.error) {
                          out.error = a.error;
                        } else if (auto* v = std::get_if<PublishOutcome>(&a.value)) {
                          out.outcome = std::move(*v);
                        }
                        if (--g->left == 0) rp.deliver(std::move(g->replies));
                      });
        }
        return rp;
      },
      [=](join_atom, std::string& channel, ClientInfo& info) {
        self->state.engine->join(channel, info);
      },
      [=](leave_atom, std::string& channel, ClientInfo& info) {
        self->state.engine->leave(channel, info);
      },
      [=](bsub_atom, std::vector<std::string>& channels) {
        auto& st = self->state;
        auto rp = self->make_response_promise<bool>();
        for (auto& c : channels) st.batch.push_back(std::move(c));
        st.batch_waiters.push_back(rp);
        if (!st.flush_queued) {
          st.flush_queued = true;
          self->send(self, rflush_atom::value);  // behind the bsubs already in the mailbox
        }
        return rp;
      },
      [=](bunsub_atom, std::vector<std::string>& channels) {
        flush_batch(self);  // subscribes queued before this unsubscribe go first
        self->state.engine->unsubscribe(std::move(channels));
      },
      [=](rflush_atom) { flush_batch(self); },
      [=](control_atom, ControlMessage& m) { self->state.engine->control(m); },
      [=](pres_add_atom, std::string& channel, ClientInfo& info, int64_t ttl_ms) {
        auto rp = self->make_response_promise<bool>();
        self->state.engine->add_presence(channel, info, std::chrono::milliseconds(ttl_ms),
                                         bool_done(expect(self, answer_with(rp))));
        return rp;
      },
      [=](pres_rm_atom, std::string& channel, ClientInfo& info) {
        auto rp = self->make_response_promise<bool>();
        self->state.engine->remove_presence(channel, info,
                                            bool_done(expect(self, answer_with(rp))));
        return rp;
      },
      [=](presence_atom, std::string& channel) {
        auto rp = self->make_response_promise<PresenceMap>();
        auto send = expect(self, answer_with(rp));
        self->state.engine->presence(channel, [send = std::move(send)](Error e, PresenceMap m) {
          send(RedisAnswer{std::move(e), std::move(m)});
        });
        return rp;
      },
      [=](pres_stat_atom, std::string& channel) {
        auto rp = self->make_response_promise<PresenceStats>();
        auto send = expect(self, answer_with(rp));
        self->state.engine->presence_stats(channel,
                                           [send = std::move(send)](Error e, PresenceStats s) {
                                             send(RedisAnswer{std::move(e), s});
                                           });
        return rp;
      },
      [=](history_atom, std::string& channel, HistoryQuery& query) {
        auto rp = self->make_response_promise<HistoryResult>();
        auto send = expect(self, answer_with(rp));
        self->state.engine->history(channel, query,
                                    [send = std::move(send)](Error e, HistoryResult r) {
                                      send(RedisAnswer{std::move(e), std::move(r)});
                                    });
        return rp;
      },
      [=](hist_rm_atom, std::string& channel) {
        auto rp = self->make_response_promise<bool>();
        self->state.engine->remove_history(channel, bool_done(expect(self, answer_with(rp))));
        return rp;
      },
      [=](rdone_atom, uint64_t token, RedisAnswer& answer) {
        auto& pending = self->state.pending;
        auto it = pending.find(token);
        if (it == pending.end()) return;  // failed by the deadline already
        auto fn = std::move(it->second.answer);
        pending.erase(it);
        fn(answer);
      },
      [=](tick_atom) {
        auto& st = self->state;
        st.tick_armed = false;
        ++st.ticks;
        const uint64_t max_age =
            std::max<uint64_t>(1, st.options.request_deadline / st.options.tick);
        std::vector<std::function<void(RedisAnswer&)>> expired;
        for (auto it = st.pending.begin(); it != st.pending.end();) {
          if (st.ticks - it->second.born_tick >= max_age) {
            expired.push_back(std::move(it->second.answer));
            it = st.pending.erase(it);
          } else {
            ++it;
          }
        }
        for (auto& fn : expired) {
          RedisAnswer a{make_error(ErrorCode::internal), {}};
          fn(a);
        }
        arm_tick(self);
      },
  };
}

}  // namespace herald
