/* capi-test: valgrind */
/* ZMQ_ROUTER_HANDOVER (after libzmq's test_router_handover, over inproc):
 * a second peer with a routing id already in use takes it over with the
 * option, and is ignored without it. */
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

static void run (int handover)
{
    void *ctx = zmq_ctx_new ();
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    set_int (router, ZMQ_LINGER, 0);
    if (handover)
        set_int (router, ZMQ_ROUTER_HANDOVER, 1);
    CHECK_OK (zmq_bind (router, "inproc://h"));

    void *one = zmq_socket (ctx, ZMQ_DEALER);
    set_int (one, ZMQ_LINGER, 0);
    set_int (one, ZMQ_RCVTIMEO, 300);
    CHECK_OK (zmq_setsockopt (one, ZMQ_ROUTING_ID, "X", 1));
    CHECK_OK (zmq_connect (one, "inproc://h"));
    send_str (one, "Hello", 0);
    recv_str (router, "X", 1);
    recv_str (router, "Hello", 0);

    void *two = zmq_socket (ctx, ZMQ_DEALER);
    set_int (two, ZMQ_LINGER, 0);
    set_int (two, ZMQ_RCVTIMEO, 300);
    CHECK_OK (zmq_setsockopt (two, ZMQ_ROUTING_ID, "X", 1));
    CHECK_OK (zmq_connect (two, "inproc://h"));
    send_str (two, "Hello2", 0);
    if (handover) {
        recv_str (router, "X", 1);
        recv_str (router, "Hello2", 0);
    } else {
        /* The newcomer is ignored: its message never shows up. */
        set_int (router, ZMQ_RCVTIMEO, 300);
        CHECK_ERR (zmq_recv (router, NULL, 0, 0), EAGAIN);
    }

    send_str (router, "X", ZMQ_SNDMORE);
    send_str (router, "Reply", 0);
    if (handover) {
        CHECK_ERR (zmq_recv (one, NULL, 0, 0), EAGAIN);
        recv_str (two, "Reply", 0);
    } else {
        recv_str (one, "Reply", 0);
        CHECK_ERR (zmq_recv (two, NULL, 0, 0), EAGAIN);
    }

    CHECK_OK (zmq_close (one));
    CHECK_OK (zmq_close (two));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_with_handover (void)
{
    run (1);
}

static void test_without_handover (void)
{
    run (0);
}

static void test_option_values (void)
{
    void *ctx = zmq_ctx_new ();
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    int v = -1;
    CHECK_ERR (zmq_setsockopt (router, ZMQ_ROUTER_HANDOVER, &v, sizeof v), EINVAL);
    v = 2;
    CHECK_OK (zmq_setsockopt (router, ZMQ_ROUTER_HANDOVER, &v, sizeof v));
    size_t sz = sizeof v;
    CHECK_ERR (zmq_getsockopt (router, ZMQ_ROUTER_HANDOVER, &v, &sz), EINVAL);
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    CHECK_ERR (zmq_setsockopt (dealer, ZMQ_ROUTER_HANDOVER, &v, sizeof v), EINVAL);
    CHECK_OK (zmq_close (dealer));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    RUN_TEST (test_with_handover);
    RUN_TEST (test_without_handover);
    RUN_TEST (test_option_values);
    return 0;
}
