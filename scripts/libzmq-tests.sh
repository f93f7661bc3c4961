#!/usr/bin/env bash
# libzmq's own test suite (tests/*.cpp of libzmq 4.3.5, Unity programs) run on
# three libraries:
#   debian  Debian's libzmq 4.3.4 (libzmq3-dev), no draft API
#   ref     libzmq 4.3.5 built here from the same source with its CMake,
#           drafts on, CURVE via libsodium
#   ours    target/release/libzmq.so (make build)
# in two sets: "stable" (built without ZMQ_BUILD_DRAFT_API; on all three) and
# "draft" (every test, the draft-only ones too, built with
# -DZMQ_BUILD_DRAFT_API as libzmq's draft build does; on ref and ours).
#
# The source comes from the zeromq-src crate (=0.3.6, libzmq 4.3.5 vendored):
# cargo fetches it (CI reaches package registries only) and cargo metadata
# says where it is. The tests are built here with g++ against each library's
# own zmq.h and a platform.hpp made from what that library reports
# (zmq_has), not with libzmq's CMake; builds are cached under target/.
#
# Each test runs in network and mount namespaces of its own (own loopback,
# own /tmp: fixed ports and ipc paths never clash), LIBZMQ_TESTS_JOBS at a
# time, under libzmq's per-test timeout (tests/CMakeLists.txt). A test passes
# when it exits 0, is skipped when it exits 77 (libzmq's SKIP_RETURN_CODE).
# A failure is rerun once (not for known failures on ours).
#
# Verdict: ours must pass every test that a reference passes in the same set,
# except those in scripts/libzmq-known-failures.txt ("name reason"):
#   reason "cannot run here: ..."  not built or run (no TIPC in this kernel...)
#   reason "intermittent: ..."     fails on ours now and then: excused when it
#                                  fails, not reported when it passes
#   any other reason               known to fail on ours; the run fails once
#                                  it passes (remove it then: the list only shrinks)
#
# Usage: scripts/libzmq-tests.sh [substring]   (only tests whose name has it)
# Env: LIBZMQ_TESTS_JOBS (default 6), LIBZMQ_TESTS_TIMEOUT_SCALE (default 1).
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
W=$ROOT/target/libzmq-tests
HERE=$ROOT/scripts/libzmq-tests
KNOWN=$ROOT/scripts/libzmq-known-failures.txt
JOBS=${LIBZMQ_TESTS_JOBS:-6}
SCALE=${LIBZMQ_TESTS_TIMEOUT_SCALE:-1}
FILTER=${1:-}
T0=$SECONDS
die() { echo "FAIL libzmq-tests: $*"; echo "0 passed, 1 failed"; exit 1; }
took() { echo "libzmq-tests: $1 took $(( SECONDS - $2 )) s"; }
mkdir -p "$W"

# --- The tests, as libzmq 4.3.5's tests/CMakeLists.txt and Makefile.am pick
# them on Linux. "name:cap" is built only for a library whose zmq_has(cap) is
# true (its build's ZMQ_HAVE_* switch), "name:!cap" only for one where it is
# false: test_capabilities checks zmq_has("draft") against ZMQ_BUILD_DRAFT_API,
# so a library with the draft API runs it in the draft set only.
STABLE="test_ancillaries test_system test_pair_inproc test_pair_tcp
 test_reqrep_inproc test_reqrep_tcp test_hwm test_hwm_pubsub test_reqrep_device
 test_sub_forward test_invalid_rep test_msg_flags test_msg_ffn test_connect_resolve
 test_immediate test_last_endpoint test_term_endpoint test_router_mandatory
 test_probe_router test_stream test_stream_empty test_stream_disconnect
 test_disconnect_inproc test_unbind_wildcard test_ctx_options test_ctx_destroy
 test_security_no_zap_handler test_security_null test_security_plain
 test_security_zap test_iov test_spec_req test_spec_rep test_spec_dealer
 test_spec_router test_spec_pushpull test_req_correlate test_req_relaxed
 test_conflate test_inproc_connect test_issue_566 test_shutdown_stress test_timeo
 test_many_sockets test_diffserv test_connect_rid test_xpub_nodrop
 test_pub_invert_matching test_setsockopt test_sockopt_hwm test_heartbeats
 test_atomics test_bind_src_address test_capabilities:!draft test_metadata
 test_router_handover test_srcfd test_stream_timeout test_xpub_manual
 test_xpub_topic test_xpub_welcome_msg test_xpub_verbose test_base85
 test_bind_after_connect_tcp test_sodium test_monitor test_socket_null
 test_reconnect_ivl test_reconnect_options test_tcp_accept_filter
 test_mock_pub_sub
 test_security_gssapi:gssapi test_socks test_connect_null_fuzzer test_bind_null_fuzzer
 test_connect_fuzzer test_bind_fuzzer
 test_security_curve:curve test_connect_curve_fuzzer:curve
 test_bind_curve_fuzzer:curve test_z85_decode_fuzzer:curve
 test_pair_tcp_cap_net_admin
 test_ipc_wildcard:ipc test_pair_ipc:ipc test_reqrep_ipc:ipc test_rebind_ipc:ipc
 test_proxy test_proxy_hwm test_proxy_single_socket test_proxy_steerable
 test_proxy_terminate test_getsockopt_memset test_filter_ipc
 test_stream_exceeds_buffer test_router_mandatory_hwm test_use_fd
 test_zmq_poll_fd test_fork test_abstract_ipc
 test_address_tipc:tipc test_pair_tipc:tipc test_reqrep_device_tipc:tipc
 test_reqrep_tipc:tipc test_router_mandatory_tipc:tipc test_sub_forward_tipc:tipc
 test_connect_delay_tipc:tipc test_shutdown_stress_tipc:tipc
 test_term_endpoint_tipc:tipc
 test_pair_vmci:vmci test_reqrep_vmci:vmci
 test_ws_transport:WS test_wss_transport:WSS"
