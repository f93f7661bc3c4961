#!/usr/bin/env bash
# A short libFuzzer run of each cargo-fuzz target in fuzz/ (the ZMTP
# greeting + handshake + decoder state machine, and the PLAIN/CURVE
# mechanisms), as `make test` runs it in CI. cargo-fuzz is installed if
# missing; the targets build on the stable toolchain without a sanitizer
# (`-s none`): the code under test is safe Rust, so a panic, an abort or an
# allocation libFuzzer's -rss_limit_mb refuses is what fails a run.
#
# env: FUZZ_SECONDS per target (default 30), FUZZ_TARGETS (default: all)
set -u
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-30}
TARGETS=${FUZZ_TARGETS:-"zmtp_connection mechanism_handshake"}
passed=0 failed=0
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "installing cargo-fuzz"
    if ! cargo install cargo-fuzz --locked --version 0.13.2 >target/cargo-fuzz-install.log 2>&1; then
        tail -n 20 target/cargo-fuzz-install.log
        echo "fuzz: 0 passed, 1 failed"
        exit 1
    fi
fi
for t in $TARGETS; do
    if ! cargo fuzz build -s none "$t" >"target/fuzz-$t.build.log" 2>&1; then
        echo "FAIL fuzz $t (build)"; tail -n 20 "target/fuzz-$t.build.log"
        failed=$((failed + 1)); continue
    fi
    mkdir -p "fuzz/corpus/$t"
    if cargo fuzz run -s none "$t" -- -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 \
        >"target/fuzz-$t.log" 2>&1; then
        echo "ok   fuzz $t ($(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "target/fuzz-$t.log" | tail -n 1))"
        passed=$((passed + 1))
    else
        echo "FAIL fuzz $t"; tail -n 30 "target/fuzz-$t.log"
        failed=$((failed + 1))
    fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
