#!/usr/bin/env bash
# One command for the multi-node suite: builds the images without a registry (reusing what is
# cached), brings the compose cluster up (three herald nodes on Redis, Redis, the webhook
# recorder), waits for health, runs cluster-tests/suite.py in the runner container, prints its
# summary and tears everything down, whatever happened. Exit status: the suite's (non-zero on
# any failure), or the step that broke.
#
# env: HERALD_SOURCE=worktree|REV   what to build (scripts/docker-build-offline.sh --source)
#      HERALD_IMAGE + RUNNER_IMAGE               use these images, build nothing
#      HERALD_ENGINE_TYPE=redis|memory           force it instead of probing the image
#      HERALD_STATE_EVENTS=false                 skip the channel state event scenarios (on by
#                                                default)
#      CLUSTER_ONLY=a,b                           run only these scenarios
#      COMPOSE_PROJECT_NAME (herald-cluster-tests), CLUSTER_KEEP=1 (leave it up, for debugging)
#      CLUSTER_TESTS_BUDGET=SECONDS   (CI) stop a build that would overrun and SKIP, saying so
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
export COMPOSE_PROJECT_NAME=${COMPOSE_PROJECT_NAME:-herald-cluster-tests}
t0=$(date +%s)
declare -a TIMINGS=()
mark() { TIMINGS+=("$(printf '%-28s %5ss' "$1" $(( $(date +%s) - t_mark )))"); t_mark=$(date +%s); }
t_mark=$t0

if command -v docker-compose >/dev/null 2>&1; then COMPOSE=(docker-compose)
elif docker compose version >/dev/null 2>&1; then COMPOSE=(docker compose)
else echo "cluster-tests: neither docker-compose nor 'docker compose' is installed" >&2; exit 1; fi
COMPOSE+=(-f "$HERE/docker-compose.yml" --profile test)

