#!/usr/bin/env bash
# A short libFuzzer run of each cargo-fuzz target in fuzz/ (one per parser
# of peer input: see fuzz/campaign.sh for the list), as `make test` runs it
# in CI. cargo-fuzz is installed if missing; the targets build on the stable
# toolchain without a sanitizer (`-s none`): the code under test is safe
# Rust, so a panic, an abort or an allocation libFuzzer's -rss_limit_mb
# refuses is what fails a run. Each run starts from the committed seeds in
# fuzz/corpus/<target>/ and keeps what it finds in target/fuzz-corpus/.
#
# env: FUZZ_SECONDS per target (default 7: thirteen targets, about a minute
#      and a half), FUZZ_TARGETS (default: all)
set -u
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-7}
ALL="zmtp_connection mechanism_handshake greeting mechanism_raw frame_decoder
     command_metadata udp_datagram z85_decode socks_reply gssapi_framing salsa20_simd x509_cert
     ws_upgrade ws_frame_decoder"
TARGETS=${FUZZ_TARGETS:-$ALL}
passed=0 failed=0
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "installing cargo-fuzz"
    if ! cargo install cargo-fuzz --locked --version 0.13.2 >target/cargo-fuzz-install.log 2>&1; then
        tail -n 20 target/cargo-fuzz-install.log
        echo "fuzz: 0 passed, 1 failed"
        exit 1
    fi
fi
mkdir -p target
if ! cargo fuzz build -s none >target/fuzz-build.log 2>&1; then
    echo "FAIL fuzz (build)"; tail -n 20 target/fuzz-build.log
    echo "fuzz: 0 passed, 1 failed"
    exit 1
fi
for t in $TARGETS; do
    mkdir -p "target/fuzz-corpus/$t" "fuzz/corpus/$t"
    if cargo fuzz run -s none "$t" "target/fuzz-corpus/$t" "fuzz/corpus/$t" -- \
        -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 \
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
