#!/usr/bin/env bash
# The GSSAPI mechanism (RFC 38) against Debian's libzmq 4.3.4, in a Kerberos
# realm of its own: scripts/gssapi-kdc.sh makes a throwaway MIT KDC
# (database, principals, keytabs in a temp dir), and the whole run happens
# inside a network namespace where that KDC listens on 127.0.0.1.
#
# capi-tests/interop/gssapi_peer.c is built against each library
# (gssapi-peer-ours, gssapi-peer-libzmq); every case runs a server and a
# client in two processes, DEALER to DEALER over tcp, 20 three-part messages
# of 0 B to 1 MB echoed back and compared byte for byte, the server's ZAP
# handler checking the mechanism and every received frame carrying the
# client principal as User-Id. Each side's monitor must report exactly one
# HANDSHAKE_SUCCEEDED. Cases, for server/client = libzmq/libzmq (the
# self-check: it proves the realm), ours/libzmq, libzmq/ours, ours/ours:
#   encrypted and ZMQ_GSSAPI_PLAINTEXT; a Kerberos principal name
#   (zmqtest/HOST, NT_KRB5_PRINCIPAL) and a host-based one (zmqtest@HOST);
#   a client with ZMQ_GSSAPI_PRINCIPAL and one with default credentials;
#   the client binding and the server connecting; heartbeats on both sides
#   through an idle pause longer than their timeout (one handshake only)
# and handshakes that must fail, with HANDSHAKE_FAILED_NO_DETAIL on both
# sides' monitors within ZMQ_HANDSHAKE_IVL (1 s) and no message through:
#   a service principal the KDC does not know, one whose key the server
#   lacks, a client principal with no key (no ticket), a client whose
#   ticket has expired (kinit -l 3s, no keytab to renew from), a client
#   with no credentials at all; and, ours as server, a ZAP handler's 400
#   (HANDSHAKE_FAILED_AUTH 400 on the server; libzmq 4.3.4's server reports
#   the same event but lets the client in, so it is not run with libzmq as
#   the server);
# ours under valgrind as server and as client (one exchange, one failure);
# and hostile clients on a raw tcp socket against each server (a token
# that is not Kerberos, an INITIATE claiming 4 GB, a MESSAGE before any
# context): each is hung up on, and the next honest client is served.
# Prints "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/target/gssapi-tests
CFLAGS="-std=gnu99 -O2 -g -Wall -Wextra -Werror -pthread"
DEBIAN_LIB=/usr/lib/x86_64-linux-gnu/libzmq.so.5
OURLIB=$ROOT/target/release

if [ "${GSSAPI_TESTS_INSIDE:-}" != 1 ]; then
    mkdir -p "$OUT"
    fail_build() { echo "FAIL gssapi-tests: $*"; echo "0 passed, 1 failed"; exit 1; }
    [ -f "$OURLIB/libzmq.so" ] || fail_build "no $OURLIB/libzmq.so (make build)"
    ln -sf libzmq.so "$OURLIB/libzmq.so.5"
    gcc $CFLAGS -I/usr/include capi-tests/interop/gssapi_peer.c -o "$OUT/gssapi-peer-libzmq" \
        "$DEBIAN_LIB" 2>"$OUT/build-libzmq.log" || fail_build "peer-libzmq: $(cat "$OUT/build-libzmq.log")"
    gcc $CFLAGS -Iinclude capi-tests/interop/gssapi_peer.c -o "$OUT/gssapi-peer-ours" \
        -L"$OURLIB" -Wl,-rpath,"$OURLIB" -lzmq 2>"$OUT/build-ours.log" \
        || fail_build "peer-ours: $(cat "$OUT/build-ours.log")"
    KDC=$(mktemp -d /tmp/gssapi-kdc.XXXXXX)
    trap 'rm -rf "$KDC"' EXIT
    scripts/gssapi-kdc.sh setup "$KDC" || fail_build "KDC setup (Debian's krb5-kdc: scripts/deps.sh)"
    # A network namespace of our own: the KDC's port and loopback are ours.
    UNSHARE="unshare -n"; [ "$(id -u)" -ne 0 ] && UNSHARE="unshare -r -n"
    GSSAPI_TESTS_INSIDE=1 $UNSHARE sh -c 'ip link set lo up && exec "$@"' _ \
        scripts/gssapi-kdc.sh run "$KDC" "$0" "$KDC"
    exit $?
