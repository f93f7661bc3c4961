/* capi-test: ours-only
 * PEER (zmq_connect_peer), GATHER/SCATTER and CHANNEL (draft types). */
#include "testutil.h"

static void *ctx;

static int send_to (void *s, uint32_t rid, const char *str)
{
    zmq_msg_t m;
    zmq_msg_init_size (&m, strlen (str));
    memcpy (zmq_msg_data (&m), str, strlen (str));
    if (rid)
        CHECK_OK (zmq_msg_set_routing_id (&m, rid));
    int rc = zmq_msg_send (&m, s, 0);
    if (rc < 0)
        zmq_msg_close (&m);
    return rc;
}

static int recv_rid (void *s, char *buf, uint32_t *rid)
{
    zmq_msg_t m;
    zmq_msg_init (&m);
    int rc = zmq_msg_recv (&m, s, 0);
    if (rc >= 0) {
        memcpy (buf, zmq_msg_data (&m), (size_t) rc);
        buf[rc] = 0;
        *rid = zmq_msg_routing_id (&m);
    }
    zmq_msg_close (&m);
    return rc;
}

static void test_connect_peer (const char *ep)
{
    void *a = zmq_socket (ctx, ZMQ_PEER);
    void *b = zmq_socket (ctx, ZMQ_PEER);
    void *c = zmq_socket (ctx, ZMQ_PEER);
    set_int (a, ZMQ_RCVTIMEO, 2000);
    set_int (b, ZMQ_RCVTIMEO, 2000);
    set_int (c, ZMQ_RCVTIMEO, 2000);
    CHECK_OK (zmq_bind (a, ep));
    char last[256];
    size_t len = sizeof last;
    CHECK_OK (zmq_getsockopt (a, ZMQ_LAST_ENDPOINT, last, &len));
    CHECK_OK (zmq_bind (c, "inproc://peer-c"));

    /* b connects to both: each connect names its own peer. */
    uint32_t to_a = zmq_connect_peer (b, last);
    uint32_t to_c = zmq_connect_peer (b, "inproc://peer-c");
    CHECK (to_a != 0 && to_c != 0 && to_a != to_c);

    /* Sending is possible at once (the pipe exists before the handshake). */
    CHECK (send_to (b, to_a, "for-a") == 5);
    CHECK (send_to (b, to_c, "for-c") == 5);
    char buf[32];
    uint32_t from_b;
    CHECK (recv_rid (a, buf, &from_b) == 5);
    CHECK (strcmp (buf, "for-a") == 0 && from_b != 0);
    uint32_t from_b_at_c;
    CHECK (recv_rid (c, buf, &from_b_at_c) == 5);
    CHECK (strcmp (buf, "for-c") == 0);

    /* Replies come back tagged with the id connect_peer returned. */
    CHECK (send_to (a, from_b, "reply") == 5);
    uint32_t rid;
    CHECK (recv_rid (b, buf, &rid) == 5);
    CHECK (strcmp (buf, "reply") == 0 && rid == to_a);
    CHECK (send_to (c, from_b_at_c, "reply-c") == 7);
    CHECK (recv_rid (b, buf, &rid) == 7);
    CHECK (rid == to_c);
    CHECK_ERR (send_to (b, to_a + to_c + 7, "x"), EHOSTUNREACH);

    /* zmq_disconnect_peer (4.3.6): that peer is gone, the other stays. */
    CHECK_OK (zmq_disconnect_peer (b, to_a));
    CHECK_ERR (send_to (b, to_a, "x"), EHOSTUNREACH);
    CHECK_ERR (zmq_disconnect_peer (b, to_a), EHOSTUNREACH);
    CHECK (send_to (b, to_c, "still") == 5);
    CHECK (recv_rid (c, buf, &rid) == 5);

    CHECK_OK (zmq_close (a));
    CHECK_OK (zmq_close (b));
    CHECK_OK (zmq_close (c));
}

static void test_connect_peer_inproc (void)
{
    test_connect_peer ("inproc://peer-a");
}
static void test_connect_peer_tcp (void)
{
    test_connect_peer ("tcp://127.0.0.1:*");
}
static void test_connect_peer_ipc (void)
{
    test_connect_peer ("ipc://*");
}

