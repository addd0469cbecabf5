#!/usr/bin/env bash
# Builds Herald's images without any container registry:
#   1. herald/bookworm-base:<date>  a `debootstrap --variant=minbase bookworm` root file system
#      from Debian's mirror, `docker import`ed (reused when one exists; --refresh-base redoes it)
#   2. herald/herald:src-<hash>     the repository's Dockerfile with BASE= that image; <hash>
#      covers the build context (the files .dockerignore lets through), the Dockerfile and the
#      base image, so an unchanged tree reuses the image (also tagged herald/herald:latest)
#   3. herald/cluster-runner:<hash> redis-server, python3 + websocket + flask + docker, for
#      cluster-tests/ (its Redis, the webhook recorder, the suite); skipped with --no-runner
#
# usage: scripts/docker-build-offline.sh [--source worktree|REV] [--refresh-base]
#                                        [--no-runner] [--env-file FILE]
#   --source REV    build the sources of a commit (git archive REV) instead of the working tree;
#                   Dockerfile and .dockerignore still come from the working tree
#   --env-file FILE write HERALD_IMAGE=..., RUNNER_IMAGE=..., BASE_IMAGE=... there
# env: DEBIAN_MIRROR (default http://deb.debian.org/debian), HERALD_DOCKER_BUILDKIT=0|1
#      (default: BuildKit when some docker client on PATH can use it), HERALD_JOBS (2)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-${MIRROR%/debian}/debian-security}
BASE_REPO=herald/bookworm-base
HERALD_REPO=herald/herald
RUNNER_REPO=herald/cluster-runner

source_rev=worktree refresh_base=0 runner=1 env_file=""
while [ $# -gt 0 ]; do
  case "$1" in
    --source) source_rev=$2; shift 2 ;;
    --refresh-base) refresh_base=1; shift ;;
    --no-runner) runner=0; shift ;;
    --env-file) env_file=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

t_start=$(date +%s)
declare -a TIMINGS=()
step_start() { t_step=$(date +%s); echo "== $*"; }
step_end() { TIMINGS+=("$(printf '%-34s %5ss' "$1" $(( $(date +%s) - t_step )))"); }
image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

WORK=$(mktemp -d /tmp/herald-docker-build.XXXXXX)
ROOTFS=""
cleanup() {
  if [ -n "$ROOTFS" ] && mountpoint -q "$ROOTFS/proc" 2>/dev/null; then umount "$ROOTFS/proc"; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- the builder: BuildKit (ccache in a cache mount) when a docker client can use it -------
# Docker CLI 23+ builds with BuildKit only through the buildx plugin; older clients (Debian's
# 20.10) have it built in. Without either, the legacy builder gets the Dockerfile with its
# `RUN --mount=...` flags removed.
DOCKER_BK=""
pick_buildkit_client() {
  local d v
  for d in $(type -ap docker); do
    if "$d" buildx version >/dev/null 2>&1; then DOCKER_BK=$d; return; fi
    v=$("$d" version --format '{{.Client.Version}}' 2>/dev/null || true)
    if [[ ${v%%.*} =~ ^[0-9]+$ ]] && (( ${v%%.*} < 23 )); then DOCKER_BK=$d; return; fi
  done
}
case "${HERALD_DOCKER_BUILDKIT:-auto}" in
  0) ;;
  *) pick_buildkit_client
     if [ -z "$DOCKER_BK" ] && [ "${HERALD_DOCKER_BUILDKIT:-auto}" = 1 ]; then
       echo "HERALD_DOCKER_BUILDKIT=1 but no docker client here can use BuildKit" >&2; exit 1
     fi ;;
esac
# docker_build DOCKERFILE CONTEXT ARGS...: BuildKit as is, or legacy with the mounts removed.
docker_build() {
  local dockerfile=$1 context=$2; shift 2
  if [ -n "$DOCKER_BK" ]; then
    DOCKER_BUILDKIT=1 "$DOCKER_BK" build --progress=plain -f "$dockerfile" "$@" "$context"
  else
    sed -E 's/--mount=[^ ]+ //g' "$dockerfile" > "$WORK/Dockerfile.plain"
    DOCKER_BUILDKIT=0 docker build -f "$WORK/Dockerfile.plain" "$@" "$context"
  fi
}
echo "builder: $([ -n "$DOCKER_BK" ] && echo "BuildKit via $DOCKER_BK" || echo "legacy (no compiler cache)")"

