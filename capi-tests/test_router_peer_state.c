/* capi-test: ours-only */
/* zmq_socket_get_peer_state (draft; after the draft part of libzmq's
 * test_router_mandatory): ZMQ_POLLOUT while a peer can take messages,
 * EHOSTUNREACH for an unknown one, ENOTSUP on other socket types. */
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

static void test_peer_state (void)
{
    void *ctx = zmq_ctx_new ();
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    set_int (router, ZMQ_SNDHWM, 1);
    set_int (router, ZMQ_ROUTER_MANDATORY, 1);
    set_int (router, ZMQ_LINGER, 0);
    CHECK_OK (zmq_bind (router, "inproc://ps"));
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    set_int (dealer, ZMQ_RCVHWM, 1);
    set_int (dealer, ZMQ_LINGER, 0);
    CHECK_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "X", 1));
    CHECK_OK (zmq_connect (dealer, "inproc://ps"));
    send_str (dealer, "Hello", 0);
    recv_str (router, "X", 1);
    recv_str (router, "Hello", 0);

    CHECK (zmq_socket_get_peer_state (router, "X", 1) == ZMQ_POLLOUT);
    CHECK_ERR (zmq_socket_get_peer_state (router, "Y", 1), EHOSTUNREACH);
    CHECK_ERR (zmq_socket_get_peer_state (router, NULL, 0), EHOSTUNREACH);
    CHECK_ERR (zmq_socket_get_peer_state (dealer, "X", 1), ENOTSUP);
    CHECK_ERR (zmq_socket_get_peer_state (NULL, "X", 1), ENOTSOCK);

    int sent = 0;
    while (sent < 10000 && zmq_send (router, "X", 1, ZMQ_DONTWAIT | ZMQ_SNDMORE) == 1) {
        send_str (router, "DATA", 0);
        sent++;
    }
    CHECK (sent < 10000);
    CHECK (zmq_socket_get_peer_state (router, "X", 1) == 0);
    for (int i = 0; i < sent; i++)
        recv_str (dealer, "DATA", 0);
    CHECK (zmq_socket_get_peer_state (router, "X", 1) == ZMQ_POLLOUT);

    CHECK_OK (zmq_close (dealer));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_router_notify_option (void)
{
    void *ctx = zmq_ctx_new ();
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    int v = ZMQ_NOTIFY_CONNECT | ZMQ_NOTIFY_DISCONNECT;
    CHECK_OK (zmq_setsockopt (router, ZMQ_ROUTER_NOTIFY, &v, sizeof v));
    v = 0;
    size_t sz = sizeof v;
    CHECK_OK (zmq_getsockopt (router, ZMQ_ROUTER_NOTIFY, &v, &sz));
    CHECK (v == (ZMQ_NOTIFY_CONNECT | ZMQ_NOTIFY_DISCONNECT));
    v = 4;
    CHECK_ERR (zmq_setsockopt (router, ZMQ_ROUTER_NOTIFY, &v, sizeof v), EINVAL);
    v = -1;
    CHECK_ERR (zmq_setsockopt (router, ZMQ_ROUTER_NOTIFY, &v, sizeof v), EINVAL);
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    v = 1;
    CHECK_ERR (zmq_setsockopt (dealer, ZMQ_ROUTER_NOTIFY, &v, sizeof v), EINVAL);
    CHECK_OK (zmq_close (dealer));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    RUN_TEST (test_peer_state);
    RUN_TEST (test_router_notify_option);
    return 0;
}
