/* Reconnection over tcp and ipc: a connecter comes back to a restarted
 * peer and sends what it queued meanwhile (within SNDHWM), a SUB
 * resubscribes, ZMQ_RECONNECT_IVL (0 and -1 turn it off),
 * ZMQ_RECONNECT_IVL_MAX backoff as the monitor reports it,
 * ZMQ_RECONNECT_STOP (draft option 109, the bits 4.3.4 and 4.3.5 agree on),
 * and zmq_disconnect ending the retries. */
#include "testutil.h"
#include "tcputil.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define OPT_RECONNECT_STOP 109
#define STOP_CONN_REFUSED 0x1
#define STOP_HANDSHAKE_FAILED 0x2

static void *ctx;
static int mon_counter;

static void *make (int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_RCVTIMEO, 10000);
    set_int (s, ZMQ_SNDTIMEO, 10000);
    set_int (s, ZMQ_LINGER, 0);
    return s;
}

static void close_now (void *s)
{
    set_int (s, ZMQ_LINGER, 0);
    CHECK_OK (zmq_close (s));
}

/* Start monitoring `s`; returns the PAIR that reads the events. */
static void *monitor (void *s, int events)
{
    char ep[64];
    snprintf (ep, sizeof ep, "inproc://reconnect-mon-%d", mon_counter++);
    CHECK_OK (zmq_socket_monitor (s, ep, events));
    void *m = zmq_socket (ctx, ZMQ_PAIR);
    set_int (m, ZMQ_LINGER, 0);
    CHECK_OK (zmq_connect (m, ep));
    return m;
}

/* The next event within `timeout` ms: its number (value in *value), or -1. */
static int next_event (void *mon, int timeout, uint32_t *value)
{
    zmq_pollitem_t it = {mon, 0, ZMQ_POLLIN, 0};
    if (zmq_poll (&it, 1, timeout) != 1)
        return -1;
    zmq_msg_t m;
    zmq_msg_init (&m);
    CHECK (zmq_msg_recv (&m, mon, 0) == 6);
    uint16_t ev;
    uint32_t val;
    memcpy (&ev, zmq_msg_data (&m), 2);
    memcpy (&val, (char *) zmq_msg_data (&m) + 2, 4);
    CHECK (zmq_msg_more (&m));
    CHECK (zmq_msg_recv (&m, mon, 0) >= 0);
    zmq_msg_close (&m);
    if (value)
        *value = val;
    return ev;
}

/* Wait (up to 10 s) for `event`, skipping others. */
static void expect_event (void *mon, int event)
{
    long end = now_ms () + 10000;
    while (now_ms () < end) {
        int ev = next_event (mon, (int) (end - now_ms ()), NULL);
        if (ev == event)
            return;
    }
    fprintf (stderr, "event 0x%x never came\n", event);
    CHECK (0);
}

/* No `event` within `ms`. */
static void expect_no_event (void *mon, int event, int ms)
{
    long end = now_ms () + ms;
    long left;
    while ((left = end - now_ms ()) > 0) {
        int ev = next_event (mon, (int) left, NULL);
        if (ev == event) {
            fprintf (stderr, "unexpected event 0x%x\n", event);
            CHECK (0);
        }
    }
}

/* Bind on exactly `ep` again: a tcp port may take a moment to be free. */
static void rebind (void *s, const char *ep)
{
    int tries = 0;
    while (zmq_bind (s, ep) != 0) {
        CHECK (zmq_errno () == EADDRINUSE && tries++ < 500);
        usleep (10000);
    }
}

static void last_endpoint (void *s, char *ep, size_t len)
{
    CHECK_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &len));
}

static void recv_str (void *s, const char *str)
{
    char buf[64];
    int n = zmq_recv (s, buf, sizeof buf, 0);
    if (n != (int) strlen (str) || memcmp (buf, str, n) != 0)
        fprintf (stderr, "expected '%s', got %d '%.*s'\n", str, n,
                 n > 0 ? n : 0, buf);
    CHECK (n == (int) strlen (str) && memcmp (buf, str, n) == 0);
}

