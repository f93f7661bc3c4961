#!/usr/bin/env bash
# Interop: libzmq-rs in one process, Debian's libzmq (4.3.4) in another,
# talking over tcp and ipc. capi-tests/interop/peer.c is built twice
# (peer-ours against include/zmq.h + target/release/libzmq.so, peer-libzmq
# against Debian's) and every compatible socket-type pair runs with ours on
# either side, ours binding and ours connecting, over tcp and ipc:
#
#   pairs      PAIR<->PAIR, PUSH->PULL, PUB->SUB, XPUB->XSUB, REQ<->REP,
#              REQ<->ROUTER, DEALER<->REP, DEALER<->ROUTER, ROUTER<->ROUTER
#   sizes      0, 1, 100, 8192 (x1000 messages), 1 MB (x20); multipart
#              (4 frames of 100, 0, 300, 100 bytes, x1000)
#   extras     10 MB (PAIR, x3), frame-length edges 255/256 (PAIR),
#              100k small messages (PUSH->PULL, PAIR),
#              heartbeats on both sides / on one side only with an idle
#              pause longer than the heartbeat timeout (DEALER<->ROUTER;
#              the socket monitor must report one handshake, no disconnect)
#   STREAM     raw byte streams echoed STREAM<->STREAM (tcp, ipc; 1 B to
#              1 MB chunks) and, over tcp, STREAM<->a plain POSIX socket (TCP)
#   security   CURVE, CURVE with a ZAP handler, PLAIN with a ZAP handler
#              (in the binder's process, which is the server; the binder
#              checks the User-Id on every frame): DEALER<->ROUTER multipart,
#              PUSH->PULL 8 KiB, REQ<->REP (REP bound when ZAP is on),
#              PAIR 10 MB
#   closing    once everything is confirmed, zmq_close + zmq_ctx_term must
#              return well within ZMQ_LINGER (2 s) even if the peer has gone
#
# A failing case prints both peers' messages; rerun one by its description
# with PEER_TRACE=1 INTEROP_KEEP=1 scripts/interop.sh "<part of it>" for a
# timestamped trace of each step in the kept logs.
#
# The whole matrix also runs Debian-vs-Debian first as a self-check of the
# harness (only its summary is printed): a case failing there is a harness bug.
#
# usage: scripts/interop.sh [FILTER]   FILTER: run cases whose description
#                                      contains it, e.g. "ROUTER" or "ipc"
# env:   INTEROP_JOBS (concurrent cases, default 2), INTEROP_SELF=0 (skip the
#        self-check), INTEROP_CROSS=0 (only the self-check), INTEROP_TIMEOUT
#        (per-operation timeout in ms, default 5000), INTEROP_KEEP=1 (keep logs)
set -u
cd "$(dirname "$0")/.."
# Each binary must load the library it was linked with (rpath / system path).
unset LD_PRELOAD LD_LIBRARY_PATH
ROOT=$PWD
OUT=$ROOT/target/interop
OURLIB=$ROOT/target/release
DEBIAN_LIB=/usr/lib/x86_64-linux-gnu/libzmq.so.5
JOBS=${INTEROP_JOBS:-2}
OPTIMEOUT=${INTEROP_TIMEOUT:-5000}
FILTER=${1:-}
CFLAGS="-std=gnu99 -O2 -g -Wall -Wextra -Werror -pthread"
mkdir -p "$OUT"
T0=$(date +%s%N)

# ---- build ------------------------------------------------------------------
build_failed=0
if gcc $CFLAGS -DPEER_TAG='"libzmq"' -I/usr/include capi-tests/interop/peer.c \
    -o "$OUT/peer-libzmq" "$DEBIAN_LIB" 2>"$OUT/peer-libzmq.build"; then :; else
    echo "FAIL build peer-libzmq"; cat "$OUT/peer-libzmq.build"; build_failed=1
fi
if [ -f "$OURLIB/libzmq.so" ]; then
    ln -sf libzmq.so "$OURLIB/libzmq.so.5"
    if gcc $CFLAGS -DPEER_TAG='"ours"' -Iinclude capi-tests/interop/peer.c \
        -o "$OUT/peer-ours" -L"$OURLIB" -Wl,-rpath,"$OURLIB" -lzmq 2>"$OUT/peer-ours.build"; then :; else
        echo "FAIL build peer-ours"; cat "$OUT/peer-ours.build"; build_failed=1
    fi
