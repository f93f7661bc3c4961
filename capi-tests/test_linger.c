/* capi-test: valgrind
 * ZMQ_LINGER over tcp and ipc: a sender that closes right after sending
 * still delivers everything (linger -1 and a finite linger), including to a
 * peer that only appears during the linger; linger 0 and a finite linger
 * bound zmq_ctx_term when the peer is unreachable; the value in force at
 * close time is the one used. */
#include "testutil.h"
#include <time.h>
#include <unistd.h>

static void last_endpoint (void *s, char *ep, size_t len)
{
    CHECK_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &len));
}

/* N messages then close at once (the sender has its own context, so its
 * zmq_ctx_term shows when the flush is over). */
static void flush_on_close (const char *bind_ep, int linger)
{
    enum { N = 3000 };
    void *rctx = zmq_ctx_new (), *sctx = zmq_ctx_new ();
    void *pull = zmq_socket (rctx, ZMQ_PULL);
    set_int (pull, ZMQ_RCVTIMEO, 10000);
    set_int (pull, ZMQ_RCVHWM, N + 10);
    char ep[256];
    CHECK_OK (zmq_bind (pull, bind_ep));
    last_endpoint (pull, ep, sizeof ep);

    void *push = zmq_socket (sctx, ZMQ_PUSH);
    set_int (push, ZMQ_SNDHWM, N + 10);
    set_int (push, ZMQ_LINGER, linger);
    CHECK_OK (zmq_connect (push, ep));
    int i;
    char msg[32];
    for (i = 0; i < N; i++) {
        int n = snprintf (msg, sizeof msg, "message %d", i);
        CHECK (zmq_send (push, msg, n, 0) == n);
    }
    CHECK_OK (zmq_close (push));
    char buf[32];
    for (i = 0; i < N; i++) {
        int n = snprintf (msg, sizeof msg, "message %d", i);
        CHECK (zmq_recv (pull, buf, sizeof buf, 0) == n);
        CHECK (memcmp (buf, msg, n) == 0);
    }
    CHECK_OK (zmq_ctx_term (sctx));
    set_int (pull, ZMQ_LINGER, 0);
    CHECK_OK (zmq_close (pull));
    CHECK_OK (zmq_ctx_term (rctx));
}

static void test_flush_tcp_infinite (void)
{
    flush_on_close ("tcp://127.0.0.1:*", -1);
}

static void test_flush_tcp_finite (void)
{
    flush_on_close ("tcp://127.0.0.1:*", 5000);
}

static void test_flush_ipc_infinite (void)
{
    flush_on_close ("ipc://*", -1);
}

/* A large message and a multipart one survive the close too. */
static void test_flush_large (void)
{
    void *rctx = zmq_ctx_new (), *sctx = zmq_ctx_new ();
    void *pull = zmq_socket (rctx, ZMQ_PULL);
    set_int (pull, ZMQ_RCVTIMEO, 10000);
    char ep[256];
    CHECK_OK (zmq_bind (pull, "tcp://127.0.0.1:*"));
    last_endpoint (pull, ep, sizeof ep);
    void *push = zmq_socket (sctx, ZMQ_PUSH);
    CHECK_OK (zmq_connect (push, ep));
    size_t big = 4 * 1024 * 1024;
    char *data = (char *) malloc (big);
    size_t i;
    for (i = 0; i < big; i++)
        data[i] = (char) (i * 13);
    CHECK (zmq_send (push, "head", 4, ZMQ_SNDMORE) == 4);
    CHECK (zmq_send (push, data, big, 0) == (int) big);
    CHECK (zmq_send (push, "tail", 4, 0) == 4);
    CHECK_OK (zmq_close (push));
    zmq_msg_t m;
    zmq_msg_init (&m);
    CHECK (zmq_msg_recv (&m, pull, 0) == 4 && zmq_msg_more (&m));
    CHECK (zmq_msg_recv (&m, pull, 0) == (int) big && !zmq_msg_more (&m));
    CHECK (memcmp (zmq_msg_data (&m), data, big) == 0);
    CHECK (zmq_msg_recv (&m, pull, 0) == 4);
    CHECK (memcmp (zmq_msg_data (&m), "tail", 4) == 0);
    zmq_msg_close (&m);
    free (data);
    CHECK_OK (zmq_ctx_term (sctx));
    set_int (pull, ZMQ_LINGER, 0);
    CHECK_OK (zmq_close (pull));
    CHECK_OK (zmq_ctx_term (rctx));
}

/* The peer binds only after the sender closed: within the linger, the
 * connecter keeps trying and delivers. */
