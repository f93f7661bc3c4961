# Sourced by scripts/bench.sh (its helpers: interleaved, record, ratio,
# thr_count, new_endpoint, wait_listen): the scenarios beyond one connection
# between two processes. Each builds on C programs of capi-tests/perf/ that
# use only zmq.h, built against both libraries, and prints ours, libzmq and
# ours/libzmq, the medians of BENCH_SCEN_RUNS interleaved runs.
#
#   proc     proc_thr: one process, a PUSH thread and a PULL thread on one
#            context, over tcp://127.0.0.1 and ipc, ZMQ_IO_THREADS 1 and 2;
#            sizes BENCH_PROC_SIZES ("1 64 1024 65536 1048576"); msg/s
#   fanout   pub_fanout: one PUB to BENCH_FANOUT_SUBS ("1 10 100") SUB
#            connections over tcp, half of them (rounded up) subscribed to
#            the messages' topic, the others to another topic; HWM 0; the
#            messages delivered per second in total; sizes
#            BENCH_FANOUT_SIZES ("64 1024 65536")
#   fanin    BENCH_FANIN_SENDERS (10) remote_thr processes (PUSH) to one
#            local_thr (PULL) over tcp; msg/s in total; sizes
#            BENCH_FANIN_SIZES ("64 1024 65536")
#   broker   broker_rtt: zmq_proxy (ROUTER frontend, DEALER backend) between
#            10 REQ client threads and 4 REP worker threads, three contexts,
#            tcp, 64 B; round trips per second in total
#   dealers  many_dealers: 1,000 DEALERs on one context (one I/O thread) to
#            one ROUTER that echoes, tcp, 64 B, 1,000 requests in flight;
#            round trips per second
#   memory   mem_rss (RSS, /proc/self/status): per connected DEALER/ROUTER
#            pair, per idle socket, per queued 1 KiB message; and the peak
#            above the start while a PUSH fills the default HWMs (1000 +
#            1000) with 64 KiB messages; BENCH_MEM_RUNS (3) runs
#
# Knobs: BENCH_SCEN_RUNS (9, as the two-process figures) runs per figure; BENCH_SCEN_SCALE (1.0)
# multiplies every message and round-trip count (0.2 for a quick check);
# BENCH_SCEN_TIMEOUT (120) seconds before a run counts as hung (n/a).
SCEN_RUNS=${BENCH_SCEN_RUNS:-9}
SCEN_SCALE=${BENCH_SCEN_SCALE:-1}
MEM_RUNS=${BENCH_MEM_RUNS:-3}
SCEN_TIMEOUT=${BENCH_SCEN_TIMEOUT:-120}
PROC_SIZES=${BENCH_PROC_SIZES:-"1 64 1024 65536 1048576"}
FANOUT_SUBS=${BENCH_FANOUT_SUBS:-"1 10 100"}
FANOUT_SIZES=${BENCH_FANOUT_SIZES:-"64 1024 65536"}
FANIN_SENDERS=${BENCH_FANIN_SENDERS:-10}
FANIN_SIZES=${BENCH_FANIN_SIZES:-"64 1024 65536"}

# scaled n [factor]: n * factor * BENCH_SCEN_SCALE, at least 2
scaled() {
    awk -v n="$1" -v f="${2:-1}" -v s="$SCEN_SCALE" 'BEGIN { n = int(n * f * s); print (n < 2 ? 2 : n) }'
}

# row scenario size metric unit better runs ours libzmq: print one line of
# a scenario's table and record it (size "" for none)
row() {
    printf "%-30s %14s %14s %8s\n" "$1${2:+ ${2}B} [$4]" "$7" "$8" "$(ratio "$7" "$8")"
    record "$1" "$2" "$3" "$4" "$5" "$7" "$8" "$6"
}
header() {
    echo "== $1"
    printf "%-30s %14s %14s %8s\n" test ours libzmq ratio
}

# proc_count size: half of thr_count (scaled by BENCH_NET_SCALE, sized for
# ~1 s two processes apart), but not below the 4,000 messages that take a
# run past the first fill of the two HWMs (see thr_count)
proc_count() {
    local n min
    n=$(scaled "$(thr_count "$1")" 0.5) min=$(scaled 4000)
    echo $(( n > min ? n : min ))
}

# vcpu_probe: a cache line's round trip between two threads in ns: ~50-70
# when the host runs this VM's two vCPUs on one core's hyperthreads, ~350
# on separate cores, where one-process figures of small messages drop to a
# third for ours and to about the same level for libzmq (docs/performance.md)
vcpu_probe() { "$OUT/cpu-pingpong" 2>/dev/null | cut -d' ' -f1; }