/* The binder goes away and comes back on the same endpoint: the connecter
 * reconnects and delivers, in order, what was queued while it was down;
 * the queue holds SNDHWM messages and no more. */
static void restart_peer (const char *bind_ep)
{
    void *pull = make (ZMQ_PULL), *push = make (ZMQ_PUSH);
    set_int (push, ZMQ_RECONNECT_IVL, 20);
    set_int (push, ZMQ_SNDHWM, 10);
    char ep[256];
    CHECK_OK (zmq_bind (pull, bind_ep));
    last_endpoint (pull, ep, sizeof ep);
    void *mon = monitor (push, ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    CHECK_OK (zmq_connect (push, ep));
    CHECK (zmq_send (push, "first", 5, 0) == 5);
    recv_str (pull, "first");
    expect_event (mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);

    close_now (pull);
    expect_event (mon, ZMQ_EVENT_DISCONNECTED);
    /* Queued while disconnected, up to the high-water mark. */
    int queued = 0;
    char msg[16];
    for (;;) {
        snprintf (msg, sizeof msg, "q%d", queued);
        if (zmq_send (push, msg, strlen (msg), ZMQ_DONTWAIT) < 0) {
            CHECK (zmq_errno () == EAGAIN);
            break;
        }
        queued++;
        CHECK (queued <= 100);
    }
    /* libzmq counts the last message the session took until it returns
     * credit, so it may report one less. */
    CHECK (queued == 9 || queued == 10);

    pull = make (ZMQ_PULL);
    rebind (pull, ep);
    expect_event (mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    int i;
    for (i = 0; i < queued; i++) {
        snprintf (msg, sizeof msg, "q%d", i);
        recv_str (pull, msg);
    }
    CHECK (zmq_send (push, "after", 5, 0) == 5);
    recv_str (pull, "after");
    monitor_close (push, mon);
    close_now (push);
    close_now (pull);
}

static void test_restart_tcp (void)
{
    restart_peer ("tcp://127.0.0.1:*");
}

static void test_restart_ipc (void)
{
    /* Not a wildcard: libzmq removes a generated path and its directory. */
    char ep[128];
    snprintf (ep, sizeof ep, "ipc:///tmp/libzmq-rs-reconnect-%d.sock",
              (int) getpid ());
    restart_peer (ep);
    unlink (ep + 6);
}

/* The reconnecting side is the one that restarts: a fresh connecter to a
 * binder that never went away (the binder's per-peer queue is new). */
static void test_restart_connecter (void)
{
    void *router = make (ZMQ_ROUTER);
    char ep[256];
    CHECK_OK (zmq_bind (router, "tcp://127.0.0.1:*"));
    last_endpoint (router, ep, sizeof ep);
    int round;
    for (round = 0; round < 3; round++) {
        /* A fresh id each round: the ROUTER may not have noticed the last
         * connection's end yet, and refuses a duplicate id. */
        char id[4] = {'D', (char) ('0' + round), 0, 0};
        void *dealer = make (ZMQ_DEALER);
        CHECK_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, id, 2));
        CHECK_OK (zmq_connect (dealer, ep));
        CHECK (zmq_send (dealer, "hi", 2, 0) == 2);
        recv_str (router, id);
        recv_str (router, "hi");
        CHECK (zmq_send (router, id, 2, ZMQ_SNDMORE) == 2);
        CHECK (zmq_send (router, "yo", 2, 0) == 2);
        recv_str (dealer, "yo");
        close_now (dealer);
    }
    close_now (router);
}

