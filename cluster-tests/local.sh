#!/usr/bin/env bash
# The same suite against local processes instead of containers: one redis-server, three
# `herald` nodes on loopback ports (8001-8003 unless CLUSTER_PORT_BASE says otherwise) and a
# fourth alone on the memory engine with state events on (8004), the
# webhook recorder, then suite.py with CLUSTER_CONTROL=none: the scenarios that kill, pause,
# restart or cut a node are SKIPPED (they need the containers: use run.sh).
#
# usage: cluster-tests/local.sh [path/to/herald]   (default build/cmd/herald; needs
#        redis-server and Debian's python3 with python3-websocket and python3-flask)
# env:   HERALD_ENGINE_TYPE, HERALD_STATE_EVENTS, CLUSTER_ONLY, CLUSTER_PORT_BASE (8000)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
HERALD_BIN=$(realpath "${1:-$HERE/../build/cmd/herald}")
PY=/usr/bin/python3   # Debian's, where python3-websocket and python3-flask live
BASE=${CLUSTER_PORT_BASE:-8000}
REDIS_PORT=$((BASE + 379)) RECEIVER_PORT=$((BASE + 9))
TMP=$(mktemp -d /tmp/herald-cluster-local.XXXXXX)
PIDS=()
cleanup() {
  local rc=$? p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  [ "$rc" -ne 0 ] && tail -n 20 "$TMP"/*.log 2>/dev/null
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$TMP" > "$TMP/redis.log" 2>&1 & PIDS+=($!)
"$PY" "$HERE/receiver.py" --host 127.0.0.1 --port "$RECEIVER_PORT" > "$TMP/receiver.log" 2>&1 & PIDS+=($!)

if [ -z "${HERALD_ENGINE_TYPE:-}" ]; then   # as run.sh: a build without the Redis engine says so
  out=$(HERALD_ENGINE_TYPE=redis HERALD_ENGINE_REDIS_ADDRESS=redis://127.0.0.1:1 \
        HERALD_HTTP_SERVER_PORT=0 timeout 3 "$HERALD_BIN" 2>&1 || true)
  if grep -q 'engine.type redis is not available' <<<"$out"; then
    HERALD_ENGINE_TYPE=memory
  else
    HERALD_ENGINE_TYPE=redis
  fi
fi
HERALD_STATE_EVENTS=${HERALD_STATE_EVENTS:-true}   # as run.sh
nodes=()
for i in 1 2 3; do
  HERALD_ENGINE_TYPE=$HERALD_ENGINE_TYPE HERALD_ENGINE_REDIS_ADDRESS="redis://127.0.0.1:$REDIS_PORT" \
  HERALD_CHANNEL_NAMESPACES_CHAT_STATE_PROXY_ENABLED=$HERALD_STATE_EVENTS \
  HERALD_CHANNEL_PROXY_STATE_ENDPOINT="http://127.0.0.1:$RECEIVER_PORT/centrifugo/channel_events" \
  HERALD_HTTP_SERVER_PORT=$((BASE + i)) HERALD_NODE_NAME="herald$i" HERALD_HTTP_API_KEY=cluster-tests-key \
    "$HERALD_BIN" -c "$HERE/herald.json" > "$TMP/herald$i.log" 2>&1 & PIDS+=($!)
  nodes+=("http://127.0.0.1:$((BASE + i))")
done

# The solo node: alone on the memory engine, chat's state events on (as in the compose file).
HERALD_ENGINE_TYPE=memory HERALD_CHANNEL_NAMESPACES_CHAT_STATE_PROXY_ENABLED=true \
HERALD_CHANNEL_PROXY_STATE_ENDPOINT="http://127.0.0.1:$RECEIVER_PORT/centrifugo/channel_events" \
HERALD_HTTP_SERVER_PORT=$((BASE + 4)) HERALD_NODE_NAME=solo HERALD_HTTP_API_KEY=cluster-tests-key \
  "$HERALD_BIN" -c "$HERE/herald.json" > "$TMP/solo.log" 2>&1 & PIDS+=($!)

CLUSTER_NODES=$(IFS=,; echo "${nodes[*]}") CLUSTER_ENGINE=$HERALD_ENGINE_TYPE \
CLUSTER_SOLO="http://127.0.0.1:$((BASE + 4))" \
CLUSTER_STATE_EVENTS=$HERALD_STATE_EVENTS CLUSTER_RECEIVER="http://127.0.0.1:$RECEIVER_PORT" \
CLUSTER_CONTROL=none CLUSTER_NODE_LEASE=3s CLUSTER_VACATED_DELAY=2s \
  "$PY" "$HERE/suite.py"
