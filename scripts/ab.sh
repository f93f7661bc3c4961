#!/usr/bin/env bash
# A/B comparison of builds with libzmq's perf programs, runs interleaved:
# the quick check of one change before a full `make bench`.
#
#   scripts/ab.sh thr|lat tcp|ipc|ws SIZE COUNT RUNS VARIANT...
#   scripts/ab.sh proc1|proc2 tcp|ipc SIZE COUNT RUNS VARIANT...
#   scripts/ab.sh fanout SUBS SIZE COUNT RUNS VARIANT...
#
# procN is proc_thr: both ends in one process, N I/O threads (the bench's
# "proc" scenario). AB_PIN=1 pins its I/O threads to CPU 0 and its other
# threads to CPU 1 once it runs (50 ms in): the steady state without the
# scheduler's placement, which moves large-message figures by +-20% here
# (use a COUNT that runs for a second or more). AB_STAT=1 runs procN under
# `perf stat` and prints, after each figure, its CPU time, context switches,
# CPU migrations and page faults per message (where the scheduler's
# placement shows: a slow run's extra time is in one of them).
# fanout is pub_fanout (the bench's "fanout" scenario): one PUB to SUBS SUB
# connections over tcp, COUNT messages; the figure is delivered msg/s.
# A VARIANT is NAME=DIR (our perf programs, target/bench/*_ours, with
# LD_LIBRARY_PATH=DIR: a directory holding a libzmq.so.5 of some build),
# "libzmq" (Debian's, target/bench/*_libzmq), "ref" (libzmq 4.3.5 with
# drafts, target/bench/*_ref: the one with ws) or "omq" (omq-tokio,
# target/bench/*_omq). `make bench` (or BENCH_SCENARIOS=omq for omq)
# builds the programs first. Prints each run, then the median per variant:
# msg/s for thr, one-way latency in us for lat.
#
# To keep a build for comparison:
#   mkdir -p /tmp/abA && cp target/release/libzmq.so /tmp/abA/libzmq.so.5
set -u
cd "$(dirname "$0")/.."
[ $# -ge 6 ] || { sed -n 2,25p "$0"; exit 2; }
kind=$1 tr=$2 size=$3 count=$4 runs=$5
shift 5
B=target/bench
unset LD_PRELOAD LD_LIBRARY_PATH
port=$((20000 + RANDOM % 20000))

one() { # variant -> prints the figure
    local v=$1 prog lib="" ep
    case $v in
        libzmq) prog=libzmq ;;
        ref) prog=ref ;;
        omq) prog=omq ;;
        *=*) prog=ours lib=${v#*=} ;;
        *) echo "bad variant $v" >&2; return 1 ;;
    esac
    port=$((port + 1))
    case $tr in
        tcp | ws) ep="$tr://127.0.0.1:$port" ;;
        *) ep="ipc:///tmp/ab-$$-$port" ;;
    esac
    local a=local_$kind b=remote_$kind out
    if [ "$kind" = fanout ]; then
        LD_LIBRARY_PATH=$lib "$B/pub_fanout_$prog" "$tr" "$size" "$count" >"$B/ab.out"
        out=$(sed -n 's/^delivered: \([0-9]*\) \[msg\/s\].*/\1/p' "$B/ab.out")
    elif [ "${kind#proc}" != "$kind" ]; then
        [ "$tr" = tcp ] && ep='tcp://127.0.0.1:*'
        local stat=()
        [ "${AB_STAT:-0}" = 1 ] && stat=(perf stat -x, -o "$B/ab.stat" -e task-clock,context-switches,cpu-migrations,page-faults --)
        LD_LIBRARY_PATH=$lib "${stat[@]}" "$B/proc_thr_$prog" "$ep" "$size" "$count" "${kind#proc}" >"$B/ab.out" &
        local pid=$! t
        if [ "${AB_PIN:-0}" = 1 ]; then
            sleep 0.05
            for t in /proc/$pid/task/*; do
                case $(cat "$t/comm" 2>/dev/null) in
                    *ZMQbg/IO/*) taskset -pc 0 "${t##*/}" >/dev/null 2>&1 ;;
                    *) taskset -pc 1 "${t##*/}" >/dev/null 2>&1 ;;
                esac
            done
        fi
        wait "$pid"
        out=$(sed -n 's/^mean throughput: \([0-9.]*\) \[msg\/s\].*/\1/p' "$B/ab.out")
        if [ "${AB_STAT:-0}" = 1 ]; then
            # per message: CPU us, context switches, migrations, faults
            out="$out($(awk -F, -v n="$count" '$3 == "task-clock" { c = $1 * 1000 / n }
                $3 == "context-switches" { s = $1 / n } $3 == "cpu-migrations" { m = $1 / n }
                $3 == "page-faults" { f = $1 / n }
                END { printf "cpu %.1fus cs %.2f mig %.3f pf %.1f", c, s, m, f }' "$B/ab.stat" | tr ' ' _))"
        fi
    elif [ "$kind" = thr ]; then
        LD_LIBRARY_PATH=$lib "$B/${a}_$prog" "$ep" "$size" "$count" >"$B/ab.out" &
        sleep 0.3
        LD_LIBRARY_PATH=$lib "$B/${b}_$prog" "$ep" "$size" "$count" >/dev/null
        wait
        out=$(sed -n 's/^mean throughput: \([0-9.]*\) \[msg\/s\].*/\1/p' "$B/ab.out")
    else
        LD_LIBRARY_PATH=$lib "$B/${a}_$prog" "$ep" "$size" "$count" >/dev/null &
        sleep 0.3
        LD_LIBRARY_PATH=$lib "$B/${b}_$prog" "$ep" "$size" "$count" >"$B/ab.out"
        wait
        out=$(sed -n 's/^average latency: \([0-9.]*\) \[us\].*/\1/p' "$B/ab.out")
    fi
    echo "${out:-0}"
}

declare -A figs
for ((r = 1; r <= runs; r++)); do
    line="run $r:"
    for v in "$@"; do
        f=$(one "$v")
        figs[$v]="${figs[$v]:-} $f"
        line="$line ${v%%=*} $f"
    done
    echo "$line"
done
for v in "$@"; do
    med=$(tr ' ' '\n' <<<"${figs[$v]}" | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    printf '%-10s median %s\n' "${v%%=*}" "$med"
done
