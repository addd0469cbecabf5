// Protobuf halves of codec.hpp, dispatched to by codec.cpp. Same contracts as there.
// Internal to proto/codec.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/types.hpp"
#include "proto/codec/client_protocol.hpp"
#include "proto/codec/codec.hpp"

namespace herald::protocol::pb {

DecodeStatus decode_commands(std::string_view frame, std::vector<Command>& out);

void append_reply(const Reply& reply, std::string& out);
void append_ping(std::string& out);
void append_publication_push(std::string_view channel, const Publication& pub,
                             std::string& out);
void append_join_push(std::string_view channel, const ClientInfo& info, std::string& out);
void append_leave_push(std::string_view channel, const ClientInfo& info, std::string& out);
void append_unsubscribe_push(std::string_view channel, uint32_t code, std::string_view reason,
                             std::string& out);
void append_subscribe_push(std::string_view channel, const SubscribePush& sub,
                           std::string& out);
void append_message_push(std::string_view data, std::string& out);

}  // namespace herald::protocol::pb