DRAFT_ONLY="test_poller test_thread_safe test_client_server test_timers
 test_radio_dish test_scatter_gather test_dgram test_app_meta test_router_notify
 test_xpub_manual_last_value test_peer test_msg_init test_channel test_hello_msg
 test_disconnect_msg test_hiccup_msg test_zmq_ppoll_fd test_xsub_verbose
 test_pubsub_topics_count test_zmq_ppoll_signals test_busy_poll"
# In tests/ but built by neither of libzmq's builds here: the fuzz targets
# that need a fuzzing engine, and test_pubsub (NORM only, in no test list).
UNBUILT="test_bind_stream_fuzzer test_connect_stream_fuzzer test_bind_ws_fuzzer
 test_connect_ws_fuzzer test_socket_options_fuzzer test_pubsub"
timeout_of() { # libzmq's per-test timeouts (tests/CMakeLists.txt), default 10 s
    local t=10
    case $1 in
        test_heartbeats|test_security_zap) t=60 ;;
        # Not run by its CMake on Linux (60 s elsewhere); ~12 s on an idle machine.
        test_security_curve) t=60 ;;
        test_reconnect_ivl) t=15 ;;
    esac
    awk -v t="$t" -v s="$SCALE" 'BEGIN { printf "%d\n", t * s + 0.5 }'
}

# --- 1-2. libzmq 4.3.5's source (through cargo) and the reference built from
# it with drafts and CURVE through libsodium: scripts/libzmq-ref.sh, shared
# with the draft interop stage (one cached build).
t=$SECONDS
{ read -r REFLIB; read -r REFINC; read -r VENDOR; } < <(scripts/libzmq-ref.sh 2>"$W/ref.log") \
    || die "scripts/libzmq-ref.sh (see $W/ref.log)"
[ -f "$VENDOR/tests/testutil.cpp" ] && [ -e "$REFLIB/libzmq.so.5" ] \
    || die "no libzmq 4.3.5 source or build (see $W/ref.log)"
echo "libzmq-tests: libzmq source in $VENDOR"

# Every tests/test_*.cpp is in one list above (a new source version is noticed).
all_listed=" $(echo $STABLE $DRAFT_ONLY $UNBUILT | sed 's/:[!A-Za-z]*//g') "
for f in "$VENDOR"/tests/test_*.cpp; do
    n=$(basename "$f" .cpp)
    [[ "$all_listed" == *" $n "* ]] || die "$n is in libzmq's tests/ but in no list of this script"
done

took "fetching the source and the 4.3.5 reference build" $t

