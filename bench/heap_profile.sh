#!/usr/bin/env bash
# Where herald's memory per idle connection goes: starts herald (the bench config: anonymous
# clients, the `bench` namespace) under heaptrack's preload library, connects CLIENTS idle
# clients subscribed to two channels with the C++ loader (bench/loader), and prints the
# allocation sites holding the most memory at the peak, one line per call path (divide by
# CLIENTS for bytes per connection). Needs heaptrack (Debian package `heaptrack`).
#
#   BENCH_HERALD=build/cmd/herald bench/heap_profile.sh [CLIENTS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HERALD=${BENCH_HERALD:-$ROOT/build/cmd/herald}
CLIENTS=${1:-2000}
PRELOAD=/usr/lib/heaptrack/libheaptrack_preload.so
INTERPRET=/usr/lib/heaptrack/libexec/heaptrack_interpret
for f in "$PRELOAD" "$INTERPRET" "$HERALD"; do
  if [ ! -e "$f" ]; then
    echo "heap_profile: $f is missing (install heaptrack; build herald or set BENCH_HERALD)" >&2
    exit 1
  fi
done

WORK=$(mktemp -d)
HPID=
cleanup() {
  [ -n "$HPID" ] && kill "$HPID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
make -s -C "$ROOT/bench/loader" OUT="$WORK"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$WORK/config.json" <<JSON
{"http_server": {"address": "127.0.0.1", "port": $PORT}, "http_api": {"key": "heap"},
 "usage_stats": {"disabled": true},
 "client": {"allow_anonymous_connect_without_token": true, "ping_interval": "25s",
            "pong_timeout": "8s"},
 "channel": {"namespaces": [{"name": "bench", "allow_subscribe_for_client": true,
                             "allow_subscribe_for_anonymous": true}]}}
JSON
ulimit -n $((CLIENTS + 1000))
# taskset execs env, which execs herald: one pid, and only herald is traced.
taskset -c "${BENCH_SERVER_CPU:-0}" env LD_PRELOAD="$PRELOAD" DUMP_HEAPTRACK_OUTPUT="$WORK/raw" \
  "$HERALD" -c "$WORK/config.json" >"$WORK/herald.log" 2>&1 &
HPID=$!
for _ in $(seq 100); do
  grep -q "herald started" "$WORK/herald.log" 2>/dev/null && break
  sleep 0.1
done
taskset -c "${BENCH_LOADER_CPU:-1}" "$WORK/loader" idle --port "$PORT" --api-key heap \
  --channels shared --steps "0,$CLIENTS" --idle 12 --concurrency 200 --server-pid "$HPID" |
  grep -o '"per_connection_bytes":[0-9.]*' || true
kill -TERM "$HPID"
wait "$HPID" || true
HPID=
"$INTERPRET" <"$WORK/raw" | gzip >"$WORK/trace.gz"
echo "heap at the peak, by call path (divide by $CLIENTS for bytes per connection):"
heaptrack_print -f "$WORK/trace.gz" --print-peaks 1 --print-leaks 0 --print-allocators 0 \
  --print-temporary 0 -n 40 -s 0 -m 0 2>/dev/null |
  grep -E "peak memory consumed|herald::[A-Za-z_:]+\(|at \.\./\.\./[a-z]|caf::" |
  awk '/peak memory/ { if (p) print p; p = $0; n = 0; next } { if (n < 3) { p = p " | " $0; n++ } }
       END { print p }' |
  sed -E 's/ +/ /g; s/ peak memory consumed over / /' | cut -c1-220
