#!/usr/bin/env bash
# `make bench`: build the C perf programs of capi-tests/perf/ against
# libzmq-rs (include/, a snapshot of target/release/libzmq.so) and against
# Debian's libzmq, run them side by side and print ours, libzmq and
# ours/libzmq, plus user-space instructions per message for each library.
# Timings on a shared machine are noisy: nothing here passes or fails on a
# number.
#
#   inproc    inproc_thr / inproc_lat (one process, two threads)
#   tcp, ipc  local_thr + remote_thr, local_lat + remote_lat (libzmq's perf
#             tool interface), two processes: ours<->ours and
#             libzmq<->libzmq over tcp://127.0.0.1:<port> and ipc://
#   curve     the same over tcp with CURVE (PERF_CURVE=1: the bound side is
#             the server; Debian's libzmq uses libsodium), sizes
#             BENCH_CURVE_SIZES ("64 1024 65536 1048576") for throughput
#             and latency
#
# For tcp/ipc each timing run also records, per process, CPU time (user +
# system, from the kernel's rusage of the finished process: scripts/rusage.sh)
# per message: sturdier than msg/s when other work shares the CPUs. Nothing
# traces a timing run; system calls per message (perf's
# raw_syscalls:sys_enter tracepoint) come from one more run of each library
# after them, since the tracepoint slows every call.
#
# Instructions per message are counted per process (per side: the sender and
# the receiver of a throughput run, each end of a latency run) as
# (I(2N) - I(N)) / N, so setup and teardown cancel out; both sides run under
# the counter at once. perf stat -e instructions:u when the PMU is usable,
# else valgrind --tool=callgrind (all threads, user space). Under callgrind a
# `rep movsb`/`rep stosb` counts one instruction per byte, so a large memcpy
# or memset shows up as ~1 instruction per byte: read those as "touches the
# whole payload once more", not as their cycle cost.
#
# The scenarios of scripts/bench-scenarios.sh (proc, fanout, fanin, broker,
# dealers, memory) follow, each against libzmq the same way; then ws
# (scripts/bench-ws.sh): local/remote_thr and _lat over ws:// against libzmq
# 4.3.5's ws (built with drafts by scripts/libzmq-ref.sh), skipped with a
# line saying so while ours has no ws; then epgm (scripts/bench-epgm.sh):
# PUB -> SUB throughput over loopback multicast in a network namespace,
# against Debian's libzmq; then omq (scripts/bench-omq.sh): the same
# tcp/ipc programs on omq-tokio, the native Rust ZeroMQ, against ours.
# Every figure
# also goes to target/bench/results.csv (scenario, size, metric, unit,
# better, ours, libzmq, ratio, runs, date, commit); docs/bench.csv keeps the
# latest row of every figure across runs (a run of some scenarios replaces
# only theirs), and scripts/bench-report.py draws docs/bench.png from it
# (matplotlib: python3-matplotlib, installed here when run as root) and prints this run's
# full table at the end.
#
# Environment:
#   BENCH_SCENARIOS    which to run, in this order: "inproc tcp ipc curve
#                      proc fanout fanin broker dealers memory ws epgm omq" (all);
#                      e.g. BENCH_SCENARIOS=fanout runs only that one
#   BENCH_TRANSPORTS   the older name, used when BENCH_SCENARIOS is unset
#   BENCH_RUNS         inproc timing runs per figure, the median is kept (5)
#   BENCH_NET_RUNS     the same for tcp, ipc and curve (9: a two-process run
#                      lands its four busy threads on two CPUs in ways that
#                      change throughput up to 2x for either library, so more
#                      runs keep one unlucky placement from setting a median)
#   BENCH_IR=0         skip the instruction counts
#   BENCH_PROFILE=1    also print the top functions of ours over tcp (1 B and
#                      64 KiB throughput, each side) from callgrind_annotate
#   inproc: BENCH_THR_COUNT (2000000), BENCH_LAT_COUNT (20000),
#           BENCH_IR_COUNT (200000), BENCH_SIZES ("1 16 64 256 1024")
#   tcp/ipc: BENCH_NET_SIZES ("1 64 256 1024 8192 65536 1048576"),
#           BENCH_NET_LAT_SIZES (BENCH_NET_SIZES), BENCH_NET_SCALE (1.0:
#           multiplies every tcp/ipc message and round-trip count)
set -u
cd "$(dirname "$0")/.."
# Each binary must load the library it was linked with (rpath / system path).
unset LD_PRELOAD LD_LIBRARY_PATH
ROOT=$PWD
OUT=$ROOT/target/bench
mkdir -p "$OUT"
DEBLIB=/usr/lib/x86_64-linux-gnu/libzmq.so.5
CFLAGS="-std=gnu99 -O2 -g -Wall -Wextra -Werror -pthread"
SCENARIOS=${BENCH_SCENARIOS:-${BENCH_TRANSPORTS:-"inproc tcp ipc curve proc fanout fanin broker dealers memory ws epgm omq"}}
CURVE_SIZES=${BENCH_CURVE_SIZES:-"64 1024 65536 1048576"}
RUNS=${BENCH_RUNS:-5}
DO_IR=${BENCH_IR:-1}
PROFILE=${BENCH_PROFILE:-0}
THR_COUNT=${BENCH_THR_COUNT:-2000000}
LAT_COUNT=${BENCH_LAT_COUNT:-20000}
IR_COUNT=${BENCH_IR_COUNT:-200000}
SIZES=${BENCH_SIZES:-"1 16 64 256 1024"}
LAT_SIZES="1 1024"
NET_SIZES=${BENCH_NET_SIZES:-"1 64 256 1024 8192 65536 1048576"}
NET_LAT_SIZES=${BENCH_NET_LAT_SIZES:-$NET_SIZES}
NET_RUNS=${BENCH_NET_RUNS:-9}
NET_SCALE=${BENCH_NET_SCALE:-1}
T0=$(date +%s)
DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
RESULTS=$OUT/results.csv
echo "scenario,size,metric,unit,better,ours,libzmq,ratio,runs,date,commit" >"$RESULTS"

