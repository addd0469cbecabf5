// A channel actor exists while the channel has local subscribers on this node. It owns the
// local subscriber set and fans every broker event out: encoded once per protocol present,
// the same bytes shared by all recipients, and written straight into each subscriber's
// WebSocket buffer through its DeliverySlot (no message per recipient). The loop over the
// slots runs on an io thread, as one task of a strand of the channel's own (in order): the
// sends there queue their flushes on that thread, and every connection's pending bytes
// leave right after the loop, without a thread switch per connection.
//
//   sub(SubscriberSpec)        -> (): add or update a local subscriber (the node counted it;
//                                    an update is `released` at once)
//   unsub(subscriber_actor)    -> (): remove it; `released` to the node if it was there
//   deliver(BrokerEventPtr)    -> (): publication, join or leave for this channel
//   interrupt()                -> (): the broker may have lost publications: tell everyone
//   shutdown()                 -> (): the node saw the last subscriber leave; quit
//
// It monitors its subscribers: one that dies without unsubscribing is dropped too. The node
// counts the channel's subscribers up when it forwards `sub` and down only on `released`,
// sent once per subscriber this actor actually removes: a closing connection's unsubscribe
// and its down message both arrive, in either order, and must count it out once.
#pragma once

#include <atomic>
#include <string>

#include "actors/channel/channel_subscribers.hpp"
#include "actors/messages.hpp"

namespace herald {

using channel_actor =
    caf::typed_actor<caf::reacts_to<sub_atom, SubscriberSpec>,
                     caf::reacts_to<unsub_atom, subscriber_actor>,
                     caf::reacts_to<deliver_atom, BrokerEventPtr>, caf::reacts_to<interrupt_atom>,
                     caf::reacts_to<shutdown_atom>>;

/// Who hears that a subscriber was removed (the node).
using subscriber_release_actor = caf::typed_actor<caf::reacts_to<released_atom, std::string>>;

struct ChannelActorState {
  std::string channel;
  ChannelSubscribers subscribers;
  /// Where fan-out loops run: a task queue from a subscriber's transport (made once).
  std::shared_ptr<WsTaskQueue> queue;
  /// The subscribers with a slot, as a fan-out task sees them; rebuilt after any change.
  struct Target {
    DeliverySlotPtr slot;
    bool join_leave = false;
  };
  std::shared_ptr<const std::vector<Target>> targets;
  /// Connections written to by fan-out tasks and not flushed yet: a task flushes them when no
  /// other task of the channel is queued behind it (or after kMaxTasksPerFlush tasks), so
  /// under load one frame carries several publications. Touched by the tasks only (they run
  /// one at a time), except `queued`.
  /// The flushes go in chunks of kFlushChunk, each chunk a task deferred behind what the io
  /// threads have queued: a fan-out task posted meanwhile runs before the next chunk, and its
  /// pushes join the frames of the connections not flushed yet.
  struct PendingFlushes {
    std::atomic<uint32_t> queued{0};
    uint32_t tasks = 0;
    std::vector<std::shared_ptr<WsConnection>> due;
    size_t next = 0;             ///< due[0, next) are flushed
    bool chunk_pending = false;  ///< a chunk task is on its way
  };
  std::shared_ptr<PendingFlushes> flushes = std::make_shared<PendingFlushes>();
  static constexpr uint32_t kMaxTasksPerFlush = 16;
  static constexpr size_t kFlushChunk = 1024;
  size_t unslotted = 0;  ///< subscribers without a slot (test probes): sent messages
  uint64_t delivered = 0;  ///< pushes handed to subscribers, for metrics
  static inline const char* name = "herald.channel";
};

/// `node` hears about subscribers that died without unsubscribing.
channel_actor::behavior_type channel_actor_impl(
    channel_actor::stateful_pointer<ChannelActorState> self, std::string channel,
    subscriber_release_actor node);

}  // namespace herald
