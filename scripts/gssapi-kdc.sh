#!/usr/bin/env bash
# A throwaway MIT Kerberos realm for the GSSAPI tests (Debian's krb5-kdc and
# krb5-admin-server): its own krb5.conf, kdc.conf, database, principals and
# keytabs in one directory, nothing read from or written to /etc.
#
#   scripts/gssapi-kdc.sh setup DIR      make the realm in DIR (once)
#   scripts/gssapi-kdc.sh run DIR CMD... start krb5kdc, run CMD with the realm's
#                                        environment (DIR/env), stop krb5kdc
#
# The KDC listens on 127.0.0.1:$KDC_PORT (udp and tcp), so `run` belongs in a
# network namespace of its own (scripts/gssapi-tests.sh and
# scripts/libzmq-tests.sh start it under `unshare -n`): each run has its own
# KDC and loopback, and none outlives the namespace's command.
#
# Principals (REALM ZMQTEST.LOCAL, host = `hostname`, lower case, no DNS):
#   zmqtest/HOST    service, in DIR/server.keytab     (ours and libzmq's servers)
#   zmqclient       user, in DIR/client.keytab        (clients)
#   zmqtest2/HOST   service and client, in DIR/zmqtest2.keytab: libzmq's
#                   test_security_gssapi uses it for both roles
# Several `run`s may share DIR at once (each in its own namespace): they
# only read it, but for the KDC's log.
#   nokey           user, in no keytab (a client without a ticket)
# `DIR/env` exports KRB5_CONFIG, KRB5_KDC_PROFILE, KRB5_KTNAME (server
# keytab), KRB5_CLIENT_KTNAME (client keytab), KRB5CCNAME (a memory cache:
# each process gets its tickets from its keytab), and ZMQ_GSS_HOST /
# ZMQ_GSS_REALM for the tests. KRB5_TRACE=FILE in the caller's environment
# traces every Kerberos call.
set -euo pipefail
REALM=ZMQTEST.LOCAL
KDC_PORT=${KDC_PORT:-10088}
PATH=$PATH:/usr/sbin:/sbin

setup() {
    local d=$1 host
    host=$(hostname | tr 'A-Z' 'a-z')
    rm -rf "$d"; mkdir -p "$d"
    d=$(cd "$d" && pwd)
    cat >"$d/krb5.conf" <<EOF
[libdefaults]
    default_realm = $REALM
    dns_lookup_kdc = false
    dns_lookup_realm = false
    dns_canonicalize_hostname = false
    rdns = false
    ignore_acceptor_hostname = false
    udp_preference_limit = 1
[realms]
    $REALM = {
        kdc = 127.0.0.1:$KDC_PORT
    }
[domain_realm]
    $host = $REALM
    localhost = $REALM
EOF
    cat >"$d/kdc.conf" <<EOF
[kdcdefaults]
    kdc_ports = $KDC_PORT
    kdc_tcp_ports = $KDC_PORT
[realms]
    $REALM = {
        database_name = $d/principal
        key_stash_file = $d/stash
        acl_file = $d/kadm5.acl
        max_life = 1h
        max_renewable_life = 0
    }
[logging]
    kdc = FILE:$d/kdc.log
EOF
    : >"$d/kadm5.acl"
    cat >"$d/env" <<EOF
export KRB5_CONFIG=$d/krb5.conf
export KRB5_KDC_PROFILE=$d/kdc.conf
export KRB5_KTNAME=FILE:$d/server.keytab
export KRB5_CLIENT_KTNAME=FILE:$d/client.keytab
export KRB5CCNAME=MEMORY:
export ZMQ_GSS_HOST=$host
export ZMQ_GSS_REALM=$REALM
EOF
    # shellcheck disable=SC1091
    . "$d/env"
    kdb5_util create -s -r "$REALM" -P "stash-$$-$RANDOM" >"$d/setup.log" 2>&1
    local p
    for p in "zmqtest/$host" zmqclient "zmqtest2/$host" nokey; do
        kadmin.local -r "$REALM" -q "addprinc -randkey $p" >>"$d/setup.log" 2>&1
    done
    kadmin.local -r "$REALM" -q "ktadd -k $d/server.keytab zmqtest/$host" >>"$d/setup.log" 2>&1
    kadmin.local -r "$REALM" -q "ktadd -k $d/client.keytab zmqclient" >>"$d/setup.log" 2>&1
    kadmin.local -r "$REALM" -q "ktadd -k $d/zmqtest2.keytab zmqtest2/$host" >>"$d/setup.log" 2>&1
    for k in server client zmqtest2; do
        [ -s "$d/$k.keytab" ] || { echo "gssapi-kdc: no $k keytab (see $d/setup.log)" >&2; exit 1; }
    done
}

run() {
    local d=$1; shift
    d=$(cd "$d" && pwd)
    # shellcheck disable=SC1091
    . "$d/env"
    krb5kdc -n -r "$REALM" >>"$d/kdc.out" 2>&1 &
    local kdc=$!
    # Up when it answers on its port (tcp): at most 10 s.
    local i
    for i in $(seq 100); do
        (exec 3<>/dev/tcp/127.0.0.1/"$KDC_PORT") 2>/dev/null && break
        kill -0 "$kdc" 2>/dev/null || { echo "gssapi-kdc: krb5kdc died (see $d/kdc.out)" >&2; return 1; }
        sleep 0.1
    done
    local rc=0
    "$@" || rc=$?
    kill "$kdc" 2>/dev/null || true
    wait "$kdc" 2>/dev/null || true
    return $rc
}

case ${1:-} in
    setup) setup "$2" ;;
    run) d=$2; shift 2; run "$d" "$@" ;;
    *) echo "usage: $0 setup DIR | run DIR CMD..." >&2; exit 2 ;;
esac
