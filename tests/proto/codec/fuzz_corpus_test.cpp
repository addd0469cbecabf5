// Runs the fuzz entry points over the seed corpus and deterministic mutations of it, so the
// fuzz invariants are exercised on every ctest run (the lead wraps the same entries in
// libFuzzer mains for long runs). An invariant violation aborts the test binary.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "proto/codec/codec.hpp"
#include "proto/codec/fuzz_entry.hpp"

namespace herald::protocol {
namespace {

std::vector<std::string> load_corpus(const char* dir) {
  const std::filesystem::path root =
      std::filesystem::path(HERALD_SOURCE_DIR) / "tests/proto/codec/corpus" / dir;
  std::vector<std::string> seeds;
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    std::ifstream in(entry.path(), std::ios::binary);
    seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return seeds;
}

int run(int (*entry)(const uint8_t*, size_t), const std::string& s) {
  return entry(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// Truncations, byte flips and splices of every seed; a fixed seed keeps runs reproducible.
void mutate_and_run(int (*entry)(const uint8_t*, size_t), const std::vector<std::string>& seeds) {
  std::mt19937 rng(12345);
  for (const std::string& seed : seeds) {
    for (std::size_t cut = 0; cut <= seed.size(); ++cut) run(entry, seed.substr(0, cut));
    for (int i = 0; i < 2000; ++i) {
      std::string m = seed;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits && !m.empty(); ++e) {
        const std::size_t at = rng() % m.size();
        switch (rng() % 4) {
          case 0: m[at] = static_cast<char>(rng()); break;
          case 1: m[at] ^= static_cast<char>(1u << (rng() % 8)); break;
          case 2: m.erase(at, 1 + rng() % 8); break;
          default: m.insert(at, seeds[rng() % seeds.size()].substr(0, rng() % 16)); break;
        }
      }
      EXPECT_EQ(run(entry, m), 0);
    }
  }
}

TEST(ClientCodecFuzzCorpus, JsonSeedsDecode) {
  const auto seeds = load_corpus("json");
  ASSERT_FALSE(seeds.empty());
  for (const std::string& s : seeds) {
    std::vector<Command> cmds;
    EXPECT_EQ(decode_commands(Protocol::json, s, cmds), DecodeStatus::ok) << s;
    EXPECT_EQ(run(fuzz_decode_json, s), 0);
  }
  mutate_and_run(fuzz_decode_json, seeds);
}

TEST(ClientCodecFuzzCorpus, ProtobufSeedsDecode) {
  const auto seeds = load_corpus("protobuf");
  ASSERT_FALSE(seeds.empty());
  for (const std::string& s : seeds) {
    std::vector<Command> cmds;
    EXPECT_EQ(decode_commands(Protocol::protobuf, s, cmds), DecodeStatus::ok);
    EXPECT_EQ(run(fuzz_decode_protobuf, s), 0);
  }
  mutate_and_run(fuzz_decode_protobuf, seeds);
}

}  // namespace
}  // namespace herald::protocol