# Other work may rebuild target/release while this runs: measure one
# snapshot of the library throughout.
OURLIB=$OUT/lib
mkdir -p "$OURLIB"
if [ ! -f target/release/libzmq.so ]; then
    echo "target/release/libzmq.so is missing: run make build" >&2
    exit 1
fi
cp target/release/libzmq.so "$OURLIB/libzmq.so.tmp"
mv -f "$OURLIB/libzmq.so.tmp" "$OURLIB/libzmq.so"
ln -sf libzmq.so "$OURLIB/libzmq.so.5"

for prog in inproc_thr inproc_lat local_thr remote_thr local_lat remote_lat \
    proc_thr pub_fanout broker_rtt many_dealers mem_rss; do
    gcc $CFLAGS -Iinclude capi-tests/perf/$prog.c -o "$OUT/${prog}_ours" \
        -L"$OURLIB" -Wl,-rpath,"$OURLIB" -lzmq || exit 1
    gcc $CFLAGS -I/usr/include capi-tests/perf/$prog.c -o "$OUT/${prog}_libzmq" \
        "$DEBLIB" || exit 1
done
# Where the host has put the vCPUs (see bench/cpu-pingpong.c).
gcc $CFLAGS -pthread bench/cpu-pingpong.c -o "$OUT/cpu-pingpong" || exit 1

# How to count user-space instructions: perf if the PMU is usable here,
# else callgrind (every thread, user space only).
if [ "$DO_IR" = 0 ]; then
    IR_METHOD=none
elif perf stat -x, -e instructions:u true 2>&1 | grep -q '^[0-9]'; then
    IR_METHOD=perf
elif command -v valgrind >/dev/null; then
    IR_METHOD=callgrind
else
    IR_METHOD=none
fi

# The timing runs run as users run them: their CPU time comes from the
# kernel's accounting once they exit (scripts/rusage.sh), not from perf,
# whose counters and tracepoints slow what they watch (an ipc round trip of
# ours, which polls briefly before it sleeps, went from ~13 to ~24 us under
# the system-call tracepoint; libzmq's from ~41 to ~49). System calls are
# counted in a run of their own (SYSC_WRAP), when the tracepoint is usable.
TIME_WRAP=$PWD/scripts/rusage.sh
if perf stat -x, -e raw_syscalls:sys_enter true 2>&1 | grep -q '^[0-9].*raw_syscalls'; then
    SYSC_WRAP="perf stat -x, -e raw_syscalls:sys_enter --"
