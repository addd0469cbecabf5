#!/usr/bin/env bash
# Installs every build, test and run dependency of Herald from Debian's packages.
# Idempotent: installs only what is missing; runs `apt-get update` only when needed.
set -euo pipefail

PACKAGES=(
  cmake g++ make pkg-config ccache
  libcaf-dev libboost-dev libboost-system-dev
  libhiredis-dev libmsgpack-cxx-dev
  libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc
  libgtest-dev libgmock-dev googletest
  libssl-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev
  redis-server curl ca-certificates
  # tests/support/state_receiver.py and docs/examples/channel_state_receiver.py: Flask.
  python3-flask
  # scripts/fuzz.sh: libFuzzer ships in compiler-rt. clang 16, not 14: clang 14 cannot
  # capture structured bindings in lambdas (C++20), which the codec does.
  clang-16 libclang-rt-16-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
# Tests start their own redis-server on loopback ports; the distro service is not needed.
