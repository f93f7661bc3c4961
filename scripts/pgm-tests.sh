#!/usr/bin/env bash
# pgm/epgm and norm: ours against Debian's libzmq 4.3.4 (built with OpenPGM
# and NORM), PUB to SUB over loopback multicast, in a network namespace of
# its own (unshare -n; lo up, multicast on, 224.0.0.0/4 routed to lo).
#
# capi-tests/pgm/pgm_peer.c is built against each library; every case runs
# four ways: Debian -> Debian (the reference), ours -> Debian, Debian ->
# ours, ours -> ours. The SUB checks each message whole (parts, sizes,
# contents) and in order.
#
#   envelope   cases where Debian's libzmq delivers everything, measured
#              here: every way must deliver every message (epgm://
#              127.0.0.1;239.192.1.1:PORT, ZMQ_RATE 100 Mb/s unless said):
#              0 B, 100 B x1000; 8 KB x200; 60 KB x100; 1 MB x20; 1 KB
#              x5000; 5 parts of 1000 B x500; PUB and SUB binding (bind is
#              connect for pgm); 3 subscribers; ZMQ_MULTICAST_MAXTPDU 9000
#              and ZMQ_RECOVERY_IVL 2 s on both ends; a slow subscriber (2 ms
#              per message, 1000 messages); raw pgm:// (as root)
#   refusals   capi-tests/pgm/pgm_refusals.c on both libraries: zmq_has
#              ("pgm") is 1, other socket types get ENOCOMPATPROTO, an
#              address without a port or with an unknown interface EINVAL;
#              a bind is undone by zmq_unbind or zmq_disconnect, and
#              ZMQ_LAST_ENDPOINT is the endpoint as given
#   absent     ours with libpgm hidden (root: a mount namespace): zmq_has
#              ("pgm") 0 and EPROTONOSUPPORT, as a libzmq built without it
#   late       a SUB that starts while the PUB is sending: it must get
#              some messages, the first it gets whole (joined at a message
#              boundary), none malformed
#   beyond     at the edge of Debian's envelope (1000 x 60 KB at 100 Mb/s):
#              ours, on either side, must deliver at least as many as
#              Debian -> Debian did, give or take 5% of those sent (best of
#              two runs each way; loss here is timing-dependent); the
#              counts are printed
#   info       1000 x 8 KB at 300 Mb/s and at 1 Gb/s: every way, Debian's
#              included, stalls after a few dozen or hundred messages in
#              some runs and not in others; the counts are printed, not
#              judged
#   norm       norm://127.0.0.1;239.192.1.1:PORT, every way must deliver
#              every message inside Debian's envelope, measured here: 1000
#              B x100 (the runs of 0-1,000 B once seen stalling after 23
#              stalled only because the PUB closed first: NORM's congestion
#              control starts slowly, so each PUB stays open 2 s), 0 B
#              x1000, 2000 B x200, 5 parts of 1000 B x100, 3 bound
#              subscribers, a slow subscriber (5 ms per message, RCVHWM 10). Debian's PUB sends no part over about 2 KB at all
#              (its 2048-byte buffer: 2060 B x20 stalls, 2030 B x20 arrives);
#              16 KB x20 is printed for every way (ours delivers it, given
#              time). The refusals and absent checks as for pgm; a hostile
#              NORM sender (capi-tests/pgm/norm_hostile.cc) mixing malformed
#              NORM messages (a command frame, a 2^62-byte claim, an orphan
#              continuation) with 30 good ones: ours must get all 30 and
#              nothing malformed; what Debian's SUB makes of it is printed
#
# usage: scripts/pgm-tests.sh [FILTER]    (cases whose description has FILTER)
set -u
cd "$(dirname "$0")/.."
unset LD_PRELOAD LD_LIBRARY_PATH
ROOT=$PWD
OUT=$ROOT/target/pgm
FILTER=${1:-}

