#!/usr/bin/env bash
# Builds herald (Release) and the Go load generator, then runs benchmark scenarios with herald
# pinned to one core and the load generator (GOMAXPROCS=1) to another. See bench/README.md.
#
#   bench/run.sh                      # every scenario (about 4 minutes)
#   bench/run.sh fanout -duration 20s # one scenario; further arguments go to loadgen
#
# Environment: BENCH_BUILD (build dir, default build-bench), BENCH_SERVER_CPU (default 0),
# BENCH_LOADGEN_CPU (default 1), HERALD_JOBS (compile jobs, default 1).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BENCH_BUILD:-$ROOT/build-bench}
SERVER_CPU=${BENCH_SERVER_CPU:-0}
LOADGEN_CPU=${BENCH_LOADGEN_CPU:-1}
SCENARIO=${1:-all}
shift || true

case "$SCENARIO" in
  all | idle | idle-own | fanout | latency) ;;
  *) echo "usage: bench/run.sh [all|idle|idle-own|fanout|latency] [loadgen flags]" >&2; exit 2 ;;
esac
if [ "$SCENARIO" = all ] && [ $# -gt 0 ]; then
  echo "bench: loadgen flags need a single scenario" >&2
  exit 2
fi

cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DHERALD_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" --target herald -j"${HERALD_JOBS:-1}" >/dev/null
GO=$(command -v go || echo /usr/local/go/bin/go)
(cd "$ROOT/bench/loadgen" &&
  GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" "$GO" build -o "$BUILD/loadgen" .)

# 10k client sockets in loadgen, 10k more in herald (which inherits this limit).
ulimit -n 20000 || { echo "bench: cannot raise the open files limit to 20000" >&2; exit 1; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "$(uname -r), $(awk '/MemTotal/ {printf "%.1f GiB RAM", $2/1048576}' /proc/meminfo)"
echo "herald: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  "$(git -C "$ROOT" status --porcelain 2>/dev/null | grep -q . && echo '(uncommitted changes)')"
echo "herald on CPU $SERVER_CPU, loadgen on CPU $LOADGEN_CPU (GOMAXPROCS=1)"

status=0
run() {
  echo
  echo "+ taskset -c $LOADGEN_CPU env GOMAXPROCS=1 loadgen $* -herald $BUILD/cmd/herald" \
    "-server-cpu $SERVER_CPU"
  taskset -c "$LOADGEN_CPU" env GOMAXPROCS=1 "$BUILD/loadgen" "$@" \
    -herald "$BUILD/cmd/herald" -server-cpu "$SERVER_CPU" || status=1
}

case "$SCENARIO" in
  idle) run idle "$@" ;;
  idle-own) run idle -channels own "$@" ;;
  fanout) run fanout "$@" ;;
  latency) run latency "$@" ;;
  all)
    run idle
    run idle -channels own -rounds 1
    run fanout
    run latency
    run latency -rate 100
    ;;
esac
exit $status
