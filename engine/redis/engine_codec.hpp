// What the Redis engine writes into Redis and onto PUB/SUB channels, byte-compatible with
// Centrifugo's Redis engine (docs/protocol.md §7.2):
//
// - a Publication as a protobuf client-protocol `Publication` (data 4, info 5, offset 6,
//   tags 7, delta 8, time 9, epoch 14) — stored in streams and sent on `P.client.<ch>`;
// - a ClientInfo as a protobuf `ClientInfo` (user 1, client 2, conn_info 3, chan_info 4) —
//   presence hash values, join/leave payloads;
// - PUB/SUB messages: `__p1:<offset>:<epoch>__<Publication>` (published with history),
//   `__j__<ClientInfo>`, `__l__<ClientInfo>`, or the bare Publication (no history).
//
// The protobuf encoding is written by hand (engine/ does not depend on proto/). Decoding
// takes untrusted bytes: it never throws, never reads out of bounds, skips unknown fields of
// every wire type and answers nullopt for anything malformed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/types.hpp"

namespace herald::redis {

std::string encode_client_info(const ClientInfo& info);
std::optional<ClientInfo> decode_client_info(std::string_view bytes);

/// The offset and epoch are NOT written (Centrifugo keeps them out of stored publications:
/// the stream entry id and the PUB/SUB prefix carry them); `delta` is never set.
std::string encode_publication(const Publication& pub);
/// Reads offset (6) too, and epoch (14) when present.
std::optional<Publication> decode_publication(std::string_view bytes);

/// One message received on a client channel.
struct PubSubMessage {
  enum class Kind : uint8_t { publication, join, leave } kind = Kind::publication;
  Publication publication;  ///< offset and epoch filled from the `__p1:` prefix
  ClientInfo info;          ///< join / leave
  std::string epoch;        ///< the stream's epoch ("" without history)
};

std::string encode_publication_message(const Publication& pub);  ///< no history: bare bytes
/// `__p1:<offset>:<epoch>__` + the Publication: what the add-to-history script publishes
/// (it builds the prefix itself; this is for tests and for symmetry).
std::string encode_publication_message(const Publication& pub, uint64_t offset,
                                       std::string_view epoch);
std::string encode_join_message(const ClientInfo& info);
std::string encode_leave_message(const ClientInfo& info);
/// nullopt for malformed input (including the delta form `__d1:`, which Herald never
/// publishes).
std::optional<PubSubMessage> decode_message(std::string_view bytes);

}  // namespace herald::redis
