// Cryptographically strong random values for ids and secrets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace herald {

/// Fills `out` with `n` random bytes from a per-thread buffer refilled by OpenSSL RAND_bytes
/// in 4 KiB blocks, so ids stay unpredictable (client ids appear in presence) and cost ~one
/// memcpy each. The buffer is dropped after fork() (no id shared with the parent) and each
/// handed-out byte is wiped. If RAND_bytes ever fails, falls back to std::random_device.
void random_bytes(uint8_t* out, size_t n);

/// A random UUID v4 in canonical lowercase form, e.g. "3b241101-e2bb-4255-8caf-4136c566a962".
std::string generate_uuid_v4();

/// `bytes` random bytes as lowercase hex (2 × bytes characters).
std::string random_hex(size_t bytes);

}  // namespace herald
