/* capi-test: valgrind */
/* ZMQ_ROUTER_MANDATORY (after libzmq's test_router_mandatory and
 * test_router_mandatory_hwm, over inproc): unroutable messages fail with
 * EHOSTUNREACH instead of vanishing, and a full peer gives EAGAIN. */
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

static void test_unroutable (void)
{
    void *ctx = zmq_ctx_new ();
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    CHECK_OK (zmq_bind (router, "inproc://m"));

    /* Default: dropped silently. */
    send_str (router, "UNKNOWN", ZMQ_SNDMORE);
    send_str (router, "DATA", 0);

    set_int (router, ZMQ_ROUTER_MANDATORY, 1);
    CHECK_ERR (zmq_send (router, "UNKNOWN", 7, ZMQ_SNDMORE), EHOSTUNREACH);
    CHECK_ERR (zmq_send (router, "UNKNOWN", 7, ZMQ_SNDMORE | ZMQ_DONTWAIT),
               EHOSTUNREACH);
    /* No peer: no POLLOUT in mandatory mode. */
    int ev;
    size_t sz = sizeof ev;
    CHECK_OK (zmq_getsockopt (router, ZMQ_EVENTS, &ev, &sz));
    CHECK (ev == 0);

    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    CHECK_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "X", 1));
    CHECK_OK (zmq_connect (dealer, "inproc://m"));
    send_str (dealer, "Hello", 0);
    recv_str (router, "X", 1);
    recv_str (router, "Hello", 0);
    CHECK_OK (zmq_getsockopt (router, ZMQ_EVENTS, &ev, &sz));
    CHECK (ev == ZMQ_POLLOUT);

    /* Now routable. The failed sends left no half message behind. */
    send_str (router, "X", ZMQ_SNDMORE);
    send_str (router, "DATA", 0);
    recv_str (dealer, "DATA", 0);
    CHECK_ERR (zmq_send (router, "Y", 1, ZMQ_SNDMORE), EHOSTUNREACH);

    /* Invalid values. */
    int v = -1;
    CHECK_ERR (zmq_setsockopt (router, ZMQ_ROUTER_MANDATORY, &v, sizeof v), EINVAL);
    CHECK_ERR (zmq_setsockopt (router, ZMQ_ROUTER_MANDATORY, &v, 1), EINVAL);
    sz = sizeof v;
    CHECK_ERR (zmq_getsockopt (router, ZMQ_ROUTER_MANDATORY, &v, &sz), EINVAL);

    CHECK_OK (zmq_close (dealer));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_hwm (void)
{
    void *ctx = zmq_ctx_new ();
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    set_int (router, ZMQ_SNDHWM, 1);
    set_int (router, ZMQ_ROUTER_MANDATORY, 1);
    set_int (router, ZMQ_LINGER, 0);
    CHECK_OK (zmq_bind (router, "inproc://hwm"));
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    set_int (dealer, ZMQ_RCVHWM, 1);
    set_int (dealer, ZMQ_LINGER, 0);
    CHECK_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "X", 1));
    CHECK_OK (zmq_connect (dealer, "inproc://hwm"));
    send_str (dealer, "Hello", 0);
    recv_str (router, "X", 1);
    recv_str (router, "Hello", 0);

    int sent = 0;
    for (; sent < 10000; sent++) {
        errno = 0;
        if (zmq_send (router, "X", 1, ZMQ_DONTWAIT | ZMQ_SNDMORE) == -1) {
            CHECK (errno == EAGAIN);
            break;
        }
        send_str (router, "DATA", ZMQ_DONTWAIT);
    }
    CHECK (sent >= 1 && sent < 10000);
    int ev;
    size_t sz = sizeof ev;
    CHECK_OK (zmq_getsockopt (router, ZMQ_EVENTS, &ev, &sz));
    CHECK ((ev & ZMQ_POLLOUT) == 0);
    /* A blocking send with a timeout waits, then gives up. */
    set_int (router, ZMQ_SNDTIMEO, 50);
    CHECK_ERR (zmq_send (router, "X", 1, ZMQ_SNDMORE), EAGAIN);

    /* The dealer drains its queue: the router may send again. */
    for (int i = 0; i < sent; i++)
        recv_str (dealer, "DATA", 0);
    set_int (router, ZMQ_SNDTIMEO, 2000);
    send_str (router, "X", ZMQ_SNDMORE);
    send_str (router, "MORE", 0);
    recv_str (dealer, "MORE", 0);

    CHECK_OK (zmq_close (dealer));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* Without mandatory, messages to a full peer are dropped, not blocked. */
static void test_hwm_drop (void)
{
    void *ctx = zmq_ctx_new ();
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    set_int (router, ZMQ_SNDHWM, 1);
    set_int (router, ZMQ_LINGER, 0);
    CHECK_OK (zmq_bind (router, "inproc://drop"));
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    set_int (dealer, ZMQ_RCVHWM, 1);
    set_int (dealer, ZMQ_LINGER, 0);
    CHECK_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "X", 1));
    CHECK_OK (zmq_connect (dealer, "inproc://drop"));
    send_str (dealer, "Hello", 0);
    recv_str (router, "X", 1);
    recv_str (router, "Hello", 0);
    for (int i = 0; i < 100; i++) {
        send_str (router, "X", ZMQ_SNDMORE);
        send_str (router, "DATA", 0);
    }
    int got = 0;
    while (zmq_recv (dealer, NULL, 0, ZMQ_DONTWAIT) == 4)
        got++;
    CHECK (got >= 1 && got < 100);
    CHECK_OK (zmq_close (dealer));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    RUN_TEST (test_unroutable);
    RUN_TEST (test_hwm);
    RUN_TEST (test_hwm_drop);
    return 0;
}
