/* capi-test: valgrind
 * tcp and ipc between two sockets of this process: round trips for the
 * classic pairs, wildcard ports, ZMQ_LAST_ENDPOINT, unbind/disconnect,
 * multipart and large messages, queueing before the connection exists. */
#include "testutil.h"
#include <unistd.h>

static void *ctx;

static void bind_any (void *s, const char *ep, char *resolved, size_t len)
{
    CHECK_OK (zmq_bind (s, ep));
    CHECK_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, resolved, &len));
}

static void set_timeouts (void *s)
{
    int to = 5000;
    CHECK_OK (zmq_setsockopt (s, ZMQ_RCVTIMEO, &to, sizeof to));
    CHECK_OK (zmq_setsockopt (s, ZMQ_SNDTIMEO, &to, sizeof to));
}

static void roundtrip (int bind_type, int connect_type, const char *ep)
{
    void *b = zmq_socket (ctx, bind_type), *c = zmq_socket (ctx, connect_type);
    set_timeouts (b);
    set_timeouts (c);
    char resolved[256];
    bind_any (b, ep, resolved, sizeof resolved);
    CHECK_OK (zmq_connect (c, resolved));
    char buf[64];
    if (connect_type == ZMQ_REQ || connect_type == ZMQ_DEALER) {
        /* A DEALER talking to a REP supplies the empty delimiter itself. */
        int delim = connect_type == ZMQ_DEALER && bind_type == ZMQ_REP;
        if (delim)
            CHECK (zmq_send (c, "", 0, ZMQ_SNDMORE) == 0);
        CHECK (zmq_send (c, "ping", 4, 0) == 4);
        if (bind_type == ZMQ_ROUTER) {
            char id[256];
            int n = zmq_recv (b, id, sizeof id, 0);
            CHECK (n > 0);
            if (connect_type == ZMQ_REQ)
                CHECK (zmq_recv (b, buf, sizeof buf, 0) == 0);
            CHECK (zmq_recv (b, buf, sizeof buf, 0) == 4);
            CHECK (zmq_send (b, id, n, ZMQ_SNDMORE) == n);
            if (connect_type == ZMQ_REQ)
                CHECK (zmq_send (b, "", 0, ZMQ_SNDMORE) == 0);
            CHECK (zmq_send (b, "pong", 4, 0) == 4);
        } else {
            CHECK (zmq_recv (b, buf, sizeof buf, 0) == 4);
            CHECK (zmq_send (b, "pong", 4, 0) == 4);
        }
        if (delim)
            CHECK (zmq_recv (c, buf, sizeof buf, 0) == 0);
        CHECK (zmq_recv (c, buf, sizeof buf, 0) == 4);
        CHECK (memcmp (buf, "pong", 4) == 0);
    } else {
        CHECK (zmq_send (c, "hello", 5, 0) == 5);
        CHECK (zmq_recv (b, buf, sizeof buf, 0) == 5);
        CHECK (memcmp (buf, "hello", 5) == 0);
    }
    CHECK_OK (zmq_close (c));
    CHECK_OK (zmq_close (b));
}

static void test_pairs_tcp (void)
{
    roundtrip (ZMQ_PAIR, ZMQ_PAIR, "tcp://127.0.0.1:*");
    roundtrip (ZMQ_PULL, ZMQ_PUSH, "tcp://127.0.0.1:*");
    roundtrip (ZMQ_REP, ZMQ_REQ, "tcp://127.0.0.1:*");
    roundtrip (ZMQ_ROUTER, ZMQ_REQ, "tcp://127.0.0.1:*");
    roundtrip (ZMQ_ROUTER, ZMQ_DEALER, "tcp://127.0.0.1:*");
    roundtrip (ZMQ_REP, ZMQ_DEALER, "tcp://127.0.0.1:*");
}

static void test_pairs_ipc (void)
{
    roundtrip (ZMQ_PAIR, ZMQ_PAIR, "ipc://*");
    roundtrip (ZMQ_PULL, ZMQ_PUSH, "ipc://*");
    roundtrip (ZMQ_REP, ZMQ_REQ, "ipc://*");
    roundtrip (ZMQ_PAIR, ZMQ_PAIR, "ipc://@libzmq-rs-abstract-test");
}

