// One subscription of a connection.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "actors/channel/delivery_slot.hpp"
#include "config/config_channel.hpp"

namespace herald {

struct Subscription {
  const ChannelOptions* options = nullptr;  ///< owned by the ChannelResolver
  bool server_side = false;  ///< from the token, the connect proxy or the server API
  bool presence = false;     ///< in presence (and refreshed)
  bool emit_join_leave = false;
  bool push_join_leave = false;
  bool positioned = false;  ///< delivered offsets are checked for gaps
  bool recoverable = false;
  std::string chan_info;
  int64_t expire_at = 0;    ///< unix seconds; 0 = never
  uint64_t offset = 0;      ///< last offset delivered (positioned, until `direct`)
  std::string epoch;
  /// The channel's way into this connection; once `direct`, the slot writes pushes and
  /// checks offsets itself, and `offset` above is no longer kept.
  DeliverySlotPtr slot;
  bool direct = false;
};

/// A connection's subscriptions by channel: a flat vector searched linearly. A connection has
/// a few (at most `client.channel_limit`, 128 by default), and an unordered_map's buckets and
/// nodes cost an idle connection about 300 bytes more for two. The same interface as the map
/// it replaces; an insertion may move elements, so references are not kept across one.
class SubscriptionMap {
 public:
  using value_type = std::pair<std::string, Subscription>;
  using iterator = std::vector<value_type>::iterator;

  iterator begin() { return items_.begin(); }
  iterator end() { return items_.end(); }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }

  iterator find(const std::string& channel) {
    return std::find_if(items_.begin(), items_.end(),
                        [&](const value_type& v) { return v.first == channel; });
  }
  size_t count(const std::string& channel) { return find(channel) == end() ? 0 : 1; }
  Subscription& operator[](const std::string& channel) {
    auto it = find(channel);
    if (it != end()) return it->second;
    return items_.emplace_back(channel, Subscription{}).second;
  }
  void erase(iterator it) {
    if (it + 1 != end()) *it = std::move(items_.back());  // order does not matter
    items_.pop_back();
    if (items_.empty()) std::vector<value_type>().swap(items_);
  }

 private:
  std::vector<value_type> items_;
};

}  // namespace herald
