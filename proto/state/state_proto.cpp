#include "proto/state/state_proto.hpp"

#include <string>

#include "proto/state/state_json.hpp"

namespace herald::state {

void to_proto(const ChannelStateBatch& batch, proxypb::NotifyChannelStateRequest& out) {
  out.clear_events();
  out.mutable_events()->Reserve(static_cast<int>(batch.size()));
  for (const auto& e : batch) {
    auto* pe = out.add_events();
    pe->set_time_ms(e.time_ms);
    pe->set_channel(e.channel);
    pe->set_type(std::string(type_name(e.type)));
    pe->set_gen(e.gen);
    pe->set_id(e.id);
    if (e.type == ChannelStateEvent::Type::vacated) pe->set_reason(e.reason);
  }
}

ChannelStateBatch from_proto(const proxypb::NotifyChannelStateRequest& in) {
  ChannelStateBatch batch;
  batch.reserve(static_cast<size_t>(in.events_size()));
  for (const auto& pe : in.events()) {
    ChannelStateEvent e;
    e.time_ms = pe.time_ms();
    e.channel = pe.channel();
    e.type = parse_type(pe.type()).value_or(ChannelStateEvent::Type::occupied);
    e.gen = pe.gen();
    e.id = pe.id();
    e.reason = pe.reason();
    batch.push_back(std::move(e));
  }
  return batch;
}

ChannelStateSender::Result judge_grpc_answer(int status_code, std::string_view status_message,
                                             const proxypb::NotifyChannelStateResponse& answer) {
  if (status_code != 0) {
    std::string why = "gRPC status " + std::to_string(status_code);
    if (!status_message.empty()) why += ": " + std::string(status_message.substr(0, 200));
    return {false, std::move(why)};
  }
  if (answer.has_error()) {
    std::string why = "error " + std::to_string(answer.error().code());
    if (!answer.error().message().empty()) why += ": " + answer.error().message().substr(0, 200);
    return {false, std::move(why)};
  }
  return {true, {}};
}

}  // namespace herald::state
