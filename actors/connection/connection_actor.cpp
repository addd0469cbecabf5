#include <caf/default_attachable.hpp>

#include <random>
#include <utility>

#include "actors/connection/connection_logic.hpp"

namespace herald {

namespace conn {

namespace {

/// How long a connection whose connect failed stays open, ignoring input, before its TCP
/// connection is dropped: the client sees the error reply and closes first (Centrifugo waits
/// the same 5 s for the peer's close).
constexpr std::chrono::seconds kConnectFailedGrace{5};
/// Encoding scratch space shared by the connections of a worker thread: send() copies the
/// bytes into the connection's own buffer, so none needs to keep one.
std::string& scratch() {
  thread_local std::string buf;
  buf.clear();
  return buf;
}
}  // namespace

void Logic::reply(const proto::Reply& r) {
  std::string& out = scratch();
  proto::append_reply(st_.protocol, r, out);
  if (st_.ws && !st_.ws->send(out)) disconnect(disconnect::slow);
}

void Logic::reply_error(uint32_t id, ErrorCode code) {
  proto::Reply r;
  r.id = id;
  r.error = make_error(code);
  reply(r);
}

uint32_t Logic::ttl_until(int64_t expire_at) const {
  int64_t left = expire_at - unix_now();
  return left > 0 ? static_cast<uint32_t>(left) : 0;
}

void Logic::arm(ConnTimer kind, std::chrono::milliseconds after) {
  auto k = static_cast<uint8_t>(kind);
  TimerService& timers = *st_.ctx->timers;
  timers.cancel(st_.timers[k]);
  // Weak: a pending timer must not keep a closed connection alive (disarm_all also drops it).
  caf::weak_actor_ptr weak{self_->ctrl()};
  st_.timers[k] = timers.schedule_after(after, [weak, k](TimerService::TimerId id) {
    if (auto strong = weak.lock())
      caf::anon_send(caf::actor_cast<connection_actor>(strong), timer_atom::value, k, id);
  });
}

void Logic::disarm(ConnTimer kind) {
  auto k = static_cast<uint8_t>(kind);
  st_.ctx->timers->cancel(st_.timers[k]);
  st_.timers[k] = 0;
}

void Logic::disarm_all() {
  for (size_t k = 0; k < st_.timers.size(); ++k) disarm(static_cast<ConnTimer>(k));
}

ClientInfo Logic::client_info(const std::string& chan_info) const {
  return ClientInfo{st_.user, st_.client(), st_.conn_info, chan_info};
}

void Logic::on_frame(std::string& frame) {
  if (st_.closing) return;
  if (st_.connect_failed) {
    // Ignored, as Centrifugo does after a failed connect; let the transport read on.
    if (st_.ws) st_.ws->consumed(1);
    return;
  }
  ++st_.unconsumed_frames;
  std::vector<proto::Command> cmds;
  const bool ok =
      proto::decode_commands(st_.protocol, frame, cmds) == proto::DecodeStatus::ok;
  if (ok && cmds.empty()) return disconnect(disconnect::bad_request);
  for (auto& c : cmds) st_.queue.push_back(std::move(c));
  // The commands before a malformed one are handled first, then the connection closes with
  // 3501 (an `unknown` command disconnects when its turn comes), as Centrifuge does.
  if (!ok) st_.queue.emplace_back();
  drain();
}

void Logic::drain() {
  while (!st_.busy && !st_.closing && st_.queue_head < st_.queue.size()) {
    proto::Command cmd = std::move(st_.queue[st_.queue_head++]);
    dispatch(cmd);
  }
  if (st_.queue_head == st_.queue.size()) {
    // All handled: give the memory back, idle connections hold none, and let the transport
    // read what the client sent meanwhile.
    std::vector<proto::Command>().swap(st_.queue);
    st_.queue_head = 0;
    if (st_.unconsumed_frames > 0 && st_.ws) {
      st_.ws->consumed(st_.unconsumed_frames);
      st_.unconsumed_frames = 0;
    }
  }
}

void Logic::fail_connect(uint32_t id, const Error& error) {
  proto::Reply r;
  r.id = id;
  r.error = error;
  reply(r);
  // Nothing more is read from this client; it gets a grace period to close by itself.
  st_.connect_failed = true;
  std::vector<proto::Command>().swap(st_.queue);
  st_.queue_head = 0;
  if (st_.unconsumed_frames > 0 && st_.ws) st_.ws->consumed(st_.unconsumed_frames);
  st_.unconsumed_frames = 0;
  arm(ConnTimer::stale, kConnectFailedGrace);
}

void Logic::dispatch(proto::Command& cmd) {
  if (!st_.connected && cmd.kind != proto::CommandKind::connect)
    return disconnect(disconnect::bad_request);
  switch (cmd.kind) {
    case proto::CommandKind::connect:
      if (st_.connected) return disconnect(disconnect::bad_request);
      return connect(cmd.id, std::get<proto::ConnectRequest>(cmd.request));
    case proto::CommandKind::subscribe:
      return subscribe(cmd.id, std::get<proto::SubscribeRequest>(cmd.request));
    case proto::CommandKind::unsubscribe:
      return unsubscribe(cmd.id, std::get<proto::UnsubscribeRequest>(cmd.request));
    case proto::CommandKind::publish:
      return publish(cmd.id, std::get<proto::PublishRequest>(cmd.request));
    case proto::CommandKind::presence:
      return presence(cmd.id, std::get<proto::PresenceRequest>(cmd.request));
    case proto::CommandKind::presence_stats:
      return presence_stats(cmd.id, std::get<proto::PresenceStatsRequest>(cmd.request));
    case proto::CommandKind::history:
      return history(cmd.id, std::get<proto::HistoryRequest>(cmd.request));
    case proto::CommandKind::rpc:
      // Without an RPC proxy (proxies come later) nothing handles client RPC: "not
      // available", whatever the method, as Centrifugo answers.
      return reply_error(cmd.id, ErrorCode::not_available);
    case proto::CommandKind::refresh:
      return refresh(cmd.id, std::get<proto::RefreshRequest>(cmd.request));
    case proto::CommandKind::sub_refresh:
      return sub_refresh(cmd.id, std::get<proto::SubRefreshRequest>(cmd.request));
    case proto::CommandKind::send:
      // Centrifugo OSS has no message handler for `send`.
      return disconnect(disconnect::not_available);
    case proto::CommandKind::pong:
      if (!st_.awaiting_pong) return disconnect(disconnect::bad_request);
      st_.awaiting_pong = false;
      return;
    case proto::CommandKind::ping:
    case proto::CommandKind::unknown:
      return disconnect(disconnect::bad_request);
  }
}

void Logic::on_push(const EncodedPushPtr& push) {
  if (st_.closing || !st_.connected) return;
  deliver_push(push);
  on_pushed(push->event);
}

void Logic::on_pushed(const BrokerEventPtr& event) {
  if (st_.closing || !st_.connected) return;
  const BrokerEvent& ev = *event;
  if (is_own_publication(ev)) {
    finish_own_publication();
  } else if (ev.kind == BrokerEvent::Kind::publication && ev.publication.info &&
             ev.publication.info->client == st_.client()) {
    st_.pushed_own = event;  // ahead of its publish answer, perhaps
  }
}

void Logic::on_forwarded(const EncodedPushPtr& push, const DeliverySlotPtr& slot) {
  auto it = st_.subs.find(push->event->channel);
  // A slot dropped since (unsubscribed, perhaps subscribed again with a new slot): stale.
  if (it == st_.subs.end() || it->second.slot != slot) return;
  slot->forwarded_handled();
  on_push(push);
  go_direct();
}

void Logic::go_direct() {
  if (st_.closing) return;
  for (auto& [channel, sub] : st_.subs)
    if (!sub.direct && sub.slot) sub.direct = sub.slot->go_direct(sub.offset, sub.epoch);
}

void Logic::deliver_push(const EncodedPushPtr& push) {
  const BrokerEvent& ev = *push->event;
  auto it = st_.subs.find(ev.channel);
  if (it == st_.subs.end()) return;  // unsubscribed while the push was on its way
  Subscription& sub = it->second;
  if (ev.kind == BrokerEvent::Kind::publication) {
    const uint64_t offset = ev.publication.offset;
    if (sub.positioned && offset > 0) {
      if (ev.epoch == sub.epoch && offset <= sub.offset) return;  // already sent (recovery)
      // A gap: the client cannot trust its position any more.
      if (ev.epoch != sub.epoch || offset != sub.offset + 1) return insufficient_state(ev.channel);
      sub.offset = offset;
    }
    if (st_.protocol == proto::Protocol::json && push->json_incompatible)
      return disconnect(disconnect::inappropriate_protocol);
  } else if (!sub.push_join_leave) {
    return;
  }
  const std::string& bytes =
      st_.protocol == proto::Protocol::json ? push->json : push->protobuf;
  if (!st_.ws->send(bytes)) disconnect(disconnect::slow);
}

void Logic::on_interrupt(const std::string& channel) {
  if (st_.closing || !st_.connected) return;
  auto it = st_.subs.find(channel);
  if (it != st_.subs.end() && it->second.positioned) insufficient_state(channel);
}

void Logic::insufficient_state(std::string channel) {
  auto it = st_.subs.find(channel);
  if (it == st_.subs.end()) return;
  if (it->second.server_side) return disconnect(disconnect::insufficient_state);
  drop_subscription(channel);
  proto::Reply r;
  r.result = proto::Push{channel, proto::UnsubscribePush{
                                      static_cast<uint32_t>(UnsubscribeCode::insufficient_state),
                                      "insufficient state"}};
  reply(r);
}

void Logic::on_timer(ConnTimer kind, TimerService::TimerId id) {
  auto k = static_cast<size_t>(kind);
  if (st_.closing || k >= st_.timers.size() || st_.timers[k] != id) return;
  st_.timers[k] = 0;
  switch (kind) {
    case ConnTimer::stale:
      // A failed connect's grace is over: drop the TCP connection without a close frame.
      if (st_.connect_failed) return disconnect(disconnect::connection_closed);
      if (!st_.connected) disconnect(disconnect::stale);
      break;
    case ConnTimer::ping: {
      std::string& out = scratch();
      proto::append_ping(st_.protocol, out);
      if (!st_.ws->send(out)) return disconnect(disconnect::slow);
      if (cfg().client.pong_timeout.count() > 0) {
        st_.awaiting_pong = true;
        arm(ConnTimer::pong, cfg().client.pong_timeout);
      }
      arm(ConnTimer::ping, cfg().client.ping_interval);
      break;
    }
    case ConnTimer::pong:
      if (st_.awaiting_pong) disconnect(disconnect::no_pong);
      break;
    case ConnTimer::expire:
      if (st_.expire_at > 0 && st_.expire_at <= unix_now()) disconnect(disconnect::expired);
      break;
    case ConnTimer::presence:
      st_.presence_timer_armed = false;
      refresh_presence();
      break;
    case ConnTimer::sub_expire:
      check_sub_expiry();
      break;
    case ConnTimer::own_publication:
      finish_own_publication();
      break;
    case ConnTimer::kCount:
      break;
  }
}

void Logic::disconnect(uint32_t code, std::string_view reason) {
  if (st_.closing) return;
  st_.closing = true;
  disarm_all();
  std::vector<std::string> channels;
  for (const auto& [ch, _] : st_.subs) channels.push_back(ch);
  for (const auto& ch : channels) drop_subscription(ch, StateReason::disconnect);
  say_goodbye();
  if (st_.ws) st_.ws->close(static_cast<uint16_t>(code), reason);
  // Wait for the transport's `closed` before quitting: it may still deliver a message.
}

void Logic::say_goodbye() {
  if (!st_.connected) return;
  self_->send(st_.ctx->node, conn_gone_atom::value, st_.client());
  // The node monitors a connection only for deaths without this goodbye. Leaving its monitor
  // attached would still send it a down message when this actor quits, usually before the
  // node has handled `conn_gone`, and the node then looks for the connection among all of
  // them: in a mass disconnect that is quadratic. Detaching it here is what the node's own
  // demonitor would do, done before the actor can quit.
  caf::default_attachable::observe_token token{st_.ctx->node.address(),
                                               caf::default_attachable::monitor};
  self_->detach({caf::default_attachable::observe_token::token_type, &token});
}

void Logic::on_closed() {
  disarm_all();
  if (!st_.closing) {
    st_.closing = true;
    std::vector<std::string> channels;
    for (const auto& [ch, _] : st_.subs) channels.push_back(ch);
    for (const auto& ch : channels) drop_subscription(ch, StateReason::disconnect);
    say_goodbye();
  }
  st_.ws.reset();
  self_->quit();
}

}  // namespace conn

namespace {

/// The connection actor. Every connection actor shares ONE behaviour object: its handlers
/// capture nothing and find their actor through `current`, which resume() sets while the
/// actor handles messages (the only place CAF runs a behaviour's handlers). A behaviour of
/// twelve handlers is ~600 bytes, per connection, when each actor builds its own.
class ConnectionActor final : public caf::stateful_actor<ConnectionState, connection_actor::base> {
 public:
  using super = caf::stateful_actor<ConnectionState, connection_actor::base>;

