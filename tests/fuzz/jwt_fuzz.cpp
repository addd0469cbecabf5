// libFuzzer target: a connection or subscription token as a client presents it (before any
// signature is trusted). The verifier's fuzz entry runs every parsing path on the bytes.
#include <cstddef>
#include <cstdint>

#include "proto/jwt/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return herald::jwt::fuzz_jwt_parse(data, size);
}
