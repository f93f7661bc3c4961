/* capi-test: valgrind */
/* DEALER as zmq_socket(3) specifies it, over inproc (after libzmq's
 * test_spec_dealer): round-robin out, fair-queue in, blocking with no peers,
 * multipart messages whole, ZMQ_PROBE_ROUTER. */
#include "testutil.h"

static void send_str (void *s, const char *str, int flags)
{
    CHECK ((int) zmq_send (s, str, strlen (str), flags) == (int) strlen (str));
}

/* Receive one part: it must be `str`, with RCVMORE == `more`. */
static void recv_str (void *s, const char *str, int more)
{
    char buf[256];
    int n = zmq_recv (s, buf, sizeof buf, 0);
    CHECK (n == (int) strlen (str));
    CHECK (memcmp (buf, str, n) == 0);
    int m;
    size_t sz = sizeof m;
    CHECK_OK (zmq_getsockopt (s, ZMQ_RCVMORE, &m, &sz));
    CHECK (m == more);
}

static void test_round_robin_out (void)
{
    void *ctx = zmq_ctx_new ();
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    CHECK_OK (zmq_bind (dealer, "inproc://rr"));
    enum { N = 5 };
    void *rep[N];
    for (int i = 0; i < N; i++) {
        rep[i] = zmq_socket (ctx, ZMQ_REP);
        CHECK_OK (zmq_connect (rep[i], "inproc://rr"));
    }
    /* Two rounds of requests: peer i gets requests i and N + i. */
    for (int i = 0; i < 2 * N; i++) {
        char body[8];
        snprintf (body, sizeof body, "%d", i);
        send_str (dealer, "", ZMQ_SNDMORE);
        send_str (dealer, body, 0);
    }
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < N; i++) {
            char body[8];
            snprintf (body, sizeof body, "%d", round * N + i);
            recv_str (rep[i], body, 0);
            send_str (rep[i], body, 0);
        }
    /* Replies are fair-queued back: all ten arrive. */
    int seen[2 * N] = {0};
    for (int i = 0; i < 2 * N; i++) {
        char buf[8];
        recv_str (dealer, "", 1);
        int n = zmq_recv (dealer, buf, sizeof buf - 1, 0);
        CHECK (n > 0);
        buf[n] = 0;
        int v = atoi (buf);
        CHECK (v >= 0 && v < 2 * N && !seen[v]);
        seen[v] = 1;
    }
    for (int i = 0; i < N; i++)
        CHECK_OK (zmq_close (rep[i]));
    CHECK_OK (zmq_close (dealer));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* Every sender sends A then B before the receiver reads: it reads one
 * message from each peer in turn, so all the A's come before any B. */
