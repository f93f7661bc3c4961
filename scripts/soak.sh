#!/usr/bin/env bash
# Soak test with chaos: separate processes over tcp, spread over three
# network namespaces (hosts C, B, W joined by veth pairs, IPv4 and IPv6),
# REQ clients (Lazy Pirate) -> ROUTER/DEALER zmq_proxy broker -> REP workers,
# a PUB/SUB feed and a PUSH/PULL pipeline, while scripts/soak.py SIGKILLs and
# restarts processes, takes links down and up, and routes some links through
# scripts/soak-relay.py (stalls, drips, cuts mid-frame, resets, garbles CURVE
# links). The programs are capi-tests/soak/soak_node.c against zmq.h.
#
# Ends with one result line (sent, delivered, retried, dropped at HWM, faults,
# restarts, peak RSS, lost, corrupted), then "N passed, N failed" (one count
# per check); exits non-zero on a failure.
#
# env: SOAK_SECONDS (chaos phase, default 600), SOAK_SEED (default: random,
#      printed; rerun with it to replay the same choices),
#      SOAK_LIB=libzmq (run the same soak on Debian's libzmq instead of ours)
# Needs root (ip netns). Cleans up its namespaces on exit, even on failure.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
export SOAK_SECONDS=${SOAK_SECONDS:-600}
export SOAK_SEED=${SOAK_SEED:-$(( (RANDOM << 15) | RANDOM ))}
LIB=${SOAK_LIB:-ours}
OUT=$ROOT/target/soak
export SOAK_RUN=$OUT/run-$LIB
CFLAGS="-std=gnu99 -O2 -g -Wall -Wextra -Werror -pthread"
unset LD_PRELOAD LD_LIBRARY_PATH
mkdir -p "$OUT"

if [ "$(id -u)" != 0 ]; then echo "soak: needs root (ip netns)"; echo "0 passed, 1 failed"; exit 1; fi
case $LIB in
ours)
    [ -f target/release/libzmq.so ] || { echo "soak: target/release/libzmq.so not built (make build)"; echo "0 passed, 1 failed"; exit 1; }
    ln -sf libzmq.so target/release/libzmq.so.5
    build=(gcc $CFLAGS -Iinclude capi-tests/soak/soak_node.c -o "$OUT/soak-node-ours"
           -L"$ROOT/target/release" -Wl,-rpath,"$ROOT/target/release" -lzmq) ;;
libzmq)
    build=(gcc $CFLAGS -I/usr/include capi-tests/soak/soak_node.c -o "$OUT/soak-node-libzmq"
           /usr/lib/x86_64-linux-gnu/libzmq.so.5) ;;
*) echo "soak: SOAK_LIB is ours or libzmq"; exit 2 ;;
esac
if ! "${build[@]}"; then echo "soak: build failed"; echo "0 passed, 1 failed"; exit 1; fi
export SOAK_NODE=$OUT/soak-node-$LIB
rm -rf "$SOAK_RUN"; mkdir -p "$SOAK_RUN"

# ---- hosts: C <-> B <-> W ------------------------------------------------------
tag=s$$
export SOAK_NS_C=$tag-c SOAK_NS_B=$tag-b SOAK_NS_W=$tag-w
export SOAK_LINK_CB=$tag-bc SOAK_LINK_BW=$tag-bw
DRIVER=
cleanup() {
    [ -n "$DRIVER" ] && kill "$DRIVER" 2>/dev/null
    for ns in "$SOAK_NS_C" "$SOAK_NS_B" "$SOAK_NS_W"; do
        # our namespaces' processes only: whatever a failed run left behind
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
nsx() { ip netns exec "$@"; }
setup() {
    local ns
    for ns in "$SOAK_NS_C" "$SOAK_NS_B" "$SOAK_NS_W"; do
        ip netns add "$ns" || return 1
        nsx "$ns" ip link set lo up
        # keep IPv6 addresses while a link is down (the chaos takes links down)
        nsx "$ns" sysctl -qw net.ipv6.conf.all.keep_addr_on_down=1 net.ipv6.conf.default.keep_addr_on_down=1
    done
    # link <ns-a> <if-a> <ns-b> <if-b> <net>: a gets .1, b gets .2
    link() {
        ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" || return 1
        nsx "$1" ip addr add "10.77.$5.1/24" dev "$2"
        nsx "$3" ip addr add "10.77.$5.2/24" dev "$4"
        nsx "$1" ip -6 addr add "fd00:77:$5::1/64" dev "$2" nodad
        nsx "$3" ip -6 addr add "fd00:77:$5::2/64" dev "$4" nodad
        nsx "$1" ip link set "$2" up && nsx "$3" ip link set "$4" up
    }
    link "$SOAK_NS_B" "$SOAK_LINK_CB" "$SOAK_NS_C" "$tag-cb" 1 &&
    link "$SOAK_NS_B" "$SOAK_LINK_BW" "$SOAK_NS_W" "$tag-wb" 2
}
if ! setup; then echo "soak: network namespace setup failed"; echo "0 passed, 1 failed"; exit 1; fi

echo "soak: $LIB, seed $SOAK_SEED, ${SOAK_SECONDS} s (replay: SOAK_SEED=$SOAK_SEED), logs in $SOAK_RUN"
# in the background, so that a signal runs the cleanup at once
python3 scripts/soak.py & DRIVER=$!
wait "$DRIVER"; rc=$?
DRIVER=
exit $rc