else
    echo "FAIL build peer-ours: $OURLIB/libzmq.so not built (make build)"; build_failed=1
fi
if [ $build_failed = 1 ]; then echo "0 passed, 1 failed"; exit 1; fi

TMP=$(mktemp -d /tmp/interop.XXXXXX)
cleanup() {
    local p
    for p in $(jobs -p); do kill "$p" 2>/dev/null; done
    [ "${INTEROP_KEEP:-0}" = 1 ] && { echo "logs kept in $TMP"; return; }
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$TMP/res"

# ---- one case ---------------------------------------------------------------
exit_why() { # STATUS WHO -> why it failed, or nothing
    case $1 in
        0) ;;
        124|137) echo "$2 timed out (hung; killed)" ;;
        143) echo "$2 stopped after the other side failed" ;;
        *) echo "$2 exit $1" ;;
    esac
}

# run_case MODE ID DESC LIBA ROLEA TYPEA OPTSA LIBB ROLEB TYPEB OPTSB BINDER TRANSPORT COUNT SIZE
# Side A is the client/sender, B the server/receiver; BINDER is A or B.
run_case() {
    local mode=$1 id=$2 desc=$3
    local libA=$4 roleA=$5 typeA=$6 optsA=$7 libB=$8 roleB=$9 typeB=${10} optsB=${11}
    local binder=${12} tr=${13} count=${14} size=${15}
    local d=$TMP/$mode.$id ep bl br bt bo cl cr ct co
    mkdir -p "$d"
    if [ "$tr" = tcp ]; then ep='tcp://127.0.0.1:*'; else ep="ipc://$d/s"; fi
    if [ "$binder" = A ]; then
        bl=$libA br=$roleA bt=$typeA bo=$optsA cl=$libB cr=$roleB ct=$typeB co=$optsB
    else
        bl=$libB br=$roleB bt=$typeB bo=$optsB cl=$libA cr=$roleA ct=$typeA co=$optsA
    fi
    # Generous process limit: a hang at exit (zmq_ctx_term) is caught here.
    local plimit=$(( OPTIMEOUT / 1000 * 4 + 20 ))
    local start=$(date +%s%N) why="" bpid cpid=""
    # shellcheck disable=SC2086
    timeout -k 2 "$plimit" "$OUT/peer-$bl" "$br" "$bt" bind "$ep" "$count" "$size" \
        -p "$ct" -T "$OPTIMEOUT" -o "$d/ep" $bo >"$d/bind.log" 2>&1 &
    bpid=$!
    local i
    for ((i = 0; i < 1000; i++)); do
        [ -s "$d/ep" ] && break
        kill -0 "$bpid" 2>/dev/null || break
        sleep 0.01
    done
    local brc=-1 crc=-1 done_pid other
    if [ ! -s "$d/ep" ]; then
        kill "$bpid" 2>/dev/null; wait "$bpid"; brc=$?
        why="the binder never reported its endpoint (exit $brc)"
    else
        local m s
        read -r m s <"$d/ep"
        # shellcheck disable=SC2086
        timeout -k 2 "$plimit" "$OUT/peer-$cl" "$cr" "$ct" connect "$m" "$count" "$size" \
            -p "$bt" -T "$OPTIMEOUT" -S "$s" $co >"$d/connect.log" 2>&1 &
        cpid=$!
        # When one side fails, give the other a moment to finish its own
        # checks (and report), then stop it rather than let it run into
        # its timeouts.
        wait -n -p done_pid "$bpid" "$cpid"; local rc=$?
        if [ "$done_pid" = "$bpid" ]; then brc=$rc; other=$cpid; else crc=$rc; other=$bpid; fi
        if [ $rc -ne 0 ]; then
            for ((i = 0; i < 60; i++)); do
                kill -0 "$other" 2>/dev/null || break
                sleep 0.05
            done
            kill "$other" 2>/dev/null
        fi
        wait "$other"; rc=$?
        if [ "$other" = "$bpid" ]; then brc=$rc; else crc=$rc; fi
        why=$(exit_why "$brc" "binder ($bl $bt)")
        local cwhy; cwhy=$(exit_why "$crc" "connecter ($cl $ct)")
        [ -n "$cwhy" ] && why="${why:+$why, }$cwhy"
    fi
    local ms=$(( ($(date +%s%N) - start) / 1000000 ))
    local block
    if [ -z "$why" ]; then
        block="ok   $desc (${ms} ms)"
        echo "ok" >"$TMP/res/$mode.$id"
    else
        block="FAIL $desc (${ms} ms): $why"
        local f lines
        for f in bind connect; do
            lines=$(grep -v '] ok: ' "$d/$f.log" 2>/dev/null | tail -n 6 | sed "s/^/    $f: /")
            [ -n "$lines" ] && block+=$'\n'"$lines"
        done
        echo "FAIL $desc: $why" >"$TMP/res/$mode.$id"
    fi
    # One write per case keeps concurrent cases from interleaving their lines.
    [ "$mode" = cross ] && printf '%s\n' "$block"
    [ "${INTEROP_KEEP:-0}" = 1 ] || rm -rf "$d"
    return 0
}

