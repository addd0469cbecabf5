// Redis Cluster addressing: key → hash slot, redirect errors, and the CLUSTER SLOTS answer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/redis/address.hpp"
#include "engine/redis/reply.hpp"

namespace herald::redis {

inline constexpr uint16_t kSlotCount = 16384;

/// CRC16-XMODEM (poly 0x1021, init 0, no reflection): Redis Cluster's key hash.
uint16_t crc16(std::string_view data);

/// The part of `key` that is hashed: the bytes between the first '{' and the first '}'
/// after it, if that is non-empty; otherwise the whole key ("{user1}.a" and "{user1}.b" share
/// a slot; "{}x" and "x{" hash whole).
std::string_view hash_tag(std::string_view key);

/// crc16(hash_tag(key)) % 16384.
uint16_t key_slot(std::string_view key);

/// A "MOVED <slot> <host>:<port>" or "ASK <slot> <host>:<port>" error reply, parsed. An empty
/// host (Redis 7 with an unknown endpoint) means "the node that answered".
struct Redirect {
  enum class Kind { moved, ask } kind;
  uint16_t slot = 0;
  std::string host;
  uint16_t port = 0;
};
std::optional<Redirect> parse_redirect(const Reply& error);

/// One contiguous slot range and its master, from CLUSTER SLOTS.
struct SlotRange {
  uint16_t first = 0;
  uint16_t last = 0;
  std::string host;
  uint16_t port = 0;
};
/// Parses a CLUSTER SLOTS reply. Master host "" or "?" means the node asked (`asked_host`).
/// Malformed entries ⇒ nullopt (the caller keeps its previous map).
std::optional<std::vector<SlotRange>> parse_cluster_slots(const Reply& reply,
                                                          std::string_view asked_host);

}  // namespace herald::redis
