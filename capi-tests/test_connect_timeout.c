/* ZMQ_CONNECT_TIMEOUT: a tcp connect whose SYN is never answered ends after
 * the timeout (CLOSED, then CONNECT_RETRIED, and the next attempt again),
 * not after the kernel's SYN retries (about two minutes). The unanswered
 * SYN: in a network namespace of this process's own (we run as root), a
 * route sends 10.78.0.0/24 out through lo, where the packet, addressed to
 * no local address and not forwarded, is dropped. (A blackhole route fails
 * the connect at once; a listener with a full backlog does not reliably
 * stall SYNs.) */
#define _GNU_SOURCE
#include "testutil.h"
#include <sched.h>

#define SILENT "tcp://10.78.0.2:5555"

static void *ctx;

/* A DEALER connecting to SILENT with `timeout` ms, and its monitor. */
static void *silent_connect (int timeout, void **mon)
{
    static int n;
    char mep[64];
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    set_int (s, ZMQ_LINGER, 0);
    set_int (s, ZMQ_RECONNECT_IVL, 100);
    if (timeout)
        set_int (s, ZMQ_CONNECT_TIMEOUT, timeout);
    snprintf (mep, sizeof mep, "inproc://timeout-mon-%d", n++);
    CHECK_OK (zmq_socket_monitor (s, mep, ZMQ_EVENT_ALL));
    *mon = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_connect (*mon, mep));
    CHECK_OK (zmq_connect (s, SILENT));
    return s;
}

static void test_timeout_ends_attempts (void)
{
    void *mon;
    void *s = silent_connect (200, &mon);
    set_int (mon, ZMQ_RCVTIMEO, 3000);
    char ep[64];
    for (int round = 0; round < 2; round++) {
        CHECK (recv_monitor_event (mon, NULL, ep, sizeof ep) == ZMQ_EVENT_CONNECT_DELAYED);
        CHECK (strcmp (ep, SILENT) == 0);
        long t0 = now_ms ();
        CHECK (recv_monitor_event (mon, NULL, ep, sizeof ep) == ZMQ_EVENT_CLOSED);
        long took = now_ms () - t0;
        CHECK (took >= 150 && took < 2000);
        CHECK (strcmp (ep, SILENT) == 0);
        uint32_t ivl;
        CHECK (recv_monitor_event (mon, &ivl, ep, sizeof ep) == ZMQ_EVENT_CONNECT_RETRIED);
        CHECK (ivl >= 100 && ivl < 200);
    }
    monitor_close (s, mon);
    zmq_close (s);
}

/* Without the option the attempt stays under way. */
static void test_no_timeout (void)
{
    void *mon;
    void *s = silent_connect (0, &mon);
    set_int (mon, ZMQ_RCVTIMEO, 1000);
    CHECK (recv_monitor_event (mon, NULL, NULL, 0) == ZMQ_EVENT_CONNECT_DELAYED);
    CHECK (recv_monitor_event (mon, NULL, NULL, 0) == -1);
    monitor_close (s, mon);
    zmq_close (s);
}

int main (void)
{
    /* Before any thread: the I/O threads inherit the namespace. */
    if (unshare (CLONE_NEWNET) != 0) {
        fprintf (stderr, "unshare(CLONE_NEWNET): %s: needs root\n", strerror (errno));
        return 1;
    }
    CHECK (system ("ip link set lo up && ip route add 10.78.0.0/24 dev lo") == 0);
    ctx = zmq_ctx_new ();
    RUN_TEST (test_timeout_ends_attempts);
    RUN_TEST (test_no_timeout);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
