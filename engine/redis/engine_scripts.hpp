// The Redis engine's Lua scripts (docs/protocol.md §7.3, §7.4). Each runs atomically on the
// server, so history, meta and idempotency result of one channel change together. KEYS and
// ARGV are documented per script in engine_scripts.cpp; every key of one call shares the
// channel's hash tag on Redis Cluster.
#pragma once

#include "engine/redis/script.hpp"

namespace herald::redis::scripts {

/// KEYS stream, meta, result; ARGV payload, size, stream TTL s, PUB/SUB channel ("" = none),
/// meta TTL s ("0" = none), epoch if new, publish|spublish, result TTL s ("" = not
/// idempotent). Returns {offset, epoch, from_cache "0"|"1"}.
const Script& add_history();
/// KEYS stream, meta; ARGV include pubs "0"|"1", start offset, limit ("0" = all),
/// reverse "0"|"1", meta TTL s, epoch if new. Returns {top offset, epoch[, entries]}.
const Script& read_history();
/// KEYS result; ARGV payload, PUB/SUB channel, publish|spublish, result TTL s.
/// Returns an array when the result was cached (a repeat), else an integer.
const Script& publish_idempotent();
/// KEYS expire zset, data hash; ARGV key TTL s, expire at (unix s), client, info bytes.
const Script& presence_add();
/// KEYS expire zset, data hash; ARGV client.
const Script& presence_remove();
/// KEYS expire zset, data hash; ARGV now (unix s). Drops expired entries, returns HGETALL.
const Script& presence_get();

}  // namespace herald::redis::scripts
