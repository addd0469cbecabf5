// publish, presence, presence_stats, history; presence refresh.
#include "actors/connection/connection_logic.hpp"
#include "actors/errors.hpp"

namespace herald::conn {

const ChannelOptions* Logic::resolve(const std::string& channel, Error& err) const {
  auto r = st_.ctx->resolver->resolve(channel);
  if (r.error) {
    err = r.error;
    return nullptr;
  }
  return r.channel.options;
}

bool Logic::permitted(bool for_client, bool for_subscriber, bool for_anonymous,
                      const std::string& channel) const {
  if (cfg().client.insecure) return true;
  const bool user_ok = !st_.user.empty() || for_anonymous;
  if (for_client && user_ok) return true;
  return for_subscriber && st_.subs.count(channel) > 0;
}

namespace {

/// Answers command `id` with what an engine request returns (`to_result` turns the engine's
/// answer into the reply's result) or with the error it fails with; then the connection goes
/// on with its next command.
template <class Answer, class Handle, class ToResult, class... Ts>
void ask_engine(Logic& logic, connection_pointer self, const Handle& engine, uint32_t id,
                ToResult to_result, Ts&&... xs) {
  logic.begin_async();
  self->request(engine, kRequestTimeout, std::forward<Ts>(xs)...)
      .await(
          [&logic, id, to_result](Answer& answer) {
            proto::Reply r;
            r.id = id;
            r.result = to_result(answer);
            logic.reply(r);
            logic.end_async();
          },
          [&logic, id](caf::error& e) {
            proto::Reply r;
            r.id = id;
            r.error = from_caf_error(e);
            logic.reply(r);
            logic.end_async();
          });
}

}  // namespace

const ChannelOptions* Logic::resolve_or_reply(uint32_t id, const std::string& channel) {
  Error err;
  const ChannelOptions* opts = resolve(channel, err);
  if (!opts) {
    proto::Reply r;
    r.id = id;
    r.error = err;
    reply(r);
  }
  return opts;
}

int64_t Logic::meta_ttl_ms(const ChannelOptions& opts) const {
  return (opts.history_meta_ttl.count() > 0 ? opts.history_meta_ttl
                                            : cfg().channel.history_meta_ttl)
      .count();
}

void Logic::publish(uint32_t id, proto::PublishRequest& req) {
  if (req.channel.empty()) return disconnect(disconnect::bad_request);
  // No data is a bad request, not a protocol violation: the connection stays.
  if (req.data.empty()) return reply_error(id, ErrorCode::bad_request);
  const ChannelOptions* opts = resolve_or_reply(id, req.channel);
  if (!opts) return;
  if (opts->publish_proxy_enabled) return reply_error(id, ErrorCode::not_available);
  if (!permitted(opts->allow_publish_for_client, opts->allow_publish_for_subscriber,
                 opts->allow_publish_for_anonymous, req.channel))
    return reply_error(id, ErrorCode::permission_denied);
  Publication pub;
  pub.data = std::move(req.data);
  auto sub = st_.subs.find(req.channel);
  pub.info = client_info(sub == st_.subs.end() ? std::string() : sub->second.chan_info);
  using namespace std::chrono;
  pub.time_ms = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  PublishOptions po;
  po.history_size = opts->history_size;
  po.history_ttl_ms = opts->history_ttl.count();
  po.history_meta_ttl_ms = meta_ttl_ms(*opts);
  const bool subscribed = sub != st_.subs.end();
  std::string channel = req.channel;
  std::string data = subscribed ? pub.data : std::string();
  begin_async();
  // `then`, not `await`: pushes keep flowing while the command waits, so the publisher's own
  // publication can arrive before the reply is written.
  self_->request(st_.ctx->engine, kRequestTimeout, publish_atom::value, channel, std::move(pub),
                 po)
      .then(
          [this, id, channel, subscribed, data](PublishOutcome& out) {
            if (!subscribed || !st_.subs.count(channel) || out.from_cache || st_.closing) {
              reply_publish(id);
              return end_async();
            }
            st_.own_publication.reset(new ConnectionState::OwnPublication{
                id, channel, out.event, out.position, data});
            // Already pushed (it overtook this answer): reply now.
            auto seen = std::exchange(st_.pushed_own, nullptr);
            if (seen && is_own_publication(*seen)) return finish_own_publication();
            // Bounded: should the broker lose it, the client still gets its answer.
            arm(ConnTimer::own_publication, kOwnPublicationWait);
          },
          [this, id](caf::error& e) {
            proto::Reply r;
            r.id = id;
            r.error = from_caf_error(e);
            reply(r);
            end_async();
          });
}

void Logic::reply_publish(uint32_t id) {
  proto::Reply r;
  r.id = id;
  r.result = proto::PublishResult{};
  reply(r);
}

bool Logic::is_own_publication(const BrokerEvent& ev) const {
  const auto& own = st_.own_publication;
  if (!own || ev.kind != BrokerEvent::Kind::publication || ev.channel != own->channel)
    return false;
  if (own->event) return own->event.get() == &ev;
  if (own->position.offset > 0)
    return ev.publication.offset == own->position.offset && ev.epoch == own->position.epoch;
  return ev.publication.data == own->data && ev.publication.info &&
         ev.publication.info->client == st_.client();
}

void Logic::finish_own_publication() {
  if (!st_.own_publication) return;
  const uint32_t id = st_.own_publication->id;
  st_.own_publication.reset();
  disarm(ConnTimer::own_publication);
  if (!st_.closing) reply_publish(id);
  end_async();
}

void Logic::presence(uint32_t id, proto::PresenceRequest& req) {
  if (req.channel.empty()) return disconnect(disconnect::bad_request);
  const ChannelOptions* opts = resolve_or_reply(id, req.channel);
  if (!opts) return;
  if (!opts->presence) return reply_error(id, ErrorCode::not_available);
  if (!permitted(opts->allow_presence_for_client, opts->allow_presence_for_subscriber,
                 opts->allow_presence_for_anonymous, req.channel))
    return reply_error(id, ErrorCode::permission_denied);
  ask_engine<PresenceMap>(
      *this, self_, presence_of(req.channel, opts), id,
      [](PresenceMap& m) { return proto::PresenceResult{std::move(m)}; }, presence_atom::value,
      req.channel);
}

void Logic::presence_stats(uint32_t id, proto::PresenceStatsRequest& req) {
  if (req.channel.empty()) return disconnect(disconnect::bad_request);
  const ChannelOptions* opts = resolve_or_reply(id, req.channel);
  if (!opts) return;
  if (!opts->presence) return reply_error(id, ErrorCode::not_available);
  if (!permitted(opts->allow_presence_for_client, opts->allow_presence_for_subscriber,
                 opts->allow_presence_for_anonymous, req.channel))
    return reply_error(id, ErrorCode::permission_denied);
  ask_engine<PresenceStats>(
      *this, self_, presence_of(req.channel, opts), id, [](PresenceStats& s) { return s; },
      pres_stat_atom::value, req.channel);
}

void Logic::history(uint32_t id, proto::HistoryRequest& req) {
  if (req.channel.empty()) return disconnect(disconnect::bad_request);
  const ChannelOptions* opts = resolve_or_reply(id, req.channel);
  if (!opts) return;
  if (!opts->has_history())
    return reply_error(id, ErrorCode::not_available);
  if (!permitted(opts->allow_history_for_client, opts->allow_history_for_subscriber,
                 opts->allow_history_for_anonymous, req.channel))
    return reply_error(id, ErrorCode::permission_denied);
  HistoryQuery q;
  const int max = cfg().client.history_max_publication_limit;
  q.limit = req.limit;
  if (max > 0 && (req.limit < 0 || req.limit > max)) q.limit = max;
  q.since = req.since;
  q.reverse = req.reverse;
  q.history_meta_ttl_ms = meta_ttl_ms(*opts);
  ask_engine<HistoryResult>(
      *this, self_, st_.ctx->engine, id, [](HistoryResult& h) { return std::move(h); },
      history_atom::value, req.channel, q);
}

void Logic::refresh_presence() {
  const auto ttl = static_cast<int64_t>(cfg().engine.redis.presence_ttl.count());
  bool any = false;
  for (const auto& [ch, sub] : st_.subs) {
    if (!sub.presence) continue;
    any = true;
    caf::anon_send(presence_of(ch, sub.options), pres_add_atom::value, ch,
                   client_info(sub.chan_info), ttl);
  }
  if (any) arm_presence_refresh();
}

void Logic::arm_presence_refresh() {
  // One pending timer per connection costs memory: armed only while presence is kept.
  if (st_.presence_timer_armed) return;
  st_.presence_timer_armed = true;
  arm(ConnTimer::presence, cfg().client.presence_update_interval);
}

}  // namespace herald::conn
