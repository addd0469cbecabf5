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

void Logic::publish(uint32_t id, proto::PublishRequest& req) {
  if (req.channel.empty() || req.data.empty()) return disconnect(disconnect::bad_request);
  Error err;
  const ChannelOptions* opts = resolve(req.channel, err);
  if (!opts) {
    proto::Reply r;
    r.id = id;
    r.error = err;
    return reply(r);
  }
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
  po.history_meta_ttl_ms = (opts->history_meta_ttl.count() > 0 ? opts->history_meta_ttl
                                                               : cfg().channel.history_meta_ttl)
                               .count();
  begin_async();
  self_->request(st_.ctx->engine, kRequestTimeout, publish_atom::value, req.channel, pub, po)
      .await(
          [this, id](PublishOutcome&) {
            proto::Reply r;
            r.id = id;
            r.result = proto::PublishResult{};
            reply(r);
            end_async();
          },
          [this, id](caf::error& e) {
            proto::Reply r;
            r.id = id;
            r.error = from_caf_error(e);
            reply(r);
            end_async();
          });
}

void Logic::presence(uint32_t id, proto::PresenceRequest& req) {
  if (req.channel.empty()) return disconnect(disconnect::bad_request);
  Error err;
  const ChannelOptions* opts = resolve(req.channel, err);
  if (!opts) {
    proto::Reply r;
    r.id = id;
    r.error = err;
    return reply(r);
  }
  if (!opts->presence) return reply_error(id, ErrorCode::not_available);
  if (!permitted(opts->allow_presence_for_client, opts->allow_presence_for_subscriber,
                 opts->allow_presence_for_anonymous, req.channel))
    return reply_error(id, ErrorCode::permission_denied);
  begin_async();
  self_->request(st_.ctx->engine, kRequestTimeout, presence_atom::value, req.channel)
      .await(
          [this, id](PresenceMap& m) {
            proto::Reply r;
            r.id = id;
            r.result = proto::PresenceResult{std::move(m)};
            reply(r);
            end_async();
          },
          [this, id](caf::error& e) {
            proto::Reply r;
            r.id = id;
            r.error = from_caf_error(e);
            reply(r);
            end_async();
          });
}

void Logic::presence_stats(uint32_t id, proto::PresenceStatsRequest& req) {
  if (req.channel.empty()) return disconnect(disconnect::bad_request);
  Error err;
  const ChannelOptions* opts = resolve(req.channel, err);
  if (!opts) {
    proto::Reply r;
    r.id = id;
    r.error = err;
    return reply(r);
  }
  if (!opts->presence) return reply_error(id, ErrorCode::not_available);
  if (!permitted(opts->allow_presence_for_client, opts->allow_presence_for_subscriber,
                 opts->allow_presence_for_anonymous, req.channel))
    return reply_error(id, ErrorCode::permission_denied);
  begin_async();
  self_->request(st_.ctx->engine, kRequestTimeout, pres_stat_atom::value, req.channel)
      .await(
          [this, id](PresenceStats& s) {
            proto::Reply r;
            r.id = id;
            r.result = s;
            reply(r);
            end_async();
          },
          [this, id](caf::error& e) {
            proto::Reply r;
            r.id = id;
            r.error = from_caf_error(e);
            reply(r);
            end_async();
          });
}

void Logic::history(uint32_t id, proto::HistoryRequest& req) {
  if (req.channel.empty()) return disconnect(disconnect::bad_request);
  Error err;
  const ChannelOptions* opts = resolve(req.channel, err);
  if (!opts) {
    proto::Reply r;
    r.id = id;
    r.error = err;
    return reply(r);
  }
  if (opts->history_size == 0 || opts->history_ttl.count() == 0)
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
  q.history_meta_ttl_ms = (opts->history_meta_ttl.count() > 0 ? opts->history_meta_ttl
                                                              : cfg().channel.history_meta_ttl)
                              .count();
  begin_async();
  self_->request(st_.ctx->engine, kRequestTimeout, history_atom::value, req.channel, q)
      .await(
          [this, id](HistoryResult& h) {
            proto::Reply r;
            r.id = id;
            r.result = std::move(h);
            reply(r);
            end_async();
          },
          [this, id](caf::error& e) {
            proto::Reply r;
            r.id = id;
            r.error = from_caf_error(e);
            reply(r);
            end_async();
          });
}

void Logic::refresh_presence() {
  const auto ttl = static_cast<int64_t>(cfg().engine.redis.presence_ttl.count());
  for (const auto& [ch, sub] : st_.subs) {
    if (!sub.presence) continue;
    self_->send(st_.ctx->engine, pres_add_atom::value, ch, client_info(sub.chan_info), ttl);
  }
}

}  // namespace herald::conn
