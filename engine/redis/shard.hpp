// Client-side sharding: which of N standalone Redis shards owns a channel. Must stay
// byte-for-byte stable: Centrifugo nodes sharing the same Redis shards compute the same index
// (FNV-1a 64 of the channel name, then Lamping & Veach's jump consistent hash).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace herald::redis {

/// FNV-1a, 64 bit: offset basis 14695981039346656037, prime 1099511628211, bytes in order.
uint64_t fnv1a64(std::string_view data);

/// Jump consistent hash: bucket in [0, buckets) for `key`; buckets <= 0 ⇒ 0. Growing the
/// bucket count from n to n+1 moves only ~1/(n+1) of the keys. Uses the reference loop
/// (64-bit LCG 2862933555777941757·key+1 and a double division), as Go's jump hash does.
int32_t jump_hash(uint64_t key, int32_t buckets);

/// Shard of `channel` among `shards` shards: jump_hash(fnv1a64(channel), shards).
size_t shard_index(std::string_view channel, size_t shards);

}  // namespace herald::redis
