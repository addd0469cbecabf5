// The local subscriber set of one channel, with no CAF behaviour: unit-tested alone.
//
// Design note: subscribers are kept in a flat vector (cache-friendly iteration on fan-out,
// O(n) removal is fine at the rates subscriptions change) with a count per protocol, so a
// broker event is encoded only for the protocols somebody actually speaks.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "actors/channel/delivery_slot.hpp"
#include "actors/messages.hpp"
#include "proto/codec/codec.hpp"

namespace herald {

using protocol::Protocol;

/// One local subscription of a channel.
struct SubscriberSpec {
  subscriber_actor actor;
  Protocol protocol = Protocol::json;
  bool join_leave = false;  ///< receives join/leave pushes
  /// Where pushes go without a message per push (see DeliverySlot); without one, every push
  /// is sent to `actor`.
  DeliverySlotPtr slot;
};

class ChannelSubscribers {
 public:
  /// Adds a subscriber, or updates its spec if the actor is already there; returns true when
  /// it was new.
  bool add(const SubscriberSpec& spec);
  /// Returns false if the actor was not subscribed.
  bool remove(const subscriber_actor& actor) {
    return remove(caf::actor_cast<caf::actor_control_block*>(actor));
  }
  bool remove(const caf::actor_addr& actor) {
    return remove(caf::actor_cast<caf::actor_control_block*>(actor));
  }

  size_t size() const { return subscribers_.size(); }
  bool empty() const { return subscribers_.empty(); }
  size_t count(Protocol p) const { return by_protocol_[static_cast<size_t>(p)]; }
  const std::vector<SubscriberSpec>& all() const { return subscribers_; }

  /// Encodes `event` once for every protocol with at least one recipient. Join and leave count
  /// only subscribers that asked for them. Returns nullptr when nobody would receive it.
  EncodedPushPtr encode(const BrokerEventPtr& event) const;

  /// Whether `spec` receives `event` (join/leave only with join_leave).
  static bool wants(const SubscriberSpec& spec, const BrokerEvent& event) {
    return event.kind == BrokerEvent::Kind::publication || spec.join_leave;
  }

 private:
  std::vector<SubscriberSpec> subscribers_;
  std::array<size_t, 2> by_protocol_{};
  std::array<size_t, 2> join_leave_by_protocol_{};

  void count_in(const SubscriberSpec& s, int delta);
  /// Both are linear scans (no index: an index entry per subscription would cost every idle
  /// connection more than the scans cost a connect storm). They compare control block
  /// pointers: an actor_addr made per element took a third of a 10,000-client storm's CPU.
  std::vector<SubscriberSpec>::iterator find(const caf::actor_control_block* actor);
  bool remove(const caf::actor_control_block* actor);
};

}  // namespace herald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::SubscriberSpec)