static void test_connect_peer_errors (void)
{
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    void *server = zmq_socket (ctx, ZMQ_SERVER);
    void *p = zmq_socket (ctx, ZMQ_PEER);
    errno = 0;
    CHECK (zmq_connect_peer (dealer, "inproc://x") == 0 && errno == ENOTSUP);
    errno = 0;
    CHECK (zmq_connect_peer (server, "inproc://x") == 0 && errno == ENOTSUP);
    errno = 0;
    CHECK (zmq_connect_peer (NULL, "inproc://x") == 0 && errno == ENOTSOCK);
    CHECK_ERR (zmq_disconnect_peer (server, 1), ENOTSUP);
    CHECK_ERR (zmq_disconnect_peer (NULL, 1), ENOTSOCK);
    errno = 0;
    CHECK (zmq_connect_peer (p, "bogus://x") == 0 && errno == EPROTONOSUPPORT);
    errno = 0;
    CHECK (zmq_connect_peer (p, "no-scheme") == 0 && errno == EINVAL);
    /* ZMQ_IMMEDIATE leaves no pipe to name: EFAULT, as libzmq. */
    set_int (p, ZMQ_IMMEDIATE, 1);
    errno = 0;
    CHECK (zmq_connect_peer (p, "tcp://127.0.0.1:5999") == 0 && errno == EFAULT);
    CHECK_OK (zmq_close (dealer));
    CHECK_OK (zmq_close (server));
    CHECK_OK (zmq_close (p));
}

static void test_gather_scatter (const char *ep)
{
    void *gather = zmq_socket (ctx, ZMQ_GATHER);
    void *s1 = zmq_socket (ctx, ZMQ_SCATTER);
    void *s2 = zmq_socket (ctx, ZMQ_SCATTER);
    set_int (gather, ZMQ_RCVTIMEO, 2000);
    CHECK_OK (zmq_bind (gather, ep));
    char last[256];
    size_t len = sizeof last;
    CHECK_OK (zmq_getsockopt (gather, ZMQ_LAST_ENDPOINT, last, &len));
    CHECK_OK (zmq_connect (s1, last));
    CHECK_OK (zmq_connect (s2, last));
    for (int i = 0; i < 3; i++) {
        CHECK (zmq_send (s1, "one", 3, 0) == 3);
        CHECK (zmq_send (s2, "two", 3, 0) == 3);
    }
    int ones = 0, twos = 0;
    char b[8];
    for (int i = 0; i < 6; i++) {
        CHECK (zmq_recv (gather, b, sizeof b, 0) == 3);
        if (memcmp (b, "one", 3) == 0)
            ones++;
        else
            twos++;
    }
    CHECK (ones == 3 && twos == 3);
    CHECK_ERR (zmq_send (s1, "m", 1, ZMQ_SNDMORE), EINVAL);
    CHECK_ERR (zmq_send (gather, "m", 1, 0), ENOTSUP);
    CHECK_ERR (zmq_recv (s1, b, sizeof b, ZMQ_DONTWAIT), ENOTSUP);
    CHECK_OK (zmq_close (s1));
    CHECK_OK (zmq_close (s2));
    CHECK_OK (zmq_close (gather));
}

static void test_gather_scatter_inproc (void)
{
    test_gather_scatter ("inproc://gs");
}
static void test_gather_scatter_tcp (void)
{
    test_gather_scatter ("tcp://127.0.0.1:*");
}

