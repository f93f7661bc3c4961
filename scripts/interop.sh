#!/usr/bin/env bash
# Interop: libzmq-rs in one process, Debian's libzmq (4.3.4) in another,
# talking over tcp, ipc and ws (ZMTP over WebSocket; everything below but
# STREAM, which libzmq's ws engine does not carry, and heartbeats on one
# side only). capi-tests/interop/peer.c is built twice
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
# Draft API: Debian's libzmq is built without it, so the draft socket types
# run against libzmq 4.3.5 built with drafts (scripts/libzmq-ref.sh, cached
# under target/libzmq-ref/): capi-tests/interop/draft_peer.c is built with
# -DZMQ_BUILD_DRAFT_API against each library's zmq.h (draft-peer-ours,
# draft-peer-4.3.5), ours on either side, binding and connecting:
#
#   tcp, ipc, ws  CLIENT<->SERVER (replies by zmq_msg_set_routing_id),
#              PEER<->PEER (zmq_connect_peer), CHANNEL<->CHANNEL,
#              SCATTER->GATHER, RADIO->DISH (groups, zmq_join; a group the
#              DISH never joined must not arrive): 0, 1, 100, 8192 bytes
#              (x1000), 1 MB (x20)
#   lifecycle  DEALER<->ROUTER and CLIENT<->SERVER (bound) with
#              ZMQ_HELLO_MSG on both, ZMQ_HICCUP_MSG on the connecter and
#              ZMQ_DISCONNECT_MSG on the binder: hellos first, the binder
#              drops and rebinds (hiccup, hellos again), the connecter
#              leaves (disconnect message)
#   udp        RADIO->DISH (DISH binds), 0 to 8187 bytes (libzmq's datagram
#              limit: 8192 with the group); DGRAM<->DGRAM exchanging
#              [address, body] both ways, 0 to 8192 bytes, the address frame
#              exactly libzmq's ("127.0.0.1:PORT" and a NUL, counted), echoed
#              back verbatim; "dest=nul": the first destination ends in a NUL
#
# wss (ZMTP over WebSocket over TLS; Debian's 4.3.4 has none) runs against
# that libzmq 4.3.5 too, which is built with GnuTLS: peer.c built against it
# (peer-4.3.5), ours on either side, binding and connecting, with a
# throwaway CA and server certificate made here with openssl (the connecter
# trusts the CA and expects the certificate's name, wss.test):
#
#   wss        PAIR 0, 1, 100, 8192 bytes (x1000), 1 MB (x20), 10 MB (x3);
#              PUSH->PULL 8 KiB; every pair of the tcp matrix (PAIR,
#              PUSH/PULL, PUB/SUB, XPUB/XSUB, REQ/REP, REQ/ROUTER,
#              DEALER/REP, DEALER/ROUTER, ROUTER/ROUTER) multipart=4 x1000;
#              CURVE DEALER<->ROUTER multipart=4 and PAIR 10 MB
#
# Known failures of ours (cases that fail against libzmq and are being
# fixed) are listed in scripts/interop-known-failures.txt, one per line:
# "<part of the case description> | <reason>". A listed case that fails is
# reported as known and not counted; one that passes fails the run (remove
# it from the list then: the list only shrinks), as does a line that matches
# no case. The self-checks never consult the list.
#
# A failing case prints both peers' messages; rerun one by its description
# with PEER_TRACE=1 INTEROP_KEEP=1 scripts/interop.sh "<part of it>" for a
# timestamped trace of each step in the kept logs.
#
# The whole matrix also runs Debian-vs-Debian first as a self-check of the
# harness (only its summary is printed), and the draft matrix 4.3.5-vs-4.3.5:
# a case failing there is a harness bug.
#
# usage: scripts/interop.sh [FILTER]   FILTER: run cases whose description
#                                      contains it, e.g. "ROUTER" or "ipc"
# env:   INTEROP_JOBS (concurrent cases, default 2), INTEROP_SELF=0 (skip the
#        self-check), INTEROP_CROSS=0 (only the self-check), INTEROP_TIMEOUT
#        (per-operation timeout in ms, default 5000), INTEROP_KEEP=1 (keep logs),
#        INTEROP_STABLE=0 (skip the stable types, Debian's libzmq),
#        INTEROP_DRAFT=0 (skip the draft types, libzmq 4.3.5),
#        INTEROP_WSS=0 (skip wss, libzmq 4.3.5)
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
STABLE=${INTEROP_STABLE:-1}
DRAFT=${INTEROP_DRAFT:-1}
WSS=${INTEROP_WSS:-1}
KNOWN=$ROOT/scripts/interop-known-failures.txt
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
# The draft peers: ours, and libzmq 4.3.5 with drafts (built once, cached);
# the stable peer against that 4.3.5 too, for wss.
if { [ "$DRAFT" != 0 ] || [ "$WSS" != 0 ]; } && [ $build_failed = 0 ]; then
    t=$(date +%s)
    if { read -r REF_LIB; read -r REF_INC; } < <(scripts/libzmq-ref.sh 2>"$OUT/libzmq-ref.log") \
        && [ -e "$REF_LIB/libzmq.so.5" ]; then
        if gcc $CFLAGS -DZMQ_BUILD_DRAFT_API -DPEER_TAG='"4.3.5"' -I"$REF_INC" \
            capi-tests/interop/draft_peer.c -o "$OUT/draft-peer-4.3.5" "$REF_LIB/libzmq.so.5" \
            -Wl,-rpath,"$REF_LIB" 2>"$OUT/draft-peer-4.3.5.build"; then :; else
            echo "FAIL build draft-peer-4.3.5"; cat "$OUT/draft-peer-4.3.5.build"; build_failed=1
        fi
        if gcc $CFLAGS -DZMQ_BUILD_DRAFT_API -DPEER_TAG='"ours"' -Iinclude \
            capi-tests/interop/draft_peer.c -o "$OUT/draft-peer-ours" -L"$OURLIB" \
            -Wl,-rpath,"$OURLIB" -lzmq 2>"$OUT/draft-peer-ours.build"; then :; else
            echo "FAIL build draft-peer-ours"; cat "$OUT/draft-peer-ours.build"; build_failed=1
        fi
        if gcc $CFLAGS -DPEER_TAG='"4.3.5"' -I"$REF_INC" capi-tests/interop/peer.c \
            -o "$OUT/peer-4.3.5" "$REF_LIB/libzmq.so.5" -Wl,-rpath,"$REF_LIB" \
            2>"$OUT/peer-4.3.5.build"; then :; else
            echo "FAIL build peer-4.3.5"; cat "$OUT/peer-4.3.5.build"; build_failed=1
        fi
    else
        echo "FAIL libzmq 4.3.5 (scripts/libzmq-ref.sh):"; cat "$OUT/libzmq-ref.log"; build_failed=1
    fi
    sed 's/^/interop: /' "$OUT/libzmq-ref.log"
    echo "interop: libzmq 4.3.5 with drafts in ${REF_LIB:-?} ($(( $(date +%s) - t )) s)"
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
    case $tr in
        tcp) ep='tcp://127.0.0.1:*' ;;
        udp) ep='udp://127.0.0.1:*' ;; # the peer picks a free port
        ws) ep='ws://127.0.0.1:*/interop' ;;
        wss) ep='wss://127.0.0.1:*/interop' ;;
        *) ep="ipc://$d/s" ;;
    esac
    if [ "$binder" = A ]; then
        bl=$libA br=$roleA bt=$typeA bo=$optsA cl=$libB cr=$roleB ct=$typeB co=$optsB
    else
        bl=$libB br=$roleB bt=$typeB bo=$optsB cl=$libA cr=$roleA ct=$typeA co=$optsA
    fi
    # Generous process limit: a hang at exit (zmq_ctx_term) is caught here.
    local plimit=$(( OPTIMEOUT / 1000 * 4 + 20 ))
    local start=$(date +%s%N) why="" bpid cpid=""
    # shellcheck disable=SC2086
    timeout -k 2 "$plimit" "$OUT/$PEER_PROG-$bl" "$br" "$bt" bind "$ep" "$count" "$size" \
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
        timeout -k 2 "$plimit" "$OUT/$PEER_PROG-$cl" "$cr" "$ct" connect "$m" "$count" "$size" \
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
    local block known=""
    [[ "$mode" = *cross ]] && known=$(known_reason "$desc")
    if [ -z "$why" ] && [ -n "$known" ]; then
        block="FAIL $desc (${ms} ms): passes now; remove it from scripts/interop-known-failures.txt"
        echo "FAIL $desc: passes now (listed as known: $known)" >"$TMP/res/$mode.$id"
    elif [ -z "$why" ]; then
        block="ok   $desc (${ms} ms)"
        echo "ok" >"$TMP/res/$mode.$id"
    elif [ -n "$known" ]; then
        block="known $desc (${ms} ms): $why"
        local f l
        for f in bind connect; do
            l=$(grep -h -m 1 'FAIL' "$d/$f.log" 2>/dev/null)
            [ -n "$l" ] && block+=$'\n'"    $f: $l"
        done
        echo "known $desc: $known" >"$TMP/res/$mode.$id"
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
    [[ "$mode" = *cross ]] && printf '%s\n' "$block"
    [ "${INTEROP_KEEP:-0}" = 1 ] || rm -rf "$d"
    return 0
}