CASE_ID=0
# launch MODE LIBA ROLEA TYPEA OPTSA LIBB ROLEB TYPEB OPTSB BINDER TRANSPORT COUNT SIZE LABEL
launch() {
    local mode=$1 libA=$2 roleA=$3 typeA=$4 optsA=$5 libB=$6 roleB=$7 typeB=$8 optsB=$9
    local binder=${10} tr=${11} count=${12} size=${13} label=${14}
    local arrow="<->" bA=connect bB=connect
    case $roleA in send) arrow="->" ;; esac
    if [ "$binder" = A ]; then bA=bind; else bB=bind; fi
    local desc
    desc=$(printf '%-3s %s(%s,%s) %s %s(%s,%s) size=%s n=%s%s' "$tr" \
        "$typeA" "$libA" "$bA" "$arrow" "$typeB" "$libB" "$bB" "$size" "$count" "${label:+ $label}")
    if [ -n "$FILTER" ] && [[ "$desc" != *"$FILTER"* ]]; then return; fi
    CASE_ID=$((CASE_ID + 1))
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
    run_case "$mode" "$CASE_ID" "$desc" "$libA" "$roleA" "$typeA" "$optsA" \
        "$libB" "$roleB" "$typeB" "$optsB" "$binder" "$tr" "$count" "$size" &
}

PAIRS=(
    "client PAIR   server PAIR"
    "send   PUSH   recv   PULL"
    "send   PUB    recv   SUB"
    "send   XPUB   recv   XSUB"
    "client REQ    server REP"
    "client REQ    server ROUTER"
    "client DEALER server REP"
    "client DEALER server ROUTER"
    "client ROUTER server ROUTER"
)

