#!/usr/bin/env bash
# ThreadSanitizer over the C tests that use threads (`make test` runs this):
# the library built with -Zsanitizer=thread (nightly, std rebuilt with it by
# -Zbuild-std so that std's own locks and atomics are instrumented too), the
# tests with gcc -fsanitize=thread, every data race reported fails the run.
#
# Why not valgrind's drd or helgrind: they understand pthread primitives
# only, and every hand-over in this library is an atomic (std's futex
# locks, parking_lot, crossbeam, the lock-free pipes), so they report each
# one as a race (drd: 73,806 errors in 1,000 contexts on test_client_server)
# and suppressing them would suppress everything. TSan models C11 atomics.
# The lock-free code itself is model-checked by scripts/loom.sh.
#
#   scripts/tsan.sh [FILTER]     only the tests whose name holds FILTER
#
# Needs the nightly toolchain with rust-src (installed through rustup when
# missing; where rustup cannot fetch it the stage says so and is skipped). Builds go to target/tsan, so the normal build is untouched.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
FILTER=${1:-}
TRIPLE=x86_64-unknown-linux-gnu
export CARGO_TARGET_DIR=$ROOT/target/tsan
LIB=$CARGO_TARGET_DIR/$TRIPLE/release
OUT=$CARGO_TARGET_DIR/capi
mkdir -p "$OUT"

# Timing-bound tests, whose bounds do not hold under TSan's 5-15x slowdown
# (they share no socket between threads).
SKIP="test_pubsub_busy_subscribe_ours"

if ! rustup component list --toolchain nightly 2>/dev/null | grep -q '^rust-src (installed)'; then
    # A machine whose rustup cannot reach its download server (only the
    # package registries) cannot get them: say so plainly and skip, rather
    # than fail every stage after this one.
    timeout 300 rustup toolchain install nightly --profile minimal -c rust-src || {
        echo "tsan: skipped: the nightly toolchain with rust-src is not installed and rustup cannot fetch it here"
        echo "0 passed, 0 failed, 1 skipped"; exit 0; }
fi
if ! RUSTFLAGS="-Zsanitizer=thread" cargo +nightly build -Zbuild-std --target $TRIPLE \
        --release --lib >"$OUT/build.log" 2>&1; then
    tail -n 30 "$OUT/build.log"
    echo "tsan: 0 passed, 1 failed (build)"
    exit 1
fi
ln -sf libzmq.so "$LIB/libzmq.so.5"

# rustc's LLVM instruments memcpy/memmove/memset as __tsan_mem*, which gcc
# 12's libtsan lacks: forward them to the C functions, which libtsan
# intercepts (and checks) itself.
cat >"$OUT/tsan_mem.c" <<'EOF'
#include <string.h>
void *__tsan_memcpy (void *d, const void *s, size_t n) { return memcpy (d, s, n); }
void *__tsan_memmove (void *d, const void *s, size_t n) { return memmove (d, s, n); }
void *__tsan_memset (void *d, int c, size_t n) { return memset (d, c, n); }
EOF

export TSAN_OPTIONS="halt_on_error=0 exitcode=66 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
passed=0; failed=0
for src in $(grep -l pthread_create capi-tests/test_*.c); do
    name=$(basename "$src" .c)
    if [ -n "$FILTER" ] && [[ "$name" != *$FILTER* ]]; then continue; fi
    [[ " $SKIP " == *" $name "* ]] && continue
    extra=""; head -n 5 "$src" | grep -q "capi-test: ours-only" && extra="-DZMQ_BUILD_DRAFT_API=1"
    if ! gcc -std=gnu99 -O1 -g -pthread -fsanitize=thread $extra -Iinclude -Icapi-tests \
            "$src" "$OUT/tsan_mem.c" -o "$OUT/$name" -L"$LIB" -Wl,-rpath,"$LIB" -lzmq \
            2>"$OUT/$name.build"; then
        failed=$((failed + 1)); echo "FAIL $name (build)"; cat "$OUT/$name.build"; continue
    fi
    log=$OUT/$name.log
    timeout -k 5 600 "$OUT/$name" >"$log" 2>&1
    rc=$?
    races=$(grep -c 'WARNING: ThreadSanitizer' "$log")
    if [ $rc -eq 0 ] && [ "$races" -eq 0 ]; then
        passed=$((passed + 1)); echo "ok   $name"
    else
        failed=$((failed + 1)); echo "FAIL $name (exit $rc, $races reports; $log)"
        grep -A 12 'WARNING: ThreadSanitizer' "$log" | head -n 40 | sed 's/^/    /'
    fi
done
echo "tsan: $passed passed, $failed failed"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
