/* High-water marks as libzmq counts them: the inproc sum of both ends'
 * HWMs in either bind/connect order, routing-id announcements that cost no
 * credit, credit returned across a tcp session, and HWM changes reaching
 * pipes that already exist. */
#include "testutil.h"
#include <unistd.h>

static void *ctx;

/* A fresh inproc name per case: libzmq unregisters a closed socket's
 * endpoints asynchronously, so a reused name may still be taken. */
static const char *fresh_endpoint (void)
{
    static char name[64];
    static int n;
    snprintf (name, sizeof name, "inproc://hwm-%d", n++);
    return name;
}

/* Send empty messages without blocking until the pipe refuses one. */
static int fill (void *s, int max)
{
    int n = 0;
    while (n < max && zmq_send (s, NULL, 0, ZMQ_DONTWAIT) == 0)
        n++;
    return n;
}

static int drain (void *s)
{
    int n = 0;
    while (zmq_recv (s, NULL, 0, ZMQ_DONTWAIT) >= 0)
        n++;
    return n;
}

/* A connecter parked before the bind may queue its SNDHWM alone: the
 * routing id it announces to the future binder is not a message. */
static void connect_first_then_close (int sndhwm)
{
    const char *ep = fresh_endpoint ();
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    set_int (push, ZMQ_SNDHWM, sndhwm);
    CHECK_OK (zmq_connect (push, ep));
    int sent = fill (push, 10000);
    CHECK (sent == sndhwm);
    CHECK_OK (zmq_close (push));

    void *pull = zmq_socket (ctx, ZMQ_PULL);
    set_int (pull, ZMQ_RCVHWM, 0);
    CHECK_OK (zmq_bind (pull, ep));
    CHECK (drain (pull) == sent);
    CHECK_OK (zmq_close (pull));
}

static void test_connect_first_sndhwm_alone (void)
{
    connect_first_then_close (1);
    connect_first_then_close (1000);
}

/* Bind first or connect first, the pipe holds SNDHWM + RCVHWM; a ROUTER
 * binder (which keeps the routing id) changes nothing. */
static void count_both (int connect_first, int binder_type, int sndhwm,
                        int rcvhwm, int expected)
{
    const char *ep = fresh_endpoint ();
    void *push = NULL, *bound = NULL;
    if (!connect_first) {
        bound = zmq_socket (ctx, binder_type);
        set_int (bound, ZMQ_RCVHWM, rcvhwm);
        CHECK_OK (zmq_bind (bound, ep));
    }
    push = zmq_socket (ctx, binder_type == ZMQ_ROUTER ? ZMQ_DEALER : ZMQ_PUSH);
    set_int (push, ZMQ_SNDHWM, sndhwm);
    CHECK_OK (zmq_connect (push, ep));
    if (connect_first) {
        bound = zmq_socket (ctx, binder_type);
        set_int (bound, ZMQ_RCVHWM, rcvhwm);
        CHECK_OK (zmq_bind (bound, ep));
    }
    int sent = fill (push, 10000);
    if (sent != expected)
        fprintf (stderr, "connect_first=%d type=%d %d+%d: sent %d\n",
                 connect_first, binder_type, sndhwm, rcvhwm, sent);
    CHECK (sent == expected);
    int parts = binder_type == ZMQ_ROUTER ? 2 : 1;
    int got = drain (bound);
    if (got != parts * sent)
        fprintf (stderr, "connect_first=%d type=%d %d+%d: sent %d, drained %d\n",
                 connect_first, binder_type, sndhwm, rcvhwm, sent, got);
    CHECK (got == parts * sent);
    /* The drained pipe takes one more (libzmq may need a moment to see
     * the credit). */
    set_int (push, ZMQ_SNDTIMEO, 2000);
    CHECK (zmq_send (push, NULL, 0, 0) == 0);
    CHECK_OK (zmq_close (push));
    CHECK_OK (zmq_close (bound));
}

static void test_inproc_sum_either_order (void)
{
    for (int cf = 0; cf < 2; cf++) {
        count_both (cf, ZMQ_PULL, 1, 1, 2);
        count_both (cf, ZMQ_PULL, 1000, 1000, 2000);
        count_both (cf, ZMQ_PULL, 1, 0, 10000);
        count_both (cf, ZMQ_PULL, 0, 1, 10000);
        count_both (cf, ZMQ_ROUTER, 1, 1, 2);
        count_both (cf, ZMQ_ROUTER, 3, 4, 7);
    }
}

/* Bind to a free loopback tcp port and say which. */
static void bind_loopback (void *s, char *ep, size_t cap)
{
    CHECK_OK (zmq_bind (s, "tcp://127.0.0.1:*"));
    CHECK_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &cap));
}

