// libFuzzer entry for the token verifier (wired to LLVMFuzzerTestOneInput by the fuzz
// targets): runs every parsing path on arbitrary bytes and must never crash or leak.
#pragma once

#include <cstddef>
#include <cstdint>

namespace herald::jwt {

/// Feeds `data` as a token to both verifiers (with and without signature checks, with
/// audience/issuer/regex options) and to the base64 decoders. Always returns 0.
int fuzz_jwt_parse(const uint8_t* data, size_t size);

}  // namespace herald::jwt
