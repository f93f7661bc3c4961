#!/usr/bin/env bash
# loom model tests of the lock-free code (`make test` runs this): the pipe's
# queue and its sleep/wake-up protocol (src/pipe/ypipe.rs), the message
# reference count (src/msg/refcount.rs) and the content pool's depot
# (src/msg/depot.rs). Built with `--cfg loom`, their atomics and cells come
# from the loom crate (src/util/sync.rs), and each
# `loom_*` test explores the interleavings of its threads and the values the
# C11 memory model lets each atomic load see; a data race on an UnsafeCell,
# a deadlock (a lost wake-up) or a failed assertion fails it.
#
# A separate target directory (target/loom), so the normal build is not
# rebuilt. Each model runs as its own process: loom aborts the process on a
# failure, and the others must still run and be counted.
#
#   scripts/loom.sh [FILTER]     FILTER selects models by name (default: all)
#
# Environment:
#   LOOM_MAX_PREEMPTIONS  the preemption bound per execution (default 5:
#                         every model here then finishes in seconds; loom
#                         finds most bugs within 2 or 3)
#   LOOM_TIMEOUT          seconds per model (default 300)
set -u
cd "$(dirname "$0")/.."
export RUSTFLAGS="${RUSTFLAGS:-} --cfg loom"
export CARGO_TARGET_DIR=${LOOM_TARGET_DIR:-target/loom}
export LOOM_MAX_PREEMPTIONS=${LOOM_MAX_PREEMPTIONS:-5}
TIMEOUT=${LOOM_TIMEOUT:-300}
FILTER=${1:-}
OUT=$CARGO_TARGET_DIR/logs
mkdir -p "$OUT"

# Build once; cargo names the test binary on stderr.
build_log=$OUT/build.log
if ! cargo test --release --lib --no-run >"$build_log" 2>&1; then
    tail -n 30 "$build_log"
    echo "loom: 0 passed, 1 failed (build)"
    exit 1
fi
bin=$(sed -n 's/.*Executable unittests src\/lib.rs (\(.*\))$/\1/p' "$build_log" | tail -n 1)
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    echo "loom: cannot find the test binary (see $build_log)"
    echo "loom: 0 passed, 1 failed"
    exit 1
fi

passed=0; failed=0
for t in $("$bin" --list loom 2>/dev/null | sed -n 's/: test$//p'); do
    if [ -n "$FILTER" ] && [[ "$t" != *$FILTER* ]]; then continue; fi
    log=$OUT/${t//::/_}.log
    start=$(date +%s.%N)
    timeout -k 5 "$TIMEOUT" "$bin" --exact "$t" --test-threads 1 >"$log" 2>&1
    rc=$?
    secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
    if [ $rc -eq 0 ]; then
        passed=$((passed + 1)); echo "ok   $t (${secs} s)"
    else
        failed=$((failed + 1)); echo "FAIL $t (exit $rc, ${secs} s)"
        grep -m 3 -E 'Causality|deadlock|panicked|assert' "$log" | sed 's/^/    /'
    fi
done
echo "loom (LOOM_MAX_PREEMPTIONS=$LOOM_MAX_PREEMPTIONS): $passed passed, $failed failed"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