/* A tcp PUB gets its whole allowance back once the SUB has drained what it
 * sent: credit comes back across the session every half HWM (libzmq's
 * low-water mark), not only after (HWM - 1024) messages. */
static void test_tcp_credit_after_drain (void)
{
    int hwm = 11024;
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    set_int (pub, ZMQ_SNDHWM, hwm);
    char ep[256];
    bind_loopback (pub, ep, sizeof ep);
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    set_int (sub, ZMQ_RCVHWM, hwm);
    CHECK_OK (zmq_connect (sub, ep));
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0));
    usleep (300 * 1000);

    for (int round = 0; round < 2; round++) {
        int want = round == 0 ? 9999 : 1100;
        int sent = fill (pub, want);
        if (sent != want)
            fprintf (stderr, "round %d: sent %d of %d\n", round, sent, want);
        CHECK (sent == want);
        usleep (300 * 1000);
        CHECK (drain (sub) == want);
        usleep (300 * 1000);
    }
    CHECK_OK (zmq_close (sub));
    CHECK_OK (zmq_close (pub));
}

/* ZMQ_SNDHWM changed after the inproc pipe exists reaches that pipe: its
 * limit becomes the new SNDHWM plus the peer's RCVHWM (libzmq's
 * update_pipe_options), and a lowered limit still lets a full pipe drain
 * and refill. */
static void test_sndhwm_change_reaches_pipe (void)
{
    for (int cf = 0; cf < 2; cf++) {
        const char *ep = fresh_endpoint ();
        void *push = zmq_socket (ctx, ZMQ_PUSH);
        void *pull = zmq_socket (ctx, ZMQ_PULL);
        set_int (pull, ZMQ_RCVHWM, 1);
        set_int (push, ZMQ_SNDHWM, 1);
        if (cf) {
            CHECK_OK (zmq_connect (pull, ep));
            CHECK_OK (zmq_bind (push, ep));
        } else {
            CHECK_OK (zmq_bind (push, ep));
            CHECK_OK (zmq_connect (pull, ep));
            /* The binder learns of the pipe when it next handles commands
             * (setsockopt does not): let it, as libzmq needs too. */
            int events;
            size_t len = sizeof events;
            CHECK_OK (zmq_getsockopt (push, ZMQ_EVENTS, &events, &len));
        }
        set_int (push, ZMQ_SNDHWM, 5);
        int sent = fill (push, 10000);
        if (sent != 6)
            fprintf (stderr, "connect_first=%d: sent %d\n", cf, sent);
        CHECK (sent == 6);
        /* Lower it while full: nothing is lost, and after the drain the
         * pipe takes the new limit's worth (and no more). */
        set_int (push, ZMQ_SNDHWM, 2);
        CHECK (drain (pull) == 6);
        usleep (100 * 1000);
        sent = fill (push, 10000);
        CHECK (sent == 3);
        CHECK (drain (pull) == 3);
        CHECK_OK (zmq_close (push));
        CHECK_OK (zmq_close (pull));
    }
}

/* The same over tcp: the pipe between the socket and its session. */
static void test_sndhwm_change_reaches_session (void)
{
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    set_int (pull, ZMQ_RCVHWM, 1);
    set_int (pull, ZMQ_RCVBUF, 4096);
    char ep[256];
    bind_loopback (pull, ep, sizeof ep);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    set_int (push, ZMQ_SNDHWM, 10);
    set_int (push, ZMQ_SNDBUF, 4096);
    CHECK_OK (zmq_connect (push, ep));
    usleep (200 * 1000);
    /* Raise it on the live connection: far more than 10 messages fit now
     * (the rest sits in the session, the kernel and the PULL). */
    set_int (push, ZMQ_SNDHWM, 100000);
    static char big[1000];
    int sent = 0;
    while (sent < 50000 && zmq_send (push, big, sizeof big, ZMQ_DONTWAIT) == 1000)
        sent++;
    if (sent < 50000)
        fprintf (stderr, "sent only %d\n", sent);
    CHECK (sent == 50000);
    set_int (pull, ZMQ_RCVTIMEO, 5000);
    for (int i = 0; i < sent; i++)
        CHECK (zmq_recv (pull, big, sizeof big, 0) == 1000);
    CHECK_OK (zmq_close (push));
    CHECK_OK (zmq_close (pull));
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_connect_first_sndhwm_alone);
    RUN_TEST (test_inproc_sum_either_order);
    RUN_TEST (test_tcp_credit_after_drain);
    RUN_TEST (test_sndhwm_change_reaches_pipe);
    RUN_TEST (test_sndhwm_change_reaches_session);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
