// The connection actor's behaviour, split by concern across connection_*.cpp files.
// Internal to actors/connection.
#pragma once

#include <chrono>

#include "actors/connection/connection_actor.hpp"

namespace herald::conn {

namespace proto = herald::protocol;

/// Engine calls are local; this only bounds a lost reply.
inline constexpr auto kRequestTimeout = std::chrono::seconds(10);
/// Requests to the node actor: it answers at once, or, for a channel's first subscribers,
/// when the broker has subscribed, which the node bounds itself (once per channel). A CAF
/// request timeout stays in CAF's clock for its whole duration even after the answer (~140
/// bytes, and a timeout message later), so these two per connection carry none.
inline constexpr auto kNodeRequestTimeout = caf::infinite;
/// How long a client publish waits for its own publication before answering anyway.
inline constexpr auto kOwnPublicationWait = std::chrono::milliseconds(1000);

/// The actor's behaviour; one instance per actor, every method runs inside its message
/// handling.
class Logic {
 public:
  explicit Logic(connection_pointer self) : self_(self), st_(self->state) {}

  // -- connection_actor.cpp: plumbing --------------------------------------------------
  void on_frame(std::string& frame);
  /// Handles queued commands in order until one has to wait.
  void drain();
  void dispatch(proto::Command& cmd);
  /// Brackets a command that waits for an actor's answer: nothing else runs meanwhile.
  void begin_async() { st_.busy = true; }
  void end_async() {
    st_.busy = false;
    go_direct();
    drain();
  }
  void on_push(const EncodedPushPtr& push);
  /// A push forwarded by `slot` (not yet direct).
  void on_forwarded(const EncodedPushPtr& push, const DeliverySlotPtr& slot);
  /// A slot wrote this client's publication `ev` directly.
  void on_pushed(const BrokerEventPtr& ev);
  /// Switches every established subscription's slot to direct delivery where it can: called
  /// where no reply that must precede a push is still unwritten.
  void go_direct();
  /// on_push() without the own-publication bookkeeping.
  void deliver_push(const EncodedPushPtr& push);
  void on_timer(ConnTimer kind, TimerService::TimerId id);
  /// Closes with `code`; cleans up subscriptions, presence and node registration.
  void disconnect(uint32_t code, std::string_view reason);
  void disconnect(const DisconnectCode& d) { disconnect(d.code, d.reason); }
  /// The transport went away on its own.
  void on_closed();
  /// Tells the node this connection is gone (if it was admitted) and stops its monitor.
  void say_goodbye();
  void reply(const proto::Reply& r);
  void reply_error(uint32_t id, ErrorCode code);
  /// Arms the timer of `kind` to fire after `after`, replacing the one armed before.
  void arm(ConnTimer kind, std::chrono::milliseconds after);
  /// Cancels the timer of `kind`, if armed.
  void disarm(ConnTimer kind);
  /// Cancels every timer: the connection is going away and must hold nothing.
  void disarm_all();
  /// The node's wall clock in unix seconds (injected in tests).
  int64_t unix_now() const { return st_.ctx->unix_now(); }
  /// Whole seconds from now until `expire_at` (unix seconds), 0 if past.
  uint32_t ttl_until(int64_t expire_at) const;
  const Config& cfg() const { return *st_.ctx->config; }
  ClientInfo client_info(const std::string& chan_info) const;

  // -- connection_auth.cpp ---------------------------------------------------------------
  void connect(uint32_t id, proto::ConnectRequest& req);
  /// Answers connect `id` with `error`; the connection then ignores its input and drops the
  /// TCP connection after a grace period.
  void fail_connect(uint32_t id, const Error& error);
  void refresh(uint32_t id, proto::RefreshRequest& req);
  void server_refresh(const ServerRefreshRequest& req);
  void start_ping();
  /// A connect whose server-side subscriptions are being established.
  struct ServerSubsInProgress {
    uint32_t id = 0;
    std::shared_ptr<proto::ConnectResult> result;
    std::vector<std::pair<std::string, Subscription>> planned;
    size_t next = 0;
    std::map<std::string, proto::SubscribeRequest> recover;
  };
  void establish_next(std::shared_ptr<ServerSubsInProgress> p);

