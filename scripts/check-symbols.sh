#!/usr/bin/env bash
# Checks what libzmq.so shows the dynamic linker:
#  - every exported (defined, dynamic) symbol is one of libzmq 4.3.5's 97
#    zmq_* functions, unversioned like libzmq's: nothing of Rust's or of a
#    dependency leaks;
#  - the SONAME is libzmq.so.5;
#  - which of the 97 are not exported yet (informational).
set -u
cd "$(dirname "$0")/.."
export LC_ALL=C
LIB=${1:-target/release/libzmq.so}
W=target/check-symbols
mkdir -p "$W"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# libzmq 4.3.5's exports: 70 stable and 27 draft functions (a draft build
# exports both; zmq_disconnect_peer only exists in 4.3.6-dev drafts).
cat >"$W/libzmq.symbols" <<'EOF'
stable zmq_atomic_counter_dec
stable zmq_atomic_counter_destroy
stable zmq_atomic_counter_inc
stable zmq_atomic_counter_new
stable zmq_atomic_counter_set
stable zmq_atomic_counter_value
stable zmq_bind
stable zmq_close
stable zmq_connect
stable zmq_ctx_destroy
stable zmq_ctx_get
stable zmq_ctx_new
stable zmq_ctx_set
stable zmq_ctx_shutdown
stable zmq_ctx_term
stable zmq_curve_keypair
stable zmq_curve_public
stable zmq_device
stable zmq_disconnect
stable zmq_errno
stable zmq_getsockopt
stable zmq_has
stable zmq_init
stable zmq_msg_close
stable zmq_msg_copy
stable zmq_msg_data
stable zmq_msg_get
stable zmq_msg_gets
stable zmq_msg_init
stable zmq_msg_init_data
stable zmq_msg_init_size
stable zmq_msg_more
stable zmq_msg_move
stable zmq_msg_recv
stable zmq_msg_send
stable zmq_msg_set
stable zmq_msg_size
stable zmq_poll
stable zmq_proxy
stable zmq_proxy_steerable
stable zmq_recv
stable zmq_recviov
stable zmq_recvmsg
stable zmq_send
stable zmq_send_const
stable zmq_sendiov
stable zmq_sendmsg
stable zmq_setsockopt
stable zmq_sleep
stable zmq_socket
stable zmq_socket_monitor
stable zmq_stopwatch_intermediate
stable zmq_stopwatch_start
stable zmq_stopwatch_stop
stable zmq_strerror
stable zmq_term
stable zmq_threadclose
stable zmq_threadstart
stable zmq_timers_add
stable zmq_timers_cancel
stable zmq_timers_destroy
stable zmq_timers_execute
stable zmq_timers_new
stable zmq_timers_reset
stable zmq_timers_set_interval
stable zmq_timers_timeout
stable zmq_unbind
stable zmq_version
stable zmq_z85_decode
stable zmq_z85_encode
draft zmq_connect_peer
draft zmq_ctx_get_ext
draft zmq_ctx_set_ext
draft zmq_disconnect_peer
draft zmq_join
draft zmq_leave
draft zmq_msg_group
draft zmq_msg_init_buffer
draft zmq_msg_routing_id
draft zmq_msg_set_group
draft zmq_msg_set_routing_id
draft zmq_poller_add
draft zmq_poller_add_fd
draft zmq_poller_destroy
draft zmq_poller_fd
draft zmq_poller_modify
draft zmq_poller_modify_fd
draft zmq_poller_new
draft zmq_poller_remove
draft zmq_poller_remove_fd
draft zmq_poller_size
draft zmq_poller_wait
draft zmq_poller_wait_all
draft zmq_ppoll
draft zmq_socket_get_peer_state
draft zmq_socket_monitor_pipes_stats
draft zmq_socket_monitor_versioned
EOF
awk '{print $2}' "$W/libzmq.symbols" | sort >"$W/known"
total=$(wc -l <"$W/known")

# Cross-check the list: Debian's libzmq exports must all be in it.
DEBIAN=/usr/lib/x86_64-linux-gnu/libzmq.so.5
if [ -e "$DEBIAN" ]; then
    nm -D --defined-only "$DEBIAN" | awk '{print $3}' | sed 's/@.*//' | sort -u >"$W/debian"
    for s in $(comm -23 "$W/debian" "$W/known"); do
        fail "Debian's libzmq exports $s, which the list above lacks"
    done
fi

if [ ! -f "$LIB" ]; then
    fail "$LIB not built"
    echo "check-symbols: 0 passed, $failures failed"
    exit 1
fi

# Defined dynamic symbols: "name type" (posix format), versions kept.
nm -D --defined-only --format=posix "$LIB" | awk '{print $1, $2}' >"$W/exported.raw"
exported=0
while read -r sym type; do
    exported=$((exported + 1))
    name=${sym%%@*}
    if ! grep -qx "$name" "$W/known"; then
        fail "$LIB exports $sym (type $type), which is not a libzmq symbol"
        continue
    fi
    # libzmq's symbols carry no version; binaries linked to it ask for none.
    [ "$name" != "$sym" ] && fail "$sym is versioned; libzmq's symbols are not"
    case $type in
        T | t | W | i) ;;
        *) fail "$name is exported as type $type, not as a function" ;;
    esac
done <"$W/exported.raw"

soname=$(readelf -d "$LIB" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libzmq.so.5" ] || fail "SONAME is '$soname', not libzmq.so.5"

awk '{print $1}' "$W/exported.raw" | sed 's/@.*//' | sort -u >"$W/exported"
comm -23 "$W/known" "$W/exported" >"$W/not-exported"
n_missing=$(wc -l <"$W/not-exported")
if [ "$n_missing" -gt 0 ]; then
    echo "not exported yet ($n_missing of $total):"
    while read -r kind name; do
        grep -qx "$name" "$W/not-exported" && echo "    $name ($kind)"
    done <"$W/libzmq.symbols"
fi
echo "check-symbols: $LIB exports $exported symbols, SONAME ${soname:-none};" \
    "$((total - n_missing)) of $total libzmq symbols exported"
echo "$((exported - failures > 0 ? exported - failures : 0)) passed, $failures failed"
[ $failures -eq 0 ]
