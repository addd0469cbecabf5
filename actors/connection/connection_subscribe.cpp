// subscribe, unsubscribe, sub_refresh, server-side subscriptions, recovery.
#include <algorithm>

#include "actors/connection/connection_logic.hpp"
#include "actors/errors.hpp"

namespace herald::conn {

void Logic::subscribe(uint32_t id, proto::SubscribeRequest& req) {
  const std::string& channel = req.channel;
  if (channel.empty()) return disconnect(disconnect::bad_request);
  // "fossil" is the only delta type there is; asking for another is a protocol error.
  if (!req.delta.empty() && req.delta != "fossil") return disconnect(disconnect::bad_request);
  if (st_.subs.count(channel)) return reply_error(id, ErrorCode::already_subscribed);
  const int limit = cfg().client.channel_limit;
  if (limit > 0 && st_.subs.size() >= static_cast<size_t>(limit))
    return reply_error(id, ErrorCode::limit_exceeded);
  auto resolved = st_.ctx->resolver->resolve(channel);
  if (resolved.error) {
    proto::Reply r;
    r.id = id;
    r.error = resolved.error;
    return reply(r);
  }
  const ChannelOptions& opts = *resolved.channel.options;
  const bool is_private = resolved.channel.is_private;
  if (is_private && req.token.empty()) return reply_error(id, ErrorCode::permission_denied);

  Subscription sub;
  sub.options = &opts;
  jwt::SubscribeOverride ov;
  std::string token_data;
  if (!req.token.empty()) {
    auto r = jwt::verify_subscription_token(req.token, st_.ctx->subscription_keys,
                                            st_.ctx->subscription_verify, unix_now());
    if (!r.ok()) {
      if (jwt::is_expiry_error(r.error)) return reply_error(id, ErrorCode::token_expired);
      return reply_error(id, ErrorCode::permission_denied);
    }
    const auto& c = r.value;
    if (c.channel != channel || c.sub != st_.user ||
        (!c.client.empty() && c.client != st_.client()))
      return disconnect(disconnect::invalid_token);
    sub.chan_info = c.info_bytes();
    sub.expire_at = c.expires_at();
    if (sub.expire_at > 0 && sub.expire_at <= unix_now())
      return reply_error(id, ErrorCode::expired);
    ov = c.override;
    token_data = c.data_bytes();
  } else {
    bool allowed = false;
    if (resolved.channel.is_user_limited) {
      auto users = st_.ctx->resolver->allowed_users(channel);
      allowed = std::find(users.begin(), users.end(), st_.user) != users.end();
    } else if (opts.subscribe_proxy_enabled || opts.subscribe_stream_proxy_enabled) {
      // Proxies are not implemented yet: refuse rather than let everybody in.
      return reply_error(id, ErrorCode::not_available);
    } else if (opts.allow_subscribe_for_client &&
               (!st_.user.empty() || opts.allow_subscribe_for_anonymous)) {
      allowed = true;
    }
    if (!allowed && !cfg().client.insecure) return reply_error(id, ErrorCode::permission_denied);
  }

  const bool history = opts.has_history();
  const bool history_permission = opts.allow_history_for_client ||
                                  opts.allow_history_for_subscriber || cfg().client.insecure;
  sub.presence = ov.presence.value_or(opts.presence);
  sub.emit_join_leave = ov.join_leave.value_or(opts.join_leave);
  sub.push_join_leave =
      sub.emit_join_leave &&
      (req.join_leave || ov.force_push_join_leave.value_or(opts.force_push_join_leave));
  sub.recoverable = history && (ov.force_recovery.value_or(opts.force_recovery) ||
                                (req.recoverable && (opts.allow_recovery || history_permission)));
  sub.positioned = history && (sub.recoverable ||
                               ov.force_positioning.value_or(opts.force_positioning) ||
                               (req.positioned && (opts.allow_positioning || history_permission)));
  const bool recover = req.recover && sub.recoverable;
  const int64_t expire_at = sub.expire_at;
  begin_async();
  establish(channel, std::move(sub), recover, StreamPosition{req.offset, req.epoch},
            [this, id, expire_at, token_data, was_recovering = req.recover](SubscribeOutcome out) {
              proto::Reply r;
              r.id = id;
              if (out.error) {
                r.error = out.error;
              } else {
                out.result.was_recovering = was_recovering;
                out.result.data = token_data;
                if (expire_at > 0) {
                  out.result.expires = true;
                  out.result.ttl = ttl_until(expire_at);
                  check_sub_expiry();
                }
                r.result = std::move(out.result);
              }
              reply(r);
              end_async();
            });
}

void Logic::establish(const std::string& channel, Subscription sub, bool recover,
                      const StreamPosition& since, std::function<void(SubscribeOutcome)> done) {
  if (st_.subs.count(channel)) {
    // Registering twice would count this connection twice in the channel's subscribers.
    SubscribeOutcome out;
    out.error = make_error(ErrorCode::already_subscribed);
    return done(std::move(out));
  }
  // Registered with the node first, and answered once the broker delivers the channel here,
  // so no publication after the position read is missed; the ones before it are filtered by
  // offset in on_push. Then presence (its write confirmed), join, and the stream position.
  auto owner = caf::actor_cast<subscriber_actor>(self_);
  if (st_.ws)
    sub.slot = std::make_shared<DeliverySlot>(owner, st_.ws, st_.protocol,
                                              st_.client_id, sub.positioned);
  sub.direct = false;
  SubscriberSpec spec{owner, st_.protocol, sub.push_join_leave, sub.slot};
  st_.subs[channel] = std::move(sub);
  auto fail = [this, channel, done](caf::error& e) {
    drop_subscription(channel);
    SubscribeOutcome out;
    out.error = from_caf_error(e);
    done(std::move(out));
  };
  self_->request(st_.ctx->node, kNodeRequestTimeout, ch_sub_atom::value, channel, std::move(spec))
      .await(
          [this, channel, recover, since, done, fail](bool) {
            auto it = st_.subs.find(channel);
            if (it == st_.subs.end()) return done(SubscribeOutcome{});
            if (!it->second.presence) return established(channel, recover, since, done);
            self_->request(presence_of(channel, it->second.options), kRequestTimeout,
                           pres_add_atom::value, channel,
                           client_info(it->second.chan_info),
                           static_cast<int64_t>(cfg().engine.redis.presence_ttl.count()))
                .await(
                    [this, channel, recover, since, done](bool) {
                      arm_presence_refresh();
                      established(channel, recover, since, done);
                    },
                    fail);
          },
          fail);
}

void Logic::established(const std::string& channel, bool recover, const StreamPosition& since,
                        std::function<void(SubscribeOutcome)> done) {
  auto it = st_.subs.find(channel);
  if (it == st_.subs.end()) return done(SubscribeOutcome{});
  const Subscription& stored = it->second;
  if (stored.emit_join_leave)
    caf::anon_send(st_.ctx->engine, join_atom::value, channel, client_info(stored.chan_info));
  if (!stored.positioned) return done(SubscribeOutcome{});

  const int limit = cfg().client.recovery_max_publication_limit;
  HistoryQuery q;
  q.history_meta_ttl_ms = meta_ttl_ms(*stored.options);
  if (recover) {
    // Read past the client's offset without the epoch check: a mismatch is judged here so the
    // answer can still carry the current position.
    q.since = StreamPosition{since.offset, ""};
    q.limit = limit > 0 ? limit + 1 : -1;
  }
  self_->request(st_.ctx->engine, kRequestTimeout, history_atom::value, channel, q)
      .await(
          [this, channel, recover, since, limit, done](HistoryResult& h) {
            SubscribeOutcome out;
            auto& res = out.result;
            auto it = st_.subs.find(channel);
            if (it == st_.subs.end()) return done(std::move(out));
            Subscription& s = it->second;
            res.positioned = true;
            res.recoverable = s.recoverable;
            res.epoch = h.position.epoch;
            res.offset = h.position.offset;
            if (recover) {
              const auto& pubs = h.publications;
              bool same_epoch = since.epoch.empty() || since.epoch == h.position.epoch;
              bool fits = limit <= 0 || pubs.size() <= static_cast<size_t>(limit);
              bool contiguous =
                  pubs.empty() ? h.position.offset == since.offset
                               : pubs.front().offset == since.offset + 1 &&
                                     pubs.back().offset == h.position.offset;
              res.recovered = same_epoch && fits && contiguous;
              if (res.recovered) {
                res.publications = pubs;
                res.offset = since.offset;  // the client advances by applying publications
              }
            }
            s.epoch = h.position.epoch;
            s.offset = h.position.offset;
            done(std::move(out));
          },
          [this, channel, done](caf::error& e) {
            drop_subscription(channel);
            SubscribeOutcome out;
            out.error = from_caf_error(e);
            done(std::move(out));
          });
}

void Logic::drop_subscription(const std::string& channel, StateReason reason) {
  auto it = st_.subs.find(channel);
  if (it == st_.subs.end()) return;
  Subscription& sub = it->second;
  // First: nothing of this channel may follow what the caller writes next.
  if (sub.slot) sub.slot->drop();
  self_->send(st_.ctx->node, ch_unsub_atom::value, channel,
              caf::actor_cast<subscriber_actor>(self_));
  // Fire and forget: the presence entry lapses after its TTL should the removal fail.
  if (sub.presence)
    st_.ctx->presence->remove(channel, sub.options, client_info(sub.chan_info), reason);
  if (sub.emit_join_leave)
    caf::anon_send(st_.ctx->engine, leave_atom::value, channel, client_info(sub.chan_info));
  st_.subs.erase(it);
}

void Logic::unsubscribe(uint32_t id, proto::UnsubscribeRequest& req) {
  if (req.channel.empty()) return disconnect(disconnect::bad_request);
  drop_subscription(req.channel);
  proto::Reply r;
  r.id = id;
  r.result = proto::UnsubscribeResult{};
  reply(r);
}

void Logic::sub_refresh(uint32_t id, proto::SubRefreshRequest& req) {
  auto it = st_.subs.find(req.channel);
  if (req.channel.empty() || it == st_.subs.end())
    return reply_error(id, ErrorCode::permission_denied);
  if (req.token.empty()) return reply_error(id, ErrorCode::bad_request);
  auto r = jwt::verify_subscription_token(req.token, st_.ctx->subscription_keys,
                                          st_.ctx->subscription_verify, unix_now());
  if (!r.ok()) {
    if (jwt::is_expiry_error(r.error)) return reply_error(id, ErrorCode::token_expired);
    return disconnect(disconnect::invalid_token);
  }
  const auto& c = r.value;
  if (c.channel != req.channel || c.sub != st_.user ||
      (!c.client.empty() && c.client != st_.client()))
    return disconnect(disconnect::invalid_token);
  int64_t expire_at = c.expires_at();
  if (expire_at > 0 && expire_at <= unix_now()) return reply_error(id, ErrorCode::expired);
  it->second.expire_at = expire_at;
  proto::SubRefreshResult res;
  if (expire_at > 0) {
    res.expires = true;
    res.ttl = ttl_until(expire_at);
  }
  check_sub_expiry();
  proto::Reply rep;
  rep.id = id;
  rep.result = res;
  reply(rep);
}

void Logic::check_sub_expiry() {
  // One timer serves every subscription: it is always armed for the earliest close time, so
  // a later, longer expiry never hides an earlier one.
  const int64_t now = unix_now();
  const int64_t grace =
      std::chrono::duration_cast<std::chrono::seconds>(cfg().client.expired_sub_close_delay)
          .count();
  int64_t next = 0;  // the earliest close time still ahead
  std::vector<std::string> expired;
  for (const auto& [ch, s] : st_.subs) {
    if (s.expire_at <= 0) continue;
    const int64_t close_at = s.expire_at + grace;
    if (close_at <= now) {
      expired.push_back(ch);
    } else if (next == 0 || close_at < next) {
      next = close_at;
    }
  }
  for (const auto& ch : expired) {
    if (st_.subs[ch].server_side) return disconnect(disconnect::subscription_expired);
    drop_subscription(ch);
    proto::Reply r;
    r.result = proto::Push{
        ch, proto::UnsubscribePush{static_cast<uint32_t>(UnsubscribeCode::expired),
                                   "subscription expired"}};
    reply(r);
  }
  if (st_.closing) return;
  if (next > 0)
    arm(ConnTimer::sub_expire, std::chrono::seconds(next - now));
  else
    disarm(ConnTimer::sub_expire);
}

caf::typed_response_promise<Error> Logic::server_subscribe(const ServerSubscribeRequest& req) {
  auto rp = self_->make_response_promise<Error>();
  if (st_.closing || !st_.connected) {
    rp.deliver(Error{});  // going away: nothing to subscribe, nothing failed
    return rp;
  }
  if (st_.subs.count(req.channel)) {
    rp.deliver(make_error(ErrorCode::already_subscribed));
    return rp;
  }
  Error err;
  const ChannelOptions* opts = resolve(req.channel, err);
  if (!opts) {
    rp.deliver(err);
    return rp;
  }
  auto flag = [&](const char* k, bool dflt) {
    auto it = req.override.find(k);
    return it == req.override.end() ? dflt : it->second;
  };
  Subscription sub;
  sub.options = opts;
  sub.server_side = true;
  sub.chan_info = req.info;
  sub.expire_at = req.expire_at;
  sub.presence = flag("presence", opts->presence);
  sub.emit_join_leave = flag("join_leave", opts->join_leave);
  // Server-side subscriptions cannot ask for join/leave: only forcing pushes them.
  sub.push_join_leave =
      sub.emit_join_leave && flag("force_push_join_leave", opts->force_push_join_leave);
  const bool history = opts->has_history();
  sub.recoverable = history && flag("force_recovery", opts->force_recovery);
  sub.positioned = history && (sub.recoverable || flag("force_positioning", opts->force_positioning));
  const bool recover = req.recover_since.has_value() && sub.recoverable;
  StreamPosition since = req.recover_since.value_or(StreamPosition{});
  std::string channel = req.channel;
  std::string data = req.data;
  const bool expires = sub.expire_at > 0;
  begin_async();
  establish(channel, std::move(sub), recover, since,
            [this, channel, data, rp, expires](SubscribeOutcome out) mutable {
    if (!out.error) {
      if (expires) check_sub_expiry();
      proto::SubscribePush push;
      push.recoverable = out.result.recoverable;
      push.positioned = out.result.positioned;
      push.epoch = out.result.epoch;
      push.offset = out.result.offset;
      push.data = data;
      proto::Reply r;
      r.result = proto::Push{channel, push};
      reply(r);
    }
    rp.deliver(out.error);
    end_async();
  });
  return rp;
}

void Logic::server_unsubscribe(const std::string& channel) {
  if (st_.closing || !st_.connected) return;
  // Centrifugo pushes the unsubscribe even for a channel the client is not in (or for an
  // empty channel name, when the API names only a user).
  drop_subscription(channel);
  proto::Reply r;
  r.result = proto::Push{
      channel, proto::UnsubscribePush{static_cast<uint32_t>(UnsubscribeCode::server),
                                      "server unsubscribe"}};
  reply(r);
}

}  // namespace herald::conn