if [ "${PGM_IN_NS:-}" != 1 ]; then
    CF="-std=gnu99 -O2 -g -Wall -Wextra -Werror"
    mkdir -p "$OUT"
    gcc $CF -I/usr/include capi-tests/pgm/pgm_peer.c -o "$OUT/peer-libzmq" \
        /usr/lib/x86_64-linux-gnu/libzmq.so.5 || { echo "FAIL build peer-libzmq"; exit 1; }
    [ -f target/release/libzmq.so ] || { echo "FAIL: target/release/libzmq.so not built"; exit 1; }
    ln -sf libzmq.so target/release/libzmq.so.5
    gcc $CF -Iinclude capi-tests/pgm/pgm_peer.c -o "$OUT/peer-ours" -Ltarget/release \
        -Wl,-rpath,"$ROOT/target/release" -lzmq || { echo "FAIL build peer-ours"; exit 1; }
    gcc $CF -I/usr/include capi-tests/pgm/pgm_refusals.c -o "$OUT/refusals-libzmq" \
        /usr/lib/x86_64-linux-gnu/libzmq.so.5 || { echo "FAIL build refusals-libzmq"; exit 1; }
    gcc $CF -Iinclude capi-tests/pgm/pgm_refusals.c -o "$OUT/refusals-ours" -Ltarget/release \
        -Wl,-rpath,"$ROOT/target/release" -lzmq || { echo "FAIL build refusals-ours"; exit 1; }
    for lib in libzmq ours; do
        if [ $lib = libzmq ]; then inc=/usr/include; link=/usr/lib/x86_64-linux-gnu/libzmq.so.5
        else inc=include; link="-Ltarget/release -Wl,-rpath,$ROOT/target/release -lzmq"; fi
        # shellcheck disable=SC2086
        gcc $CF -I$inc capi-tests/pgm/pgm_noraw.c -o "$OUT/noraw-$lib" $link ||
            { echo "FAIL build noraw-$lib"; exit 1; }
    done
    gcc $CF -Iinclude capi-tests/pgm/pgm_absent.c -o "$OUT/absent-ours" -Ltarget/release \
        -Wl,-rpath,"$ROOT/target/release" -lzmq || { echo "FAIL build absent-ours"; exit 1; }
    # C++: Debian's normApi.h is valid only as C++.
    g++ -O2 -g -Wall -Wextra -Werror capi-tests/pgm/norm_hostile.cc -o "$OUT/norm-hostile" -lnorm ||
        { echo "FAIL build norm-hostile"; exit 1; }
    # Root: a plain network namespace (raw pgm too); otherwise a user
    # namespace, where raw sockets are refused and pgm:// is skipped.
    if [ "$(id -u)" = 0 ]; then
        PGM_IN_NS=1 PGM_ROOT=1 exec unshare -n "$0" "$@"
    fi
    PGM_IN_NS=1 PGM_ROOT=0 exec unshare -rn "$0" "$@"
fi

# PGM repairs loss only while the sender's socket is open, and a PUB's
# zmq_send returns long before ZMQ_RATE lets the bytes out: a PUB closing
# right after its last send can leave a gap near the end unrepaired (in
# either library). So each PUB stays open for the time its messages take at
# ZMQ_RATE, half as much again, and 2 s (PGM_PUB_WAIT_MS overrides). NORM's
# congestion control starts slowly (a few seconds for the first hundred
# kilobytes, either library): a norm PUB stays open 8 s. Either way a PUB
# is stopped as soon as every SUB has all it wanted.
pub_wait() { # COUNT SIZE PARTS RATE_KBPS SCHEME
    if [ "$5" = norm ]; then echo 8000; return; fi
    echo $((2000 + $1 * ($2 * ($3 - 1) + 4) * 8 * 3 / 2 / $4))
}

ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo || {
    echo "FAIL: cannot set up multicast on lo"; exit 1; }

passed=0 failed=0
PORT=5600
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }

