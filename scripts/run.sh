#!/usr/bin/env bash
# Installs dependencies, builds `herald` and starts one node on the embedded defaults
# (memory engine, port 8000). Extra arguments go to herald, e.g. `scripts/run.sh -c config.json`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target herald -j"${HERALD_JOBS:-2}"
exec ./build/cmd/herald "$@"