# --- 3. The three libraries.
[ -e target/release/libzmq.so ] || die "no target/release/libzmq.so (run make build)"
ln -sf libzmq.so target/release/libzmq.so.5
LIBS="debian ref ours"
declare -A LIB HDR SETS LABEL
LIB[debian]=/usr/lib/x86_64-linux-gnu/libzmq.so.5; HDR[debian]=/usr/include
LIB[ref]=$REFLIB/libzmq.so.5;                      HDR[ref]=$REFINC
LIB[ours]=$ROOT/target/release/libzmq.so.5;         HDR[ours]=$ROOT/include
SETS[debian]="stable"; SETS[ref]="stable draft"; SETS[ours]="stable draft"
declare -A HAS
for lib in $LIBS; do
    # LD_LIBRARY_PATH of the runs: a directory holding only this libzmq.so.5.
    mkdir -p "$W/lib/$lib"; ln -sf "${LIB[$lib]}" "$W/lib/$lib/libzmq.so.5"
    gcc -O1 -I"${HDR[$lib]}" "$HERE/probe.c" -o "$W/lib/probe-$lib" "${LIB[$lib]}" -ldl \
        2>"$W/lib/probe-$lib.log" || die "building the probe for $lib (see $W/lib/probe-$lib.log)"
    LD_LIBRARY_PATH=$W/lib/$lib "$W/lib/probe-$lib" >"$W/lib/$lib.caps" || die "probe on $lib"
    loaded=$(sed -n 's/^path //p' "$W/lib/$lib.caps")
    [ "$(readlink -f "$loaded")" = "$(readlink -f "${LIB[$lib]}")" ] \
        || die "$lib: the tests would load $loaded, not ${LIB[$lib]}"
    while read -r _ cap val; do HAS[$lib,$cap]=$val; done < <(grep '^has ' "$W/lib/$lib.caps")
    version=$(sed -n 's/^version //p' "$W/lib/$lib.caps")
    case $lib in debian) LABEL[$lib]=deb-$version ;; ref) LABEL[$lib]=$version ;; *) LABEL[$lib]=ours ;; esac
    echo "libzmq-tests: $lib = ${LABEL[$lib]} ($loaded):" \
        "$(grep '^has ' "$W/lib/$lib.caps" | awk '$3 == 1 { printf "%s ", $2 }')"
done