static void test_fair_queue_in (void)
{
    void *ctx = zmq_ctx_new ();
    void *receiver = zmq_socket (ctx, ZMQ_DEALER);
    CHECK_OK (zmq_bind (receiver, "inproc://fq"));
    enum { N = 5 };
    void *sender[N];
    for (int i = 0; i < N; i++) {
        sender[i] = zmq_socket (ctx, ZMQ_DEALER);
        CHECK_OK (zmq_connect (sender[i], "inproc://fq"));
    }
    send_str (sender[0], "A", 0);
    recv_str (receiver, "A", 0);

    for (int i = 0; i < N; i++)
        send_str (sender[i], "A", 0);
    for (int i = 0; i < N; i++)
        send_str (sender[i], "B", 0);
    for (int i = 0; i < N; i++)
        recv_str (receiver, "A", 0);
    for (int i = 0; i < N; i++)
        recv_str (receiver, "B", 0);

    for (int i = 0; i < N; i++)
        CHECK_OK (zmq_close (sender[i]));
    CHECK_OK (zmq_close (receiver));
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_block_on_send_no_peers (void)
{
    void *ctx = zmq_ctx_new ();
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    set_int (dealer, ZMQ_SNDTIMEO, 100);
    CHECK_ERR (zmq_send (dealer, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    CHECK_ERR (zmq_send (dealer, "x", 1, 0), EAGAIN);
    int ev;
    size_t sz = sizeof ev;
    CHECK_OK (zmq_getsockopt (dealer, ZMQ_EVENTS, &ev, &sz));
    CHECK (ev == 0);
    CHECK_OK (zmq_close (dealer));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* Multipart messages stay whole and in one piece per peer under round robin. */
static void test_multipart_whole (void)
{
    void *ctx = zmq_ctx_new ();
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    CHECK_OK (zmq_bind (dealer, "inproc://mp"));
    void *a = zmq_socket (ctx, ZMQ_DEALER);
    void *b = zmq_socket (ctx, ZMQ_DEALER);
    CHECK_OK (zmq_connect (a, "inproc://mp"));
    CHECK_OK (zmq_connect (b, "inproc://mp"));
    for (int i = 0; i < 4; i++) {
        send_str (dealer, "p1", ZMQ_SNDMORE);
        send_str (dealer, "p2", ZMQ_SNDMORE);
        send_str (dealer, "p3", 0);
    }
    for (int i = 0; i < 2; i++) {
        recv_str (a, "p1", 1);
        recv_str (a, "p2", 1);
        recv_str (a, "p3", 0);
        recv_str (b, "p1", 1);
        recv_str (b, "p2", 1);
        recv_str (b, "p3", 0);
    }
    CHECK_ERR (zmq_recv (a, NULL, 0, ZMQ_DONTWAIT), EAGAIN);
    CHECK_OK (zmq_close (a));
    CHECK_OK (zmq_close (b));
    CHECK_OK (zmq_close (dealer));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* ZMQ_PROBE_ROUTER: a new peer is greeted with an empty message. */
static void test_probe_router (void)
{
    void *ctx = zmq_ctx_new ();
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    CHECK_OK (zmq_bind (router, "inproc://probe"));
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    CHECK_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "D", 1));
    set_int (dealer, ZMQ_PROBE_ROUTER, 1);
    CHECK_OK (zmq_connect (dealer, "inproc://probe"));
    recv_str (router, "D", 1);
    recv_str (router, "", 0);
    /* The router answers the probe; then normal traffic. */
    send_str (router, "D", ZMQ_SNDMORE);
    send_str (router, "hi", 0);
    recv_str (dealer, "hi", 0);
    CHECK_OK (zmq_close (dealer));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* Options REQ/DEALER accept and refuse as libzmq does. */
static void test_options (void)
{
    void *ctx = zmq_ctx_new ();
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    int v = -1;
    CHECK_ERR (zmq_setsockopt (dealer, ZMQ_PROBE_ROUTER, &v, sizeof v), EINVAL);
    v = 7;
    CHECK_OK (zmq_setsockopt (dealer, ZMQ_PROBE_ROUTER, &v, sizeof v));
    CHECK_ERR (zmq_setsockopt (dealer, ZMQ_REQ_CORRELATE, &v, sizeof v), EINVAL);
    CHECK_ERR (zmq_setsockopt (dealer, ZMQ_ROUTER_MANDATORY, &v, sizeof v), EINVAL);
    CHECK_ERR (zmq_setsockopt (dealer, ZMQ_CONNECT_ROUTING_ID, "x", 1), EINVAL);
    size_t sz = sizeof v;
    CHECK_ERR (zmq_getsockopt (dealer, ZMQ_PROBE_ROUTER, &v, &sz), EINVAL);
    CHECK_OK (zmq_close (dealer));
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    RUN_TEST (test_round_robin_out);
    RUN_TEST (test_fair_queue_in);
    RUN_TEST (test_block_on_send_no_peers);
    RUN_TEST (test_multipart_whole);
    RUN_TEST (test_probe_router);
    RUN_TEST (test_options);
    return 0;
}
