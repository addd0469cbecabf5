#!/usr/bin/env bash
# Where herald's memory per idle connection goes: runs the idle scenario (default 2000 clients,
# one round) with herald under heaptrack's preload library and prints the allocation sites
# holding the most memory at the peak (all clients connected). Needs heaptrack (Debian
# package `heaptrack`) and a build made by `bench/run.sh loadgen` (the Go load generator).
#
#   bench/heap_profile.sh [CLIENTS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BENCH_BUILD:-$ROOT/build-bench}
CLIENTS=${1:-2000}
PRELOAD=/usr/lib/heaptrack/libheaptrack_preload.so
INTERPRET=/usr/lib/heaptrack/libexec/heaptrack_interpret
for f in "$PRELOAD" "$INTERPRET" "$BUILD/cmd/herald" "$BUILD/loadgen"; do
  if [ ! -e "$f" ]; then
    echo "heap_profile: $f is missing (install heaptrack, or run bench/run.sh loadgen idle first)" >&2
    exit 1
  fi
done

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# loadgen runs `taskset -c CPU <herald> -c config.json`; this wrapper keeps the pid (exec).
cat >"$WORK/herald" <<EOF
#!/bin/sh
exec env LD_PRELOAD=$PRELOAD DUMP_HEAPTRACK_OUTPUT=$WORK/raw "$BUILD/cmd/herald" "\$@"
EOF
chmod +x "$WORK/herald"

ulimit -n 20000
taskset -c "${BENCH_LOADGEN_CPU:-1}" env GOMAXPROCS=1 "$BUILD/loadgen" idle -clients "$CLIENTS" \
  -rounds 1 -idle 4s -settle 0s -herald "$WORK/herald" -server-cpu "${BENCH_SERVER_CPU:-0}" |
  grep RESULT
"$INTERPRET" <"$WORK/raw" | gzip >"$WORK/trace.gz"
echo "heap at the peak, by allocation site (divide by $CLIENTS for bytes per connection):"
heaptrack_print -f "$WORK/trace.gz" --print-peaks 1 --print-leaks 0 --print-allocators 0 \
  --print-temporary 0 --print-histogram 0 -n 20 -s 0 2>/dev/null |
  grep -A1 'peak memory consumed' | grep -v -- '^--' | paste - - |
  sed -E 's/ peak memory consumed over / /; s/\t */  /' | cut -c1-150
heaptrack_print -f "$WORK/trace.gz" --print-peaks 0 --print-leaks 0 --print-allocators 0 \
  --print-temporary 0 --print-histogram 0 2>/dev/null | grep 'peak heap'
