#!/usr/bin/env bash
# A/B of one-process throughput (proc_thr, one I/O thread) sorted by where
# the host has placed this VM's two vCPUs at the time of each run:
#
#   scripts/placement-ab.sh SECONDS SIZE COUNT VARIANT...
#
# Before and after every run, bench/cpu-pingpong times a cache line's round
# trip between two threads: ~50-70 ns when the vCPUs are hyperthreads of one
# core ("siblings"), ~350 ns when they are separate cores ("crosscore").
# Runs whose two probes agree are kept, by state; the host moves the vCPUs
# every few seconds to minutes, so run for minutes to catch both states.
# Variants rotate run by run: NAME=DIR (our proc_thr with LD_LIBRARY_PATH=DIR,
# a directory holding a libzmq.so.5) or "libzmq" (Debian's). Prints each
# state's runs and median per variant; the raw lines go to
# target/bench/placement.out. `make bench` builds proc_thr first.
set -u
cd "$(dirname "$0")/.."
[ $# -ge 4 ] || { sed -n 2,16p "$0"; exit 2; }
secs=$1 size=$2 count=$3
shift 3
B=target/bench
unset LD_PRELOAD LD_LIBRARY_PATH
gcc -O2 -pthread -o "$B/cpu-pingpong" bench/cpu-pingpong.c || exit 1
probe() { "$B/cpu-pingpong" | cut -d' ' -f1; }
variants=("$@")
end=$(($(date +%s) + secs))
k=0
while [ "$(date +%s)" -lt "$end" ]; do
    v=${variants[$((k % ${#variants[@]}))]}
    k=$((k + 1))
    case $v in
        libzmq) name=libzmq prog=libzmq lib="" ;;
        *=*) name=${v%%=*} prog=ours lib=${v#*=} ;;
        *) echo "bad variant $v" >&2; exit 2 ;;
    esac
    a=$(probe)
    t=$(LD_LIBRARY_PATH=$lib "$B/proc_thr_$prog" 'tcp://127.0.0.1:*' "$size" "$count" 1 |
        sed -n 's/^mean throughput: \([0-9]*\) \[msg\/s\].*/\1/p')
    b=$(probe)
    echo "$a $b $name ${t:-0}"
done >"$B/placement.out"
awk 'function median(s,   v, n, i, j, t) {
        n = split(s, v, " ")
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
        return v[int((n + 1) / 2)]
    }
    {
        st = ($1 < 150 && $2 < 150) ? "siblings" : (($1 >= 250 && $2 >= 250) ? "crosscore" : "")
        if (st == "") next
        k = st " " $3; runs[k] = runs[k] " " $4; n[k]++
    }
    END { for (k in runs) printf "%-24s %3d runs, median %s msg/s:%s\n", k, n[k], median(runs[k]), runs[k] }' \
    "$B/placement.out" | sort
