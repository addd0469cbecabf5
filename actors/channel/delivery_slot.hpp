// One subscription's end of a channel's fan-out: the channel writes a push straight into the
// subscriber's WebSocket buffer instead of sending it to the connection actor as a message.
// No CAF behaviour; shared by the channel actor (which delivers) and the connection actor
// (which owns the subscription).
//
// A slot starts in `forward` mode: pushes go to the owner as `push(push, slot)` messages,
// as they must while its subscribe reply is not yet written (the owner filters by offset
// after a recovery). Once the reply is out and no forwarded push is still on its way, the
// owner switches it to `direct`: from then on deliver() checks offsets itself and appends
// the bytes to the connection's buffer on the delivering thread. `drop()` ends both.
//
// Ordering: deliver(), go_direct() and drop() take the slot's lock, and deliver() writes
// while holding it, so an unsubscribe reply written after drop() is never followed by a
// push of that channel, and no direct push overtakes a forwarded one.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "actors/messages.hpp"
#include "proto/codec/client_protocol.hpp"
#include "proto/codec/ws_connection.hpp"

namespace herald {

class DeliverySlot;
using DeliverySlotPtr = std::shared_ptr<DeliverySlot>;

/// A push delivered directly was the subscriber's own publication (`pushed(event)`): a
/// client publish answers only after its own publication has been pushed to it.
using pushed_atom = caf::atom_constant<caf::atom("pushed")>;

/// Anything that takes pushes: a connection actor (or a test probe).
///   push(EncodedPushPtr)                  -> (): a push for a subscriber without a slot
///   push(EncodedPushPtr, DeliverySlotPtr) -> (): forwarded by `slot` (still in forward mode)
///   pushed(BrokerEventPtr)                -> (): its own publication went out directly
///   interrupt(channel)                    -> (): publications of the channel may have been
///                                                lost (or a direct delivery saw a gap)
///   disconn(code, reason)                 -> (): a direct delivery cannot go on (3506)
using subscriber_actor =
    caf::typed_actor<caf::reacts_to<push_atom, EncodedPushPtr>,
                     caf::reacts_to<push_atom, EncodedPushPtr, DeliverySlotPtr>,
                     caf::reacts_to<pushed_atom, BrokerEventPtr>,
                     caf::reacts_to<interrupt_atom, std::string>,
                     caf::reacts_to<disconn_atom, uint32_t, std::string>>;

class DeliverySlot {
 public:
  /// `client` is the subscriber's client id (its own publications are reported); `positioned`
  /// turns on the offset checks of direct delivery.
  DeliverySlot(subscriber_actor owner, std::shared_ptr<WsConnection> ws,
               protocol::Protocol protocol, std::shared_ptr<const std::string> client,
               bool positioned)
      : owner_(caf::actor_cast<caf::weak_actor_ptr>(owner)),
        ws_(std::move(ws)),
        client_(std::move(client)),
        protocol_(protocol),
        positioned_(positioned) {}

  DeliverySlot(const DeliverySlot&) = delete;
  DeliverySlot& operator=(const DeliverySlot&) = delete;

  /// The channel's fan-out (an io thread, or the channel actor's): forwards, writes or drops
  /// `push`. With `flushes`, a write leaves its connection's flush to the caller, who adds
  /// that connection to the list (see WsConnection::send_deferred).
  void deliver(const EncodedPushPtr& push, const DeliverySlotPtr& self,
               std::vector<std::shared_ptr<WsConnection>>* flushes = nullptr);

  /// Owner: a push this slot forwarded has been handled.
  void forwarded_handled();
  /// Owner, once every reply due before this channel's pushes is written: switch to direct
  /// delivery, continuing after `offset` in `epoch` (positioned subscriptions). Refused (false)
  /// while a forwarded push is still on its way; the owner tries again after handling it.
  bool go_direct(uint64_t offset, const std::string& epoch);
  /// Owner: no push for this subscription from now on. Idempotent.
  void drop();

  bool direct() const;
  /// The subscriber's transport (a channel takes its fan-out task queue from it).
  const std::shared_ptr<WsConnection>& connection() const { return ws_; }

 private:
  enum class Mode : uint8_t { forward, direct, dropped };

  // A spin lock: held for one append to a buffer, and contended only when the owner
  // changes the mode while the channel delivers; one byte instead of a 40-byte mutex.
  void lock() const {
    while (busy_.test_and_set(std::memory_order_acquire)) {
    }
  }
  void unlock() const { busy_.clear(std::memory_order_release); }
  /// Sends to the owner, if it still lives.
  template <class... Ts>
  void tell_owner(Ts&&... xs) const {
    if (auto strong = owner_.lock())
      caf::anon_send(caf::actor_cast<subscriber_actor>(strong), std::forward<Ts>(xs)...);
  }

  /// Weak: the owner keeps its slots, and a strong handle here would keep the owner alive.
  const caf::weak_actor_ptr owner_;
  const std::shared_ptr<WsConnection> ws_;
  const std::shared_ptr<const std::string> client_;
  const protocol::Protocol protocol_;
  const bool positioned_;
  mutable std::atomic_flag busy_ = ATOMIC_FLAG_INIT;
  Mode mode_ = Mode::forward;  // guarded by busy_, as are the fields below
  uint32_t forwarded_ = 0;     // forwarded pushes not yet handled by the owner
  uint64_t offset_ = 0;        // last offset written (positioned, direct)
  std::string epoch_;
};

}  // namespace herald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::DeliverySlotPtr)
