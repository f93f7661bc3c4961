#!/usr/bin/env bash
# Scale stage: capi-tests/scale/scale.c built against libzmq-rs and against
# Debian's libzmq, each run once: SCALE_N tcp connections (DEALERs) to one
# ROUTER in another process, every connection sending and receiving; a
# reconnect storm (the ROUTER's process killed and restarted, every DEALER
# back within SCALE_STORM_BOUND seconds); 1,000 sockets in one context.
# Prints setup time and RSS per connection side by side. Timing never
# fails the stage; a DEALER not answered, or not back within the bound, does.
#
# env: SCALE_N (default 2000; SCALE_N=10000 is the full size),
#      SCALE_STORM_BOUND (seconds, default 60)
set -u
cd "$(dirname "$0")/.."
N=${SCALE_N:-2000}
BOUND=${SCALE_STORM_BOUND:-60}
OUT=target/scale
mkdir -p "$OUT"
ln -sf libzmq.so target/release/libzmq.so.5
CFLAGS="-std=gnu99 -O2 -Wall -Wextra -Werror"
failed=0
gcc $CFLAGS -Iinclude capi-tests/scale/scale.c -o "$OUT/scale-ours" \
    -Ltarget/release -Wl,-rpath,"$PWD/target/release" -lzmq || exit 1
gcc $CFLAGS -I/usr/include capi-tests/scale/scale.c -o "$OUT/scale-libzmq" \
    /usr/lib/x86_64-linux-gnu/libzmq.so.5 || exit 1
for side in ours libzmq; do
    if timeout -k 5 600 "$OUT/scale-$side" "$N" "$BOUND" >"$OUT/$side.log" 2>&1; then
        echo "ok   scale [$side] N=$N"
    else
        echo "FAIL scale [$side] N=$N"; failed=$((failed + 1))
    fi
    sed 's/^/    /' "$OUT/$side.log"
done
echo "scale: $((2 - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