else
    SYSC_WRAP=""
fi

# ---- helpers ----------------------------------------------------------------

# median of the numbers on stdin ("n/a" if any run failed)
median() {
    local vals
    vals=$(cat)
    if [ -z "$vals" ] || grep -qv '^[0-9.][0-9.e+-]*$' <<<"$vals"; then echo "n/a"; return; fi
    sort -g <<<"$vals" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || a == "" || b == "" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }

# instructions cmd...: total user-space instructions of one run, on stdout.
instructions() {
    case $IR_METHOD in
    perf)
        perf stat -x, -e instructions:u "$@" 2>&1 >/dev/null | awk -F, '/instructions/ { print $1 }' ;;
    callgrind)
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null \
            | sed -n 's/.*Collected : \([0-9]*\).*/\1/p' ;;
    *) echo "" ;;
    esac
}

# (I(2N) - I(N)) / N from two totals
per_msg() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { if (a == "" || b == "" || a !~ /^[0-9]+$/ || b !~ /^[0-9]+$/) print "n/a"; else printf "%.0f", (b - a) / n }'; }

# ---- inproc -----------------------------------------------------------------

# interleaved <field-regex> runs cmd...: `runs` rounds of cmd with @LIB@
# replaced by ours, then by libzmq (interleaved, so a slow spell of the
# shared machine hits both); prints "<ours> <libzmq>", the median of the
# number after "<field-regex>: " in each library's output (sturdier than the
# best run on a shared machine); a run without it counts n/a and its output
# is shown.
interleaved() {
    local pat=$1 runs=$2 lib f
    shift 2
    rm -f "$OUT"/ilv.*
    for _ in $(seq "$runs"); do
        for lib in ours libzmq; do
            "${@//@LIB@/$lib}" >"$OUT/ilv.out" 2>&1 || echo "exit status $? (124: timed out)" >>"$OUT/ilv.out"
            f=$(sed -n "s/^$pat: \([0-9.]*\).*/\1/p" "$OUT/ilv.out" | head -n 1)
            if [ -z "$f" ]; then
                f=n/a
                sed "s/^/    | $lib: /" "$OUT/ilv.out" >&2
            fi
            echo "$f" >>"$OUT/ilv.$lib"
        done
    done
    echo "$(median <"$OUT/ilv.ours") $(median <"$OUT/ilv.libzmq")"
}

# record scenario size metric unit better ours libzmq runs: one row of
# $RESULTS (better: "higher" or "lower")
record() {
    echo "$1,$2,$3,$4,$5,$6,$7,$(ratio "$6" "$7"),$8,$DATE,$COMMIT" >>"$RESULTS"
}

# medians_of <field-regex> prog size count: interleaved inproc runs
medians_of() { interleaved "$1" "$RUNS" timeout 300 "$OUT/${2}_@LIB@" "$3" "$4"; }

# Per message: the difference between a run of 2N and one of N messages,
# divided by N, so setup and teardown cancel out.
ir_per_msg() { # prog size
    local prog=$1 size=$2 n=$IR_COUNT a b
    [ "$IR_METHOD" = none ] && { echo "n/a"; return; }
    [ "$prog" = "${prog%lat_*}" ] || n=$(( IR_COUNT / 10 ))
    a=$(instructions "$OUT/$prog" "$size" "$n")
    b=$(instructions "$OUT/$prog" "$size" "$((2 * n))")
    per_msg "$a" "$b" "$n"
}

