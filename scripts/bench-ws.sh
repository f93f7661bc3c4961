# Sourced by scripts/bench.sh (its helpers: net_bench, net_medians, run_pair,
# new_endpoint, wait_listen, record; $OUT, $OURLIB, $CFLAGS): ws:// throughput
# and latency, libzmq's perf tool interface (local_thr + remote_thr,
# local_lat + remote_lat of capi-tests/perf/) over ws://127.0.0.1:<port>,
# ours<->ours against libzmq 4.3.5<->4.3.5 (built with drafts, ws included,
# by scripts/libzmq-ref.sh and cached under target/libzmq-ref), the two
# interleaved as everywhere else; sizes BENCH_WS_SIZES ("1 1024 65536") for
# both. The figures go to results.csv as "ws thr vs 4.3.5" and
# "ws lat vs 4.3.5": their libzmq column is 4.3.5, not Debian's 4.3.4.
#
# Ours must have ws:// (zmq_has("WS") as libzmq 4.3 spells it, or "ws", or
# a bind to ws://127.0.0.1:* works: capi-tests/ws/browser_peer.c's probe);
# without it the scenario fails.
#
# Then the same over wss:// (TLS; 4.3.5 built with GnuTLS), the perf
# programs given scripts/wss-certs.sh's certificates (PERF_WSS_DIR, see
# capi-tests/perf/perf_util.h): "wss thr vs 4.3.5", "wss lat vs 4.3.5"
# (times only, no instruction counts).
#
# BENCH_WS_FIRST=libzmq puts Debian's libzmq 4.3.4 (which has ws too) where
# ours would be: a check of the harness itself; its
# figures are printed, not recorded (they go to target/bench/ws-check.csv).
# Run alone: BENCH_SCENARIOS=ws make bench (or scripts/bench.sh).
WS_SIZES=${BENCH_WS_SIZES:-"1 1024 65536"}

ws_bench() {
    local rlib rinc prog probe first=${BENCH_WS_FIRST:-ours} title results=$RESULTS
    { read -r rlib; read -r rinc; read -r _; } < <(scripts/libzmq-ref.sh)
    if [ -z "${rlib:-}" ] || [ ! -e "$rlib/libzmq.so.5" ]; then
        echo "== ws: skipped: libzmq 4.3.5 did not build (scripts/libzmq-ref.sh)"
        return
    fi
    for prog in local_thr remote_thr local_lat remote_lat; do
        gcc $CFLAGS -I"$rinc" capi-tests/perf/$prog.c -o "$OUT/${prog}_ref" \
            -L"$rlib" -Wl,-rpath,"$rlib" -lzmq || return
    done
    gcc $CFLAGS -Iinclude capi-tests/ws/browser_peer.c -o "$OUT/ws_probe_ours" \
        -L"$OURLIB" -Wl,-rpath,"$OURLIB" -lzmq || return
    gcc $CFLAGS -I"$rinc" capi-tests/ws/browser_peer.c -o "$OUT/ws_probe_ref" \
        -L"$rlib" -Wl,-rpath,"$rlib" -lzmq || return
    probe=$("$OUT/ws_probe_ref" probe | head -n 1)
    if [ "${probe#ws 1}" = "$probe" ]; then
        echo "== ws: skipped: libzmq 4.3.5 here has no ws ($probe)"
        return
    fi
    case $first in
    ours)
        probe=$("$OUT/ws_probe_ours" probe | head -n 1)
        if [ "${probe#ws 1}" = "$probe" ]; then
            echo "== ws: FAILED: ours has no ws (${probe#ws 0 })"
            return 1
        fi
        title="ours<->ours vs libzmq 4.3.5<->4.3.5 (zmq = 4.3.5)" ;;
    libzmq)
        title="Debian's libzmq 4.3.4<->4.3.4 in the ours column vs libzmq 4.3.5<->4.3.5 (zmq): a check of the harness, not recorded"
        results=$OUT/ws-check.csv
        : >"$results" ;;
    *)
        echo "== ws: BENCH_WS_FIRST must be ours or libzmq, not $first"
        return ;;
    esac
    (RESULTS=$results NET_LIBS="$first ref" NET_LABEL="ws" NET_TITLE=$title
     NET_SIZES=$WS_SIZES NET_LAT_SIZES=$WS_SIZES
     net_bench ws)
    # The libzmq column of these rows is 4.3.5: say so in their names.
    sed -i 's/^ws \(thr\|lat\),/ws \1 vs 4.3.5,/' "$results"
    # Debian's 4.3.4 has no wss: the check above stops at ws.
    [ "$first" = ours ] || return 0
    if ! scripts/wss-certs.sh "$OUT/wss-certs"; then
        echo "== wss: FAILED: no certificates (see $OUT/wss-certs/openssl.log)"
        return 1
    fi
    # No instruction counts: under callgrind libzmq 4.3.5's wss receiver
    # stalled on 64 KiB messages until the run's timeout (its engine leaves
    # decrypted bytes in GnuTLS and waits for the socket).
    (export PERF_WSS_DIR=$OUT/wss-certs
     IR_METHOD=none RESULTS=$results NET_LIBS="ours ref" NET_LABEL="wss" NET_TITLE=$title
     NET_SIZES=$WS_SIZES NET_LAT_SIZES=$WS_SIZES
     net_bench wss)
    sed -i 's/^wss \(thr\|lat\),/wss \1 vs 4.3.5,/' "$results"
}
