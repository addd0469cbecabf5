// libFuzzer bodies for the client frame decoders (untrusted input). A libFuzzer main is
//   extern "C" int LLVMFuzzerTestOneInput(const uint8_t* d, size_t n) {
//     return herald::protocol::fuzz_decode_json(d, n);
//   }
// Each entry decodes the frame, re-encodes what it decoded and checks invariants that must
// hold for any input; a violation aborts (that is the fuzzer's signal).
#pragma once

#include <cstddef>
#include <cstdint>

namespace herald::protocol {

int fuzz_decode_json(const uint8_t* data, size_t size);
int fuzz_decode_protobuf(const uint8_t* data, size_t size);

}  // namespace herald::protocol