inproc_bench() {
    echo "== inproc: throughput $THR_COUNT messages, latency $LAT_COUNT round trips, median of $RUNS interleaved runs"
    echo "   instructions: one process (both threads), N = $IR_COUNT messages (latency: N/10 round trips)"
    printf "%-22s %14s %14s %8s %10s %10s %8s\n" test ours libzmq ratio "ours I/msg" "zmq I/msg" ratio
    local size o l io il
    for size in $SIZES; do
        read -r o l < <(medians_of "mean throughput" inproc_thr "$size" "$THR_COUNT")
        io=$(ir_per_msg inproc_thr_ours "$size")
        il=$(ir_per_msg inproc_thr_libzmq "$size")
        record "inproc thr" "$size" throughput msg/s higher "$o" "$l" "$RUNS"
        printf "%-22s %14s %14s %8s %10s %10s %8s\n" "thr ${size}B [msg/s]" "$o" "$l" "$(ratio "$o" "$l")" \
            "$io" "$il" "$(ratio "$io" "$il")"
    done
    for size in $LAT_SIZES; do
        read -r o l < <(medians_of "average latency" inproc_lat "$size" "$LAT_COUNT")
        io=$(ir_per_msg inproc_lat_ours "$size")
        il=$(ir_per_msg inproc_lat_libzmq "$size")
        record "inproc lat" "$size" latency us lower "$o" "$l" "$RUNS"
        printf "%-22s %14s %14s %8s %10s %10s %8s\n" "lat ${size}B [us]" "$o" "$l" "$(ratio "$o" "$l")" \
            "$io" "$il" "$(ratio "$io" "$il")"
    done
}

# ---- tcp / ipc --------------------------------------------------------------

# Message counts per size, so that one timing run takes ~0.5-2 s here
# (libzmq 4.3.4 does ~5 M msg/s at 1 B and ~20 k msg/s at 64 KiB over tcp).
# Every count is at least twice the 2,000 messages the default HWMs of the
# two ends queue (CURVE runs a tenth of each count, 400 at 1 MiB, and stays
# below it): a run of fewer measures only their first fill, where each
# 1 MiB message is fresh memory the perf programs never write, faulted in
# page by page by the sending I/O thread (257 faults a message, the same
# for both libraries); a sender in its steady state reuses freed memory.
thr_count() {
    local n
    case $1 in
    1) n=3000000 ;; 64) n=2000000 ;; 256) n=1000000 ;; 1024) n=500000 ;;
    8192) n=100000 ;; 65536) n=20000 ;; 1048576) n=4000 ;;
    *) n=$(( 2000000000 / ($1 + 500) )) ;;
    esac
    awk -v n="$n" -v s="$NET_SCALE" 'BEGIN { n = int(n * s); print (n < 2 ? 2 : n) }'
}
# Round trips per latency run: ~0.15-0.5 s each. A new tcp connection's
# first ~100 round trips of 1 MiB run at up to twice the steady one-way time
# for both libraries (the kernel's window and pacing ramping up:
# `LAT_EACH_BLOCK=25 bench/lat-each`), so 1 MiB runs 1,500 of them, the
# warm-up a small part of each run as at the other sizes, not a third.
lat_count() {
    local n
    case $1 in 65536) n=3000 ;; 1048576) n=1500 ;; *) n=5000 ;; esac
    awk -v n="$n" -v s="$NET_SCALE" 'BEGIN { n = int(n * s); print (n < 1 ? 1 : n) }'
}
# N for the instruction counts (the runs are N and 2N messages/round trips);
# callgrind runs ~50x slower and copies are expensive under it.
thr_ir_count() {
    case $1 in
    1 | 64) echo 100000 ;; 256 | 1024) echo 50000 ;; 8192) echo 10000 ;;
    65536) echo 1000 ;; *) echo 50 ;;
    esac
}
lat_ir_count() { case $1 in 1 | 64 | 256 | 1024) echo 2000 ;; 8192 | 65536) echo 300 ;; *) echo 30 ;; esac; }

PORT=$(( 20000 + $$ % 20000 ))
SEQ=0
# new_endpoint transport: a fresh tcp port or ipc path for one run
new_endpoint() {
    SEQ=$((SEQ + 1))
    case $1 in
    tcp)
        PORT=$((PORT + 1))
        while ss -Htan "( sport = :$PORT )" 2>/dev/null | grep -q .; do PORT=$((PORT + 1)); done
        echo "tcp://127.0.0.1:$PORT" ;;
    ws | wss)
        PORT=$((PORT + 1))
        while ss -Htan "( sport = :$PORT )" 2>/dev/null | grep -q .; do PORT=$((PORT + 1)); done
        echo "$1://127.0.0.1:$PORT" ;;
    ipc)
        local path=/tmp/zmq-rs-bench.$$.$SEQ.ipc
        rm -f "$path"
        echo "ipc://$path" ;;
    esac
}