# The Dockerfile's build packages must stay a subset of scripts/install-deps.sh.
dockerfile_pkgs=$(sed -n '/apt-get install/,/rm -rf/p' "$ROOT/Dockerfile" | head -n 20 \
  | sed -n '/^ *[a-z]/p' | tr -s ' \\' '\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' \
  | grep -vE '^(apt-get|install|rm|xargs)$' || true)
for p in $dockerfile_pkgs; do
  grep -qw -- "$p" "$ROOT/scripts/install-deps.sh" || {
    echo "Dockerfile installs $p, which scripts/install-deps.sh does not list" >&2; exit 1; }
done

# --- 1. the base image ----------------------------------------------------------------------
step_start "base image"
BASE_IMAGE=$(docker images --format '{{.Repository}}:{{.Tag}}' "$BASE_REPO" \
  | grep -v ':<none>$' | grep -v ':latest$' | sort | tail -n 1 || true)
if [ -z "$BASE_IMAGE" ] || [ "$refresh_base" = 1 ]; then
  if ! command -v debootstrap >/dev/null; then
    apt-get install -y --no-install-recommends debootstrap >/dev/null 2>&1 \
      || { apt-get update -qq && apt-get install -y --no-install-recommends debootstrap; }
  fi
  ROOTFS="$WORK/rootfs"
  echo "debootstrap --variant=minbase bookworm from $MIRROR"
  debootstrap --variant=minbase bookworm "$ROOTFS" "$MIRROR" > "$WORK/debootstrap.log" 2>&1 \
    || { tail -n 30 "$WORK/debootstrap.log" >&2; exit 1; }
  cat > "$ROOTFS/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $SECURITY_MIRROR bookworm-security main
