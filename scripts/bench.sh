#!/usr/bin/env bash
# `make bench`: build capi-tests/perf/inproc_{thr,lat}.c against libzmq-rs
# (include/, target/release) and against Debian's libzmq, run them side by
# side and print ours, libzmq and ours/libzmq, plus user-space instructions
# per message for each library. Timings on a shared machine are noisy:
# nothing here passes or fails on a number.
#
# Environment: BENCH_THR_COUNT (default 2000000), BENCH_LAT_COUNT (20000),
# BENCH_RUNS (median of N timing runs, default 5), BENCH_IR_COUNT (messages
# for the instruction count, default 200000), BENCH_SIZES ("1 16 64 256 1024").
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=target/bench
mkdir -p "$OUT"
ln -sf libzmq.so target/release/libzmq.so.5
OURLIB=$ROOT/target/release
DEBLIB=/usr/lib/x86_64-linux-gnu/libzmq.so.5
CFLAGS="-std=gnu99 -O2 -Wall -Wextra -Werror -pthread"
THR_COUNT=${BENCH_THR_COUNT:-2000000}
LAT_COUNT=${BENCH_LAT_COUNT:-20000}
RUNS=${BENCH_RUNS:-5}
IR_COUNT=${BENCH_IR_COUNT:-200000}
SIZES=${BENCH_SIZES:-"1 16 64 256 1024"}
LAT_SIZES="1 1024"

for prog in inproc_thr inproc_lat; do
    gcc $CFLAGS -Iinclude capi-tests/perf/$prog.c -o "$OUT/${prog}_ours" \
        -L"$OURLIB" -Wl,-rpath,"$OURLIB" -lzmq || exit 1
    gcc $CFLAGS -I/usr/include capi-tests/perf/$prog.c -o "$OUT/${prog}_libzmq" \
        "$DEBLIB" || exit 1
done

# How to count user-space instructions: perf if the PMU is usable here,
# else callgrind (every thread, user space only).
if perf stat -x, -e instructions:u true 2>&1 | grep -q '^[0-9]'; then
    IR_METHOD=perf
elif command -v valgrind >/dev/null; then
    IR_METHOD=callgrind
else
    IR_METHOD=none
fi

# median_of <field-regex> cmd...: run RUNS times, keep the median figure
# (sturdier than the best run on a shared machine).
median_of() {
    local pat=$1; shift
    local vals="" v
    for _ in $(seq "$RUNS"); do
        v=$(timeout 300 "$@" | sed -n "s/^$pat: \([0-9.]*\).*/\1/p" | head -n 1)
        [ -z "$v" ] && { echo "n/a"; return; }
        vals="$vals$v"$'\n'
    done
    printf "%s" "$vals" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# instructions <count> cmd...: total user-space instructions of one run.
instructions() {
    local n=$1; shift
    case $IR_METHOD in
    perf)
        "$@" >/dev/null 2>&1 # warm up
        perf stat -x, -e instructions:u "$@" 2>&1 >/dev/null | awk -F, '/instructions/ { print $1 }' ;;
    callgrind)
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null \
            | sed -n 's/.*Collected : \([0-9]*\).*/\1/p' ;;
    *) echo "" ;;
    esac
}

# Per message: the difference between a run of 2N and one of N messages,
# divided by N, so setup and teardown cancel out.
ir_per_msg() { # count-arg-builder: prog size
    local prog=$1 size=$2 n=$IR_COUNT a b
    [ "$prog" = "${prog%lat_*}" ] || n=$(( IR_COUNT / 10 ))
    a=$(instructions "$n" "$OUT/$prog" "$size" "$n")
    b=$(instructions "$((2 * n))" "$OUT/$prog" "$size" "$((2 * n))")
    if [ -z "$a" ] || [ -z "$b" ]; then echo "n/a"; return; fi
    awk -v a="$a" -v b="$b" -v n="$n" 'BEGIN { printf "%.0f", (b - a) / n }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }

echo "inproc benchmarks: ours = libzmq-rs ($OURLIB), libzmq = Debian's $(readlink -f $DEBLIB)"
echo "throughput: $THR_COUNT messages, latency: $LAT_COUNT round trips, median of $RUNS runs"
case $IR_METHOD in
perf) echo "instructions/msg: perf stat -e instructions:u, (I(2N) - I(N)) / N, N = $IR_COUNT (latency: N/10 round trips)" ;;
callgrind) echo "instructions/msg: valgrind --tool=callgrind (perf stat -e instructions:u is not supported here), all threads, (Ir(2N) - Ir(N)) / N, N = $IR_COUNT messages (latency: N/10 round trips)" ;;
*) echo "instructions/msg: no method available (neither perf nor valgrind)" ;;
esac
echo
printf "%-22s %14s %14s %8s %10s %10s %8s\n" test ours libzmq ratio "ours I/msg" "zmq I/msg" ratio
for size in $SIZES; do
    o=$(median_of "mean throughput" "$OUT/inproc_thr_ours" "$size" "$THR_COUNT")
    l=$(median_of "mean throughput" "$OUT/inproc_thr_libzmq" "$size" "$THR_COUNT")
    io=$(ir_per_msg inproc_thr_ours "$size")
    il=$(ir_per_msg inproc_thr_libzmq "$size")
    printf "%-22s %14s %14s %8s %10s %10s %8s\n" "thr ${size}B [msg/s]" "$o" "$l" "$(ratio "$o" "$l")" \
        "$io" "$il" "$(ratio "$io" "$il")"
done
for size in $LAT_SIZES; do
    o=$(median_of "average latency" "$OUT/inproc_lat_ours" "$size" "$LAT_COUNT")
    l=$(median_of "average latency" "$OUT/inproc_lat_libzmq" "$size" "$LAT_COUNT")
    io=$(ir_per_msg inproc_lat_ours "$size")
    il=$(ir_per_msg inproc_lat_libzmq "$size")
    printf "%-22s %14s %14s %8s %10s %10s %8s\n" "lat ${size}B [us]" "$o" "$l" "$(ratio "$o" "$l")" \
        "$io" "$il" "$(ratio "$io" "$il")"
done
echo
echo "ratio = ours/libzmq: above 1 is better for throughput, below 1 is better for latency and instructions."
echo "Latency instructions are per round trip."