# run PUBLIB SUBLIB NSUBS COUNT SIZE PARTS RATE IDLE SLOW_US LATE_MS SCHEME [bind]
# prints one "got N bad B first F last L" line per SUB
run() {
    local pub=$1 sub=$2 nsubs=$3 count=$4 size=$5 parts=$6 rate=$7 idle=$8 slow=$9 late=${10} scheme=${11} bind=${12:-}
    PORT=$((PORT + 1))
    local ep="$scheme://127.0.0.1;239.192.1.1:$PORT" pids=() i
    local dir; dir=$(mktemp -d)
    if [ "$late" = 0 ]; then
        for ((i = 0; i < nsubs; i++)); do
            PGM_RATE=$rate timeout 120 "$OUT/peer-$sub" sub "$ep" "$count" "$size" "$parts" "$idle" "$slow" $bind >"$dir/sub$i" 2>/dev/null &
            pids+=($!)
        done
        sleep 0.3
        PGM_PUB_WAIT_MS=${PGM_PUB_WAIT_MS:-$(pub_wait "$count" "$size" "$parts" "$rate" "$scheme")} \
            timeout 120 "$OUT/peer-$pub" pub "$ep" "$count" "$size" "$parts" "$rate" $bind >"$dir/pub" 2>/dev/null &
        local pp=$!
        for p in "${pids[@]}"; do wait "$p"; done
        kill "$pp" 2>/dev/null
        { wait "$pp"; } 2>/dev/null
    else
        PGM_PUB_WAIT_MS=${PGM_PUB_WAIT_MS:-$(pub_wait "$count" "$size" "$parts" "$rate" "$scheme")} \
            timeout 120 "$OUT/peer-$pub" pub "$ep" "$count" "$size" "$parts" "$rate" $bind >"$dir/pub" 2>/dev/null &
        local p=$!
        sleep "$late"
        PGM_RATE=$rate timeout 120 "$OUT/peer-$sub" sub "$ep" "$count" "$size" "$parts" "$idle" "$slow" $bind >"$dir/sub0" 2>/dev/null &
        pids+=($!)
        wait $p
    fi
    for p in "${pids[@]}"; do wait "$p"; done
    for ((i = 0; i < nsubs; i++)); do
        grep -h '^got' "$dir/sub$i" || echo "got 0 bad 0 first -1 last -1"
    done
    rm -rf "$dir"
}

WAYS="libzmq:libzmq ours:libzmq libzmq:ours ours:ours"

# zmq_has("pgm") / ("norm"), ENOCOMPATPROTO for the other types, EINVAL
# for bad addresses: the same from both libraries.
for scheme in pgm norm; do
    for lib in libzmq ours; do
        d="refusals $scheme $lib"
        [ -n "$FILTER" ] && [[ "$d" != *"$FILTER"* ]] && continue
        if r=$("$OUT/refusals-$lib" $scheme 2>&1); then ok "$d"; else bad "$d: $r"; fi
    done