/* A SUB whose PUB restarts sends its subscriptions again. */
static void test_sub_resubscribes (void)
{
    void *pub = make (ZMQ_PUB), *sub = make (ZMQ_SUB);
    set_int (sub, ZMQ_RECONNECT_IVL, 20);
    char ep[256];
    CHECK_OK (zmq_bind (pub, "tcp://127.0.0.1:*"));
    last_endpoint (pub, ep, sizeof ep);
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "T", 1));
    CHECK_OK (zmq_connect (sub, ep));
    int round;
    for (round = 0; round < 2; round++) {
        int got = 0, i;
        char buf[16];
        for (i = 0; i < 1000 && !got; i++) {
            CHECK (zmq_send (pub, "X-no", 4, 0) == 4);
            CHECK (zmq_send (pub, "T-yes", 5, 0) == 5);
            zmq_pollitem_t it = {sub, 0, ZMQ_POLLIN, 0};
            if (zmq_poll (&it, 1, 10) == 1) {
                int n = zmq_recv (sub, buf, sizeof buf, 0);
                CHECK (n == 5 && buf[0] == 'T');
                got = 1;
            }
        }
        CHECK (got);
        if (round == 0) {
            close_now (pub);
            pub = make (ZMQ_PUB);
            rebind (pub, ep);
        }
    }
    close_now (sub);
    close_now (pub);
}

/* With ZMQ_RECONNECT_IVL `ivl` (0 or -1), a lost connection is not made
 * again: the connecter's queue goes with it and a new binder on the
 * endpoint never sees it. */
static void no_reconnect (int ivl)
{
    void *pull = make (ZMQ_PULL), *push = make (ZMQ_PUSH);
    set_int (push, ZMQ_RECONNECT_IVL, ivl);
    char ep[256];
    CHECK_OK (zmq_bind (pull, "tcp://127.0.0.1:*"));
    last_endpoint (pull, ep, sizeof ep);
    void *mon = monitor (push, ZMQ_EVENT_DISCONNECTED);
    CHECK_OK (zmq_connect (push, ep));
    CHECK (zmq_send (push, "first", 5, 0) == 5);
    recv_str (pull, "first");
    close_now (pull);
    expect_event (mon, ZMQ_EVENT_DISCONNECTED);

    pull = make (ZMQ_PULL);
    void *bmon = monitor (pull, ZMQ_EVENT_ACCEPTED);
    rebind (pull, ep);
    /* The pipe went with the connection: nowhere to queue. */
    long end = now_ms () + 5000;
    while (zmq_send (push, "x", 1, ZMQ_DONTWAIT) == 1) {
        CHECK (now_ms () < end);
        usleep (1000);
    }
    CHECK (zmq_errno () == EAGAIN);
    expect_no_event (bmon, ZMQ_EVENT_ACCEPTED, 400);
    monitor_close (push, mon);
    monitor_close (pull, bmon);
    close_now (push);
    close_now (pull);
}

static void test_reconnect_ivl_disabled (void)
{
    no_reconnect (-1);
}

static void test_reconnect_ivl_zero (void)
{
    no_reconnect (0);
}

/* Refused connects are retried after RECONNECT_IVL plus up to RECONNECT_IVL
 * of jitter, the base doubling each time up to RECONNECT_IVL_MAX (the
 * monitor's CONNECT_RETRIED value is the interval chosen). */
static void test_backoff (void)
{
    char ep[256];
    unused_tcp_endpoint (ep, sizeof ep);
    void *push = make (ZMQ_PUSH);
    set_int (push, ZMQ_RECONNECT_IVL, 50);
    set_int (push, ZMQ_RECONNECT_IVL_MAX, 400);
    void *mon = monitor (push, ZMQ_EVENT_CONNECT_RETRIED);
    CHECK_OK (zmq_connect (push, ep));
    int base[] = {50, 100, 200, 400, 400};
    int i;
    for (i = 0; i < 5; i++) {
        uint32_t v = 0;
        CHECK (next_event (mon, 5000, &v) == ZMQ_EVENT_CONNECT_RETRIED);
        if ((int) v < base[i] || (int) v >= base[i] + 50) {
            fprintf (stderr, "retry %d: interval %u, want [%d, %d)\n", i, v,
                     base[i], base[i] + 50);
            CHECK (0);
        }
    }
    monitor_close (push, mon);
    close_now (push);

    /* Without a maximum the interval stays in [ivl, 2 ivl). */
    push = make (ZMQ_PUSH);
    set_int (push, ZMQ_RECONNECT_IVL, 30);
    mon = monitor (push, ZMQ_EVENT_CONNECT_RETRIED);
    CHECK_OK (zmq_connect (push, ep));
    for (i = 0; i < 5; i++) {
        uint32_t v = 0;
        CHECK (next_event (mon, 5000, &v) == ZMQ_EVENT_CONNECT_RETRIED);
        CHECK (v >= 30 && v < 60);
    }
    monitor_close (push, mon);
    close_now (push);
}

