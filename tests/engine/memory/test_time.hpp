// Shared helpers for the memory store tests: a fixed time origin and publish options.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/memory/deadline_heap.hpp"
#include "engine/types.hpp"

namespace herald::memory::testing {

/// Time origin of every test; later instants are `at(seconds)`. Never the wall clock.
inline Clock::time_point at(int64_t seconds) {
  return Clock::time_point{} + std::chrono::hours(1) + std::chrono::seconds(seconds);
}

inline PublishOptions history_opts(uint64_t size, int64_t ttl_s, int64_t meta_ttl_s) {
  PublishOptions opts;
  opts.history_size = size;
  opts.history_ttl_ms = ttl_s * 1000;
  opts.history_meta_ttl_ms = meta_ttl_s * 1000;
  return opts;
}

inline Publication pub(std::string data) {
  Publication p;
  p.data = std::move(data);
  return p;
}

inline std::vector<uint64_t> offsets(const HistoryResult& r) {
  std::vector<uint64_t> out;
  for (const auto& p : r.publications) out.push_back(p.offset);
  return out;
}

}  // namespace herald::memory::testing
