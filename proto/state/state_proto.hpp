// The gRPC form of channel state events: NotifyChannelStateRequest of proto/proxy.proto, and
// the rule that decides whether the backend's NotifyChannelStateResponse acknowledged it.
// Uses the generated message classes only (no gRPC runtime): the status of the call is
// passed in as its numeric code.
#pragma once

#include <string_view>

#include "proto/proxy.pb.h"
#include "proto/state/channel_state.hpp"

namespace herald::state {

namespace proxypb = centrifugal::centrifugo::proxy;

/// Fills `out.events` (cleared first): time_ms, channel, type ("occupied"/"vacated") and
/// Herald's gen (4), id (5) and reason (6, vacated only).
void to_proto(const ChannelStateBatch& batch, proxypb::NotifyChannelStateRequest& out);
/// The inverse, for receivers written in C++ (tests); an unknown `type` gives occupied.
ChannelStateBatch from_proto(const proxypb::NotifyChannelStateRequest& in);

/// Success = status code 0 (OK) and no `error` in the response. `status_message` is the
/// call's status message, kept in the failure text ("gRPC status 14: connection refused",
/// "error 1000: backend busy").
ChannelStateSender::Result judge_grpc_answer(int status_code, std::string_view status_message,
                                             const proxypb::NotifyChannelStateResponse& answer);

}  // namespace herald::state