# wait_listen endpoint pid: until the bound side listens (so the connecting
# side does not start with a reconnect interval), or the bound side died
wait_listen() {
    local ep=$1 pid=$2 i
    for i in $(seq 500); do
        case $ep in
        tcp://* | ws://* | wss://*) ss -Hltn "( sport = :${ep##*:} )" 2>/dev/null | grep -q . && return 0 ;;
        ipc://*) [ -S "${ep#ipc://}" ] && return 0 ;;
        esac
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.02
    done
    return 1
}

# run_pair wrapper lib kind transport size count: one local_<kind> +
# remote_<kind> run, each under `wrapper` (a command prefix, "" for none);
# leaves their output in $OUT/local.out and $OUT/remote.out.
run_pair() {
    local wrap=$1 lib=$2 kind=$3 transport=$4 size=$5 count=$6 ep lpid
    ep=$(new_endpoint "$transport")
    timeout 300 $wrap "$OUT/local_${kind}_$lib" "$ep" "$size" "$count" >"$OUT/local.out" 2>&1 &
    lpid=$!
    if wait_listen "$ep" "$lpid"; then
        timeout 300 $wrap "$OUT/remote_${kind}_$lib" "$ep" "$size" "$count" >"$OUT/remote.out" 2>&1
    else
        echo "local_${kind} did not start listening on $ep" >"$OUT/remote.out"
        kill "$lpid" 2>/dev/null
    fi
    wait "$lpid"
    case $ep in ipc://*) rm -f "${ep#ipc://}" ;; esac
}

# net_medians kind transport size: NET_RUNS rounds of one ours run then one
# libzmq run (interleaved, so that a slow spell of the shared machine hits
# both libraries, not all the runs of one of them); prints two lines, ours
# then libzmq (NET_LIBS, "ours libzmq" unless set: the two builds of the
# perf programs to compare, e.g. "ours ref"), each the medians over its runs of
# "<figure> <cpu remote> <cpu local> <syscalls remote> <syscalls local>":
# msg/s (thr, from local_thr) or average latency in us (lat, from
# remote_lat); each process's CPU time (user + system, its rusage)
# in ns and its system calls, per message (thr) or round trip (lat).
net_medians() {
    local kind=$1 transport=$2 size=$3 count file pat f lib
    if [ "$kind" = thr ]; then
        count=$(thr_count "$size"); file=$OUT/local.out; pat='mean throughput: \([0-9.]*\) \[msg/s\]'
    else
        count=$(lat_count "$size"); file=$OUT/remote.out; pat='average latency: \([0-9.]*\) \[us\]'
    fi
    rm -f "$OUT"/runs.*
    for _ in $(seq "$NET_RUNS"); do
        for lib in ${NET_LIBS:-ours libzmq}; do
            run_pair "$TIME_WRAP" "$lib" "$kind" "$transport" "$size" "$count"
            f=$(sed -n "s|^$pat.*|\1|p" "$file" | head -n 1)
            if [ -z "$f" ]; then
                f=n/a
                sed 's/^/    | /' "$OUT/local.out" "$OUT/remote.out" >&2
            fi
            echo "$f" >>"$OUT/runs.$lib.fig"
            perf_per "$OUT/remote.out" task-clock 1e6 "%.0f" "$count" >>"$OUT/runs.$lib.cpur"
            perf_per "$OUT/local.out" task-clock 1e6 "%.0f" "$count" >>"$OUT/runs.$lib.cpul"
        done
    done
    for lib in ${NET_LIBS:-ours libzmq}; do
        if [ -n "$SYSC_WRAP" ]; then
            run_pair "$SYSC_WRAP" "$lib" "$kind" "$transport" "$size" "$count"
        else
            : >"$OUT/remote.out"; : >"$OUT/local.out"
        fi
        perf_per "$OUT/remote.out" raw_syscalls:sys_enter 1 "%.3g" "$count" >"$OUT/runs.$lib.scr"
        perf_per "$OUT/local.out" raw_syscalls:sys_enter 1 "%.3g" "$count" >"$OUT/runs.$lib.scl"
    done
    local x out
    for lib in ${NET_LIBS:-ours libzmq}; do
        out=""
        for x in fig cpur cpul scr scl; do out="$out $(median <"$OUT/runs.$lib.$x")"; done
        echo "$out"
    done
}
# perf_per perf-output event scale format count: the event's count * scale
# / count (task-clock is in ms: scale 1e6 gives ns)
perf_per() {
    awk -F, -v ev="$2" -v k="$3" -v fmt="$4\n" -v n="$5" '
        $3 == ev && $1 ~ /^[0-9.]+$/ { printf fmt, $1 * k / n; found = 1 }
        END { if (!found) print "n/a" }' "$1"
}