proc_bench() {
    header "one process, PUSH thread -> PULL thread, one context, median of $SCEN_RUNS interleaved runs"
    local transport io size ep o l before
    for transport in tcp ipc; do
        for io in 1 2; do
            for size in $PROC_SIZES; do
                if [ $transport = tcp ]; then
                    ep='tcp://127.0.0.1:*'
                else
                    ep=ipc:///tmp/zmq-rs-bench.$$.proc.ipc
                fi
                before=$(vcpu_probe)
                read -r o l < <(interleaved "mean throughput" "$SCEN_RUNS" timeout "$SCEN_TIMEOUT" \
                    "$OUT/proc_thr_@LIB@" "$ep" "$size" "$(proc_count "$size")" "$io")
                row "proc $transport io$io" "$size" throughput msg/s higher "$SCEN_RUNS" "$o" "$l"
                echo "    (vCPUs' cache-line round trip: $before ns before, $(vcpu_probe) ns after)"
            done
        done
    done
    rm -f /tmp/zmq-rs-bench.$$.proc.ipc
}

# messages delivered in total per run of pub_fanout, by size
fanout_total() {
    case $1 in 65536) echo 20000 ;; 8192) echo 100000 ;; *) echo 1000000 ;; esac
}

fanout_bench() {
    header "PUB -> N SUB connections over tcp (half subscribed to another topic), HWM 0, delivered msg/s in total, median of $SCEN_RUNS interleaved runs"
    local subs size o l
    for subs in $FANOUT_SUBS; do
        for size in $FANOUT_SIZES; do
            read -r o l < <(interleaved "delivered" "$SCEN_RUNS" timeout "$SCEN_TIMEOUT" "$OUT/pub_fanout_@LIB@" \
                "$subs" "$size" "$(scaled $(( $(fanout_total "$size") / ((subs + 1) / 2) )))")
            row "fanout $subs subs" "$size" delivered msg/s higher "$SCEN_RUNS" "$o" "$l"
        done
    done
}

# fanin_run lib size count: FANIN_SENDERS remote_thr processes of `count`
# messages each to one local_thr; prints local_thr's output (and any
# sender's)
fanin_run() {
    local lib=$1 size=$2 count=$3 ep lpid i
    local -a pids=()
    ep=$(new_endpoint tcp)
    timeout "$SCEN_TIMEOUT" "$OUT/local_thr_$lib" "$ep" "$size" $(( count * FANIN_SENDERS )) >"$OUT/fanin.local" 2>&1 &
    lpid=$!
    if ! wait_listen "$ep" "$lpid"; then
        kill "$lpid" 2>/dev/null
        echo "local_thr did not start listening on $ep"
        return
    fi
    for i in $(seq "$FANIN_SENDERS"); do
        timeout "$SCEN_TIMEOUT" "$OUT/remote_thr_$lib" "$ep" "$size" "$count" >"$OUT/fanin.remote.$i" 2>&1 &
        pids+=($!)
    done
    wait "${pids[@]}" "$lpid"
    cat "$OUT/fanin.local" "$OUT"/fanin.remote.*
    rm -f "$OUT"/fanin.remote.*
}

fanin_bench() {
    header "$FANIN_SENDERS PUSH processes -> 1 PULL process over tcp, msg/s in total, median of $SCEN_RUNS interleaved runs"
    local size o l
    for size in $FANIN_SIZES; do
        read -r o l < <(interleaved "mean throughput" "$SCEN_RUNS" fanin_run @LIB@ "$size" \
            "$(scaled $(( $(thr_count "$size") / FANIN_SENDERS )))")
        row "fanin $FANIN_SENDERS push" "$size" throughput msg/s higher "$SCEN_RUNS" "$o" "$l"
    done
}

broker_bench() {
    header "zmq_proxy ROUTER/DEALER broker, 10 REQ clients, 4 REP workers, tcp, round trips/s in total, median of $SCEN_RUNS interleaved runs"
    local o l
    read -r o l < <(interleaved "round trips" "$SCEN_RUNS" timeout "$SCEN_TIMEOUT" "$OUT/broker_rtt_@LIB@" \
        10 4 64 "$(scaled 2000)")
    row "broker 10 req 4 rep" 64 "round trips" rt/s higher "$SCEN_RUNS" "$o" "$l"
}

dealers_bench() {
    header "1000 DEALERs (one I/O thread) -> 1 ROUTER echo, tcp, round trips/s, median of $SCEN_RUNS interleaved runs"
    local o l
    read -r o l < <(interleaved "round trips" "$SCEN_RUNS" timeout "$SCEN_TIMEOUT" "$OUT/many_dealers_@LIB@" \
        1000 64 "$(scaled 20)")
    row "dealers 1000" 64 "round trips" rt/s higher "$SCEN_RUNS" "$o" "$l"
}

memory_bench() {
    header "memory (RSS), median of $MEM_RUNS interleaved runs; lower is better"
    local what n size label o l
    for what in conn socket queued hwm; do
        case $what in
        conn) n=200 size="" label="memory per connection" ;;
        socket) n=1000 size="" label="memory per idle socket" ;;
        queued) n=20000 size=1024 label="memory per queued msg" ;;
        hwm) n=1 size=65536 label="memory peak full HWM" ;;
        esac
        read -r o l < <(interleaved "memory" "$MEM_RUNS" timeout "$SCEN_TIMEOUT" "$OUT/mem_rss_@LIB@" "$what" "$n")
        row "$label" "$size" memory B lower "$MEM_RUNS" "$o" "$l"
    done
}
