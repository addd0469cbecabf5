#!/bin/sh
# Prints the path of a Centrifugo v6.9.1 binary (the reference server of the differential
# test, and of bench/ comparisons), installing it with `go install` when none is found.
#
#   tests/compat/install-centrifugo.sh        # stdout: /path/to/centrifugo
#
# Looked for, in order: $CENTRIFUGO_BIN; /var/cache/herald-go/bin/centrifugo;
# ${HERALD_CACHE_DIR:-$HOME/.cache/herald}/centrifugo-v6.9.1/bin/centrifugo. A binary counts
# only if `go version -m` says it was built from github.com/centrifugal/centrifugo/v6 v6.9.1
# (the module's own `version` command prints 0.0.0 outside release builds).
# Installs into the cache directory outside the repository; the Go build and module caches
# come from the environment. Idempotent; concurrent runs wait for each other (flock), and for
# a `go install` of the same module that is already running elsewhere.
#
# Exit status: 0 with the path on stdout; 2 when Centrifugo cannot be had (no Go toolchain,
# module proxy unreachable, build failure), the reason on stderr; 1 on misuse.
set -eu

MODULE=github.com/centrifugal/centrifugo/v6
VERSION=v6.9.1
SHARED=/var/cache/herald-go/bin/centrifugo
CACHE=${HERALD_CACHE_DIR:-${HOME:-/tmp}/.cache/herald}/centrifugo-$VERSION
OWN=$CACHE/bin/centrifugo

say() { echo "install-centrifugo: $*" >&2; }

GO=$(command -v go 2>/dev/null || true)
if [ -z "$GO" ] && [ -x /usr/local/go/bin/go ]; then
  GO=/usr/local/go/bin/go
fi

# usable BIN: BIN is an executable built from $MODULE $VERSION. Without a Go toolchain the
# build info cannot be read; a binary in a version-named place is then trusted.
usable() {
  [ -f "$1" ] && [ -x "$1" ] || return 1
  if [ -n "$GO" ]; then
    "$GO" version -m "$1" 2>/dev/null |
      grep -Eq "^[[:space:]]+mod[[:space:]]+$MODULE[[:space:]]+$VERSION([[:space:]]|\$)"
  else
    case $1 in "$OWN" | "$SHARED") return 0 ;; *) return 1 ;; esac
  fi
}

found() {
  for bin in "$SHARED" "$OWN"; do
    if usable "$bin"; then
      echo "$bin"
      return 0
    fi
  done
  return 1
}

if [ -n "${CENTRIFUGO_BIN:-}" ]; then
  if usable "$CENTRIFUGO_BIN"; then
    echo "$CENTRIFUGO_BIN"
    exit 0
  fi
  say "CENTRIFUGO_BIN=$CENTRIFUGO_BIN is not a Centrifugo $VERSION binary"
  exit 1
fi

found && exit 0

# Another process may be installing the same module right now (for instance into
# /var/cache/herald-go): wait for it (at most 30 minutes) rather than build a second copy.
waited=0
while pgrep -f "go install $MODULE@$VERSION" >/dev/null 2>&1; do
  if [ "$waited" -eq 0 ]; then
    say "waiting for a running 'go install $MODULE@$VERSION' to finish"
  fi
  if [ "$waited" -ge 1800 ]; then
    say "still running after ${waited}s; installing our own copy"
    break
  fi
  sleep 5
  waited=$((waited + 5))
done
found && exit 0

if [ -z "$GO" ]; then
  say "no Go toolchain (go not on PATH nor in /usr/local/go/bin): cannot install Centrifugo $VERSION"
  exit 2
fi

mkdir -p "$CACHE/bin"
exec 9>"$CACHE/.lock"
flock 9
if usable "$OWN"; then # installed by a concurrent run while we waited for the lock
  echo "$OWN"
  exit 0
fi
say "installing $MODULE@$VERSION into $CACHE/bin (a few minutes on first use)"
log=$CACHE/install.log
# `go install pkg@version` builds outside any module: GOFLAGS=-mod=... from a caller would be
# rejected, and the toolchain must be the local one.
if ! (cd "$CACHE" && env -u GOFLAGS CGO_ENABLED=0 GOTOOLCHAIN=local GOBIN="$CACHE/bin" \
  "$GO" install "$MODULE@$VERSION") >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  say "go install failed (module proxy unreachable?): Centrifugo $VERSION unavailable"
  exit 2
fi
if ! usable "$OWN"; then
  say "go install succeeded but $OWN is not a $MODULE $VERSION binary"
  exit 2
fi
echo "$OWN"
