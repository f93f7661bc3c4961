#!/usr/bin/env bash
# libzmq 4.3.5, the reference for the draft API: its source comes from the
# zeromq-src crate (=0.3.6, libzmq 4.3.5 vendored), fetched by cargo (CI
# reaches package registries only) through scripts/libzmq-ref/Cargo.toml, and
# is built once with its own CMake (drafts on, CURVE through libsodium, wss
# through GnuTLS) into
# target/libzmq-ref/ (rebuilt only when the source or the options change).
#
# Prints three lines on stdout:
#   the directory holding the built libzmq.so.5
#   its include directory (zmq.h of 4.3.5, draft API under ZMQ_BUILD_DRAFT_API)
#   the libzmq source directory (tests/, external/unity, ...)
# e.g.  { read -r LIB; read -r INC; read -r SRC; } < <(scripts/libzmq-ref.sh)
# Progress and errors go to stderr; exit status non-zero if anything failed.
# Needs cargo, cmake, a C++ compiler, libsodium-dev and libgnutls28-dev.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
REF=$ROOT/target/libzmq-ref
MANIFEST=$ROOT/scripts/libzmq-ref/Cargo.toml
die() { echo "libzmq-ref: $*" >&2; exit 1; }
mkdir -p "$ROOT/target"

# One build at a time (two stages, or two checkouts' scripts, may ask at once).
exec 9>"$ROOT/target/libzmq-ref.lock"
flock 9

cargo fetch --manifest-path "$MANIFEST" >"$ROOT/target/libzmq-ref.fetch.log" 2>&1 \
    || die "cargo fetch failed (see target/libzmq-ref.fetch.log)"
CRATE=$(cargo metadata --format-version 1 --manifest-path "$MANIFEST" \
    2>>"$ROOT/target/libzmq-ref.fetch.log" | python3 -c '
import json, sys
print(next(p["manifest_path"] for p in json.load(sys.stdin)["packages"] if p["name"] == "zeromq-src"))') \
    || die "cargo metadata found no zeromq-src (see target/libzmq-ref.fetch.log)"
SRC=$(dirname "$CRATE")/vendor
[ -f "$SRC/CMakeLists.txt" ] && [ -f "$SRC/include/zmq.h" ] || die "no libzmq source in $SRC"

# WITH_TLS=ON: wss through GnuTLS (libgnutls28-dev), the reference for ours
# over rustls; WITH_DOCS=OFF: no asciidoc.
CMAKE_ARGS="-DENABLE_DRAFTS=ON -DWITH_LIBSODIUM=ON -DENABLE_CURVE=ON -DWITH_TLS=ON
 -DWITH_DOCS=OFF -DBUILD_TESTS=OFF -DBUILD_STATIC=OFF -DWITH_PERF_TOOL=OFF
 -DCMAKE_BUILD_TYPE=Release"
STAMP="$SRC $CMAKE_ARGS"
if [ ! -e "$REF/build/lib/libzmq.so.5" ] || [ "$(cat "$REF/stamp" 2>/dev/null)" != "$STAMP" ]; then
    echo "libzmq-ref: building libzmq 4.3.5 with CMake (once; cached in target/libzmq-ref)" >&2
    t=$SECONDS
    rm -rf "$REF"; mkdir -p "$REF"
    # shellcheck disable=SC2086
    cmake -S "$SRC" -B "$REF/build" $CMAKE_ARGS >"$REF/cmake.log" 2>&1 \
        || die "cmake configure failed (see target/libzmq-ref/cmake.log)"
    cmake --build "$REF/build" -j"${LIBZMQ_REF_JOBS:-2}" >"$REF/build.log" 2>&1 \
        || die "cmake build failed (see target/libzmq-ref/build.log)"
    [ -e "$REF/build/lib/libzmq.so.5" ] || die "the build made no lib/libzmq.so.5"
    echo "$STAMP" >"$REF/stamp"
    echo "libzmq-ref: built in $((SECONDS - t)) s" >&2
fi
echo "$REF/build/lib"
echo "$SRC/include"
echo "$SRC"