# net_ir lib kind transport size: "<local I/msg> <remote I/msg>"
net_ir() {
    local lib=$1 kind=$2 transport=$3 size=$4 n a_l a_r b_l b_r wrap
    [ "$IR_METHOD" = none ] && { echo "n/a n/a"; return; }
    if [ "$kind" = thr ]; then n=$(thr_ir_count "$size"); else n=$(lat_ir_count "$size"); fi
    case $IR_METHOD in
    perf) wrap="perf stat -x, -e instructions:u --" ;;
    callgrind) wrap="valgrind --tool=callgrind --callgrind-out-file=/dev/null" ;;
    esac
    run_pair "$wrap" "$lib" "$kind" "$transport" "$size" "$n"
    a_l=$(ir_total "$OUT/local.out"); a_r=$(ir_total "$OUT/remote.out")
    run_pair "$wrap" "$lib" "$kind" "$transport" "$size" "$((2 * n))"
    b_l=$(ir_total "$OUT/local.out"); b_r=$(ir_total "$OUT/remote.out")
    echo "$(per_msg "$a_l" "$b_l" "$n") $(per_msg "$a_r" "$b_r" "$n")"
}
ir_total() {
    case $IR_METHOD in
    perf) awk -F, '/instructions/ { print $1; exit }' "$1" ;;
    callgrind) sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$1" | head -n 1 ;;
    esac
}

# pair a b: "a/b"
pair() { echo "$1/$2"; }

