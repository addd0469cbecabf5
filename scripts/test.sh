#!/usr/bin/env bash
# Installs dependencies, builds everything and runs the whole test suite with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
BUILD_DIR=${HERALD_BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHERALD_BUILD_TESTS=ON >/dev/null
cmake --build "$BUILD_DIR" -j"${HERALD_JOBS:-2}"
cd "$BUILD_DIR"
ctest --output-on-failure -j"${HERALD_JOBS:-2}" --timeout 600
