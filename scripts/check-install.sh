#!/usr/bin/env bash
# `make install` into a scratch prefix, then use the result the way a
# downstream build does: through pkg-config, dynamically and statically.
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

echo "check-install: $passed passed, $failures failed"
[ $failures -eq 0 ]
