# Sourced by scripts/bench.sh (its helpers: net_bench, record; $OUT,
# $RESULTS): ours against omq-tokio, the native Rust ZeroMQ of omq.rs, the
# fastest other implementation we know of. bench/omq/ builds libzmq's perf
# tool interface (local/remote_thr, local/remote_lat) on omq-tokio
# (=0.33.0, from crates.io; a separate cargo project, never linked into
# libzmq.so.5), so the same harness runs ours<->ours against omq<->omq,
# interleaved, two processes, over tcp and ipc, sizes BENCH_OMQ_SIZES
# ("16 64 1024 65536") for throughput and latency. The rows go to
# results.csv as "tcp thr vs omq", "ipc lat vs omq", ...: their libzmq
# column is omq-tokio, not libzmq.
# Run alone: BENCH_SCENARIOS=omq make bench (or scripts/bench.sh).
OMQ_SIZES=${BENCH_OMQ_SIZES:-"16 64 1024 65536"}

omq_bench() {
    local prog t
    if ! cargo build --release --manifest-path bench/omq/Cargo.toml >"$OUT/omq-build.log" 2>&1; then
        echo "== omq: FAILED: bench/omq did not build (last lines of $OUT/omq-build.log):"
        tail -n 15 "$OUT/omq-build.log"
        return 1
    fi
    for prog in local_thr remote_thr local_lat remote_lat; do
        cp bench/omq/target/release/omq-perf "$OUT/omq-perf"
        ln -sf omq-perf "$OUT/${prog}_omq"
    done
    : >"$OUT/omq.csv"
    for t in tcp ipc; do
        (RESULTS=$OUT/omq.csv NET_LIBS="ours omq" NET_LABEL="$t"
         NET_TITLE="ours<->ours vs omq-tokio 0.33<->omq-tokio (zmq = omq)"
         NET_SIZES=$OMQ_SIZES NET_LAT_SIZES=$OMQ_SIZES
         net_bench "$t")
    done
    # The libzmq column of these rows is omq-tokio: say so in their names.
    sed 's/^\(tcp\|ipc\) \(thr\|lat\),/\1 \2 vs omq,/' "$OUT/omq.csv" >>"$RESULTS"
}
