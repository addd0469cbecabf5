// connect, refresh and the server API's refresh.
#include <random>

#include <spdlog/spdlog.h>

#include <set>

#include "actors/connection/connection_logic.hpp"
#include "actors/errors.hpp"
#include "config/random.hpp"

namespace herald::conn {

namespace {

/// Server-side subscriptions named by a connection token, with per-channel claims.
struct ServerSub {
  std::string channel;
  jwt::SubscribeClaim claim;
};

}  // namespace

void Logic::start_ping() {
  const auto interval = cfg().client.ping_interval;
  if (interval.count() <= 0) return;
  // First ping at a random point in [interval/2, interval): spreads pings of clients that
  // connected together (after a restart) over time.
  thread_local std::mt19937_64 rng{std::random_device{}()};
  auto half = interval.count() / 2;
  std::uniform_int_distribution<int64_t> dist(half, std::max<int64_t>(half, interval.count() - 1));
  arm(ConnTimer::ping, std::chrono::milliseconds(dist(rng)));
}

void Logic::connect(uint32_t id, proto::ConnectRequest& req) {
  const ClientConfig& cc = cfg().client;
  const int64_t now = unix_now();
  std::vector<ServerSub> server_subs;

  if (!req.token.empty()) {
    auto r = jwt::verify_connection_token(req.token, st_.ctx->connection_keys,
                                          st_.ctx->connection_verify, now);
    if (!r.ok()) {
      if (jwt::is_expiry_error(r.error))
        return fail_connect(id, make_error(ErrorCode::token_expired));
      return disconnect(disconnect::invalid_token);
    }
    auto& claims = r.value;
    if (claims.sub.empty() && cc.disallow_anonymous_connection_tokens)
      return disconnect(disconnect::permission_denied);
    st_.user = claims.sub;
    st_.conn_info = claims.info_bytes();
    if (!cc.insecure) {
      st_.expire_at = claims.expires_at();
      if (st_.expire_at > 0 && st_.expire_at <= now)
        return fail_connect(id, make_error(ErrorCode::expired));
      st_.client_side_refresh = st_.expire_at > 0;
    }
    if (!claims.subs.empty()) {
      for (auto& [ch, claim] : claims.subs) server_subs.push_back({ch, claim});
    } else {
      // A channel listed twice is one subscription.
      std::set<std::string> seen;
      for (auto& ch : claims.channels)
        if (seen.insert(ch).second) server_subs.push_back({ch, {}});
    }
  } else if (!cc.allow_anonymous_connect_without_token && !cc.insecure) {
    return disconnect(disconnect::bad_request);  // "credentials not found"
  }

  // Every server-side channel must resolve before anything is registered.
  std::vector<std::pair<std::string, Subscription>> planned;
  for (auto& s : server_subs) {
    Error err;
    const ChannelOptions* opts = resolve(s.channel, err);
    if (!opts) return fail_connect(id, err);
    Subscription sub;
    sub.options = opts;
    sub.server_side = true;
    sub.chan_info = s.claim.info_bytes();
    const auto& o = s.claim.override;
    sub.presence = o.presence.value_or(opts->presence);
    sub.emit_join_leave = o.join_leave.value_or(opts->join_leave);
    // Server-side subscriptions cannot ask for join/leave: only forcing pushes them.
    sub.push_join_leave =
        sub.emit_join_leave && o.force_push_join_leave.value_or(opts->force_push_join_leave);
    const bool history = opts->has_history();
    sub.recoverable = history && o.force_recovery.value_or(opts->force_recovery);
    sub.positioned =
        history && (sub.recoverable || o.force_positioning.value_or(opts->force_positioning));
    planned.emplace_back(s.channel, std::move(sub));
  }

  st_.client_id = std::make_shared<const std::string>(generate_uuid_v4());
  auto result = std::make_shared<proto::ConnectResult>();
  result->client = st_.client();
  result->version = st_.ctx->version;
  if (st_.client_side_refresh) {
    result->expires = true;
    result->ttl = ttl_until(st_.expire_at);
  }
  if (cc.ping_interval.count() > 0)
    result->ping = static_cast<uint32_t>(cc.ping_interval.count() / 1000);
  result->pong = cc.ping_interval.count() > 0 && cc.pong_timeout.count() > 0;
  if (cc.connect_include_server_time) {
    using namespace std::chrono;
    result->time =
        duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }

  auto p = std::make_shared<ServerSubsInProgress>();
  p->id = id;
  p->result = std::move(result);
  p->planned = std::move(planned);
  p->recover = std::move(req.subs);

  // Registered with the node before anything else: it enforces the connection limits.
  ConnectionEntry entry{st_.client(), st_.user, "",
                        caf::actor_cast<connection_control_actor>(self_),
                        static_cast<uint32_t>(std::max(0, cc.connection_limit)),
                        static_cast<uint32_t>(std::max(0, cc.user_connection_limit))};
  begin_async();
  self_->request(st_.ctx->node, kNodeRequestTimeout, conn_atom::value, std::move(entry))
      .await(
          [this, p](bool admitted) {
            if (!admitted) return disconnect(disconnect::connection_limit);
            st_.connected = true;
            disarm(ConnTimer::stale);  // connected in time: a pending timer is memory
            establish_next(p);
          },
          [this](caf::error&) { disconnect(disconnect::server_error); });
}

void Logic::establish_next(std::shared_ptr<ServerSubsInProgress> p) {
  if (st_.closing) return;
  if (p->next < p->planned.size()) {
    // Server-side subscriptions one after another (each may wait for the engine), recovering
    // those the client asked for in ConnectRequest.subs.
    auto& [channel, sub] = p->planned[p->next++];
    auto rec = p->recover.find(channel);
    const bool asked = rec != p->recover.end() && rec->second.recover;
    bool recover = asked && sub.recoverable;
    StreamPosition since;
    if (recover) since = StreamPosition{rec->second.offset, rec->second.epoch};
    std::string ch = channel;
    return establish(ch, sub, recover, since, [this, ch, p, asked](SubscribeOutcome out) {
      if (out.error) {
        spdlog::warn("msg=\"server-side subscription failed at connect\" client={} user={} "
                     "channel=\"{}\" code={} error=\"{}\"",
                     st_.client(), st_.user, ch, out.error.code, out.error.message);
      } else {
        out.result.was_recovering = asked;
        p->result->subs[ch] = std::move(out.result);
      }
      establish_next(p);
    });
  }
  proto::Reply r;
  r.id = p->id;
  r.result = std::move(*p->result);
  reply(r);
  start_ping();
  if (st_.expire_at > 0)
    arm(ConnTimer::expire,
        std::chrono::seconds(ttl_until(st_.expire_at)) + cfg().client.expired_close_delay);
  end_async();
}

void Logic::refresh(uint32_t id, proto::RefreshRequest& req) {
  if (req.token.empty() || !st_.client_side_refresh) return disconnect(disconnect::bad_request);
  const int64_t now = unix_now();
  auto r = jwt::verify_connection_token(req.token, st_.ctx->connection_keys,
                                        st_.ctx->connection_verify, now);
  if (!r.ok()) {
    if (jwt::is_expiry_error(r.error)) return disconnect(disconnect::expired);
    return disconnect(disconnect::invalid_token);
  }
  if (r.value.sub != st_.user) return disconnect(disconnect::invalid_token);
  int64_t expire_at = r.value.expires_at();
  if (expire_at > 0 && expire_at <= now) return disconnect(disconnect::expired);
  st_.expire_at = expire_at;
  if (!r.value.info_bytes().empty()) st_.conn_info = r.value.info_bytes();
  proto::RefreshResult res;  // Centrifugo answers expires and ttl only
  if (expire_at > 0) {
    res.expires = true;
    res.ttl = ttl_until(expire_at);
    arm(ConnTimer::expire, std::chrono::seconds(res.ttl) + cfg().client.expired_close_delay);
  } else {
    disarm(ConnTimer::expire);
  }
  proto::Reply reply_msg;
  reply_msg.id = id;
  reply_msg.result = res;
  reply(reply_msg);
}

void Logic::server_refresh(const ServerRefreshRequest& req) {
  if (st_.closing || !st_.connected) return;
  if (req.expired) return disconnect(disconnect::expired);
  // Centrifugo's semantics: a new expiry in the past disconnects; info changes only with a
  // new expiry in the future; the client learns its new TTL from a `refresh` push.
  proto::RefreshPush push;
  if (req.expire_at > 0) {
    const uint32_t ttl = ttl_until(req.expire_at);
    if (ttl == 0) return disconnect(disconnect::expired);
    if (!req.info.empty()) st_.conn_info = req.info;
    st_.expire_at = req.expire_at;
    arm(ConnTimer::expire, std::chrono::seconds(ttl) + cfg().client.expired_close_delay);
    push.expires = true;
    push.ttl = ttl;
  } else {
    st_.expire_at = 0;
    disarm(ConnTimer::expire);
  }
  proto::Reply r;
  r.result = proto::Push{"", push};
  reply(r);
}

}  // namespace herald::conn