  ConnectionActor(caf::actor_config& cfg, std::shared_ptr<const ClientContext> ctx,
                  std::shared_ptr<WsConnection> ws, const WsHandshake& handshake)
      : super(cfg), logic_(this) {
    state.ctx = std::move(ctx);
    state.ws = std::move(ws);
    // Nothing reads the upgrade's headers or address after the handshake yet: only the
    // encoding is kept (the rest would be ~1 KB per connection).
    state.protocol = handshake.protocol;
  }

  behavior_type make_behavior() override {
    logic_.arm(ConnTimer::stale, state.ctx->config->client.stale_close_delay);
    return shared_behavior();
  }

  caf::resumable::resume_result resume(caf::execution_unit* unit, size_t max) override {
    ConnectionActor* outer = std::exchange(current, this);
    auto result = super::resume(unit, max);
    current = outer;
    return result;
  }

 private:
  /// The connection actor running on this thread (set by resume()).
  static thread_local ConnectionActor* current;

  static conn::Logic& logic() { return current->logic_; }

  static const behavior_type& shared_behavior() {
    static const behavior_type behavior{
        [](frame_atom, std::string& frame) { logic().on_frame(frame); },
        [](closed_atom) { logic().on_closed(); },
        [](push_atom, EncodedPushPtr& push) { logic().on_push(push); },
        [](push_atom, EncodedPushPtr& push, DeliverySlotPtr& slot) {
          logic().on_forwarded(push, slot);
        },
        [](pushed_atom, BrokerEventPtr& event) { logic().on_pushed(event); },
        [](interrupt_atom, std::string& channel) { logic().on_interrupt(channel); },
        [](sub_atom, ServerSubscribeRequest& req) { return logic().server_subscribe(req); },
        [](unsub_atom, std::string& channel) { logic().server_unsubscribe(channel); },
        [](disconn_atom, uint32_t code, std::string& reason) {
          logic().disconnect(code, reason);
        },
        [](refresh_atom, ServerRefreshRequest& req) { logic().server_refresh(req); },
        [](repres_atom) { logic().refresh_presence(); },
        [](timer_atom, uint8_t kind, TimerService::TimerId id) {
          logic().on_timer(static_cast<ConnTimer>(kind), id);
        },
    };
    return behavior;
  }

  // Callbacks of awaited requests keep `this` of it: they never run after the actor quit.
  conn::Logic logic_;
};

thread_local ConnectionActor* ConnectionActor::current = nullptr;

}  // namespace

connection_actor spawn_connection(caf::actor_system& system,
                                  std::shared_ptr<const ClientContext> ctx,
                                  std::shared_ptr<WsConnection> ws, const WsHandshake& handshake) {
  return system.spawn<ConnectionActor>(std::move(ctx), std::move(ws), handshake);
}

}  // namespace herald