static void test_pubsub_tcp (void)
{
    void *pub = zmq_socket (ctx, ZMQ_PUB), *sub = zmq_socket (ctx, ZMQ_SUB);
    set_timeouts (sub);
    char ep[256];
    bind_any (pub, "tcp://127.0.0.1:*", ep, sizeof ep);
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "A", 1));
    CHECK_OK (zmq_connect (sub, ep));
    /* The subscription travels upstream: publish until it has arrived. */
    char buf[16];
    int got = 0, i;
    for (i = 0; i < 200 && !got; i++) {
        CHECK (zmq_send (pub, "B-no", 4, 0) == 4);
        CHECK (zmq_send (pub, "A-yes", 5, 0) == 5);
        usleep (10000);
        int n;
        while ((n = zmq_recv (sub, buf, sizeof buf, ZMQ_DONTWAIT)) >= 0) {
            CHECK (n == 5 && buf[0] == 'A');
            got = 1;
        }
    }
    CHECK (got);
    zmq_close (sub);
    zmq_close (pub);
}

static void test_multipart_and_large (void)
{
    void *b = zmq_socket (ctx, ZMQ_PAIR), *c = zmq_socket (ctx, ZMQ_PAIR);
    set_timeouts (b);
    char ep[256];
    bind_any (b, "tcp://127.0.0.1:*", ep, sizeof ep);
    CHECK_OK (zmq_connect (c, ep));
    size_t big = 5 * 1024 * 1024, i;
    char *data = (char *) malloc (big);
    for (i = 0; i < big; i++)
        data[i] = (char) (i * 7);
    CHECK (zmq_send (c, "head", 4, ZMQ_SNDMORE) == 4);
    CHECK (zmq_send (c, data, 300, ZMQ_SNDMORE) == 300);
    CHECK (zmq_send (c, data, big, 0) == (int) big);
    zmq_msg_t m;
    zmq_msg_init (&m);
    CHECK (zmq_msg_recv (&m, b, 0) == 4 && zmq_msg_more (&m));
    CHECK (zmq_msg_recv (&m, b, 0) == 300 && zmq_msg_more (&m));
    CHECK (memcmp (zmq_msg_data (&m), data, 300) == 0);
    CHECK (zmq_msg_recv (&m, b, 0) == (int) big && !zmq_msg_more (&m));
    CHECK (memcmp (zmq_msg_data (&m), data, big) == 0);
    zmq_msg_close (&m);
    /* Many small messages in both directions. */
    for (i = 0; i < 10000; i++)
        CHECK (zmq_send (c, "x", 1, 0) == 1);
    char buf[4];
    for (i = 0; i < 10000; i++)
        CHECK (zmq_recv (b, buf, sizeof buf, 0) == 1);
    free (data);
    zmq_close (c);
    zmq_close (b);
}

static void test_connect_before_bind_tcp (void)
{
    /* A port we pick by binding and unbinding first. */
    void *b = zmq_socket (ctx, ZMQ_PULL), *c = zmq_socket (ctx, ZMQ_PUSH);
    set_timeouts (b);
    char ep[256];
    bind_any (b, "tcp://127.0.0.1:*", ep, sizeof ep);
    CHECK_OK (zmq_unbind (b, ep));
    CHECK_OK (zmq_connect (c, ep));
    CHECK (zmq_send (c, "queued", 6, 0) == 6);
    /* The port may take a moment to be free again. */
    int tries = 0;
    while (zmq_bind (b, ep) != 0 && tries++ < 100)
        usleep (10000);
    char buf[8];
    CHECK (zmq_recv (b, buf, sizeof buf, 0) == 6);
    zmq_close (c);
    zmq_close (b);
}

static void test_endpoint_errors (void)
{
    void *s = zmq_socket (ctx, ZMQ_PAIR);
    char ep[256];
    bind_any (s, "tcp://127.0.0.1:*", ep, sizeof ep);
    void *t = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_ERR (zmq_bind (t, ep), EADDRINUSE);
    CHECK_ERR (zmq_bind (t, "tcp://127.0.0.1"), EINVAL);
    CHECK_ERR (zmq_connect (t, "tcp://127.0.0.1:*"), EINVAL);
    /* Unbind needs the resolved endpoint for a wildcard bind. */
    CHECK_ERR (zmq_unbind (s, "tcp://127.0.0.1:*"), ENOENT);
    CHECK_OK (zmq_unbind (s, ep));
    CHECK_ERR (zmq_unbind (s, ep), ENOENT);
    CHECK_ERR (zmq_disconnect (t, "tcp://127.0.0.1:5"), ENOENT);
    zmq_close (t);
    zmq_close (s);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    RUN_TEST (test_pairs_tcp);
    RUN_TEST (test_pairs_ipc);
    RUN_TEST (test_pubsub_tcp);
    RUN_TEST (test_multipart_and_large);
    RUN_TEST (test_connect_before_bind_tcp);
    RUN_TEST (test_endpoint_errors);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
