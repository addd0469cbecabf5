// Channel state events for tests.
#pragma once

#include <string>

#include "proto/state/channel_state.hpp"

namespace herald::test {

inline ChannelStateEvent state_event(std::string channel, ChannelStateEvent::Type type,
                                     int64_t time_ms, uint64_t gen = 0, std::string id = "",
                                     std::string reason = "") {
  ChannelStateEvent e;
  e.channel = std::move(channel);
  e.type = type;
  e.time_ms = time_ms;
  e.gen = gen;
  e.id = std::move(id);
  e.reason = std::move(reason);
  return e;
}

/// chat:index occupied (gen 1) then vacated (gen 2, reason `reason`), ids "<partition>-<gen>".
inline ChannelStateBatch occupied_then_vacated(std::string reason = "disconnect",
                                               uint32_t partition = 9) {
  const std::string p = std::to_string(partition);
  return {state_event("chat:index", ChannelStateEvent::Type::occupied, 1697206286533, 1, p + "-1"),
          state_event("chat:index", ChannelStateEvent::Type::vacated, 1697206291533, 2, p + "-2",
                      std::move(reason))};
}

}  // namespace herald::test
