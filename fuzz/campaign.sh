#!/usr/bin/env bash
# A longer fuzzing campaign: every cargo-fuzz target, one after another,
# HOURS hours in all (split evenly; fractions allowed: 0.5), each from the
# committed seeds plus what earlier runs found (target/fuzz-corpus/<t>/),
# using all cores (-fork). Prints per target: executions, coverage (libFuzzer
# "cov" edges and "ft" features), corpus size and findings (crash, leak,
# timeout and out-of-memory inputs, kept in fuzz/artifacts/<t>/).
#
#   fuzz/campaign.sh HOURS [TARGET...]
#
# FUZZ_RUNS=N instead runs each target in one process until N executions
# (HOURS then only caps each target's time): the form the README's
# "at least 10 million executions per target" figures come from.
#
# The targets, one per parser of peer input:
#   greeting            signature detection, versions, mechanism names
#   frame_decoder       ZMTP 1.0 and 2.0/3.x framing, size claims, MAXMSGSIZE
#   zmtp_connection     the whole NULL connection: greeting to heartbeats
#   command_metadata    command split, properties/metadata, PING/PONG,
#                       JOIN/LEAVE, DISH group frames, ZAP replies
#   mechanism_raw       NULL/PLAIN/CURVE commands on raw bytes, both roles
#   mechanism_handshake NULL+ZAP/PLAIN/CURVE with damaged honest traffic
#   udp_datagram        RADIO/DISH datagrams, DGRAM address frames
#   z85_decode          Z85 text (keys, zmq_z85_decode)
#   socks_reply         a SOCKS5 proxy's replies
#   gssapi_framing      GSSAPI INITIATE/READY/MESSAGE, both roles, every ZAP answer
#   salsa20_simd        the SIMD Salsa20 keystream and CURVE box against
#                       RustCrypto (not a parser: a differential check)
#   ws_upgrade          WebSocket upgrade heads, both sides, and what follows
#   ws_frame_decoder    WebSocket frames: lengths, masks, fragments, control
set -u
cd "$(dirname "$0")/.."
if [ $# -lt 1 ]; then
    sed -n 2,13p "$0"; exit 2
fi
HOURS=$1; shift
TARGETS=${*:-"greeting frame_decoder zmtp_connection command_metadata
    mechanism_raw mechanism_handshake udp_datagram z85_decode socks_reply
    gssapi_framing salsa20_simd ws_upgrade ws_frame_decoder"}
set -- $TARGETS
EACH=$(awk -v h="$HOURS" -v n=$# 'BEGIN { s = int(h * 3600 / n); print (s < 1 ? 1 : s) }')
JOBS=$(nproc)
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --version 0.13.2
mkdir -p target
cargo fuzz build -s none >target/fuzz-build.log 2>&1 || { tail -n 20 target/fuzz-build.log; exit 1; }
if [ -n "${FUZZ_RUNS:-}" ]; then
    echo "campaign: $# targets, $EACH s each at most, $FUZZ_RUNS runs each, one process"
else
    echo "campaign: $# targets, $EACH s each, $JOBS jobs"
fi
printf '%-20s %12s %8s %8s %8s %s\n' target execs cov ft corpus findings
total_findings=0
for t in "$@"; do
    mkdir -p "target/fuzz-corpus/$t" "fuzz/artifacts/$t"
    log="target/fuzz-campaign-$t.log"
    if [ -n "${FUZZ_RUNS:-}" ]; then
        mode="-runs=$FUZZ_RUNS"
    else
        mode="-fork=$JOBS -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1"
    fi
    # shellcheck disable=SC2086
    cargo fuzz run -s none "$t" "target/fuzz-corpus/$t" "fuzz/corpus/$t" -- \
        -max_total_time="$EACH" -rss_limit_mb=2048 $mode \
        -artifact_prefix="fuzz/artifacts/$t/" >"$log" 2>&1
    # The last status line: "#N ... cov: C ft: F corp: K/..." (fork mode
    # reports "cov: C ft: F corp: K exec/s ... oom/timeout/crash: ..").
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
    execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$last")
    cov=$(grep -o 'cov: [0-9]*' <<<"$last" | awk '{print $2}')
    ft=$(grep -o 'ft: [0-9]*' <<<"$last" | awk '{print $2}')
    corp=$(ls "target/fuzz-corpus/$t" | wc -l)
    found=$(ls "fuzz/artifacts/$t" 2>/dev/null | wc -l)
    total_findings=$((total_findings + found))
    printf '%-20s %12s %8s %8s %8s %s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" \
        "$corp" "$found$( [ "$found" -gt 0 ] && echo " (fuzz/artifacts/$t/)")"
done
echo "campaign: $total_findings finding(s)"
[ "$total_findings" -eq 0 ]