/* The connecter does come back once the endpoint is bound. */
static void test_connect_before_bind_retries (void)
{
    char ep[256];
    unused_tcp_endpoint (ep, sizeof ep);
    void *push = make (ZMQ_PUSH);
    set_int (push, ZMQ_RECONNECT_IVL, 20);
    void *mon = monitor (push, ZMQ_EVENT_CONNECT_RETRIED);
    CHECK_OK (zmq_connect (push, ep));
    CHECK (zmq_send (push, "early", 5, 0) == 5);
    expect_event (mon, ZMQ_EVENT_CONNECT_RETRIED);
    void *pull = make (ZMQ_PULL);
    rebind (pull, ep);
    recv_str (pull, "early");
    monitor_close (push, mon);
    close_now (push);
    close_now (pull);
}

/* ZMQ_RECONNECT_STOP_CONN_REFUSED: the first refusal ends the endpoint. */
static void test_reconnect_stop_conn_refused (void)
{
    int v = -1;
    size_t len = sizeof v;
    void *push = make (ZMQ_PUSH);
    CHECK_OK (zmq_getsockopt (push, OPT_RECONNECT_STOP, &v, &len));
    CHECK (v == 0);
    char ep[256];
    unused_tcp_endpoint (ep, sizeof ep);
    set_int (push, ZMQ_RECONNECT_IVL, 20);
    set_int (push, OPT_RECONNECT_STOP, STOP_CONN_REFUSED);
    CHECK_OK (zmq_getsockopt (push, OPT_RECONNECT_STOP, &v, &len));
    CHECK (v == STOP_CONN_REFUSED);
    void *mon = monitor (push, ZMQ_EVENT_CLOSED | ZMQ_EVENT_CONNECT_RETRIED);
    CHECK_OK (zmq_connect (push, ep));
    expect_event (mon, ZMQ_EVENT_CLOSED);
    expect_no_event (mon, ZMQ_EVENT_CONNECT_RETRIED, 300);
    /* The endpoint's queue is gone. */
    long end = now_ms () + 5000;
    while (zmq_send (push, "x", 1, ZMQ_DONTWAIT) == 1) {
        CHECK (now_ms () < end);
        usleep (1000);
    }
    CHECK (zmq_errno () == EAGAIN);
    void *pull = make (ZMQ_PULL);
    void *bmon = monitor (pull, ZMQ_EVENT_ACCEPTED);
    rebind (pull, ep);
    expect_no_event (bmon, ZMQ_EVENT_ACCEPTED, 300);
    monitor_close (push, mon);
    monitor_close (pull, bmon);
    close_now (push);
    close_now (pull);
}

/* A peer that greets with an unknown mechanism fails the handshake. */
static void bad_greeting (int fd)
{
    unsigned char g[64];
    memset (g, 0, sizeof g);
    g[0] = 0xff;
    g[8] = 1;
    g[9] = 0x7f;
    g[10] = 3;
    g[11] = 1;
    memcpy (g + 12, "BOGUS", 5);
    CHECK (write (fd, g, sizeof g) == (ssize_t) sizeof g);
}

/* A peer that breaks the protocol is not called again: the connecter's
 * session ends with its queue (libzmq treats protocol errors as final). */
static void test_protocol_error_no_reconnect (void)
{
    int port;
    int lfd = raw_listener (&port);
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    void *push = make (ZMQ_PUSH);
    set_int (push, ZMQ_RECONNECT_IVL, 20);
    void *mon = monitor (push, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL);
    CHECK_OK (zmq_connect (push, ep));
    int fd = raw_accept (lfd, 10000);
    CHECK (fd >= 0);
    bad_greeting (fd);
    expect_event (mon, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL);
    CHECK (raw_accept (lfd, 400) < 0);
    long end = now_ms () + 5000;
    while (zmq_send (push, "x", 1, ZMQ_DONTWAIT) == 1) {
        CHECK (now_ms () < end);
        usleep (1000);
    }
    CHECK (zmq_errno () == EAGAIN);
    close (fd);
    close (lfd);
    monitor_close (push, mon);
    close_now (push);
}

