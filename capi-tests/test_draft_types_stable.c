/* The draft socket types through the stable API only: libzmq creates them
 * even in builds without the draft API (socket_base_t::create has no
 * #ifdef), so this runs against Debian's libzmq too. Over inproc only: a
 * stable build cannot name them in a ZMTP handshake. */
#include "testutil.h"

#ifndef ZMQ_SERVER
#define ZMQ_SERVER 12
#define ZMQ_CLIENT 13
#define ZMQ_RADIO 14
#define ZMQ_DISH 15
#define ZMQ_GATHER 16
#define ZMQ_SCATTER 17
#define ZMQ_PEER 19
#define ZMQ_CHANNEL 20
#endif

static void *ctx;

static void test_thread_safe_and_fd (void)
{
    int types[] = {ZMQ_SERVER, ZMQ_CLIENT, ZMQ_RADIO, ZMQ_DISH,
                   ZMQ_GATHER, ZMQ_SCATTER, ZMQ_PEER, ZMQ_CHANNEL};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        void *s = zmq_socket (ctx, types[i]);
        CHECK (s);
        int v = -1;
        size_t len = sizeof v;
        CHECK_OK (zmq_getsockopt (s, ZMQ_THREAD_SAFE, &v, &len));
        CHECK (v == 1);
        zmq_fd_t fd;
        len = sizeof fd;
        CHECK_ERR (zmq_getsockopt (s, ZMQ_FD, &fd, &len), EINVAL);
        len = sizeof v;
        CHECK_OK (zmq_getsockopt (s, ZMQ_EVENTS, &v, &len));
        CHECK_OK (zmq_close (s));
    }
}

