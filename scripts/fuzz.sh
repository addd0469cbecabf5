#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang in build-fuzz and runs each one for
# SECONDS (default 20) on a temporary copy of its seed corpus; the repository is never
# written to. Prints one summary line per target and exits non-zero if any target crashed,
# leaked, hit undefined behaviour or timed out. Crashing inputs are kept in
# build-fuzz/fuzz-artifacts/. Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."

per_target=${1:-20}
if ! [[ "$per_target" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/fuzz.sh [SECONDS]  (a positive number of seconds per target)" >&2
  exit 2
fi

bash scripts/install-deps.sh
CXX_FUZZ=${HERALD_FUZZ_CXX:-clang++-16}
BUILD_DIR=${HERALD_FUZZ_BUILD_DIR:-build-fuzz}
# name:seed corpus. The protocol corpora are shared with the codec's unit tests.
TARGETS=(
  json_batch_fuzz:tests/proto/codec/corpus/json
  protobuf_stream_fuzz:tests/proto/codec/corpus/protobuf
  jwt_fuzz:tests/fuzz/corpus/jwt
  config_fuzz:tests/fuzz/corpus/config
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# RelWithDebInfo: fast runs (more inputs per second) with line numbers in the reports.
if ! { cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
         -DCMAKE_CXX_COMPILER="$CXX_FUZZ" -DHERALD_FUZZ=ON -DHERALD_BUILD_TESTS=ON &&
       cmake --build "$BUILD_DIR" --target herald_fuzzers -j"${HERALD_JOBS:-2}"; } \
     >"$work/build.log" 2>&1; then
  tail -n 60 "$work/build.log"
  echo "fuzz: building the fuzz targets failed" >&2
  exit 1
fi
artifacts="$BUILD_DIR/fuzz-artifacts"
mkdir -p "$artifacts"
# Without llvm-symbolizer (package llvm-16, not installed) reports symbolize via addr2line.
symbolizer="external_symbolizer_path=$(command -v addr2line || true)"
export ASAN_OPTIONS="detect_leaks=1:$symbolizer"
export UBSAN_OPTIONS="print_stacktrace=1:$symbolizer"

failed=0
for entry in "${TARGETS[@]}"; do
  name=${entry%%:*}
  seeds=${entry#*:}
  corpus="$work/$name"
  log="$work/$name.log"
  mkdir -p "$corpus"
  cp "$seeds"/* "$corpus"/
  before=$(find "$corpus" -type f | wc -l)
  rc=0
  "$BUILD_DIR/tests/fuzz/$name" "$corpus" -max_total_time="$per_target" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/$name-" \
    >"$log" 2>&1 || rc=$?
  after=$(find "$corpus" -type f | wc -l)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(sed -n 's/^#[0-9]*[[:space:]]*DONE *cov: \([0-9]*\).*/\1/p' "$log")
  if [ "$rc" -eq 0 ]; then
    echo "fuzz $name: ok, ${runs:-?} runs in ${per_target}s, cov ${cov:-?}," \
         "corpus $before -> $after"
  else
    failed=1
    saved=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    echo "fuzz $name: FAILED (exit $rc) after ${runs:-?} runs; input: ${saved:-none saved}"
    echo "---- $name report ----"
    # From the sanitizer's or libFuzzer's first error line: the stack, not the shadow map.
    start=$(grep -n -m 1 -E 'ERROR: |runtime error:|WARNING: MemorySanitizer' "$log" | cut -d: -f1)
    if [ -n "$start" ]; then
      tail -n +"$start" "$log" | awk '/^Shadow bytes/ { exit } { print }' | head -n 45
    else
      tail -n 45 "$log"
    fi
    echo "---- reproduce: $BUILD_DIR/tests/fuzz/$name ${saved:-<input>} ----"
  fi
done
exit "$failed"
