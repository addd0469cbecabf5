#!/usr/bin/env bash
# Side-by-side benchmark: every scenario against Herald and against Centrifugo v6.9.1, same
# config, same C++ loader, same payload, same pinning (servers on CPU 0, loader on CPU 1), runs
# alternating Herald, Centrifugo, Herald, Centrifugo... See bench/README.md.
#
#   bench/run.sh --quick                 # smoke run: small counts, about 1.5 minutes of runs
#   bench/run.sh                         # the full measurement (same as --full, ~15 minutes)
#   bench/run.sh --full --only s3,s5 --reps 5
#   bench/run.sh loadgen fanout -duration 20s   # the older Go load generator (Herald only):
#                                               # idle | idle-own | fanout | latency | all
#
# It builds Herald (Release, in $BENCH_BUILD), the loader (bench/loader, make) and the driver
# (bench/compare, go build); installs Centrifugo through tests/compat/install-centrifugo.sh
# (a cache outside the repository) and, as root, gnuplot and redis-server with apt-get when
# they are missing. Results: bench/results/<UTC timestamp>.json, .md (the table for
# docs/benchmarks.md) and -latency.png / -memory.png.
#
# Environment: BENCH_BUILD (build dir, default build-bench), BENCH_SERVER_CPU (default 0),
# BENCH_LOADER_CPU (default 1), HERALD_JOBS (compile jobs, default nproc), CENTRIFUGO_BIN (a
# Centrifugo v6.9.1 binary), BENCH_NO_CENTRIFUGO=1 (Herald alone), BENCH_RESULTS (default
# bench/results), BENCH_HERALD (a herald binary to measure instead of building one).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BENCH_BUILD:-$ROOT/build-bench}
SERVER_CPU=${BENCH_SERVER_CPU:-0}
LOADER_CPU=${BENCH_LOADER_CPU:-${BENCH_LOADGEN_CPU:-1}}
RESULTS=${BENCH_RESULTS:-$ROOT/bench/results}
GO=$(command -v go || echo /usr/local/go/bin/go)
COMMAND="bench/run.sh $*"

say() { echo "bench: $*"; }

build_herald() {
  if [ -n "${BENCH_HERALD:-}" ]; then
    [ -x "$BENCH_HERALD" ] || { say "BENCH_HERALD=$BENCH_HERALD is not an executable" >&2; exit 1; }
    HERALD=$BENCH_HERALD
    HERALD_BUILD="given as BENCH_HERALD, not built by bench/run.sh"
    say "herald: $HERALD (BENCH_HERALD: not built here)"
    return
  fi
  HERALD=$BUILD/cmd/herald
  HERALD_BUILD="Release build of the work tree, $(g++ -dumpfullversion 2>/dev/null | sed 's/^/g++ /')"
  say "building herald (Release, $BUILD, -j${HERALD_JOBS:-$(nproc)})"
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DHERALD_BUILD_TESTS=OFF >/dev/null
  cmake --build "$BUILD" --target herald -j"${HERALD_JOBS:-$(nproc)}" >"$BUILD/bench-build.log" 2>&1 || {
    tail -n 30 "$BUILD/bench-build.log" >&2
    say "herald build failed (log: $BUILD/bench-build.log)" >&2
    exit 1
  }
}

# ---- the older Go load generator (Herald only), kept for the figures of issue 3 ------------
if [ "${1:-}" = loadgen ]; then
  shift
  SCENARIO=${1:-all}
  shift || true
  case "$SCENARIO" in
    all | idle | idle-own | fanout | latency) ;;
    *) echo "usage: bench/run.sh loadgen [all|idle|idle-own|fanout|latency] [loadgen flags]" >&2; exit 2 ;;
  esac
  if [ "$SCENARIO" = all ] && [ $# -gt 0 ]; then
    echo "bench: loadgen flags need a single scenario" >&2
    exit 2
  fi
  build_herald
  (cd "$ROOT/bench/loadgen" &&
    GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" "$GO" build -o "$BUILD/loadgen" .)
  ulimit -n 20000 || { echo "bench: cannot raise the open files limit to 20000" >&2; exit 1; }
  echo "herald on CPU $SERVER_CPU, loadgen on CPU $LOADER_CPU (GOMAXPROCS=1)"
  status=0
  run() {
    echo
    echo "+ taskset -c $LOADER_CPU env GOMAXPROCS=1 loadgen $* -herald $HERALD -server-cpu $SERVER_CPU"
    taskset -c "$LOADER_CPU" env GOMAXPROCS=1 "$BUILD/loadgen" "$@" \
      -herald "$HERALD" -server-cpu "$SERVER_CPU" || status=1
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
fi

# ---- side by side --------------------------------------------------------------------------
MODE=full
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) MODE=quick ;;
    --full) MODE=full ;;
    --only) ARGS+=(-only "$2"); shift ;;
    --reps) ARGS+=(-reps "$2"); shift ;;
    -h | --help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "bench: unknown argument $1 (bench/run.sh --help)" >&2; exit 2 ;;
  esac
  shift
done

if [ "$(nproc)" -lt 2 ]; then
  say "needs 2 CPUs (server on CPU $SERVER_CPU, loader on CPU $LOADER_CPU)" >&2
  exit 1
fi

# Tools the run needs beyond the build: gnuplot (plots) and redis-server (S6).
missing=()
command -v gnuplot >/dev/null || missing+=(gnuplot-nox)
command -v redis-server >/dev/null || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing ${missing[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; } ||
      say "could not install ${missing[*]}: no plots / no S6" >&2
  else
    say "missing ${missing[*]} (not root: not installed): no plots / no S6" >&2
  fi
fi

build_herald
mkdir -p "$BUILD"
say "building bench/loader (C++) and bench/compare (Go)"
make -s -C "$ROOT/bench/loader" OUT="$BUILD" >/dev/null
(cd "$ROOT/bench/compare" &&
  GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" "$GO" build -o "$BUILD/compare" .)

CENTRIFUGO=""
if [ "${BENCH_NO_CENTRIFUGO:-}" != 1 ]; then
  say "Centrifugo v6.9.1 through tests/compat/install-centrifugo.sh (a few minutes on first use)"
  if CENTRIFUGO=$(PATH="$(dirname "$GO"):$PATH" sh "$ROOT/tests/compat/install-centrifugo.sh"); then
    say "centrifugo: $CENTRIFUGO"
  else
    CENTRIFUGO=""
    say "NOTE: Centrifugo is not available: Herald alone, no comparison" >&2
  fi
fi

# 10k client sockets in the loader, 10k more in the server (which inherits this limit).
ulimit -n 20000 || { say "cannot raise the open files limit to 20000" >&2; exit 1; }

REDIS=$(command -v redis-server || true)
mkdir -p "$RESULTS"
cd "$ROOT"
# The driver sleeps while the loader runs; it sits on the loader's CPU all the same.
exec taskset -c "$LOADER_CPU" "$BUILD/compare" -mode "$MODE" -herald "$HERALD" \
  -herald-build "$HERALD_BUILD" \
  -centrifugo "$CENTRIFUGO" -loader "$BUILD/loader" -redis "$REDIS" \
  -server-cpu "$SERVER_CPU" -loader-cpu "$LOADER_CPU" -out "$RESULTS" -command "$COMMAND" \
  ${ARGS[@]+"${ARGS[@]}"}