TMP=$(mktemp -d /tmp/herald-cluster-tests.XXXXXX)
teardown() {
  local rc=$?
  [ -n "${PROBE:-}" ] && docker rm -f "$PROBE" >/dev/null 2>&1
  if [ "$rc" -ne 0 ] && [ -n "${UP:-}" ]; then
    echo "== logs (last 40 lines per service)"
    "${COMPOSE[@]}" logs --no-color --tail=40 redis receiver herald1 herald2 herald3 solo 2>&1 || true
  fi
  if [ "${CLUSTER_KEEP:-0}" = 1 ] && [ -n "${UP:-}" ]; then
    echo "CLUSTER_KEEP=1: left running; stop with: ${COMPOSE[*]} down -v --remove-orphans"
  elif [ -n "${UP:-}" ]; then
    "${COMPOSE[@]}" down -v --remove-orphans --timeout 10 >/dev/null 2>&1 || true
  fi
  echo "== cluster-tests/run.sh: $( [ "$rc" -eq 0 ] && echo ok || echo "FAILED (exit $rc)" ) in $(( $(date +%s) - t0 ))s"
  # The suite's closing line closes the output too.
  grep -E '^cluster-tests: [0-9]+ passed' "$TMP/suite.log" 2>/dev/null | tail -n 1 || true
  rm -rf "$TMP"
  exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT TERM

# --- images -----------------------------------------------------------------------------------
if [ -n "${HERALD_IMAGE:-}" ] && [ -n "${RUNNER_IMAGE:-}" ]; then
  echo "== images given: $HERALD_IMAGE, $RUNNER_IMAGE (no build)"
else
  # CLUSTER_TESTS_BUDGET (seconds, set by .ci/run): a build that would not leave ~4 minutes
  # for the cluster is stopped and the suite SKIPPED, saying so (a cold cache costs ~25
  # minutes on two cores; the compiler cache keeps what was compiled for the next run).
  build_limit=()
  if [ -n "${CLUSTER_TESTS_BUDGET:-}" ]; then
    left=$(( CLUSTER_TESTS_BUDGET - 240 ))
    if [ "$left" -lt 60 ]; then
      echo "cluster-tests SKIPPED: only ${CLUSTER_TESTS_BUDGET}s left of CI's budget"; exit 0
    fi
    build_limit=(timeout --kill-after=30 "$left")
  fi
  set +e
  "${build_limit[@]}" bash "$ROOT/scripts/docker-build-offline.sh" \
    --source "${HERALD_SOURCE:-worktree}" --env-file "$TMP/images.env"
  rc=$?
  set -e
  if [ -n "${CLUSTER_TESTS_BUDGET:-}" ] && { [ "$rc" = 124 ] || [ "$rc" = 137 ]; }; then
    echo "cluster-tests SKIPPED: the image build did not finish within CI's budget (${left}s);" \
         "the next run continues from the compiler cache"
    exit 0
  fi
  [ "$rc" = 0 ] || exit "$rc"
  # shellcheck disable=SC1091
  . "$TMP/images.env"
fi
export HERALD_IMAGE RUNNER_IMAGE
mark "images"

# --- what this build supports -----------------------------------------------------------------
# start_log ENV...: what the image logs when started with these variables and an unreachable
# Redis, until it exits or logs that it started (at most 10 s).
start_log() {
  local args=() kv
  for kv in "$@"; do args+=(-e "$kv"); done
  PROBE=$(docker run -d -v "$HERE/herald.json:/etc/herald/config.json:ro" \
          -e HERALD_ENGINE_REDIS_ADDRESS=redis://127.0.0.1:1 "${args[@]}" "$HERALD_IMAGE")
  for _ in $(seq 1 40); do
    [ "$(docker inspect -f '{{.State.Running}}' "$PROBE")" = false ] && break
    docker logs "$PROBE" 2>&1 | grep -q 'herald started' && break
    sleep 0.25
  done
  docker logs "$PROBE" 2>&1
  docker rm -f "$PROBE" >/dev/null; PROBE=""
}
check() {
  docker run --rm -v "$HERE/herald.json:/c.json:ro" "$@" "$HERALD_IMAGE" checkconfig -c /c.json
}
if ! out=$(check 2>&1); then echo "$out" >&2; echo "cluster-tests/herald.json is refused" >&2; exit 1; fi
# The Redis engine: a build without it says "engine.type redis is not available in this
# build" and exits; then every node runs alone on the memory engine and the suite SKIPs the
# cross-node scenarios.
if [ -z "${HERALD_ENGINE_TYPE:-}" ]; then
  log=$(start_log HERALD_ENGINE_TYPE=redis)
  if grep -q 'engine.type redis is not available' <<<"$log"; then
    HERALD_ENGINE_TYPE=memory
  else
    HERALD_ENGINE_TYPE=redis
  fi
fi
# Channel state events on the cluster: on unless HERALD_STATE_EVENTS=false. An image built
# before they worked on the Redis engine refuses the key: then they are off and the summary
# says why (asking for them with such an image is an error).
if out=$(check -e HERALD_CHANNEL_NAMESPACES_CHAT_STATE_PROXY_ENABLED=true 2>&1); then
  HERALD_STATE_EVENTS=${HERALD_STATE_EVENTS:-true}
  CLUSTER_STATE_NOTE="HERALD_STATE_EVENTS=$HERALD_STATE_EVENTS"
elif grep -q 'state_proxy_enabled: not supported yet' <<<"$out"; then
  CLUSTER_STATE_NOTE="this build refuses state_proxy_enabled (not supported yet)"
  if [ "${HERALD_STATE_EVENTS:-false}" = true ]; then
    echo "HERALD_STATE_EVENTS=true, but $CLUSTER_STATE_NOTE" >&2; exit 1
  fi
  HERALD_STATE_EVENTS=false
else
  echo "$out" >&2; echo "cluster-tests/herald.json is refused with state events on" >&2; exit 1
fi
export HERALD_ENGINE_TYPE HERALD_STATE_EVENTS CLUSTER_STATE_NOTE
echo "== cluster: engine $HERALD_ENGINE_TYPE, state events $HERALD_STATE_EVENTS, project $COMPOSE_PROJECT_NAME"
mark "probe"

# --- up, healthy ------------------------------------------------------------------------------
"${COMPOSE[@]}" down -v --remove-orphans --timeout 5 >/dev/null 2>&1 || true   # a leftover run
UP=1
"${COMPOSE[@]}" up -d redis receiver herald1 herald2 herald3 solo
for svc in herald1 herald2 herald3 solo; do
  for i in $(seq 1 120); do
    cid=$("${COMPOSE[@]}" ps -q "$svc")
    status=$(docker inspect -f '{{.State.Health.Status}}' "$cid" 2>/dev/null || echo missing)
    [ "$status" = healthy ] && break
    if [ "$i" = 120 ] || [ "$(docker inspect -f '{{.State.Running}}' "$cid" 2>/dev/null)" != true ]; then
      echo "cluster-tests: $svc is $status" >&2; exit 1
    fi
    sleep 0.5
  done
done
mark "cluster up and healthy"

# --- the suite --------------------------------------------------------------------------------
set +e
"${COMPOSE[@]}" run --rm -T -e CLUSTER_ONLY="${CLUSTER_ONLY:-}" runner 2>&1 | tee "$TMP/suite.log"
rc=${PIPESTATUS[0]}
set -e
mark "suite"
echo "== cluster-tests timings"
printf '  %s\n' "${TIMINGS[@]}"
exit "$rc"