static void test_peer_appears_during_linger (void)
{
    void *rctx = zmq_ctx_new (), *sctx = zmq_ctx_new ();
    void *pull = zmq_socket (rctx, ZMQ_PULL);
    set_int (pull, ZMQ_RCVTIMEO, 10000);
    char ep[256];
    CHECK_OK (zmq_bind (pull, "tcp://127.0.0.1:*"));
    last_endpoint (pull, ep, sizeof ep);
    CHECK_OK (zmq_unbind (pull, ep));

    void *push = zmq_socket (sctx, ZMQ_PUSH);
    set_int (push, ZMQ_LINGER, 20000);
    set_int (push, ZMQ_RECONNECT_IVL, 20);
    CHECK_OK (zmq_connect (push, ep));
    CHECK (zmq_send (push, "late", 4, 0) == 4);
    CHECK_OK (zmq_close (push));
    usleep (100 * 1000);
    int tries = 0;
    while (zmq_bind (pull, ep) != 0) {
        CHECK (zmq_errno () == EADDRINUSE && tries++ < 500);
        usleep (10000);
    }
    char buf[8];
    CHECK (zmq_recv (pull, buf, sizeof buf, 0) == 4);
    /* Delivered: the sender's context ends long before the linger. */
    long t0 = now_ms ();
    CHECK_OK (zmq_ctx_term (sctx));
    CHECK (now_ms () - t0 < 5000);
    set_int (pull, ZMQ_LINGER, 0);
    CHECK_OK (zmq_close (pull));
    CHECK_OK (zmq_ctx_term (rctx));
}

/* Messages for a peer that never comes: zmq_ctx_term waits `linger` ms. */
static long term_time (const char *ep, int linger, int set_before_connect)
{
    void *ctx = zmq_ctx_new ();
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    set_int (push, ZMQ_RECONNECT_IVL, 20);
    if (set_before_connect)
        set_int (push, ZMQ_LINGER, linger);
    else
        set_int (push, ZMQ_LINGER, 60000);
    CHECK_OK (zmq_connect (push, ep));
    int i;
    for (i = 0; i < 10; i++)
        CHECK (zmq_send (push, "pending", 7, 0) == 7);
    /* libzmq uses the linger in force when the socket closes. */
    if (!set_before_connect)
        set_int (push, ZMQ_LINGER, linger);
    long t0 = now_ms ();
    CHECK_OK (zmq_close (push));
    CHECK_OK (zmq_ctx_term (ctx));
    return now_ms () - t0;
}

static void test_linger_zero_unreachable (void)
{
    CHECK (term_time ("tcp://127.0.0.1:1", 0, 1) < 1000);
    CHECK (term_time ("ipc:///tmp/libzmq-rs-linger-nobody.sock", 0, 1) < 1000);
    CHECK (term_time ("tcp://127.0.0.1:1", 0, 0) < 1000);
}

static void test_linger_finite_unreachable (void)
{
    long t = term_time ("tcp://127.0.0.1:1", 300, 1);
    CHECK (t >= 250 && t < 3000);
    t = term_time ("tcp://127.0.0.1:1", 300, 0);
    CHECK (t >= 250 && t < 3000);
}

/* With a live peer and linger 0, close and term are prompt too. */
static void test_linger_zero_connected (void)
{
    void *rctx = zmq_ctx_new (), *sctx = zmq_ctx_new ();
    void *pull = zmq_socket (rctx, ZMQ_PULL);
    char ep[256];
    CHECK_OK (zmq_bind (pull, "tcp://127.0.0.1:*"));
    last_endpoint (pull, ep, sizeof ep);
    void *push = zmq_socket (sctx, ZMQ_PUSH);
    set_int (push, ZMQ_LINGER, 0);
    CHECK_OK (zmq_connect (push, ep));
    int i;
    for (i = 0; i < 100; i++)
        CHECK (zmq_send (push, "x", 1, 0) == 1);
    long t0 = now_ms ();
    CHECK_OK (zmq_close (push));
    CHECK_OK (zmq_ctx_term (sctx));
    CHECK (now_ms () - t0 < 1000);
    set_int (pull, ZMQ_LINGER, 0);
    CHECK_OK (zmq_close (pull));
    CHECK_OK (zmq_ctx_term (rctx));
}

int main (void)
{
    setvbuf (stdout, NULL, _IONBF, 0);
    RUN_TEST (test_flush_tcp_infinite);
    RUN_TEST (test_flush_tcp_finite);
    RUN_TEST (test_flush_ipc_infinite);
    RUN_TEST (test_flush_large);
    RUN_TEST (test_peer_appears_during_linger);
    RUN_TEST (test_linger_zero_unreachable);
    RUN_TEST (test_linger_finite_unreachable);
    RUN_TEST (test_linger_zero_connected);
    return 0;
}
