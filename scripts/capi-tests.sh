#!/usr/bin/env bash
# Build every capi-tests/test_*.c twice -- against libzmq-rs (include/zmq.h,
# target/release/libzmq.so) and against Debian's libzmq -- and run both.
# A test that fails on Debian's libzmq is a bad test; one that fails only on
# ours is a bug in ours. Either way the run fails.
#
# Markers in a test's first lines:
#   capi-test: ours-only   -- uses an API Debian's stable build does not export
#                             (the draft API); built with ZMQ_BUILD_DRAFT_API
#   capi-test: valgrind    -- also run under valgrind memcheck against ours
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=target/capi-tests
mkdir -p "$OUT/ours" "$OUT/libzmq" "$OUT/valgrind"
# The tests load libzmq.so.5 (our SONAME): make sure it names our build.
ln -sf libzmq.so target/release/libzmq.so.5
OURLIB=$ROOT/target/release
CFLAGS="-std=gnu99 -O1 -g -Wall -Wextra -Werror -pthread"
TIMEOUT=${CAPI_TEST_TIMEOUT:-120}
FILTER=${1:-}

declare -A passed failed
for side in ours libzmq valgrind; do passed[$side]=0; failed[$side]=0; done

run_one() { # side name binary [wrapper...]
    local side=$1 name=$2 bin=$3; shift 3
    local log="$OUT/$side/$name.log"
    timeout -k 5 "$TIMEOUT" "$@" "$bin" >"$log" 2>&1
    local rc=$?
    local oks
    oks=$(grep -c '^ok ' "$log")
    passed[$side]=$(( ${passed[$side]} + oks ))
    if [ $rc -ne 0 ]; then
        failed[$side]=$(( ${failed[$side]} + 1 ))
        echo "FAIL [$side] $name (exit $rc)"; sed 's/^/    /' "$log" | tail -n 20
    else
        echo "ok   [$side] $name ($oks cases)"
    fi
}

for src in capi-tests/test_*.c; do
    name=$(basename "$src" .c)
    if [ -n "$FILTER" ] && [[ "$name" != *$FILTER* ]]; then continue; fi
    head=$(head -n 5 "$src")
    ours_only=0; grind=0
    [[ "$head" == *"capi-test: ours-only"* ]] && ours_only=1
    [[ "$head" == *"capi-test: valgrind"* ]] && grind=1
    extra=""; [ $ours_only = 1 ] && extra="-DZMQ_BUILD_DRAFT_API=1"

    if gcc $CFLAGS $extra -Iinclude -Icapi-tests "$src" -o "$OUT/ours/$name" \
        -L"$OURLIB" -Wl,-rpath,"$OURLIB" -lzmq 2>"$OUT/ours/$name.build"; then
        run_one ours "$name" "$OUT/ours/$name"
        if [ $grind = 1 ]; then
            run_one valgrind "$name" "$OUT/ours/$name" valgrind -q --error-exitcode=99 \
                --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite
        fi
    else
        failed[ours]=$(( ${failed[ours]} + 1 )); echo "FAIL [ours] $name (build)"; cat "$OUT/ours/$name.build"
    fi

    if [ $ours_only = 0 ]; then
        if gcc $CFLAGS -I/usr/include -Icapi-tests "$src" -o "$OUT/libzmq/$name" \
            /usr/lib/x86_64-linux-gnu/libzmq.so.5 2>"$OUT/libzmq/$name.build"; then
            run_one libzmq "$name" "$OUT/libzmq/$name"
        else
            failed[libzmq]=$(( ${failed[libzmq]} + 1 )); echo "FAIL [libzmq] $name (build)"; cat "$OUT/libzmq/$name.build"
        fi
    fi
done

echo "capi-tests against Debian's libzmq: ${passed[libzmq]} passed, ${failed[libzmq]} failed"
echo "capi-tests under valgrind (ours): ${passed[valgrind]} passed, ${failed[valgrind]} failed"
echo "capi-tests against libzmq-rs: ${passed[ours]} passed, ${failed[ours]} failed"
total_failed=$(( ${failed[ours]} + ${failed[libzmq]} + ${failed[valgrind]} ))
total_passed=$(( ${passed[ours]} + ${passed[libzmq]} + ${passed[valgrind]} ))
echo "$total_passed passed, $total_failed failed"
[ $total_failed -eq 0 ]