/* A connection lost during the handshake is retried, unless
 * ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED. */
static void handshake_failure (int stop)
{
    int port;
    int lfd = raw_listener (&port);
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    void *push = make (ZMQ_PUSH);
    set_int (push, ZMQ_RECONNECT_IVL, 20);
    if (stop)
        set_int (push, OPT_RECONNECT_STOP, STOP_HANDSHAKE_FAILED);
    CHECK_OK (zmq_connect (push, ep));
    int fd = raw_accept (lfd, 10000);
    CHECK (fd >= 0);
    /* Read the start of the greeting, then hang up. */
    char buf[10];
    CHECK (read (fd, buf, sizeof buf) > 0);
    close (fd);
    int again = raw_accept (lfd, stop ? 400 : 10000);
    if (stop)
        CHECK (again < 0);
    else
        CHECK (again >= 0);
    if (again >= 0)
        close (again);
    close (lfd);
    close_now (push);
}

static void test_handshake_failed_retries (void)
{
    handshake_failure (0);
}

static void test_reconnect_stop_handshake_failed (void)
{
    handshake_failure (1);
}

/* zmq_disconnect ends the endpoint: its queue goes at once, connected or
 * still retrying, and nothing reaches a binder that comes later. (Whether
 * the retries stop is not checked: libzmq 4.3.4 keeps retrying a
 * disconnected endpoint until a connection succeeds, and closes it only on
 * the connection's next activity; ours stops at once.) */
static void test_disconnect_drops_queue (void)
{
    void *pull = make (ZMQ_PULL), *push = make (ZMQ_PUSH);
    set_int (push, ZMQ_RECONNECT_IVL, 20);
    char ep[256];
    CHECK_OK (zmq_bind (pull, "tcp://127.0.0.1:*"));
    last_endpoint (pull, ep, sizeof ep);
    CHECK_OK (zmq_connect (push, ep));
    CHECK (zmq_send (push, "first", 5, 0) == 5);
    recv_str (pull, "first");
    CHECK_OK (zmq_disconnect (push, ep));
    CHECK_ERR (zmq_disconnect (push, ep), ENOENT);
    CHECK_ERR (zmq_send (push, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    close_now (pull);

    /* Never connected: retrying with a message queued, then disconnected
     * before the bind. */
    unused_tcp_endpoint (ep, sizeof ep);
    void *mon = monitor (push, ZMQ_EVENT_CONNECT_RETRIED);
    CHECK_OK (zmq_connect (push, ep));
    CHECK (zmq_send (push, "queued", 6, 0) == 6);
    expect_event (mon, ZMQ_EVENT_CONNECT_RETRIED);
    CHECK_OK (zmq_disconnect (push, ep));
    CHECK_ERR (zmq_send (push, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    pull = make (ZMQ_PULL);
    set_int (pull, ZMQ_RCVTIMEO, 300);
    rebind (pull, ep);
    char buf[16];
    CHECK_ERR (zmq_recv (pull, buf, sizeof buf, 0), EAGAIN);
    monitor_close (push, mon);
    close_now (pull);
    close_now (push);
}

int main (void)
{
    setvbuf (stdout, NULL, _IONBF, 0);
    ctx = zmq_ctx_new ();
    RUN_TEST (test_restart_tcp);
    RUN_TEST (test_restart_ipc);
    RUN_TEST (test_restart_connecter);
    RUN_TEST (test_sub_resubscribes);
    RUN_TEST (test_reconnect_ivl_disabled);
    RUN_TEST (test_reconnect_ivl_zero);
    RUN_TEST (test_backoff);
    RUN_TEST (test_connect_before_bind_retries);
    RUN_TEST (test_reconnect_stop_conn_refused);
    RUN_TEST (test_protocol_error_no_reconnect);
    RUN_TEST (test_handshake_failed_retries);
    RUN_TEST (test_reconnect_stop_handshake_failed);
    RUN_TEST (test_disconnect_drops_queue);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