fi

# ---- inside the namespace, with the KDC running -----------------------------
KDC=$1
HOST=$ZMQ_GSS_HOST
REALM=$ZMQ_GSS_REALM
passed=0 failed=0
CASE_DIR=$OUT/cases
rm -rf "$CASE_DIR"; mkdir -p "$CASE_DIR"
: >"$KDC/empty.keytab"
# Kerberos is loaded at run time: our libzmq.so.5 does not link it.
if readelf -d "$OURLIB/libzmq.so" | grep NEEDED | grep -qi -e gssapi -e krb5; then
    failed=$((failed + 1)); echo "FAIL libzmq.so links Kerberos: $(readelf -d "$OURLIB/libzmq.so" | grep NEEDED)"
else
    passed=$((passed + 1)); echo "ok   libzmq.so has no link-time dependency on Kerberos"
fi
# An expired ticket: zmqclient's, valid for 3 s, in a cache of its own (the
# clients that use it have no keytab to get a fresh one from).
KRB5CCNAME=FILE:$KDC/expired.cc kinit -k -t "$KDC/client.keytab" -l 3s zmqclient \
    || echo "gssapi-tests: kinit failed"
sleep 4
if [ -s "$KDC/expired.cc" ] && ! KRB5CCNAME=FILE:$KDC/expired.cc klist -s \
    && KRB5CCNAME=FILE:$KDC/expired.cc klist | grep -q "krbtgt/$REALM"; then
    passed=$((passed + 1)); echo "ok   the expired-ticket cache holds zmqclient's expired TGT"
else
    failed=$((failed + 1)); echo "FAIL the expired-ticket cache is not what the cases below need"
fi