EOF
  # What debian:bookworm-slim also does: no recommends, no caches or docs kept by apt.
  printf 'APT::Install-Recommends "false";\n' > "$ROOTFS/etc/apt/apt.conf.d/01norecommends"
  mount -t proc proc "$ROOTFS/proc"
  chroot "$ROOTFS" sh -c 'export DEBIAN_FRONTEND=noninteractive;
    apt-get update -qq && apt-get -y -qq upgrade >/dev/null && apt-get clean &&
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/*.log /tmp/*'
  umount "$ROOTFS/proc"
  BASE_IMAGE="$BASE_REPO:$(date -u +%Y%m%d)"
  tar -C "$ROOTFS" --numeric-owner --exclude='./proc/*' --exclude='./sys/*' --exclude='./dev/*' \
      -c . | docker import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["bash"]' \
      --message "debootstrap --variant=minbase bookworm $MIRROR" - "$BASE_IMAGE" >/dev/null
  rm -rf "$ROOTFS"; ROOTFS=""
  echo "imported $BASE_IMAGE"
else
  echo "reusing $BASE_IMAGE"
fi
docker tag "$BASE_IMAGE" "$BASE_REPO:latest"
BASE_ID=$(docker image inspect -f '{{.Id}}' "$BASE_IMAGE")
step_end "base ($BASE_IMAGE)"

# --- 2. the herald image ---------------------------------------------------------------------
step_start "herald image"
CTX="$WORK/context"
mkdir -p "$CTX"
if [ "$source_rev" = worktree ]; then
  (cd "$ROOT" && git ls-files -co --exclude-standard -z) > "$WORK/files"
  src_dir=$ROOT
else
  mkdir -p "$WORK/src"
  git -C "$ROOT" archive "$source_rev" | tar -x -C "$WORK/src"
  (cd "$WORK/src" && find . -type f -printf '%P\0') > "$WORK/files"
  src_dir="$WORK/src"
fi
# .dockerignore's patterns, applied to the file list: only what the build would see is copied
# and hashed. As in Docker: a pattern is anchored at the root and matches the path or anything
# below it, a leading `**/` matches at any depth, `!` lets a path back in, the last matching
# pattern wins.
mapfile -t IGNORE < <(grep -vE '^\s*(#|$)' "$ROOT/.dockerignore" | sed -E 's#/$##')
ignored() {
  local f=$1 p q verdict=1 hit
  for p in "${IGNORE[@]}"; do
    q=${p#!}
    # shellcheck disable=SC2053
    if [[ $q == '**/'* ]]; then
      q=${q#\*\*/}
      [[ $f == $q || $f == $q/* || $f == */$q || $f == */$q/* ]] && hit=1 || hit=0
    else
      [[ $f == $q || $f == $q/* ]] && hit=1 || hit=0
    fi
    if [ "$hit" = 1 ]; then
      if [[ $p == !* ]]; then verdict=1; else verdict=0; fi
    fi
  done
  return $verdict
}
while IFS= read -r -d '' f; do
  [ -f "$src_dir/$f" ] || continue          # deleted in the working tree, still in the index
  ignored "$f" && continue
  mkdir -p "$CTX/$(dirname "$f")"
  cp -p "$src_dir/$f" "$CTX/$f"
done < "$WORK/files"
# The recipe always comes from the working tree, also with --source REV.
mkdir -p "$CTX/scripts"
cp "$ROOT/Dockerfile" "$ROOT/.dockerignore" "$CTX/"
cp "$ROOT/scripts/docker-healthcheck.sh" "$CTX/scripts/"
SRC_HASH=$( { (cd "$CTX" && find . -type f -print0 | sort -z | xargs -0 sha256sum); echo "$BASE_ID"; } \
  | sha256sum | cut -c1-16)
HERALD_IMAGE="$HERALD_REPO:src-$SRC_HASH"
if image_exists "$HERALD_IMAGE"; then
  echo "reusing $HERALD_IMAGE (same sources, Dockerfile and base)"
else
  echo "building $HERALD_IMAGE from $(find "$CTX" -type f | wc -l) files ($source_rev)"
  docker_build "$CTX/Dockerfile" "$CTX" --build-arg BASE="$BASE_IMAGE" \
    --build-arg JOBS="${HERALD_JOBS:-2}" --label "org.herald.source-hash=$SRC_HASH" \
    --label "org.herald.source=$source_rev" -t "$HERALD_IMAGE" > "$WORK/build.log" 2>&1 \
    || { tail -n 60 "$WORK/build.log" >&2; echo "herald image build failed" >&2; exit 1; }
  grep -E 'runtime packages:|cache hit|cache miss|Hits:|Misses:' "$WORK/build.log" | sed 's/^/  /' || true
fi
docker tag "$HERALD_IMAGE" "$HERALD_REPO:latest"
# Each source change leaves an image (~250 MB): keep the 3 newest src-* tags.
docker images "$HERALD_REPO" --format '{{.CreatedAt}}\t{{.Repository}}:{{.Tag}}' \
  | grep ':src-' | sort -r | tail -n +4 | cut -f2 | xargs -r docker rmi >/dev/null 2>&1 || true
step_end "herald ($HERALD_IMAGE)"

# --- 3. the cluster-tests runner -------------------------------------------------------------
RUNNER_IMAGE=""
if [ "$runner" = 1 ]; then
  step_start "runner image"
  RUNNER_HASH=$( { cat "$ROOT/cluster-tests/runner.Dockerfile"; echo "$BASE_ID"; } | sha256sum | cut -c1-16)
  RUNNER_IMAGE="$RUNNER_REPO:$RUNNER_HASH"
  if image_exists "$RUNNER_IMAGE"; then
    echo "reusing $RUNNER_IMAGE"
  else
    mkdir -p "$WORK/runner"
    docker_build "$ROOT/cluster-tests/runner.Dockerfile" "$WORK/runner" \
      --build-arg BASE="$BASE_IMAGE" -t "$RUNNER_IMAGE" > "$WORK/runner.log" 2>&1 \
      || { tail -n 40 "$WORK/runner.log" >&2; echo "runner image build failed" >&2; exit 1; }
  fi
  docker tag "$RUNNER_IMAGE" "$RUNNER_REPO:latest"
  step_end "runner ($RUNNER_IMAGE)"
fi

echo "== timings"
printf '  %s\n' "${TIMINGS[@]}"
printf '  %-34s %5ss\n' "total" $(( $(date +%s) - t_start ))
if [ -n "$env_file" ]; then
  printf 'BASE_IMAGE=%s\nHERALD_IMAGE=%s\nRUNNER_IMAGE=%s\n' \
    "$BASE_IMAGE" "$HERALD_IMAGE" "$RUNNER_IMAGE" > "$env_file"
fi
echo "HERALD_IMAGE=$HERALD_IMAGE RUNNER_IMAGE=${RUNNER_IMAGE:-none}"
