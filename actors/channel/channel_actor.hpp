// A channel actor exists while the channel has local subscribers on this node. It owns the
// local subscriber set and fans every broker event out: encoded once per protocol present,
// the same bytes shared by all recipients, and written by this actor straight into each
// subscriber's WebSocket buffer through its DeliverySlot (no message per recipient).
//
//   sub(SubscriberSpec)        -> (): add or update a local subscriber
//   unsub(subscriber_actor)    -> ()
//   deliver(BrokerEventPtr)    -> (): publication, join or leave for this channel
//   interrupt()                -> (): the broker may have lost publications: tell everyone
//   shutdown()                 -> (): the node saw the last subscriber leave; quit
//
// It monitors its subscribers: one that dies without unsubscribing is dropped and the node
// told (`released`), so its count of the channel's subscribers stays true.
#pragma once

#include <string>

#include "actors/channel/channel_subscribers.hpp"
#include "actors/messages.hpp"

namespace herald {

using channel_actor =
    caf::typed_actor<caf::reacts_to<sub_atom, SubscriberSpec>,
                     caf::reacts_to<unsub_atom, subscriber_actor>,
                     caf::reacts_to<deliver_atom, BrokerEventPtr>, caf::reacts_to<interrupt_atom>,
                     caf::reacts_to<shutdown_atom>>;

/// Who hears that a subscriber died without unsubscribing (the node).
using subscriber_release_actor = caf::typed_actor<caf::reacts_to<released_atom, std::string>>;

struct ChannelActorState {
  std::string channel;
  ChannelSubscribers subscribers;
  uint64_t delivered = 0;  ///< pushes handed to subscribers, for metrics
  static inline const char* name = "herald.channel";
};

/// `node` hears about subscribers that died without unsubscribing.
channel_actor::behavior_type channel_actor_impl(
    channel_actor::stateful_pointer<ChannelActorState> self, std::string channel,
    subscriber_release_actor node);

}  // namespace herald