static void test_client_server (void)
{
    void *server = zmq_socket (ctx, ZMQ_SERVER);
    void *client = zmq_socket (ctx, ZMQ_CLIENT);
    CHECK_OK (zmq_bind (server, "inproc://st-cs"));
    CHECK_OK (zmq_connect (client, "inproc://st-cs"));
    int v;
    size_t len = sizeof v;
    CHECK_OK (zmq_getsockopt (server, ZMQ_EVENTS, &v, &len));
    CHECK (v == ZMQ_POLLOUT); /* always writable; nothing to read */
    CHECK_OK (zmq_getsockopt (client, ZMQ_EVENTS, &v, &len));
    CHECK (v == ZMQ_POLLOUT);
    CHECK (zmq_send (client, "hello", 5, 0) == 5);
    CHECK_OK (zmq_getsockopt (server, ZMQ_EVENTS, &v, &len));
    CHECK (v == (ZMQ_POLLIN | ZMQ_POLLOUT));
    char b[8];
    CHECK (zmq_recv (server, b, sizeof b, 0) == 5);
    CHECK (memcmp (b, "hello", 5) == 0);
    /* No routing id on a plain zmq_send: nowhere to go. */
    CHECK_ERR (zmq_send (server, "x", 1, 0), EHOSTUNREACH);
    CHECK_ERR (zmq_send (client, "x", 1, ZMQ_SNDMORE), EINVAL);
    CHECK_ERR (zmq_send (server, "x", 1, ZMQ_SNDMORE), EINVAL);
    CHECK_ERR (zmq_recv (client, b, sizeof b, ZMQ_DONTWAIT), EAGAIN);
    set_int (client, ZMQ_RCVTIMEO, 30);
    CHECK_ERR (zmq_recv (client, b, sizeof b, 0), EAGAIN);
    /* A CLIENT without a peer blocks (EAGAIN when it may not). */
    void *lonely = zmq_socket (ctx, ZMQ_CLIENT);
    CHECK_ERR (zmq_send (lonely, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    CHECK_OK (zmq_close (lonely));
    CHECK_OK (zmq_close (client));
    CHECK_OK (zmq_close (server));
}

static void test_gather_scatter (void)
{
    void *gather = zmq_socket (ctx, ZMQ_GATHER);
    void *s1 = zmq_socket (ctx, ZMQ_SCATTER);
    void *g2 = zmq_socket (ctx, ZMQ_GATHER);
    CHECK_OK (zmq_bind (s1, "inproc://st-gs"));
    CHECK_OK (zmq_connect (gather, "inproc://st-gs"));
    CHECK_OK (zmq_connect (g2, "inproc://st-gs"));
    for (int i = 0; i < 6; i++)
        CHECK (zmq_send (s1, "m", 1, 0) == 1);
    int n1 = 0, n2 = 0;
    char b[4];
    while (zmq_recv (gather, b, sizeof b, ZMQ_DONTWAIT) == 1)
        n1++;
    while (zmq_recv (g2, b, sizeof b, ZMQ_DONTWAIT) == 1)
        n2++;
    CHECK (n1 == 3 && n2 == 3);
    CHECK_ERR (zmq_send (gather, "m", 1, 0), ENOTSUP);
    CHECK_ERR (zmq_recv (s1, b, sizeof b, 0), ENOTSUP);
    CHECK_ERR (zmq_send (s1, "m", 1, ZMQ_SNDMORE), EINVAL);
    int v;
    size_t len = sizeof v;
    CHECK_OK (zmq_getsockopt (gather, ZMQ_EVENTS, &v, &len));
    CHECK (v == 0);
    CHECK_OK (zmq_getsockopt (s1, ZMQ_EVENTS, &v, &len));
    CHECK (v == ZMQ_POLLOUT);
    CHECK_OK (zmq_close (gather));
    CHECK_OK (zmq_close (g2));
    CHECK_OK (zmq_close (s1));
}

static void test_channel (void)
{
    void *a = zmq_socket (ctx, ZMQ_CHANNEL);
    void *b = zmq_socket (ctx, ZMQ_CHANNEL);
    char buf[8];
    CHECK_ERR (zmq_send (a, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    CHECK_OK (zmq_bind (a, "inproc://st-ch"));
    CHECK_OK (zmq_connect (b, "inproc://st-ch"));
    CHECK (zmq_send (b, "ping", 4, 0) == 4);
    CHECK (zmq_recv (a, buf, sizeof buf, 0) == 4);
    CHECK (zmq_send (a, "pong", 4, 0) == 4);
    CHECK (zmq_recv (b, buf, sizeof buf, 0) == 4);
    CHECK_ERR (zmq_send (a, "x", 1, ZMQ_SNDMORE), EINVAL);
    CHECK_ERR (zmq_recv (a, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    CHECK_OK (zmq_close (a));
    CHECK_OK (zmq_close (b));
}

static void test_radio_dish_directions (void)
{
    void *radio = zmq_socket (ctx, ZMQ_RADIO);
    void *dish = zmq_socket (ctx, ZMQ_DISH);
    CHECK_OK (zmq_bind (radio, "inproc://st-rd"));
    CHECK_OK (zmq_connect (dish, "inproc://st-rd"));
    char b[4];
    CHECK_ERR (zmq_recv (radio, b, sizeof b, ZMQ_DONTWAIT), ENOTSUP);
    CHECK_ERR (zmq_send (dish, "x", 1, 0), ENOTSUP);
    CHECK_ERR (zmq_send (radio, "x", 1, ZMQ_SNDMORE), EINVAL);
    /* No group joined: sent, and lost. */
    CHECK (zmq_send (radio, "x", 1, 0) == 1);
    CHECK_ERR (zmq_recv (dish, b, sizeof b, ZMQ_DONTWAIT), EAGAIN);
    int v;
    size_t len = sizeof v;
    CHECK_OK (zmq_getsockopt (radio, ZMQ_EVENTS, &v, &len));
    CHECK (v == ZMQ_POLLOUT);
    CHECK_OK (zmq_getsockopt (dish, ZMQ_EVENTS, &v, &len));
    CHECK (v == ZMQ_POLLOUT);
    set_int (radio, ZMQ_XPUB_NODROP, 1);
    v = -1;
    CHECK_ERR (zmq_setsockopt (radio, ZMQ_XPUB_NODROP, &v, sizeof v), EINVAL);
    CHECK_ERR (zmq_setsockopt (dish, ZMQ_SUBSCRIBE, "", 0), EINVAL);
    CHECK_OK (zmq_close (radio));
    CHECK_OK (zmq_close (dish));
}

/* Draft types only pair with their partner type, over inproc too? libzmq
 * does not check socket types for inproc: a DEALER and a SERVER talk. */
static void test_peer_plain_api (void)
{
    void *a = zmq_socket (ctx, ZMQ_PEER);
    void *b = zmq_socket (ctx, ZMQ_PEER);
    CHECK_OK (zmq_bind (a, "inproc://st-peer"));
    CHECK_OK (zmq_connect (b, "inproc://st-peer"));
    CHECK_ERR (zmq_send (b, "x", 1, 0), EHOSTUNREACH);
    CHECK_OK (zmq_close (a));
    CHECK_OK (zmq_close (b));
}

int main (void)
{
    ctx = zmq_ctx_new ();
    RUN_TEST (test_thread_safe_and_fd);
    RUN_TEST (test_client_server);
    RUN_TEST (test_gather_scatter);
    RUN_TEST (test_channel);
    RUN_TEST (test_radio_dish_directions);
    RUN_TEST (test_peer_plain_api);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