  // -- connection_subscribe.cpp ----------------------------------------------------------
  void subscribe(uint32_t id, proto::SubscribeRequest& req);
  void unsubscribe(uint32_t id, proto::UnsubscribeRequest& req);
  void sub_refresh(uint32_t id, proto::SubRefreshRequest& req);
  /// Subscribes server-side; the answer is the subscription's outcome (code 0 = ok).
  caf::typed_response_promise<Error> server_subscribe(const ServerSubscribeRequest& req);
  void server_unsubscribe(const std::string& channel);
  /// Removes a subscription: node, presence, leave. Sends nothing to the client. `reason`
  /// is what a channel state `vacated` says if this was the channel's last subscriber.
  void drop_subscription(const std::string& channel,
                         StateReason reason = StateReason::unsubscribe);
  /// Subscribes to the node and engine and computes the stream position (recovering when
  /// asked); `done` gets the result to send, or an error code (0 = ok).
  struct SubscribeOutcome {
    Error error;
    proto::SubscribeResult result;
  };
  void establish(const std::string& channel, Subscription sub, bool recover,
                 const StreamPosition& since, std::function<void(SubscribeOutcome)> done);
  /// establish(), once the node and presence have confirmed: join, then the position.
  void established(const std::string& channel, bool recover, const StreamPosition& since,
                   std::function<void(SubscribeOutcome)> done);
  /// The broker may have lost publications of `channel`: a positioned subscription cannot
  /// trust its position (unsubscribe 2500, or disconnect 3010 when server-side).
  void on_interrupt(const std::string& channel);
  /// A positioned subscription lost its position: unsubscribe push 2500 (client-side) or
  /// disconnect 3010 (server-side).
  void insufficient_state(std::string channel);
  /// Unsubscribes what has expired, then arms one timer for the earliest expiry left.
  void check_sub_expiry();

  // -- connection_commands.cpp -----------------------------------------------------------
  void publish(uint32_t id, proto::PublishRequest& req);
  /// Answers a client publish waiting for its own publication (see OwnPublication).
  void finish_own_publication();
  void reply_publish(uint32_t id);
  /// Whether `ev` is the publication a client publish waits for.
  bool is_own_publication(const BrokerEvent& ev) const;
  void presence(uint32_t id, proto::PresenceRequest& req);
  void presence_stats(uint32_t id, proto::PresenceStatsRequest& req);
  void history(uint32_t id, proto::HistoryRequest& req);
  /// Where `channel`'s presence lives: its state partition's actor, or the engine.
  presence_actor presence_of(const std::string& channel, const ChannelOptions* opts) const {
    return st_.ctx->presence->target(channel, opts);
  }
  /// Re-adds presence for every subscription that keeps it (TTL refresh).
  void refresh_presence();
  void arm_presence_refresh();
  /// Namespace options, or nullptr after answering command `id` with the resolve error.
  const ChannelOptions* resolve_or_reply(uint32_t id, const std::string& channel);
  /// The namespace's history_meta_ttl, or channel.history_meta_ttl when it sets none.
  int64_t meta_ttl_ms(const ChannelOptions& opts) const;

 private:
  /// Namespace options for a channel, or the error to answer with.
  const ChannelOptions* resolve(const std::string& channel, Error& err) const;
  /// `allow_*_for_client` / `_for_subscriber` / `_for_anonymous` with client.insecure.
  bool permitted(bool for_client, bool for_subscriber, bool for_anonymous,
                 const std::string& channel) const;
  friend class Access;

  connection_pointer self_;
  ConnectionState& st_;
};

}  // namespace herald::conn