# run_case "description" expect(ok|fail) server-lib client-lib \
#     [server key=value...] -- [client key=value...] [-- check-regexes...]
run_case() {
    local desc=$1 expect=$2 slib=$3 clib=$4; shift 4
    local sargs=() cargs=() checks=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do sargs+=("$1"); shift; done; shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do cargs+=("$1"); shift; done
    [ $# -gt 0 ] && { shift; checks=("$@"); }
    local d=$CASE_DIR/$((passed + failed))
    mkdir -p "$d"
    local ckt=$KDC/client.keytab ccache=MEMORY:client
    for a in "${cargs[@]}"; do
        [ "$a" = "keytab=none" ] && ckt=$KDC/empty.keytab
        [ "$a" = "ccache=expired" ] && ckt=$KDC/empty.keytab ccache=FILE:$KDC/expired.cc
    done
    local common=(ep="$d/ep" expect="$expect")
    [ "$expect" = fail ] && common+=(timeout=4000 handshake=1000)
    # VG=server or VG=client: that side (ours) runs under valgrind memcheck.
    local vs=() vc=() vg=(valgrind -q --error-exitcode=99 --leak-check=full
        --errors-for-leak-kinds=definite --show-leak-kinds=definite)
    [ "${VG:-}" = server ] && vs=("${vg[@]}")
    [ "${VG:-}" = client ] && vc=("${vg[@]}")
    KRB5_KTNAME=FILE:$KDC/server.keytab KRB5_CLIENT_KTNAME=FILE:$KDC/server.keytab \
        KRB5CCNAME=MEMORY:server timeout -k 5 60 "${vs[@]}" "$OUT/gssapi-peer-$slib" server \
        "${common[@]}" "${sargs[@]}" >"$d/server.out" 2>&1 &
    local sp=$!
    KRB5_KTNAME=FILE:$ckt KRB5_CLIENT_KTNAME=FILE:$ckt KRB5CCNAME=$ccache \
        timeout -k 5 60 "${vc[@]}" "$OUT/gssapi-peer-$clib" client "${common[@]}" "${cargs[@]}" \
        >"$d/client.out" 2>&1
    local crc=$? src=0
    wait $sp || src=$?
    local ok=1 why=""
    [ $src = 0 ] || { ok=0; why="server exit $src"; }
    [ $crc = 0 ] || { ok=0; why="$why client exit $crc"; }
    local c side re
    for c in "${checks[@]}"; do
        side=${c%%:*}; re=${c#*:}
        grep -Eq "$re" "$d/$side.out" || { ok=0; why="$why; $side lacks /$re/"; }
    done
    if [ $ok = 1 ]; then
        passed=$((passed + 1)); echo "ok   $desc"
    else
        failed=$((failed + 1)); echo "FAIL $desc ($why)"
        sed 's/^/    server: /' "$d/server.out"; sed 's/^/    client: /' "$d/client.out"
    fi
}

# run_attack "description" server-lib attack check-regex...: a hostile raw
# tcp client first (it must be hung up on), then an honest libzmq client,
# which the same server must still serve.
run_attack() {
    local desc=$1 slib=$2 attack=$3; shift 3
    local d=$CASE_DIR/$((passed + failed))
    mkdir -p "$d"
    KRB5_KTNAME=FILE:$KDC/server.keytab KRB5_CLIENT_KTNAME=FILE:$KDC/server.keytab \
        KRB5CCNAME=MEMORY:server timeout -k 5 60 "$OUT/gssapi-peer-$slib" server ep="$d/ep" \
        principal="zmqtest/$HOST" ptype=2 handshake=1000 count=5 >"$d/server.out" 2>&1 &
    local sp=$! ok=1 why=""
    timeout -k 5 30 "$OUT/gssapi-peer-libzmq" raw ep="$d/ep" attack="$attack" timeout=5000 \
        >"$d/raw.out" 2>&1 || { ok=0; why="attacker: $(tail -n 1 "$d/raw.out")"; }
    KRB5_KTNAME=FILE:$KDC/client.keytab KRB5_CLIENT_KTNAME=FILE:$KDC/client.keytab \
        KRB5CCNAME=MEMORY:client timeout -k 5 60 "$OUT/gssapi-peer-libzmq" client ep="$d/ep" \
        service="zmqtest/$HOST" stype=2 count=5 >"$d/client.out" 2>&1 || { ok=0; why="$why client failed"; }
    wait $sp || { ok=0; why="$why server failed"; }
    local re
    for re in "$@"; do
        grep -Eq "$re" "$d/server.out" || { ok=0; why="$why; server lacks /$re/"; }
    done
    if [ $ok = 1 ]; then
        passed=$((passed + 1)); echo "ok   $desc"
    else
        failed=$((failed + 1)); echo "FAIL $desc ($why)"
        for f in server raw client; do sed "s/^/    $f: /" "$d/$f.out"; done
    fi
}

SVC_KRB=(principal="zmqtest/$HOST" ptype=2)
SVC_HOST=(principal="zmqtest@$HOST" ptype=0)
USERID="zmqclient@$REALM"
for pairing in libzmq/libzmq ours/libzmq libzmq/ours ours/ours; do
    s=${pairing%/*}; c=${pairing#*/}
    tag="server=$s client=$c"
    for pt in 0 1; do
        mode=encrypted; [ $pt = 1 ] && mode=plaintext
        run_case "$tag $mode, krb5 principal names" ok "$s" "$c" \
            "${SVC_KRB[@]}" plaintext=$pt userid="$USERID" -- \
            service="zmqtest/$HOST" stype=2 principal=zmqclient ptype=1 plaintext=$pt -- \
            "server:^zap GSSAPI $USERID\$" "server:result ok messages=20" "client:result ok messages=20"
    done
    run_case "$tag encrypted, host-based names, default client credentials" ok "$s" "$c" \
        "${SVC_HOST[@]}" userid="$USERID" -- service="zmqtest@$HOST" stype=0 -- \
        "server:^zap GSSAPI $USERID\$" "client:result ok"
    run_case "$tag encrypted, client binds, server connects" ok "$s" "$c" \
        "${SVC_KRB[@]}" bind=0 userid="$USERID" -- \
        service="zmqtest/$HOST" stype=2 principal=zmqclient ptype=1 bind=1 -- \
        "server:result ok" "client:result ok"
    run_case "$tag encrypted, heartbeats through a 1 s idle pause (3 x 100 ms timeout)" ok "$s" "$c" \
        "${SVC_KRB[@]}" hb=100 userid="$USERID" -- \
        service="zmqtest/$HOST" stype=2 principal=zmqclient ptype=1 hb=100 pause=1000 -- \
        "server:result ok messages=20" "client:result ok messages=20"
    both_fail=("server:event HANDSHAKE_FAILED_NO_DETAIL" "client:event HANDSHAKE_FAILED_NO_DETAIL")
    run_case "$tag fails: service principal unknown to the KDC" fail "$s" "$c" \
        "${SVC_KRB[@]}" -- service="zmqwrong/$HOST" stype=2 principal=zmqclient ptype=1 -- \
        "${both_fail[@]}"
    run_case "$tag fails: service principal whose key the server lacks" fail "$s" "$c" \
        "${SVC_KRB[@]}" -- service="zmqtest2/$HOST" stype=2 principal=zmqclient ptype=1 -- \
        "${both_fail[@]}"
    run_case "$tag fails: client principal without a key (no ticket)" fail "$s" "$c" \
        "${SVC_KRB[@]}" -- service="zmqtest/$HOST" stype=2 principal=nokey ptype=1 -- \
        "${both_fail[@]}"
    run_case "$tag fails: client whose ticket has expired" fail "$s" "$c" \
        "${SVC_KRB[@]}" -- service="zmqtest/$HOST" stype=2 ccache=expired -- \
        "${both_fail[@]}"
    run_case "$tag fails: client without any credentials" fail "$s" "$c" \
        "${SVC_KRB[@]}" -- service="zmqtest/$HOST" stype=2 keytab=none -- \
        "${both_fail[@]}"
    run_case "$tag fails: plaintext on one side only" fail "$s" "$c" \
        "${SVC_KRB[@]}" plaintext=1 -- service="zmqtest/$HOST" stype=2 principal=zmqclient ptype=1 -- \
        "server:event HANDSHAKE_FAILED"
    if [ "$s" = ours ]; then
        run_case "$tag fails: the ZAP handler says 400" fail "$s" "$c" \
            "${SVC_KRB[@]}" zap=deny -- service="zmqtest/$HOST" stype=2 principal=zmqclient ptype=1 -- \
            "server:event HANDSHAKE_FAILED_AUTH 0x190" "client:event HANDSHAKE_FAILED"
    fi
done
# Ours under valgrind (definite leaks and memory errors fail): the bindings'
# buffers, names, credentials and contexts, on success and on failure.
for side in server client; do
    if [ $side = server ]; then pair=(ours libzmq); else pair=(libzmq ours); fi
    VG=$side run_case "valgrind: ours as $side, encrypted" ok "${pair[@]}" \
        "${SVC_KRB[@]}" count=6 timeout=20000 userid="$USERID" -- \
        service="zmqtest/$HOST" stype=2 principal=zmqclient ptype=1 count=6 timeout=20000 -- \
        "server:result ok messages=6" "client:result ok messages=6"
    VG=$side run_case "valgrind: ours as $side, service principal whose key the server lacks" fail \
        "${pair[@]}" "${SVC_KRB[@]}" -- service="zmqtest2/$HOST" stype=2 principal=zmqclient ptype=1 -- \
        "server:event HANDSHAKE_FAILED_NO_DETAIL" "client:event HANDSHAKE_FAILED_NO_DETAIL"
done

# Hostile input on the wire: each ends only its own connection.
for s in libzmq ours; do
    run_attack "server=$s hostile INITIATE token (not Kerberos): hung up at the handshake timeout, next client served" \
        "$s" garbage "event HANDSHAKE_FAILED_NO_DETAIL" "result ok messages=5"
    run_attack "server=$s INITIATE claiming 4 GB: hung up at once, next client served" \
        "$s" overlong "event HANDSHAKE_FAILED_PROTOCOL" "result ok messages=5"
    run_attack "server=$s MESSAGE before any context: hung up, next client served" \
        "$s" message "event HANDSHAKE_FAILED" "result ok messages=5"
done
echo "gssapi-tests: $passed passed, $failed failed"
echo "$passed passed, $failed failed"
[ $failed = 0 ]