/* SCATTER load-balances over its GATHER peers. */
static void test_scatter_round_robin (void)
{
    void *s = zmq_socket (ctx, ZMQ_SCATTER);
    void *g1 = zmq_socket (ctx, ZMQ_GATHER);
    void *g2 = zmq_socket (ctx, ZMQ_GATHER);
    CHECK_OK (zmq_bind (s, "inproc://scatter-rr"));
    CHECK_OK (zmq_connect (g1, "inproc://scatter-rr"));
    CHECK_OK (zmq_connect (g2, "inproc://scatter-rr"));
    for (int i = 0; i < 8; i++)
        CHECK (zmq_send (s, "m", 1, 0) == 1);
    int n1 = 0, n2 = 0;
    char b[4];
    while (zmq_recv (g1, b, sizeof b, ZMQ_DONTWAIT) == 1)
        n1++;
    while (zmq_recv (g2, b, sizeof b, ZMQ_DONTWAIT) == 1)
        n2++;
    CHECK (n1 == 4 && n2 == 4);
    CHECK_OK (zmq_close (s));
    CHECK_OK (zmq_close (g1));
    CHECK_OK (zmq_close (g2));
}

static void test_channel (const char *ep)
{
    void *a = zmq_socket (ctx, ZMQ_CHANNEL);
    void *b = zmq_socket (ctx, ZMQ_CHANNEL);
    set_int (a, ZMQ_RCVTIMEO, 2000);
    set_int (b, ZMQ_RCVTIMEO, 2000);
    CHECK_OK (zmq_bind (a, ep));
    char last[256];
    size_t len = sizeof last;
    CHECK_OK (zmq_getsockopt (a, ZMQ_LAST_ENDPOINT, last, &len));
    CHECK_OK (zmq_connect (b, last));
    CHECK (zmq_send (b, "ping", 4, 0) == 4);
    char buf[8];
    CHECK (zmq_recv (a, buf, sizeof buf, 0) == 4);
    CHECK (zmq_send (a, "pong", 4, 0) == 4);
    CHECK (zmq_recv (b, buf, sizeof buf, 0) == 4);
    CHECK (memcmp (buf, "pong", 4) == 0);
    CHECK_ERR (zmq_send (a, "x", 1, ZMQ_SNDMORE), EINVAL);
    CHECK_ERR (zmq_recv (a, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    CHECK_OK (zmq_close (a));
    CHECK_OK (zmq_close (b));
}

static void test_channel_inproc (void)
{
    test_channel ("inproc://chan");
}
static void test_channel_tcp (void)
{
    test_channel ("tcp://127.0.0.1:*");
}

/* A CHANNEL takes one peer: a second is refused. Without a peer, send
 * cannot go anywhere (EAGAIN). */
static void test_channel_single_peer (void)
{
    void *a = zmq_socket (ctx, ZMQ_CHANNEL);
    CHECK_ERR (zmq_send (a, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    void *b = zmq_socket (ctx, ZMQ_CHANNEL);
    void *c = zmq_socket (ctx, ZMQ_CHANNEL);
    CHECK_OK (zmq_bind (a, "inproc://chan1"));
    CHECK_OK (zmq_connect (b, "inproc://chan1"));
    CHECK_OK (zmq_connect (c, "inproc://chan1"));
    CHECK (zmq_send (b, "b", 1, 0) == 1);
    set_int (c, ZMQ_SNDTIMEO, 100);
    zmq_send (c, "c", 1, 0); /* goes nowhere: its pipe was refused */
    char buf[4];
    set_int (a, ZMQ_RCVTIMEO, 1000);
    CHECK (zmq_recv (a, buf, sizeof buf, 0) == 1 && buf[0] == 'b');
    set_int (a, ZMQ_RCVTIMEO, 100);
    CHECK_ERR (zmq_recv (a, buf, sizeof buf, 0), EAGAIN);
    CHECK_OK (zmq_close (a));
    CHECK_OK (zmq_close (b));
    CHECK_OK (zmq_close (c));
}

int main (void)
{
    ctx = zmq_ctx_new ();
    RUN_TEST (test_connect_peer_inproc);
    RUN_TEST (test_connect_peer_tcp);
    RUN_TEST (test_connect_peer_ipc);
    RUN_TEST (test_connect_peer_errors);
    RUN_TEST (test_gather_scatter_inproc);
    RUN_TEST (test_gather_scatter_tcp);
    RUN_TEST (test_scatter_round_robin);
    RUN_TEST (test_channel_inproc);
    RUN_TEST (test_channel_tcp);
    RUN_TEST (test_channel_single_peer);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