# platform.hpp: the Linux switches libzmq's CMake finds on this machine, plus
# the capabilities this library reports (test_capabilities checks they agree).
platform_hpp() { # lib
    local lib=$1
    echo "/* generated by scripts/libzmq-tests.sh for $lib */"
    echo "#ifndef __ZMQ_PLATFORM_HPP_INCLUDED__"
    echo "#define __ZMQ_PLATFORM_HPP_INCLUDED__"
    for m in ZMQ_USE_CV_IMPL_STL11 ZMQ_IOTHREAD_POLLER_USE_EPOLL \
        ZMQ_IOTHREAD_POLLER_USE_EPOLL_CLOEXEC ZMQ_HAVE_PPOLL ZMQ_POLL_BASED_ON_POLL \
        HAVE_POSIX_MEMALIGN HAVE_FORK HAVE_CLOCK_GETTIME HAVE_MKDTEMP ZMQ_HAVE_UIO \
        ZMQ_HAVE_NOEXCEPT ZMQ_HAVE_EVENTFD ZMQ_HAVE_EVENTFD_CLOEXEC ZMQ_HAVE_IFADDRS \
        ZMQ_HAVE_SO_PEERCRED ZMQ_HAVE_BUSY_POLL ZMQ_HAVE_SOCK_CLOEXEC \
        ZMQ_HAVE_SO_KEEPALIVE ZMQ_HAVE_TCP_KEEPCNT ZMQ_HAVE_TCP_KEEPIDLE \
        ZMQ_HAVE_TCP_KEEPINTVL ZMQ_HAVE_PTHREAD_SETNAME_2 ZMQ_HAVE_PTHREAD_SET_AFFINITY \
        HAVE_ACCEPT4 HAVE_STRNLEN ZMQ_HAVE_STRUCT_SOCKADDR_UN HAVE_IF_NAMETOINDEX; do
        echo "#define $m 1"
    done
    echo "#define ZMQ_CACHELINE_SIZE 64"
    echo "#if defined __linux__"
    echo "#define ZMQ_HAVE_LINUX"
    echo "#endif"
    local cap macro
    for cap in ipc:ZMQ_HAVE_IPC pgm:ZMQ_HAVE_OPENPGM tipc:ZMQ_HAVE_TIPC \
        vmci:ZMQ_HAVE_VMCI norm:ZMQ_HAVE_NORM curve:ZMQ_HAVE_CURVE \
        curve:ZMQ_USE_LIBSODIUM gssapi:HAVE_LIBGSSAPI_KRB5 WS:ZMQ_HAVE_WS \
        WSS:ZMQ_HAVE_WSS so_priority:ZMQ_HAVE_SO_PRIORITY; do
        macro=${cap#*:}; cap=${cap%%:*}
        [ "${HAS[$lib,$cap]:-0}" = 1 ] && echo "#define $macro 1"
    done
    echo "#endif"
}
write_if_changed() { # file (content on stdin): keeps the mtime when unchanged
    cat >"$1.new"
    if cmp -s "$1.new" "$1"; then rm -f "$1.new"; else mv "$1.new" "$1"; fi
}

# Known-failures file: name -> reason.
declare -A KNOWN_WHY
while read -r name why; do
    [ -z "$name" ] || [[ "$name" == \#* ]] && continue
    KNOWN_WHY[$name]=$why
done <"$KNOWN"
cannot_run() { [[ "${KNOWN_WHY[$1]:-}" == "cannot run here"* ]]; }

tests_for() { # lib set [nocap] -> the test names to build and run, or
    # with "nocap" those left out because the library lacks their capability
    local lib=$1 set=$2 mode=${3:-} spec name cap want
    local list=$STABLE; [ "$set" = draft ] && list="${STABLE/:!draft/} $DRAFT_ONLY"
    for spec in $list; do
        name=${spec%%:*}; cap=; [[ "$spec" == *:* ]] && cap=${spec#*:}
        cannot_run "$name" && continue
        [ -n "$FILTER" ] && [[ "$name" != *"$FILTER"* ]] && continue
        want=1; [[ "$cap" == !* ]] && want=0 cap=${cap#!}
        if [ -n "$cap" ] && [ "${HAS[$lib,$cap]:-0}" != $want ]; then
            [ $want = 1 ] && [ "$mode" = nocap ] && echo "$name"
            continue
        fi
        [ "$mode" = nocap ] || echo "$name"
    done
}

# --- 4. Build the tests: a tree per library whose tests/../include/zmq.h is
# that library's header and whose src/platform.hpp is its own; objects and
# binaries per library and set.
t=$SECONDS
build_failed=0
for lib in $LIBS; do
    tree=$W/tree/$lib
    mkdir -p "$tree/tests" "$tree/src" "$tree/include"
    ln -sf "$VENDOR"/tests/* "$tree/tests/"
    ln -sf "$VENDOR"/src/* "$tree/src/"
    rm -f "$tree"/include/*; ln -sf "${HDR[$lib]}"/zmq*.h "$tree/include/"
    platform_hpp "$lib" | write_if_changed "$tree/src/platform.hpp"
    for set in ${SETS[$lib]}; do
        out=$W/build/$lib-$set
        mkdir -p "$out"
        defs=""; [ "$set" = draft ] && defs="-DZMQ_BUILD_DRAFT_API=1"
        echo "DEFS=$defs LIBZMQ=${LIB[$lib]} TREE=$tree $(cksum <"$HERE/tests.mk")" \
            | write_if_changed "$out/flags"
        names=$(tests_for "$lib" "$set" | tr '\n' ' ')
        make -k -j2 -f "$HERE/tests.mk" TREE="$tree" UNITY="$VENDOR/external/unity" \
            OUT="$out" LIBZMQ="${LIB[$lib]}" DEFS="$defs" TESTS="$names" \
            >"$out/build.log" 2>&1
        missing=0
        for n in $names; do [ -x "$out/bin/$n" ] || missing=$(( missing + 1 )); done
        if [ $missing -gt 0 ]; then
            echo "libzmq-tests: $missing test(s) did not build for $lib/$set (see $out/build.log)"
            build_failed=1
        fi
    done
done
took "building the tests" $t

# --- 5. Run: one job per (set, library, test), the long ones first.
t=$SECONDS
RUN=$W/run
rm -rf "$RUN"; mkdir -p "$RUN"
# Root makes the namespaces directly; anyone else through a user namespace.
UNSHARE="unshare -n -m"; [ "$(id -u)" -ne 0 ] && UNSHARE="unshare -r -n -m"
run_one() { # set lib test timeout
    local set=$1 lib=$2 name=$3 secs=$4
    [ -n "$name" ] || return 1
    local dir=$RUN/$set/$lib/$name bin=$W/build/$lib-$set/bin/$name
    rm -rf "$dir"; mkdir -p "$dir"
    if [ ! -x "$bin" ]; then echo "$set $lib $name build 0" >"$dir/result"; return; fi
    local start=$SECONDS wrap=()
    # test_security_gssapi needs a Kerberos realm (it is skipped without
    # KRB5_KTNAME): a KDC of its own in the test's namespace, its service
    # principal zmqtest2/HOST in one keytab for both roles, as the test asks.
    [ "$name" = test_security_gssapi ] && [ -s "$W/kdc/zmqtest2.keytab" ] && wrap=(
        "$ROOT/scripts/gssapi-kdc.sh" run "$W/kdc" env KRB5_KTNAME="FILE:$W/kdc/zmqtest2.keytab"
        KRB5_CLIENT_KTNAME="FILE:$W/kdc/zmqtest2.keytab")
    (cd "$dir" && LD_LIBRARY_PATH=$W/lib/$lib timeout -k 5 "$secs" \
        $UNSHARE sh -c 'mount -t tmpfs tmpfs /tmp && ip link set lo up && exec "$@"' _ "${wrap[@]}" "$bin" \
        >"$dir/log" 2>&1)
    local rc=$?
    local status=fail
    case $rc in 0) status=pass ;; 77) status=skip ;; 124|137) status=timeout ;; esac
    echo "$set $lib $name $status $(( SECONDS - start )) $rc" >"$dir/result"
}
export -f run_one; export RUN W UNSHARE ROOT
# The Kerberos realm for test_security_gssapi (scripts/gssapi-kdc.sh).
if [ -z "$FILTER" ] || [[ test_security_gssapi == *"$FILTER"* ]]; then
    scripts/gssapi-kdc.sh setup "$W/kdc" >"$W/kdc-setup.log" 2>&1 \
        || echo "libzmq-tests: no Kerberos realm for test_security_gssapi (see $W/kdc-setup.log)"
fi
jobs_list() {
    for lib in $LIBS; do for set in ${SETS[$lib]}; do
        for n in $(tests_for "$lib" "$set"); do echo "$(timeout_of "$n") $set $lib $n"; done
    done; done | sort -s -k1,1nr | awk '{ print $2, $3, $4, $1 }'
}
jobs_list >"$RUN/jobs.txt"
# A test a library lacks the capability for counts as not passed (ours must
# still pass what a reference passes).
for lib in $LIBS; do for set in ${SETS[$lib]}; do
    for n in $(tests_for "$lib" "$set" nocap); do
        mkdir -p "$RUN/$set/$lib/$n"; echo "$set $lib $n nocap 0 -" >"$RUN/$set/$lib/$n/result"
    done
done; done
xargs -r -P "$JOBS" -L 1 bash -c 'run_one "$@"' _ <"$RUN/jobs.txt"
# A failure runs once more (tests that race show up as "flaky" in the table);
# not a known failure of ours, whose pass would otherwise be a coin toss.
# (The first run's directory moves under first-runs/, out of the results' glob.)
cat "$RUN"/*/*/*/result >"$RUN/first.txt"
awk '$4 == "fail" || $4 == "timeout"' "$RUN/first.txt" | while read -r set lib name _; do
    if [ "$lib" = ours ] && [ -n "${KNOWN_WHY[$name]:-}" ]; then continue; fi
    mkdir -p "$RUN/first-runs/$set/$lib"
    mv "$RUN/$set/$lib/$name" "$RUN/first-runs/$set/$lib/"
    echo "$set $lib $name $(timeout_of "$name")"
done >"$RUN/reruns.txt"
xargs -r -P "$JOBS" -L 1 bash -c 'run_one "$@"' _ <"$RUN/reruns.txt"
took "running $(wc -l <"$RUN/jobs.txt") tests ($(wc -l <"$RUN/reruns.txt") reruns, $JOBS at a time)" $t

# --- 6. Verdict.
cat "$RUN"/*/*/*/result >"$RUN/results.txt"
labels=""; for lib in $LIBS; do labels="$labels $lib=${LABEL[$lib]}"; done
# shellcheck disable=SC2086
python3 "$HERE/judge.py" "$RUN/results.txt" "$RUN/reruns.txt" "$KNOWN" "$FILTER" $labels
rc=$?
[ $build_failed = 0 ] || echo "libzmq-tests: some tests did not build (counted above where it matters)"
took "the libzmq test suite stage" $T0
exit $rc
