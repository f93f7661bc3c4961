#!/usr/bin/env bash
# Instructions per message of the two-process throughput programs under
# callgrind, the way `make bench` counts them ((I(2N) - I(N)) / N per side,
# so setup and teardown cancel out), for quick before/after checks of one
# change to the message path:
#
#   scripts/ir-count.sh tcp|ipc SIZE N VARIANT...
#
# A VARIANT is NAME=DIR (our perf programs with LD_LIBRARY_PATH=DIR, a
# directory holding a libzmq.so.5) or "libzmq" (Debian's). Prints, per
# variant, receiver/sender instructions per message. IR_PROFILE=1 also keeps
# the 2N run's callgrind files (target/bench/ir.<name>.{local,remote}) for
# callgrind_annotate. `make bench` builds the programs first.
set -u
cd "$(dirname "$0")/.."
[ $# -ge 4 ] || { sed -n 2,13p "$0"; exit 2; }
tr=$1 size=$2 n=$3
shift 3
B=target/bench
unset LD_PRELOAD LD_LIBRARY_PATH
port=$((20000 + RANDOM % 20000))

# total prog-variant lib count file-prefix -> "<local Ir> <remote Ir>"
total() {
    local prog=$1 lib=$2 count=$3 out=$4 ep
    port=$((port + 1))
    if [ "$tr" = tcp ]; then ep="tcp://127.0.0.1:$port"; else ep="ipc:///tmp/ir-$$-$port"; fi
    LD_LIBRARY_PATH=$lib valgrind --tool=callgrind --callgrind-out-file="$out.local" \
        "$B/local_thr_$prog" "$ep" "$size" "$count" >"$B/ir.local.out" 2>&1 &
    local lpid=$!
    sleep 1
    LD_LIBRARY_PATH=$lib valgrind --tool=callgrind --callgrind-out-file="$out.remote" \
        "$B/remote_thr_$prog" "$ep" "$size" "$count" >"$B/ir.remote.out" 2>&1
    wait "$lpid"
    rm -f "/tmp/ir-$$-$port"
    echo "$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$B/ir.local.out" | head -n 1)" \
        "$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$B/ir.remote.out" | head -n 1)"
}

for v in "$@"; do
    case $v in
        libzmq) name=libzmq prog=libzmq lib="" ;;
        *=*) name=${v%%=*} prog=ours lib=${v#*=} ;;
        *) echo "bad variant $v" >&2; exit 2 ;;
    esac
    read -r l1 r1 < <(total "$prog" "$lib" "$n" "$B/ir.tmp")
    read -r l2 r2 < <(total "$prog" "$lib" $((2 * n)) "$B/ir.$name")
    rm -f "$B"/ir.tmp.*
    [ "${IR_PROFILE:-0}" = 1 ] || rm -f "$B/ir.$name.local" "$B/ir.$name.remote"
    awk -v v="$name" -v n="$n" -v l1="$l1" -v l2="$l2" -v r1="$r1" -v r2="$r2" \
        'BEGIN { printf "%-10s receiver %.1f sender %.1f instructions/msg\n", v, (l2 - l1) / n, (r2 - r1) / n }'
done