done
# Without OpenPGM or libnorm (hidden by an empty file mounted over it, in a
# mount namespace of this check's own; root only): zmq_has 0,
# EPROTONOSUPPORT.
for lib in "libpgm-5.3.so.0" "libnorm.so.1 norm norm://127.0.0.1;239.192.1.1:5597"; do
    read -r so_name args <<<"$lib"
    d="without ${so_name%%.so*} ours"
    if [ -n "$FILTER" ] && [[ "$d" != *"$FILTER"* ]]; then :
    elif [ "${PGM_ROOT:-0}" = 1 ]; then
        so=$(ldconfig -p | awk -v n="$so_name" '$1 == n {print $NF; exit}')
        # shellcheck disable=SC2086
        if r=$(unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' sh "$so" "$OUT/absent-ours" $args 2>&1); then
            ok "$d"
        else
            bad "$d: $r"
        fi
    else
        echo "skip $d (needs root)"
    fi
done

# Raw pgm:// without CAP_NET_RAW (dropped with setpriv; root only): ours
# refuses the connect with EINVAL and lives on; Debian's libzmq accepts it and
# then aborts (SIGABRT) in its I/O thread: shown, as the reason for the
# difference, and required, so the case notices if libzmq ever changes.
d="raw pgm without CAP_NET_RAW"
if [ -n "$FILTER" ] && [[ "$d" != *"$FILTER"* ]]; then :
elif [ "${PGM_ROOT:-0}" = 1 ] && command -v setpriv >/dev/null; then
    drop="setpriv --bounding-set -net_raw --inh-caps -net_raw"
    r_ours=$($drop "$OUT/noraw-ours" 2>&1); rc_ours=$?
    # Through sh, so bash's "Aborted" notice stays out of the output.
    rc_deb=$(sh -c '"$@" >/dev/null 2>&1; echo $?' sh $drop "$OUT/noraw-libzmq" 2>/dev/null)
    if [ $rc_ours = 0 ] && [ $rc_deb = 134 ]; then
        ok "$d: ours EINVAL at connect, Debian's libzmq aborts (exit 134)"
    else
        bad "$d: ours exit $rc_ours ($(grep connect <<<"$r_ours")), Debian's exit $rc_deb (want 0 and 134)"
    fi
else
    echo "skip $d (needs root and setpriv)"
fi

# envelope DESC NSUBS COUNT SIZE PARTS RATE SLOW_US SCHEME [bind]
envelope() {
    local desc=$1; shift
    local nsubs=$1 count=$2 size=$3 parts=$4 rate=$5 slow=$6 scheme=$7 bind=${8:-}
    for way in $WAYS; do
        local d="envelope $desc ${way/:/ -> }"
        [ -n "$FILTER" ] && [[ "$d" != *"$FILTER"* ]] && continue
        # Loss on a loaded machine is timing-dependent: a second run is
        # allowed, for every way alike (Debian -> Debian included).
        local res all try note=""
        for try in 1 2; do
            all=1
            res=$(run "${way%:*}" "${way#*:}" "$nsubs" "$count" "$size" "$parts" "$rate" 3000 "$slow" 0 "$scheme" $bind)
            while read -r _ got _ b _ _ _ _; do
                [ "$got" = "$count" ] && [ "$b" = 0 ] || all=0
            done <<<"$res"
            [ $all = 1 ] && break
            note=" (second run; first: $(echo $res))"
        done
        if [ $all = 1 ]; then ok "$d$note"; else bad "$d: $(echo $res)"; fi
    done
}

# late DESC COUNT SIZE RATE LATE_S
late() {
    local desc=$1 count=$2 size=$3 rate=$4 after=$5
    for way in $WAYS; do
        local d="late joiner $desc ${way/:/ -> }"
        [ -n "$FILTER" ] && [[ "$d" != *"$FILTER"* ]] && continue
        # A second run, for every way alike as in envelope(): once in about
        # ten runs a late SUB of ours joined to Debian's PUB got nothing at
        # all (not yet understood; the first run's result is printed).
        local res got b first try note=""
        for try in 1 2; do
            res=$(run "${way%:*}" "${way#*:}" 1 "$count" "$size" 2 "$rate" 3000 0 "$after" epgm)
            read -r _ got _ b _ first _ _ <<<"$res"
            [ "$got" -gt 0 ] && [ "$b" = 0 ] && [ "$first" -gt 0 ] && break
            [ $try = 1 ] && note=" (second run; first: $res)"
        done
        if [ "$got" -gt 0 ] && [ "$b" = 0 ] && [ "$first" -gt 0 ]; then
            ok "$d ($res)$note"
        else
            bad "$d: $res$note"
        fi
    done
}

# beyond DESC COUNT SIZE PARTS RATE
beyond() {
    local desc=$1 count=$2 size=$3 parts=$4 rate=$5
    local d="beyond $desc"
    [ -n "$FILTER" ] && [[ "$d" != *"$FILTER"* ]] && return
    declare -A best
    for way in $WAYS; do
        best[$way]=0
        for _ in 1 2; do
            local res got b
            res=$(run "${way%:*}" "${way#*:}" 1 "$count" "$size" "$parts" "$rate" 3000 0 0 epgm)
            read -r _ got _ b _ _ _ _ <<<"$res"
            [ "$b" = 0 ] || got=-1
            [ "$got" -gt "${best[$way]}" ] && best[$way]=$got
        done
    done
    local ref=${best[libzmq:libzmq]}
    for way in ours:libzmq libzmq:ours ours:ours; do
        local n=${best[$way]}
        if [ "$n" -ge $((ref - count / 20)) ]; then
            ok "$d ${way/:/ -> }: $n of $count (Debian -> Debian: $ref)"
        else
            bad "$d ${way/:/ -> }: $n of $count, fewer than Debian -> Debian's $ref"
        fi
    done
}

envelope "0 B x1000" 1 1000 0 2 100000 0 epgm
envelope "100 B x1000" 1 1000 100 2 100000 0 epgm
envelope "8 KB x200" 1 200 8192 2 100000 0 epgm
envelope "60 KB x100" 1 100 61440 2 100000 0 epgm
envelope "1 MB x20" 1 20 1048576 2 100000 0 epgm
envelope "1 KB x5000" 1 5000 1024 2 100000 0 epgm
envelope "multipart 5 x 1000 B x500" 1 500 1000 5 100000 0 epgm
envelope "bound 8 KB x200" 1 200 8192 2 100000 0 epgm bind
envelope "3 subscribers 8 KB x200" 3 200 8192 2 100000 0 epgm
PGM_MAXTPDU=9000 PGM_RECOVERY_IVL=2000 \
    envelope "MAXTPDU 9000 RECOVERY_IVL 2 s 8 KB x200" 1 200 8192 2 100000 0 epgm
envelope "slow subscriber 1 KB x1000" 1 1000 1024 2 100000 2000 epgm
if [ "${PGM_ROOT:-0}" = 1 ]; then
    envelope "raw pgm 8 KB x200" 1 200 8192 2 100000 0 pgm
else
    echo "skip raw pgm:// (needs root)"
fi
late "1 KB x4000 at 10 Mb/s, after 1 s" 4000 1024 10000 1
beyond "60 KB x1000 at 100 Mb/s" 1000 61440 2 100000
# At 300 Mb/s and 1 Gb/s every way, Debian -> Debian included, stalls
# after a few dozen or hundred messages in some runs and delivers all in
# others (a coin toss on this machine): the counts are printed, not judged.
for r in 300000 1000000; do
    d="info 8 KB x1000 at $((r / 1000)) Mb/s"
    if [ -z "$FILTER" ] || [[ "$d" == *"$FILTER"* ]]; then
        line=""
        for way in $WAYS; do
            res=$(run "${way%:*}" "${way#*:}" 1 1000 8192 2 "$r" 3000 0 0 epgm)
            read -r _ got _ _ _ _ _ _ <<<"$res"
            line="$line ${way/:/->} $got,"
        done
        echo "$d:${line%,} of 1000"
    fi
done

# norm: the same peers; ZMQ_RATE is not read by libzmq 4.3.4's NORM engine
# (NORM's congestion control sets the pace).
envelope "norm 1000 B x100" 1 100 1000 2 100000 0 norm
envelope "norm 0 B x1000" 1 1000 0 2 100000 0 norm
envelope "norm 2000 B x200" 1 200 2000 2 100000 0 norm
envelope "norm multipart 5 x 1000 B x100" 1 100 1000 5 100000 0 norm
envelope "norm 3 subscribers bound 1000 B x100" 3 100 1000 2 100000 0 norm bind
PGM_RCVHWM=10 envelope "norm slow subscriber (RCVHWM 10) 1000 B x200" 1 200 1000 2 100000 5000 norm
d="norm info 16 KB x20"
if [ -z "$FILTER" ] || [[ "$d" == *"$FILTER"* ]]; then
    line=""
    for way in libzmq:libzmq ours:libzmq ours:ours; do
        res=$(PGM_PUB_WAIT_MS=15000 run "${way%:*}" "${way#*:}" 1 20 16384 2 100000 3000 0 0 norm)
        read -r _ got _ _ _ _ _ _ <<<"$res"
        line="$line ${way/:/->} $got,"
    done
    echo "$d (Debian's PUB stalls on parts over about 2 KB):${line%,} of 20"
fi
# hostile DESC SUBLIB: norm_hostile's 30 good messages among malformed ones.
hostile() {
    PORT=$((PORT + 1))
    local dir; dir=$(mktemp -d)
    timeout 60 "$OUT/peer-$1" sub "norm://127.0.0.1;239.192.1.1:$PORT" 30 0 1 3000 0 >"$dir/sub" 2>/dev/null &
    local p=$!
    sleep 0.3
    timeout 60 "$OUT/norm-hostile" 239.192.1.1 "$PORT" 127.0.0.1 30 2000 >/dev/null 2>&1
    wait $p
    grep -h '^got' "$dir/sub" || echo "got 0 bad 0 first -1 last -1"
    rm -rf "$dir"
}
d="norm hostile sender -> ours"
if [ -z "$FILTER" ] || [[ "$d" == *"$FILTER"* ]]; then
    res=$(hostile ours)
    read -r _ got _ b _ _ _ _ <<<"$res"
    if [ "$got" = 30 ] && [ "$b" = 0 ]; then ok "$d ($res)"; else bad "$d: $res"; fi
    echo "norm hostile sender -> Debian (info): $(hostile libzmq)"
fi

echo "pgm: $passed passed, $failed failed"
[ "$failed" = 0 ]
