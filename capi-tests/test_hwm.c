/* High-water marks as libzmq counts them: the inproc sum of both ends'
 * HWMs in either bind/connect order, routing-id announcements that cost no
 * credit, credit returned across a tcp session, and HWM changes reaching
 * pipes that already exist. */
#include "testutil.h"

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

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_connect_first_sndhwm_alone);
    RUN_TEST (test_inproc_sum_either_order);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