net_bench() {
    local transport=$1 size kind o l mo ml i
    local ocr ocl osr osl lcr lcl lsr lsl oir oil lir lil
    local -a speed cost libs
    local label=${NET_LABEL:-$transport}
    read -r -a libs <<<"${NET_LIBS:-ours libzmq}"
    [ "${PERF_CURVE:-0}" = 1 ] && label=curve
    case ${PERF_CURVE:-0}$transport in
    1tcp) echo "== CURVE over tcp://127.0.0.1:<port>: ours<->ours vs libzmq<->libzmq (libsodium), two processes, median of $NET_RUNS interleaved runs" ;;
    0tcp) echo "== tcp://127.0.0.1:<port>: ${NET_TITLE:-ours<->ours vs libzmq<->libzmq}, two processes, median of $NET_RUNS interleaved runs" ;;
    0ipc) echo "== ipc:///tmp/...: ${NET_TITLE:-ours<->ours vs libzmq<->libzmq}, two processes, median of $NET_RUNS interleaved runs" ;;
    0ws | 0wss) echo "== $transport://127.0.0.1:<port>: ${NET_TITLE:-ours<->ours vs libzmq<->libzmq}, two processes, median of $NET_RUNS interleaved runs" ;;
    esac
    for kind in thr lat; do
        local sizes=$NET_SIZES
        [ $kind = lat ] && sizes=$NET_LAT_SIZES
        for size in $sizes; do
            { read -r o ocr ocl osr osl; read -r l lcr lcl lsr lsl; } <<<"$(net_medians $kind "$transport" "$size")"
            read -r oil oir <<<"$(net_ir "${libs[0]}" $kind "$transport" "$size")"
            read -r lil lir <<<"$(net_ir "${libs[1]}" $kind "$transport" "$size")"
            if [ $kind = thr ]; then
                record "$label thr" "$size" throughput msg/s higher "$o" "$l" "$NET_RUNS"
                mo=$(awk -v m="$o" -v s="$size" 'BEGIN { if (m == "n/a") print m; else printf "%.1f", m * s * 8 / 1e6 }')
                ml=$(awk -v m="$l" -v s="$size" 'BEGIN { if (m == "n/a") print m; else printf "%.1f", m * s * 8 / 1e6 }')
                speed+=("$(printf "%-14s %9s %12s %10s %12s %10s %7s" "thr ${size}B" "$(thr_count "$size")" \
                    "$o" "$mo" "$l" "$ml" "$(ratio "$o" "$l")")")
            else
                record "$label lat" "$size" latency us lower "$o" "$l" "$NET_RUNS"
                speed+=("$(printf "%-14s %9s %12s %10s %12s %10s %7s" "lat ${size}B" "$(lat_count "$size")" \
                    "$o [us]" "" "$l [us]" "" "$(ratio "$o" "$l")")")
            fi
            # remote_* is the sender (thr) / REQ (lat), local_* the receiver / REP
            cost+=("$(printf "%-14s %13s %13s %11s | %15s %15s %11s | %13s %13s %11s" "$kind ${size}B" \
                "$(pair "$ocr" "$ocl")" "$(pair "$lcr" "$lcl")" "$(pair "$(ratio "$ocr" "$lcr")" "$(ratio "$ocl" "$lcl")")" \
                "$(pair "$osr" "$osl")" "$(pair "$lsr" "$lsl")" "$(pair "$(ratio "$osr" "$lsr")" "$(ratio "$osl" "$lsl")")" \
                "$(pair "$oir" "$oil")" "$(pair "$lir" "$lil")" "$(pair "$(ratio "$oir" "$lir")" "$(ratio "$oil" "$lil")")")")
        done
    done
    printf "%-14s %9s %12s %10s %12s %10s %7s\n" test count/trips "ours msg/s" "ours Mb/s" "zmq msg/s" "zmq Mb/s" ratio
    for i in "${speed[@]}"; do echo "$i"; done
    echo
    echo "   cost per message of each process, sender/receiver (lat: per round trip, REQ/REP):"
    echo "   cpu = user+system time (rusage), median of the timing runs; syscalls (raw_syscalls:sys_enter) from one more, traced, run;"
    [ "$IR_METHOD" = none ] || echo "   I = user instructions, both processes counted at once, N = $(for z in $NET_SIZES; do printf "%s " "${z}B:$(thr_ir_count "$z")"; done)(lat: $(for z in $NET_LAT_SIZES; do printf "%s " "${z}B:$(lat_ir_count "$z")"; done | sed 's/ $//'))"
    printf "%-14s %13s %13s %11s | %15s %15s %11s | %13s %13s %11s\n" test "ours cpu ns" "zmq cpu ns" ratio \
        "ours sysc" "zmq sysc" ratio "ours I" "zmq I" ratio
    for i in "${cost[@]}"; do echo "$i"; done
}

# ---- profile ----------------------------------------------------------------

# top_functions callgrind-file n: the 12 costliest functions, exclusive Ir
# summed per symbol (code inlined from other files counts for the function
# it was inlined into), with Ir per message.
top_functions() {
    callgrind_annotate --inclusive=no --threshold=100 --auto=no "$1" 2>/dev/null | awk '
        /^Ir +file:function/ { on = 1; next }
        on && /^$/ { on = 0 }
        on && /^ *[0-9,]+ \(/ {
            ir = $1; gsub(",", "", ir)
            f = $0; sub(/^ *[0-9,]+ \( *[0-9.]+%\) +/, "", f)
            sub(/ \[[^]]*\]$/, "", f); sub(/^[^:]*:/, "", f)
            sum[f] += ir; total += ir }
        END { for (f in sum) printf "%.0f\t%s\n", sum[f], f }' \
        | sort -t "$(printf '\t')" -k1,1nr | head -n 12 \
        | awk -F '\t' -v n="$2" '{ printf "%14.0f %9.1f/msg  %s\n", $1, $1 / n, $2 }'
}

