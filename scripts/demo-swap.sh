#!/usr/bin/env bash
# The second half of `make`'s demo: a program built against Debian's
# libzmq.so.5 (Debian's python3-zmq, if installed) run once with ours swapped
# in by LD_LIBRARY_PATH, showing from /proc/self/maps which libzmq it loaded.
# Installs nothing: without python3-zmq it says so in one line.
set -u
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
if ! [ -x "$PY" ] || ! "$PY" -c 'import zmq' 2>/dev/null; then
    echo "swap demo skipped: no program linked against Debian's libzmq.so.5 (apt-get install python3-zmq adds one)"
    exit 0
fi
LD_LIBRARY_PATH=$PWD/target/release${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} "$PY" - <<'PY'
import zmq
ctx = zmq.Context()
a, b = ctx.socket(zmq.PAIR), ctx.socket(zmq.PAIR)
a.bind("inproc://swap")
b.connect("inproc://swap")
a.send(b"ping from Debian's python3-zmq")
got = b.recv()
libs = sorted({l.split()[-1] for l in open("/proc/self/maps") if "libzmq" in l.split()[-1]})
print("python3-zmq %s with LD_LIBRARY_PATH=target/release: zmq_version %s, got %r" % (zmq.__version__, zmq.zmq_version(), got.decode()))
for path in libs:
    print("  loaded " + path)
a.close(); b.close(); ctx.term()
PY
