// libFuzzer target: a JSON client frame (one command, or a newline-joined batch) as an
// untrusted client sends it. The invariants live in the codec's fuzz entry.
#include <cstddef>
#include <cstdint>

#include "proto/codec/fuzz_entry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return herald::protocol::fuzz_decode_json(data, size);
}
