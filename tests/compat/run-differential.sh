#!/bin/sh
# ctest entry of compat_differential (tests/compat/README.md): gets Centrifugo v6.9.1 with
# install-centrifugo.sh, then runs the differential Go test against it and HERALD_BIN.
#
#   sh tests/compat/run-differential.sh [GO]
#
# Skips (prints "compat_differential SKIPPED: <why>", exits 77) when Go, Centrifugo or the
# Go modules of this suite cannot be had; CMakeLists.txt maps both to a ctest skip.
set -u
cd "$(dirname "$0")"

skip() {
  echo "compat_differential SKIPPED: $*"
  exit 77
}

GO=${1:-$(command -v go 2>/dev/null || echo /usr/local/go/bin/go)}
[ -x "$GO" ] || skip "no Go toolchain"
# install-centrifugo.sh finds Go on PATH: make it the same one.
PATH=$(dirname "$GO"):$PATH
export PATH

bin=$(sh install-centrifugo.sh)
rc=$?
case $rc in
0) ;;
2) skip "Centrifugo v6.9.1 is not available (see install-centrifugo.sh messages above)" ;;
*) echo "install-centrifugo.sh failed ($rc)"; exit 1 ;;
esac
echo "centrifugo: $bin"

if ! "$GO" mod download >/dev/null 2>&1; then
  "$GO" mod download 2>&1 | tail -n 5
  skip "the Go modules of tests/compat cannot be downloaded (module proxy unreachable?)"
fi

CENTRIFUGO_BIN=$bin
export CENTRIFUGO_BIN
exec "$GO" test -tags differential -count=1 -timeout 15m -v -run '^TestDifferential$' .
