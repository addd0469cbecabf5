// A connection actor per client connection: the client protocol's state machine.
//
//   frame(bytes)                    -> (): one WebSocket message from the client
//   closed()                        -> (): the transport is gone; clean up and quit
//   push(EncodedPushPtr)            -> (): a publication/join/leave from a channel actor
//   push(EncodedPushPtr, slot)      -> (): the same, forwarded by a subscription's slot that
//                                          is not yet direct (see DeliverySlot)
//   pushed(BrokerEventPtr)          -> (): a slot wrote this client's own publication
//   interrupt(channel)              -> (): the broker may have lost publications of it, or a
//                                          direct delivery saw a gap
//   unsub(channel)                  -> (): server API unsubscribe (push code 2000)
//   disconn(code, reason)           -> (): server API disconnect
//   refresh(ServerRefreshRequest)   -> (): server API refresh
//   sub(ServerSubscribeRequest)     -> Error: server API subscribe (code 0 = subscribed)
//   repres()                        -> (): write its presence entries again now (the node's
//                                          channel state lease had lapsed)
//   timer(kind, timer id)           -> (): one of its own timers fired (TimerService)
//
// Commands of one connection run strictly in order: a command that needs the engine waits
// for its answer (`await`) before the next message is handled, so a subscribe reply is
// always written before any publication of that channel, and a recovery never misses or
// repeats a publication (pushes that arrived meanwhile are filtered by offset). Once the
// reply is out, the subscription's DeliverySlot goes direct and pushes no longer pass
// through this actor at all.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <unordered_map>

#include "actors/connection/client_context.hpp"
#include "actors/connection/subscription.hpp"
#include "actors/node/connection_control.hpp"
#include "proto/codec/codec.hpp"
#include "proto/codec/ws_connection.hpp"

namespace herald {

using connection_actor = caf::typed_actor<
    caf::reacts_to<frame_atom, std::string>, caf::reacts_to<closed_atom>,
    caf::reacts_to<push_atom, EncodedPushPtr>,
    caf::reacts_to<push_atom, EncodedPushPtr, DeliverySlotPtr>,
    caf::reacts_to<pushed_atom, BrokerEventPtr>, caf::reacts_to<interrupt_atom, std::string>,
    caf::replies_to<sub_atom, ServerSubscribeRequest>::with<Error>,
    caf::reacts_to<unsub_atom, std::string>, caf::reacts_to<disconn_atom, uint32_t, std::string>,
    caf::reacts_to<refresh_atom, ServerRefreshRequest>, caf::reacts_to<repres_atom>,
    caf::reacts_to<timer_atom, uint8_t, TimerService::TimerId>>;

/// Timers a connection arms on itself, at most one of each kind at a time.
enum class ConnTimer : uint8_t {
  stale,
  ping,
  pong,
  expire,
  presence,
  sub_expire,
  own_publication,
  kCount
};

struct ConnectionState {
  std::shared_ptr<const ClientContext> ctx;
  std::shared_ptr<WsConnection> ws;
  protocol::Protocol protocol = protocol::Protocol::json;  ///< from the handshake

  bool connected = false;
  bool closing = false;
  /// The client id (set at connect), shared with the subscriptions' delivery slots.
  std::shared_ptr<const std::string> client_id;
  /// The client id, "" before connect.
  const std::string& client() const {
    static const std::string none;
    return client_id ? *client_id : none;
  }
  std::string user;
  std::string conn_info;
  int64_t expire_at = 0;  ///< unix seconds; 0 = never
  bool client_side_refresh = false;
  SubscriptionMap subs;

  /// Decoded commands not yet handled, from `queue_head` on. A vector, not a deque: an empty
  /// libstdc++ deque still holds a 512-byte block, on every idle connection.
  std::vector<protocol::Command> queue;
  size_t queue_head = 0;
  bool busy = false;                     ///< a command waits for the engine or node
  /// WebSocket messages received whose commands are not all handled yet; the transport stops
  /// reading past a bound until they are (inbound backpressure).
  uint32_t unconsumed_frames = 0;
  /// A connect was refused with an error reply: later frames are ignored and the TCP
  /// connection is dropped after a grace period, as Centrifugo does.
  bool connect_failed = false;
  /// A client publish to a channel it is subscribed to, answered once its own publication has
  /// been pushed to it (Centrifugo writes the push before the reply; a command that follows,
  /// e.g. an unsubscribe in the same frame, must not overtake it).
  struct OwnPublication {
    uint32_t id = 0;
    std::string channel;
    BrokerEventPtr event;
    StreamPosition position;
    std::string data;
  };
  std::unique_ptr<OwnPublication> own_publication;
  /// This client's latest publication pushed to it while no publish waited for it: with the
  /// Redis engine the push (PUB/SUB) can arrive before the engine's publish answer, and the
  /// answer must not then wait for a push that has already gone by.
  BrokerEventPtr pushed_own;

  bool awaiting_pong = false;
  bool presence_timer_armed = false;  ///< only while a subscription keeps presence
  /// The armed timer of each kind (0 = none); a fired timer whose id no longer matches was
  /// re-armed or cancelled meanwhile and is ignored.
  std::array<TimerService::TimerId, static_cast<size_t>(ConnTimer::kCount)> timers{};

  static inline const char* name = "herald.connection";
};

using connection_pointer = connection_actor::stateful_pointer<ConnectionState>;

/// Spawns the actor of a new client connection; `handshake` gives its encoding.
connection_actor spawn_connection(caf::actor_system& system,
                                  std::shared_ptr<const ClientContext> ctx,
                                  std::shared_ptr<WsConnection> ws, const WsHandshake& handshake);

}  // namespace herald
