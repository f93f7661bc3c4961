#!/usr/bin/env bash
# The Debian packages `make test` needs, in one place (`.ci/run` and the
# Makefile's `test` target run this first):
#   libzmq3-dev     Debian's libzmq 4.3.4 and zmq.h, the reference every test compares with
#   valgrind        the C tests' memory checks
#   pkg-config gcc g++ make   building the C tests and the install checks
#   cmake libsodium-dev       libzmq 4.3.5 built with drafts (scripts/libzmq-ref.sh) for
#                   libzmq's own test suite and the draft interop stage; libsodium also
#                   as the oracle of tests/salsa20_libsodium.rs (CURVE's cipher); cmake also
#                   for the find_package(ZeroMQ) check of scripts/check-install.sh
#   libgnutls28-dev GnuTLS, for wss:// of that libzmq 4.3.5 (WITH_TLS=ON)
#   openssl         the openssl command, which makes the throwaway certificates of the wss
#                   tests (capi-tests, interop) at test time
#   ca-certificates the system's trust store ZMQ_WSS_TRUST_SYSTEM reads (a unit test reads it)
#   cppzmq-dev      zmq.hpp, the C++ binding that check builds
#   iproute2        network namespaces (ip netns) and ss for libzmq's test suite
#   libpgm-5.3-0 libpgm-dev   OpenPGM, which ours loads at run time for pgm:// and
#                   epgm:// (the headers for the binding's layout test)
#   libnorm1 libnorm-dev  NORM, which ours loads at run time for norm:// (normApi.h
#                   for the binding's check; scripts/pgm-tests.sh's hostile sender)
#   python3-dev python3-venv  building pyzmq from its sdist (scripts/pyzmq-tests.sh,
#                   which also needs PyPI)
#   chromium        the real browser of scripts/ws-browser.sh (headless: a page's
#                   WebSocket to ws:// of each library)
#   libkrb5-dev krb5-kdc krb5-admin-server krb5-user  GSSAPI: gssapi.h for the bindings' check
#                   (src/util/gssapi/abi_check.rs) and libgssapi_krb5.so.2, which ours
#                   loads at run time; a throwaway MIT KDC for scripts/gssapi-tests.sh
#                   and libzmq's test_security_gssapi (scripts/gssapi-kdc.sh), kinit for
#                   an expired ticket
# Missing packages are installed with apt-get when we are root; otherwise
# this stops at once with the one command to run.
set -euo pipefail
PACKAGES="libzmq3-dev valgrind pkg-config gcc g++ make cmake libsodium-dev libgnutls28-dev openssl ca-certificates cppzmq-dev iproute2 libpgm-5.3-0 libpgm-dev libnorm1 libnorm-dev python3-dev python3-venv chromium libkrb5-dev krb5-kdc krb5-admin-server krb5-user"
need=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need="$need $p"
done
[ -z "$need" ] && exit 0
cmd="apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q$need"
if [ "$(id -u)" -eq 0 ]; then
    echo "deps: installing$need"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q $need
elif [ "${DEPS_SUDO:-}" = 1 ] && command -v sudo >/dev/null; then
    echo "deps: installing$need with sudo"
    sudo apt-get update -q
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q $need
else
    echo "deps: missing Debian packages:$need" >&2
    echo "deps: run as root:  $cmd" >&2
    echo "deps: (or: sudo sh -c '$cmd')" >&2
    exit 1
fi
