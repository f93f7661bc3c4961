# Sourced by scripts/bench.sh (its helpers: median, record; $OUT, $OURLIB,
# $CFLAGS, $DEBLIB): epgm PUB/SUB throughput, ours<->ours against Debian's
# libzmq 4.3.4<->4.3.4 (built with OpenPGM), with capi-tests/pgm/pgm_peer.c
# over epgm://127.0.0.1;239.192.1.1:PORT in a network namespace of its own
# (lo up, multicast on, 224.0.0.0/4 routed to lo; as root `unshare -n`,
# else `unshare -rn`). The figure is messages per second at the SUB, from
# its first message to its last, at ZMQ_RATE BENCH_EPGM_RATE kb/s (100000:
# the fastest at which Debian's libzmq delivers everything here; at 300
# Mb/s and more both libraries stall at random, see scripts/pgm-tests.sh),
# so it is bounded by the rate: the check is that ours keeps up with it as
# libzmq does. A run that lost messages counts what arrived; one whose SUB
# got nothing (or died: Debian's SUB aborts now and then, "Aborted" shows
# it) has no figure. Sizes
# BENCH_EPGM_SIZES ("100 1024 8192"), each BENCH_EPGM_RUNS (3) interleaved
# runs per library, the median kept.
# Run alone: BENCH_SCENARIOS=epgm make bench (or scripts/bench.sh).
EPGM_SIZES=${BENCH_EPGM_SIZES:-"100 1024 8192"}
EPGM_RATE=${BENCH_EPGM_RATE:-100000}
EPGM_RUNS=${BENCH_EPGM_RUNS:-3}

# In the namespace: one line "LIB MSG_PER_S" per run, libraries interleaved.
epgm_runs() { # SIZE COUNT
    local size=$1 count=$2 port=5700 r lib sub pub line got usec
    ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo || {
        echo "cannot set up multicast on lo" >&2; return 1; }
    for ((r = 0; r < EPGM_RUNS; r++)); do
        for lib in ours libzmq; do
            port=$((port + 1))
            local ep="epgm://127.0.0.1;239.192.1.1:$port"
            PGM_RATE=$EPGM_RATE timeout 120 "$OUT/pgm_peer_$lib" sub "$ep" "$count" "$size" 2 3000 0 \
                >"$OUT/epgm-sub" 2>/dev/null &
            sub=$!
            sleep 0.3
            PGM_PUB_WAIT_MS=30000 timeout 120 "$OUT/pgm_peer_$lib" pub "$ep" "$count" "$size" 2 \
                "$EPGM_RATE" >/dev/null 2>&1 &
            pub=$!
            wait $sub
            kill $pub 2>/dev/null
            { wait $pub; } 2>/dev/null
            line=$(grep -h '^got' "$OUT/epgm-sub")
            got=$(awk '{ print $2 }' <<<"$line")
            usec=$(awk '{ print $10 }' <<<"$line")
            if [ -n "$got" ] && [ "${usec:-0}" -gt 0 ]; then
                echo "$lib $(awk -v g="$got" -v u="$usec" 'BEGIN { printf "%.0f", (g - 1) * 1e6 / u }') $got"
            else
                echo "$lib n/a 0"
            fi
        done
    done
}

epgm_bench() {
    local lib size count o l res
    gcc $CFLAGS -Iinclude capi-tests/pgm/pgm_peer.c -o "$OUT/pgm_peer_ours" \
        -L"$OURLIB" -Wl,-rpath,"$OURLIB" -lzmq || return 1
    gcc $CFLAGS -I/usr/include capi-tests/pgm/pgm_peer.c -o "$OUT/pgm_peer_libzmq" "$DEBLIB" || return 1
    local ns="unshare -rn"
    [ "$(id -u)" = 0 ] && ns="unshare -n"
    echo "== epgm://127.0.0.1;239.192.1.1:<port>: PUB -> SUB, two processes, ZMQ_RATE $((EPGM_RATE / 1000)) Mb/s, messages/s at the SUB, median of $EPGM_RUNS interleaved runs (namespace: $ns)"
    printf "%-22s %14s %14s %8s %s\n" test ours libzmq ratio "delivered (ours, libzmq)"
    for size in $EPGM_SIZES; do
        # About a second of traffic at the rate.
        count=$((EPGM_RATE * 1000 / 8 / (size + 16)))
        [ "$count" -gt 20000 ] && count=20000
        res=$($ns bash -c "$(declare -f epgm_runs); OUT='$OUT' EPGM_RUNS=$EPGM_RUNS EPGM_RATE=$EPGM_RATE epgm_runs $size $count")
        # A run whose SUB got nothing or died has no figure (Debian's SUB
        # aborts now and then at 100 B); the delivered counts show it.
        o=$(awk '$1 == "ours" && $2 != "n/a" { print $2 }' <<<"$res" | median)
        l=$(awk '$1 == "libzmq" && $2 != "n/a" { print $2 }' <<<"$res" | median)
        printf "%-22s %14s %14s %8s %s\n" "epgm thr $size B" "$o" "$l" "$(ratio "$o" "$l")" \
            "$(awk '$1 == "ours" { printf "%s ", $3 }' <<<"$res")/ $(awk '$1 == "libzmq" { printf "%s ", $3 }' <<<"$res")of $count"
        record "epgm thr" "$size" throughput msg/s higher "$o" "$l" "$EPGM_RUNS"
    done
}
