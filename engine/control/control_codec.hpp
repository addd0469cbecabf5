// Node-to-node control messages on the wire (Redis PUB/SUB), encoded with msgpack.
//
// Layout: one msgpack array [version, from, to, kind, fields...] where version is 1 and kind
// names the body (see control_codec.cpp for the fields of each kind). Decoding never throws
// and never trusts the input: anything malformed or of an unknown version/kind is nullopt.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/control/control.hpp"

namespace herald::control {

std::string encode(const ControlMessage& message);
std::optional<ControlMessage> decode(std::string_view bytes);

}  // namespace herald::control