# known_reason DESC -> the reason of the first line of the known-failures
# list whose substring DESC contains, or nothing.
known_reason() {
    local sub why
    [ -f "$KNOWN" ] || return 0
    while IFS='|' read -r sub why; do
        sub=${sub%"${sub##*[![:space:]]}"}
        case $sub in ''|'#'*) continue ;; esac
        if [[ "$1" == *"$sub"* ]]; then echo "${why# }"; return 0; fi
    done <"$KNOWN"
}

CASE_ID=0
PEER_PROG=peer
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
    [[ "$mode" = *cross ]] && printf '%s\n' "$desc" >>"$TMP/cross-cases"
    CASE_ID=$((CASE_ID + 1))
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
    run_case "$mode" "$CASE_ID" "$desc" "$libA" "$roleA" "$typeA" "$optsA" \
        "$libB" "$roleB" "$typeB" "$optsB" "$binder" "$tr" "$count" "$size" &
}

# launch_sizes MODE LIBA ROLEA TYPEA LIBB ROLEB TYPEB BINDER TRANSPORT: one
# pair at 0, 1, 100 and 8192 bytes (x1000) and 1 MB (x20).
launch_sizes() {
    local size
    for size in 0 1 100 8192; do
        launch "$1" "$2" "$3" "$4" "" "$5" "$6" "$7" "" "$8" "$9" 1000 "$size" ""
    done
    launch "$1" "$2" "$3" "$4" "" "$5" "$6" "$7" "" "$8" "$9" 20 1048576 ""
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
            for tr in tcp ipc ws; do
                for p in "${PAIRS[@]}"; do
                    read -r roleA typeA roleB typeB <<<"$p"
                    launch_sizes "$mode" "$libA" "$roleA" "$typeA" "$libB" "$roleB" "$typeB" \
                        "$binder" "$tr"
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
                # ws carries ZMTP only (libzmq's ws engine has no raw mode).
                if [ "$tr" != ws ]; then
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
                # CURVE PUB->SUB over ws, against libzmq only: libzmq's ws
                # engine drops the SUBSCRIBE commands it receives inside CURVE
                # (its own pair never subscribes: no self-check); ours sends
                # subscriptions as messages, which it takes, and takes both.
                if [ "$tr" = ws ] && [ "$mode" = cross ]; then
                    launch "$mode" "$libA" send PUB "-C" "$libB" recv SUB "-C" \
                        "$binder" "$tr" 1000 100 "curve"
                fi
                # Heartbeats with an idle second in the middle: a missing PONG
                # (or PING, for the TTL) would drop the connection.
                local hb hA hB lab
                for hb in both A B; do
                    [ "$tr" != tcp ] && [ $hb != both ] && continue
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

# The draft socket types against libzmq 4.3.5 (built with drafts).
DRAFT_PAIRS=(
    "client CLIENT  server SERVER"
    "client PEER    server PEER"
    "client CHANNEL server CHANNEL"
    "send   SCATTER recv   GATHER"
    "send   RADIO   recv   DISH"
)

# draft_matrix MODE: draft-cross = ours against 4.3.5, draft-self = 4.3.5 only.
draft_matrix() {
    local mode=$1 libs combo libA libB binder tr p roleA typeA roleB typeB size
    if [ "$mode" = draft-cross ]; then libs="ours:4.3.5 4.3.5:ours"; else libs="4.3.5:4.3.5"; fi
    PEER_PROG=draft-peer
    for combo in $libs; do
        libA=${combo%%:*} libB=${combo##*:}
        for binder in A B; do
            for tr in tcp ipc ws; do
                for p in "${DRAFT_PAIRS[@]}"; do
                    read -r roleA typeA roleB typeB <<<"$p"
                    # A PEER client connects (zmq_connect_peer).
                    [ "$typeA" = PEER ] && [ "$binder" = A ] && continue
                    launch_sizes "$mode" "$libA" "$roleA" "$typeA" "$libB" "$roleB" "$typeB" \
                        "$binder" "$tr"
                done
                # ZMQ_HELLO_MSG, ZMQ_HICCUP_MSG, ZMQ_DISCONNECT_MSG: the
                # ROUTER/SERVER binds (it drops the connection and rebinds).
                if [ "$binder" = B ]; then
                    for p in "DEALER ROUTER" "CLIENT SERVER"; do
                        read -r typeA typeB <<<"$p"
                        launch "$mode" "$libA" client "$typeA" "-X" "$libB" server "$typeB" "-X" \
                            B "$tr" 200 100 "hello+hiccup+disconnect"
                    done
                fi
            done
        done
        # udp: the DISH binds, the RADIO connects; a DGRAM server binds first
        # and the client (bound to a port of its own) sends to it.
        for size in 0 1 100 8187; do
            launch "$mode" "$libA" send RADIO "" "$libB" recv DISH "" B udp 1000 "$size" ""
        done
        for size in 0 1 100 8192; do
            launch "$mode" "$libA" client DGRAM "" "$libB" server DGRAM "" B udp 1000 "$size" ""
        done
        launch "$mode" "$libA" client DGRAM "-z" "$libB" server DGRAM "" B udp 100 100 "dest=nul"
    done
    wait
    PEER_PROG=peer
}

# wss_matrix MODE: wss-cross = ours against 4.3.5, wss-self = 4.3.5 only.
wss_matrix() {
    local mode=$1 libs combo libA libB binder p roleA typeA roleB typeB
    if [ "$mode" = wss-cross ]; then libs="ours:4.3.5 4.3.5:ours"; else libs="4.3.5:4.3.5"; fi
    for combo in $libs; do
        libA=${combo%%:*} libB=${combo##*:}
        for binder in A B; do
            launch_sizes "$mode" "$libA" client PAIR "$libB" server PAIR "$binder" wss
            launch "$mode" "$libA" client PAIR "" "$libB" server PAIR "" "$binder" wss 3 10485760 ""
            launch "$mode" "$libA" send PUSH "" "$libB" recv PULL "" "$binder" wss 1000 8192 ""
            # Every pair tcp takes, multipart, as the ws matrix runs them.
            for p in "${PAIRS[@]}"; do
                read -r roleA typeA roleB typeB <<<"$p"
                launch "$mode" "$libA" "$roleA" "$typeA" "-m 4" "$libB" "$roleB" "$typeB" "-m 4" \
                    "$binder" wss 1000 100 "multipart=4"
            done
            launch "$mode" "$libA" client DEALER "-C -m 4" "$libB" server ROUTER "-C -m 4" \
                "$binder" wss 1000 100 "curve multipart=4"
            launch "$mode" "$libA" client PAIR "-C" "$libB" server PAIR "-C" \
                "$binder" wss 3 10485760 "curve"
        done
    done
    wait
}

count_results() { # MODE -> "passed failed known"
    local p f k
    p=$(cat "$TMP"/res/"$1".* 2>/dev/null | grep -c '^ok')
    f=$(cat "$TMP"/res/"$1".* 2>/dev/null | grep -c '^FAIL')
    k=$(cat "$TMP"/res/"$1".* 2>/dev/null | grep -c '^known')
    echo "$p $f $k"
}

# stage MODE MATRIX-FUNCTION LABEL: one matrix, its summary, into the totals.
total_p=0 total_f=0
stage() {
    local mode=$1 t p f k
    t=$(date +%s%N)
    "$2" "$mode"
    read -r p f k <<<"$(count_results "$mode")"
    echo "interop $3: $p passed, $f failed$([ "$k" -gt 0 ] && echo ", $k known failures (scripts/interop-known-failures.txt)")" \
        "($(( ($(date +%s%N) - t) / 1000000000 )) s)"
    if [[ "$mode" = *self ]] && [ "$f" -ne 0 ]; then
        cat "$TMP"/res/"$mode".* | grep '^FAIL' | sed 's/^/  self-check /'
    fi
    if [ "$k" -gt 0 ]; then # the reasons, once each
        cat "$TMP"/res/"$mode".* | sed -n 's/^known .*: /  known failure: /p' | sort -u
    fi
    total_p=$((total_p + p)) total_f=$((total_f + f))
}

if [ "$STABLE" != 0 ]; then
    [ "${INTEROP_SELF:-1}" != 0 ] && stage self matrix "self-check (Debian's libzmq on both sides)"
    [ "${INTEROP_CROSS:-1}" != 0 ] && stage cross matrix "libzmq-rs vs Debian's libzmq"
fi
if [ "$DRAFT" != 0 ]; then
    [ "${INTEROP_SELF:-1}" != 0 ] && stage draft-self draft_matrix "draft self-check (libzmq 4.3.5 on both sides)"
    [ "${INTEROP_CROSS:-1}" != 0 ] && stage draft-cross draft_matrix "draft API: libzmq-rs vs libzmq 4.3.5"
fi
if [ "$WSS" != 0 ]; then
    # The throwaway CA and server certificate both sides use (peer_common.h).
    export WSS_DIR=$TMP/wss
    mkdir -p "$WSS_DIR"
    if scripts/wss-certs.sh "$WSS_DIR"; then
        [ "${INTEROP_SELF:-1}" != 0 ] && stage wss-self wss_matrix "wss self-check (libzmq 4.3.5 on both sides)"
        [ "${INTEROP_CROSS:-1}" != 0 ] && stage wss-cross wss_matrix "wss: libzmq-rs vs libzmq 4.3.5"
    else
        echo "FAIL wss: openssl made no certificates:"; cat "$WSS_DIR/openssl.log"
        total_f=$((total_f + 1))
    fi
fi
# Every line of the known-failures list still names a case (full runs only).
if [ -z "$FILTER" ] && [ "$STABLE" != 0 ] && [ "$DRAFT" != 0 ] && [ "$WSS" != 0 ] \
    && [ "${INTEROP_CROSS:-1}" != 0 ] \
    && [ -f "$KNOWN" ]; then
    while IFS='|' read -r sub _; do
        sub=${sub%"${sub##*[![:space:]]}"}
        case $sub in ''|'#'*) continue ;; esac
        if ! grep -qF -- "$sub" "$TMP/cross-cases"; then
            echo "FAIL scripts/interop-known-failures.txt: \"$sub\" matches no case"
            total_f=$((total_f + 1))
        fi
    done <"$KNOWN"
fi
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ] && [ "$total_p" -gt 0 ]
