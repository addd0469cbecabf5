#!/usr/bin/env bash
# Builds the direct-publish tests under ThreadSanitizer in build-tsan and runs them: direct
# publishers on several threads against each other (one memory engine state behind its mutex,
# deliveries in offset order) and against LocalChannels changing under them, as the server
# API's io threads publish while the node actor adds and removes channel actors; and inline
# API batches whose answers come on another thread, as the Redis engine's do.
# Also the timer service: threads arming and cancelling timers while another advances them.
# Exits non-zero on a failure or any data race report.
#
# CAF comes from Debian, not instrumented: a message passed through its scheduler is invisible
# to TSan and would be reported as a race, so no actor runs in these tests (the same race
# with real actors, PublishRaceTest, runs in the normal and ASan suites). The actor system's
# own threads still start and stop; reports with a frame inside libcaf_core are suppressed
# (none of the code under test runs there), nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
BUILD_DIR=${HERALD_TSAN_BUILD_DIR:-build-tsan}
JOBS=${HERALD_JOBS:-2}

cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=g++ \
  -DHERALD_SANITIZE_THREAD=ON -DHERALD_BUILD_TESTS=ON >/dev/null
supp="$(cd "$BUILD_DIR" && pwd)/tsan.supp"
printf '%s\n' 'race:libcaf_core.so' >"$supp"
# halt_on_error: the first report fails the run.
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$supp"
cmake --build "$BUILD_DIR" -j"$JOBS" --target direct_publish_test timer_test
"$BUILD_DIR/tests/actors/direct_publish_test" --gtest_repeat=3
echo "tsan: direct publish race tests passed"
"$BUILD_DIR/tests/actors/timer_test" --gtest_repeat=3
echo "tsan: timer service race tests passed"
