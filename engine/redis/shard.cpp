#include "engine/redis/shard.hpp"

#include <limits>

namespace herald::redis {

uint64_t fnv1a64(std::string_view data) {
  uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : data) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

int32_t jump_hash(uint64_t key, int32_t buckets) {
  int64_t b = -1, j = 0;
  while (j < buckets) {
    b = j;
    key = key * 2862933555777941757ULL + 1;
    j = static_cast<int64_t>(static_cast<double>(b + 1) *
                             (static_cast<double>(int64_t{1} << 31) /
                              static_cast<double>((key >> 33) + 1)));
  }
  return b < 0 ? 0 : static_cast<int32_t>(b);
}

size_t shard_index(std::string_view channel, size_t shards) {
  if (shards <= 1) return 0;
  auto n = shards > static_cast<size_t>(std::numeric_limits<int32_t>::max())
               ? std::numeric_limits<int32_t>::max()
               : static_cast<int32_t>(shards);
  return static_cast<size_t>(jump_hash(fnv1a64(channel), n));
}

}  // namespace herald::redis
