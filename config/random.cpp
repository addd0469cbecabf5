#include "config/random.hpp"

#include <openssl/rand.h>

#include <pthread.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <random>

namespace herald {
namespace {

constexpr size_t kBlock = 4096;

// A forked child would otherwise hand out the same buffered bytes as its parent.
std::atomic<unsigned> g_fork_generation{0};
[[maybe_unused]] const bool g_fork_hook = [] {
  pthread_atfork(nullptr, nullptr, [] { g_fork_generation.fetch_add(1); });
  return true;
}();

struct Pool {
  std::array<uint8_t, kBlock> buf{};
  size_t pos = kBlock;  // empty: first use refills
  unsigned generation = 0;

  void refill() {
    generation = g_fork_generation.load(std::memory_order_relaxed);
    if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) {
      std::random_device rd;
      for (auto& b : buf) b = static_cast<uint8_t>(rd());
    }
    pos = 0;
  }
};

constexpr char kHex[] = "0123456789abcdef";

}  // namespace

void random_bytes(uint8_t* out, size_t n) {
  thread_local Pool pool;
  if (pool.generation != g_fork_generation.load(std::memory_order_relaxed)) pool.pos = kBlock;
  while (n > 0) {
    if (pool.pos == pool.buf.size()) pool.refill();
    const size_t take = std::min(n, pool.buf.size() - pool.pos);
    std::memcpy(out, pool.buf.data() + pool.pos, take);
    // Wipe what was handed out so a later memory disclosure cannot replay secrets.
    std::memset(pool.buf.data() + pool.pos, 0, take);
    pool.pos += take;
    out += take;
    n -= take;
  }
}

std::string generate_uuid_v4() {
  uint8_t b[16];
  random_bytes(b, sizeof b);
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 0x0f];
  }
  return out;
}

std::string random_hex(size_t bytes) {
  std::string out;
  out.reserve(bytes * 2);
  uint8_t chunk[64];
  while (bytes > 0) {
    const size_t n = std::min(bytes, sizeof chunk);
    random_bytes(chunk, n);
    for (size_t i = 0; i < n; ++i) {
      out += kHex[chunk[i] >> 4];
      out += kHex[chunk[i] & 0x0f];
    }
    bytes -= n;
  }
  return out;
}

}  // namespace herald
