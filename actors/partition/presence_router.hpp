// Which actor keeps a channel's presence: the partition actor of the channel's partition when
// its namespace sends channel state events (`state_proxy_enabled`, which needs presence),
// the engine otherwise. Connections and the server API ask it for every presence write and
// read, so a state-tracked channel's presence lives in one place: its partition.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/engine/engine_actor.hpp"
#include "actors/partition/partition_actor.hpp"
#include "config/config_channel.hpp"

namespace herald {

class PresenceRouter {
 public:
  /// `partitions[i]` is partition i's actor on this node; empty: everything goes to the engine.
  /// `state`: what the partition actors share (its counters feed `info`); null when off.
  PresenceRouter(engine_actor engine, std::vector<partition_actor> partitions,
                 std::shared_ptr<const PartitionContext> state = nullptr)
      : engine_(std::move(engine)), partitions_(std::move(partitions)), state_(std::move(state)) {}

  bool tracked(const ChannelOptions* opts) const {
    return opts && opts->state_proxy_enabled && !partitions_.empty();
  }
  /// partition_of(channel, number of partitions): FNV-1a 64 of the name, mod the count.
  const partition_actor& partition(const std::string& channel) const {
    return partitions_[partition_of(channel, static_cast<uint32_t>(partitions_.size()))];
  }
  /// Where pres_add, presence and pres_stat of `channel` go.
  presence_actor target(const std::string& channel, const ChannelOptions* opts) const {
    if (tracked(opts)) return partition(channel);
    return engine_;
  }
  /// Removes a presence entry without waiting (should it fail, the entry lapses after its
  /// TTL); `reason` is what a `vacated` of the channel will say.
  void remove(const std::string& channel, const ChannelOptions* opts, const ClientInfo& info,
              StateReason reason) const {
    if (tracked(opts))
      caf::anon_send(partition(channel), pres_drop_atom::value, channel, info, reason);
    else
      caf::anon_send(engine_, pres_rm_atom::value, channel, info);
  }
  const std::vector<partition_actor>& partitions() const { return partitions_; }
  /// The node's channel state counters, or nullopt when channel state events are off.
  std::optional<ChannelStateSnapshot> counters() const {
    if (!state_) return std::nullopt;
    return state_->snapshot();
  }

 private:
  engine_actor engine_;
  std::vector<partition_actor> partitions_;
  std::shared_ptr<const PartitionContext> state_;
};

}  // namespace herald