# Where ours spends its instructions over tcp: callgrind_annotate of each
# side of a throughput run at 1 B and 64 KiB.
profile_ours() {
    command -v valgrind >/dev/null || { echo "profile: valgrind is missing"; return; }
    local size n side
    for size in 1 65536; do
        n=$(( 2 * $(thr_ir_count "$size") ))
        rm -f "$OUT"/prof.*
        run_pair "valgrind --tool=callgrind --callgrind-out-file=$OUT/prof.%p" ours thr tcp "$size" "$n"
        for side in remote local; do
            local pid
            pid=$(sed -n 's/^==\([0-9]*\)== Collected.*/\1/p' "$OUT/$side.out" | head -n 1)
            [ -n "$pid" ] && [ -f "$OUT/prof.$pid" ] || { echo "profile: no callgrind output for $side"; continue; }
            cp "$OUT/prof.$pid" "$OUT/profile-tcp-${size}B-$side.callgrind"
            echo "== ours, tcp thr ${size}B x $n, $( [ $side = remote ] && echo "sender (remote_thr)" || echo "receiver (local_thr)"): top functions (exclusive Ir; per message = Ir / $n)"
            top_functions "$OUT/prof.$pid" "$n"
        done
    done
    echo "(full profiles: $OUT/profile-tcp-*.callgrind; callgrind_annotate --inclusive=yes FILE)"
}

# ---- main -------------------------------------------------------------------

echo "ours = libzmq-rs (snapshot of target/release/libzmq.so in $OURLIB), libzmq = Debian's $(readlink -f $DEBLIB)"
echo "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
case $IR_METHOD in
perf) echo "instructions: perf stat -e instructions:u, (I(2N) - I(N)) / N per process" ;;
callgrind) echo "instructions: valgrind --tool=callgrind (perf stat -e instructions:u is not supported here), all threads, (Ir(2N) - Ir(N)) / N per process" ;;
*) echo "instructions: not counted" ;;
esac
echo
source scripts/bench-scenarios.sh
source scripts/bench-ws.sh
source scripts/bench-epgm.sh
source scripts/bench-omq.sh

for t in $SCENARIOS; do
    t1=$(date +%s)
    case $t in
    inproc) inproc_bench ;;
    tcp | ipc) net_bench "$t" ;;
    curve)
        # CURVE moves ~10x fewer messages per second: a tenth of the counts.
        (export PERF_CURVE=1; NET_SIZES=$CURVE_SIZES; NET_LAT_SIZES=$CURVE_SIZES
         NET_SCALE=$(awk -v s="$NET_SCALE" 'BEGIN { print s / 10 }'); net_bench tcp) ;;
    proc) proc_bench ;;
    fanout) fanout_bench ;;
    fanin) fanin_bench ;;
    broker) broker_bench ;;
    dealers) dealers_bench ;;
    memory) memory_bench ;;
    ws) ws_bench ;;
    epgm) epgm_bench ;;
    omq) omq_bench ;;
    *) echo "unknown scenario $t" >&2 ;;
    esac
    echo "($t: $(( $(date +%s) - t1 )) s)"
    echo
done
if [ "$PROFILE" = 1 ]; then
    t1=$(date +%s)
    profile_ours
    echo "(profile: $(( $(date +%s) - t1 )) s)"
    echo
fi
echo "ratio = ours/libzmq: above 1 is better for throughput; below 1 is better for latency, cpu, syscalls, instructions."
echo "tcp/ipc costs: sender/receiver = remote_thr/local_thr, REQ/REP = remote_lat/local_lat; ratios side by side."
echo "inproc latency instructions: per round trip, both threads."
echo "total time: $(( $(date +%s) - T0 )) s"
echo
# The chart needs matplotlib: Debian's python3-matplotlib is in /usr/bin.
# On a fresh machine, as root, install it as scripts/deps.sh installs the
# test stages' packages (the figures are taken by now; this only draws).
if ! python3 -c 'import matplotlib' 2>/dev/null && ! /usr/bin/python3 -c 'import matplotlib' 2>/dev/null &&
    [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "bench: installing python3-matplotlib for the chart"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-matplotlib >/dev/null 2>&1 ||
        { apt-get update -q >/dev/null 2>&1 &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-matplotlib >/dev/null 2>&1; } ||
        echo "bench: could not install python3-matplotlib"
fi
PY=python3
python3 -c 'import matplotlib' 2>/dev/null || ! /usr/bin/python3 -c 'import matplotlib' 2>/dev/null || PY=/usr/bin/python3
$PY scripts/bench-report.py "$RESULTS" docs/bench.csv docs/bench.png
