#!/usr/bin/env bash
# `make install` into a scratch prefix, then use the result the way a
# downstream build does: through pkg-config, dynamically and statically, and
# through CMake's find_package(ZeroMQ) with cppzmq's zmq.hpp (cmake and
# cppzmq-dev: scripts/deps.sh).
set -u
cd "$(dirname "$0")/.."
export LC_ALL=C
W=$PWD/target/check-install
rm -rf "$W"; mkdir -p "$W"
P=$W/prefix
passed=0; failures=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

if make --no-print-directory install PREFIX="$P" >"$W/install.log" 2>&1; then
    ok "make install PREFIX=$P"
else
    fail "make install PREFIX=$P"; tail -n 20 "$W/install.log"
fi

# The files libzmq's own `make install` leaves (libtool naming).
check_file() { # path test description
    if test "$2" "$P/$1"; then ok "$1 ($3)"; else fail "$1 ($3)"; fi
}
check_file lib/libzmq.so.5.2.5 -f "shared object"
check_file lib/libzmq.a -f "static library"
check_file include/zmq.h -f header
check_file include/zmq_utils.h -f header
check_file lib/pkgconfig/libzmq.pc -f pkg-config
check_file lib/cmake/ZeroMQ/ZeroMQConfig.cmake -f "CMake package"
check_file lib/cmake/ZeroMQ/ZeroMQConfigVersion.cmake -f "CMake package version"
check_file lib/cmake/ZeroMQ/ZeroMQTargets.cmake -f "CMake imported targets"
for link in lib/libzmq.so.5:libzmq.so.5.2.5 lib/libzmq.so:libzmq.so.5; do
    path=${link%%:*} target=${link#*:}
    if [ -L "$P/$path" ] && [ "$(readlink "$P/$path")" = "$target" ]; then
        ok "$path -> $target"
    else
        fail "$path should be a symlink to $target (is: $(readlink "$P/$path" 2>/dev/null || echo 'no symlink'))"
    fi
done
if cmp -s include/zmq.h "$P/include/zmq.h"; then ok "installed zmq.h is include/zmq.h"; else fail "installed zmq.h differs from include/zmq.h"; fi
soname=$(readelf -d "$P/lib/libzmq.so.5.2.5" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libzmq.so.5 ] && ok "SONAME libzmq.so.5" || fail "SONAME is '$soname'"

# A downstream program: prints the version and the libzmq file it runs with.
cat >"$W/prog.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include <zmq.h>

int main (void)
{
    int major, minor, patch;
    char line[4096];
    FILE *maps;
    zmq_version (&major, &minor, &patch);
    printf ("version %d.%d.%d\n", major, minor, patch);
    if (ZMQ_VERSION != ZMQ_MAKE_VERSION (major, minor, patch))
        printf ("header version %d differs\n", ZMQ_VERSION);
    maps = fopen ("/proc/self/maps", "r");
    if (!maps)
        return 1;
    while (fgets (line, sizeof line, maps)) {
        char *path = strchr (line, '/');
        if (path && strstr (path, "/libzmq.so")) {
            printf ("loaded %s", path);
            break;
        }
    }
    fclose (maps);
    return 0;
}
EOF

export PKG_CONFIG_PATH=$P/lib/pkgconfig
if [ "$(pkg-config --modversion libzmq 2>/dev/null)" = 4.3.5 ]; then
    ok "pkg-config --modversion libzmq = 4.3.5"
else
    fail "pkg-config --modversion libzmq: $(pkg-config --modversion libzmq 2>&1)"
fi

# Dynamic: cc prog.c $(pkg-config --cflags --libs libzmq)
# shellcheck disable=SC2046
if cc -Wall -Werror "$W/prog.c" -o "$W/prog" $(pkg-config --cflags --libs libzmq) 2>"$W/prog.build"; then
    ok "cc prog.c \$(pkg-config --cflags --libs libzmq)"
    out=$(LD_LIBRARY_PATH=$P/lib "$W/prog" 2>&1)
    want_lib=$(readlink -f "$P/lib/libzmq.so.5.2.5")
    loaded=$(sed -n 's/^loaded //p' <<<"$out")
    [ "$(head -n 1 <<<"$out")" = "version 4.3.5" ] && ok "prog prints version 4.3.5" || fail "prog printed: $out"
    grep -q '^header version' <<<"$out" && fail "zmq.h's ZMQ_VERSION disagrees with zmq_version: $out"
    if [ -n "$loaded" ] && [ "$(readlink -f "$loaded")" = "$want_lib" ]; then
        ok "prog loaded $loaded"
    else
        fail "prog loaded '${loaded:-no libzmq}', expected $want_lib"
    fi
else
    fail "cc prog.c \$(pkg-config --cflags --libs libzmq)"; cat "$W/prog.build"
fi

# Static: the archive plus pkg-config's Libs.private.
# shellcheck disable=SC2046
if cc -Wall -Werror "$W/prog.c" -o "$W/prog-static" $(pkg-config --cflags libzmq) \
    $(pkg-config --static --libs libzmq | sed 's/-lzmq\b/-l:libzmq.a/') 2>"$W/prog-static.build"; then
    ok "cc prog.c \$(pkg-config --static --libs libzmq) with lib/libzmq.a"
    if readelf -d "$W/prog-static" | grep -q 'NEEDED.*libzmq'; then
        fail "the static program still needs a shared libzmq"
    else
        ok "the static program needs no shared libzmq"
    fi
    out=$(env -u LD_LIBRARY_PATH "$W/prog-static" 2>&1)
    [ "$(head -n 1 <<<"$out")" = "version 4.3.5" ] && ok "static prog prints version 4.3.5" || fail "static prog printed: $out"
    grep -q '^loaded' <<<"$out" && fail "static prog loaded a shared libzmq: $out"
else
    fail "static link against lib/libzmq.a with \$(pkg-config --static --libs libzmq)"; cat "$W/prog-static.build"
fi

# CMake: find_package(ZeroMQ) as libzmq 4.3.5's install provides it (targets
# libzmq and libzmq-static, ZeroMQ_INCLUDE_DIR / _LIBRARY / _STATIC_LIBRARY),
# a C++ program on cppzmq's zmq.hpp linked both ways, each run.
if ! command -v cmake >/dev/null || ! [ -f /usr/include/zmq.hpp ]; then
    fail "cmake and cppzmq-dev are needed (scripts/deps.sh installs them)"
else
    C=$W/cmake; mkdir -p "$C/src"
    cat >"$C/src/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.5)
project(zmq_rs_cmake_check CXX)
find_package(ZeroMQ 4.3 REQUIRED)
foreach(v ZeroMQ_FOUND ZeroMQ_VERSION ZeroMQ_INCLUDE_DIR ZeroMQ_LIBRARY ZeroMQ_STATIC_LIBRARY)
  message(STATUS "check: ${v}=${${v}}")
endforeach()
add_executable(hello_shared hello.cpp)
target_link_libraries(hello_shared libzmq)
add_executable(hello_static hello.cpp)
target_link_libraries(hello_static libzmq-static)
EOF
    cat >"$C/src/hello.cpp" <<'EOF'
// cppzmq over the installed library: REQ/REP over inproc, version, and which
// libzmq file the process mapped (none when linked statically).
#include <zmq.hpp>
#include <cstdio>
#include <fstream>
#include <string>

int main ()
{
    int major, minor, patch;
    zmq::version (&major, &minor, &patch);
    zmq::context_t ctx;
    zmq::socket_t rep (ctx, zmq::socket_type::rep), req (ctx, zmq::socket_type::req);
    rep.bind ("inproc://cmake-check");
    req.connect ("inproc://cmake-check");
    req.send (zmq::str_buffer ("ping"), zmq::send_flags::none);
    zmq::message_t msg;
    if (!rep.recv (msg) || msg.to_string () != "ping")
        return 1;
    std::printf ("version %d.%d.%d header %d got %s\n", major, minor, patch, ZMQ_VERSION,
                 msg.to_string ().c_str ());
    std::ifstream maps ("/proc/self/maps");
    std::string line;
    while (std::getline (maps, line))
        if (line.find ("/libzmq.so") != std::string::npos) {
            std::printf ("loaded %s\n", line.substr (line.find ('/')).c_str ());
            break;
        }
    return 0;
}
EOF
    if cmake -S "$C/src" -B "$C/build" -DCMAKE_PREFIX_PATH="$P" -DCMAKE_BUILD_TYPE=Release \
        >"$C/configure.log" 2>&1; then
        ok "cmake: find_package(ZeroMQ 4.3) in $P"
        for v in "ZeroMQ_FOUND=1" "ZeroMQ_VERSION=4.3.5" "ZeroMQ_INCLUDE_DIR=$P/include" \
                 "ZeroMQ_LIBRARY=$P/lib/libzmq.so.5.2.5" "ZeroMQ_STATIC_LIBRARY=$P/lib/libzmq.a"; do
            if grep -qxF -- "-- check: $v" "$C/configure.log"; then ok "cmake: $v"
            else fail "cmake: expected $v, got: $(grep -F "check: ${v%%=*}=" "$C/configure.log")"; fi
        done
        if cmake --build "$C/build" >"$C/build.log" 2>&1; then
            ok "cmake --build: hello_shared (libzmq) and hello_static (libzmq-static) with zmq.hpp"
            out=$(env -u LD_LIBRARY_PATH "$C/build/hello_shared" 2>&1)
            if grep -qx "version 4.3.5 header 40305 got ping" <<<"$out" \
                && [ "$(readlink -f "$(sed -n 's/^loaded //p' <<<"$out")")" = "$(readlink -f "$P/lib/libzmq.so.5.2.5")" ]; then
                ok "hello_shared: REQ/REP through cppzmq, ran with $P/lib/libzmq.so.5.2.5"
            else
                fail "hello_shared printed: $out"
            fi
            out=$(env -u LD_LIBRARY_PATH "$C/build/hello_static" 2>&1)
            if [ "$out" = "version 4.3.5 header 40305 got ping" ] \
                && ! readelf -d "$C/build/hello_static" | grep -q 'NEEDED.*libzmq'; then
                ok "hello_static: REQ/REP through cppzmq, no shared libzmq needed or loaded"
            else
                fail "hello_static printed: $out ($(readelf -d "$C/build/hello_static" | grep NEEDED | tr -s ' ' | tr '\n' ' '))"
            fi
        else
            fail "cmake --build"; tail -n 30 "$C/build.log"
        fi
    else
        fail "cmake: find_package(ZeroMQ) in $P"; tail -n 20 "$C/configure.log"
    fi
    # A request newer than 4.3.5 is refused, as AnyNewerVersion does.
    sed 's/find_package(ZeroMQ 4.3 REQUIRED)/find_package(ZeroMQ 4.4 REQUIRED)/' "$C/src/CMakeLists.txt" >"$C/newer.txt"
    mkdir -p "$C/newer"; cp "$C/newer.txt" "$C/newer/CMakeLists.txt"; cp "$C/src/hello.cpp" "$C/newer/"
    if cmake -S "$C/newer" -B "$C/build-newer" -DCMAKE_PREFIX_PATH="$P" >"$C/newer.log" 2>&1; then
        fail "find_package(ZeroMQ 4.4) accepted 4.3.5"
    else
        ok "find_package(ZeroMQ 4.4) refuses 4.3.5"
    fi
fi

echo "check-install: $passed passed, $failures failed"
[ $failures -eq 0 ]