# matrix MODE: cross = ours against libzmq (ours on either side), self = libzmq only.
matrix() {
    local mode=$1 libs combo libA libB binder tr p roleA typeA roleB typeB
    if [ "$mode" = cross ]; then libs="ours:libzmq libzmq:ours"; else libs="libzmq:libzmq"; fi
    for combo in $libs; do
        libA=${combo%%:*} libB=${combo##*:}
        for binder in A B; do
            for tr in tcp ipc; do
                for p in "${PAIRS[@]}"; do
                    read -r roleA typeA roleB typeB <<<"$p"
                    for size in 0 1 100 8192; do
                        launch "$mode" "$libA" "$roleA" "$typeA" "" "$libB" "$roleB" "$typeB" "" \
                            "$binder" "$tr" 1000 "$size" ""
                    done
                    launch "$mode" "$libA" "$roleA" "$typeA" "" "$libB" "$roleB" "$typeB" "" \
                        "$binder" "$tr" 20 1048576 ""
                    launch "$mode" "$libA" "$roleA" "$typeA" "-m 4" "$libB" "$roleB" "$typeB" "-m 4" \
                        "$binder" "$tr" 1000 100 "multipart=4"
                done
                # Large and long runs, and the short/long frame boundary.
                launch "$mode" "$libA" client PAIR "" "$libB" server PAIR "" \
                    "$binder" "$tr" 3 10485760 ""
                for size in 255 256; do
                    launch "$mode" "$libA" client PAIR "" "$libB" server PAIR "" \
                        "$binder" "$tr" 1000 "$size" ""
                done
                launch "$mode" "$libA" send PUSH "" "$libB" recv PULL "" \
                    "$binder" "$tr" 100000 16 ""
                launch "$mode" "$libA" client PAIR "" "$libB" server PAIR "" \
                    "$binder" "$tr" 100000 16 ""
                # STREAM: raw byte streams echoed back, STREAM<->STREAM and
                # (tcp) STREAM<->a plain POSIX socket; the client hangs up
                # with a zero-length frame.
                for size in 1 100 8192; do
                    launch "$mode" "$libA" client STREAM "" "$libB" server STREAM "" \
                        "$binder" "$tr" 1000 "$size" ""
                done
                launch "$mode" "$libA" client STREAM "" "$libB" server STREAM "" \
                    "$binder" "$tr" 20 1048576 ""
                if [ "$tr" = tcp ]; then
                    for size in 100 65536; do
                        if [ "$libA" != libzmq ] || [ "$mode" = self ]; then
                            launch "$mode" "$libA" client STREAM "" "$libB" server TCP "" \
                                "$binder" "$tr" 200 "$size" ""
                        fi
                        if [ "$libB" != libzmq ] || [ "$mode" = self ]; then
                            launch "$mode" "$libA" client TCP "" "$libB" server STREAM "" \
                                "$binder" "$tr" 200 "$size" ""
                        fi
                    done
                fi
                # Security: the binder is the CURVE/PLAIN server and runs
                # the ZAP handler (-Z) when there is one.
                local sec slab
                for sec in "-C" "-C -Z" "-L -Z"; do
                    case $sec in
                        "-C") slab=curve ;; "-C -Z") slab=curve+zap ;; *) slab=plain+zap ;;
                    esac
                    launch "$mode" "$libA" client DEALER "$sec -m 4" "$libB" server ROUTER "$sec -m 4" \
                        "$binder" "$tr" 1000 100 "$slab multipart=4"
                    launch "$mode" "$libA" send PUSH "$sec" "$libB" recv PULL "$sec" \
                        "$binder" "$tr" 1000 8192 "$slab"
                    # Debian's libzmq fails a bound REQ as ZAP-using server
                    # (its own self-check shows it): REQ<->REP with REP bound.
                    [ "$binder" = B ] || [ "$sec" = "-C" ] &&
                        launch "$mode" "$libA" client REQ "$sec" "$libB" server REP "$sec" \
                            "$binder" "$tr" 1000 100 "$slab"
                    launch "$mode" "$libA" client PAIR "$sec" "$libB" server PAIR "$sec" \
                        "$binder" "$tr" 3 10485760 "$slab"
                done
                # Heartbeats with an idle second in the middle: a missing PONG
                # (or PING, for the TTL) would drop the connection.
                local hb hA hB lab
                for hb in both A B; do
                    [ "$tr" = ipc ] && [ $hb != both ] && continue
                    hA="-M -P 1000"; hB="-M"
                    [ $hb != B ] && hA+=" -H"
                    [ $hb != A ] && hB+=" -H"
                    case $hb in
                        both) lab="heartbeat=both" ;;
                        A) lab="heartbeat=$libA-only"; [ "$mode" = self ] && lab="heartbeat=DEALER-only" ;;
                        B) lab="heartbeat=$libB-only"; [ "$mode" = self ] && lab="heartbeat=ROUTER-only" ;;
                    esac
                    launch "$mode" "$libA" client DEALER "$hA" "$libB" server ROUTER "$hB" \
                        "$binder" "$tr" 200 100 "$lab"
                done
            done
        done
    done
    wait
}

count_results() { # MODE -> "passed failed"
    local p f
    p=$(cat "$TMP"/res/"$1".* 2>/dev/null | grep -c '^ok')
    f=$(cat "$TMP"/res/"$1".* 2>/dev/null | grep -c '^FAIL')
    echo "$p $f"
}

self_p=0 self_f=0 cross_p=0 cross_f=0
if [ "${INTEROP_SELF:-1}" != 0 ]; then
    matrix self
    read -r self_p self_f <<<"$(count_results self)"
    echo "interop self-check (Debian's libzmq on both sides): $self_p passed, $self_f failed" \
        "($(( ($(date +%s%N) - T0) / 1000000000 )) s)"
    if [ "$self_f" -ne 0 ]; then
        cat "$TMP"/res/self.* | grep '^FAIL' | sed 's/^/  self-check /'
    fi
fi
if [ "${INTEROP_CROSS:-1}" != 0 ]; then
    T1=$(date +%s%N)
    matrix cross
    read -r cross_p cross_f <<<"$(count_results cross)"
    echo "interop libzmq-rs vs Debian's libzmq: $cross_p passed, $cross_f failed" \
        "($(( ($(date +%s%N) - T1) / 1000000000 )) s)"
fi
echo "$((self_p + cross_p)) passed, $((self_f + cross_f)) failed"
[ $((self_f + cross_f)) -eq 0 ] && [ $((self_p + cross_p)) -gt 0 ]
