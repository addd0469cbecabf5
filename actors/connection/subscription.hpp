// One subscription of a connection.
#pragma once

#include <cstdint>
#include <string>

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

}  // namespace herald
