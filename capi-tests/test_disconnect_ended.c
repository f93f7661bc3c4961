/* zmq_disconnect/zmq_unbind of endpoints whose connection already ended.
 * libzmq forgets a connecter's endpoint when its connection is lost and
 * reconnection is off (the session's term_endpoint), so disconnecting it
 * then is ENOENT; an endpoint that never connected (refused) or failed its
 * handshake with a protocol error stays known, and so does a STREAM
 * connection the socket closed itself. */
#include "testutil.h"
#include "tcputil.h"
#include <unistd.h>

static void *ctx;

static void *sock (int type, char *ep, size_t cap, int bind)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_LINGER, 0);
    set_int (s, ZMQ_RCVTIMEO, 5000);
    if (bind) {
        CHECK_OK (zmq_bind (s, "tcp://127.0.0.1:*"));
        CHECK_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &cap));
    }
    return s;
}

/* Keep the socket handling its commands for a while. */
static void settle (void *s, int ms)
{
    for (int i = 0; i < ms / 10; i++) {
        int ev;
        size_t len = sizeof ev;
        CHECK_OK (zmq_getsockopt (s, ZMQ_EVENTS, &ev, &len));
        usleep (10 * 1000);
    }
}

static void test_lost_without_reconnect (void)
{
    char ep[256], buf[16];
    void *r = sock (ZMQ_ROUTER, ep, sizeof ep, 1);
    void *d = sock (ZMQ_DEALER, NULL, 0, 0);
    set_int (d, ZMQ_RECONNECT_IVL, -1);
    CHECK_OK (zmq_connect (d, ep));
    CHECK (zmq_send (d, "x", 1, 0) == 1);
    CHECK (zmq_recv (r, buf, sizeof buf, 0) > 0);
    CHECK (zmq_recv (r, buf, sizeof buf, 0) == 1);
    zmq_close (r);
    settle (d, 500);
    CHECK_ERR (zmq_disconnect (d, ep), ENOENT);
    zmq_close (d);
}

static void test_lost_with_reconnect (void)
{
    char ep[256], buf[16];
    void *r = sock (ZMQ_ROUTER, ep, sizeof ep, 1);
    void *d = sock (ZMQ_DEALER, NULL, 0, 0);
    CHECK_OK (zmq_connect (d, ep));
    CHECK (zmq_send (d, "x", 1, 0) == 1);
    CHECK (zmq_recv (r, buf, sizeof buf, 0) > 0);
    CHECK (zmq_recv (r, buf, sizeof buf, 0) == 1);
    zmq_close (r);
    settle (d, 300);
    CHECK_OK (zmq_disconnect (d, ep));
    CHECK_ERR (zmq_disconnect (d, ep), ENOENT);
    zmq_close (d);
}

static void test_refused_without_reconnect (void)
{
    /* A port bound but not listening refuses every connect, and, held for
     * the whole test, can be neither bound by anyone else nor picked as the
     * DEALER's own source port (a closed listener's port could be either,
     * and the connect would then succeed). */
    char ep[256];
    int port;
    int held = bound_loopback (SOCK_STREAM, &port);
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    void *d = sock (ZMQ_DEALER, NULL, 0, 0);
    set_int (d, ZMQ_RECONNECT_IVL, -1);
    CHECK_OK (zmq_connect (d, ep));
    settle (d, 300);
    CHECK_OK (zmq_disconnect (d, ep));
    zmq_close (d);
    close (held);
}

static void test_protocol_error (void)
{
    char ep[256];
    void *p = sock (ZMQ_PUB, ep, sizeof ep, 1);
    void *d = sock (ZMQ_DEALER, NULL, 0, 0);
    CHECK_OK (zmq_connect (d, ep));
    settle (d, 300);
    CHECK_OK (zmq_disconnect (d, ep));
    zmq_close (d);
    zmq_close (p);
}

static void test_stream_closed_by_socket (void)
{
    char ep[256], buf[16];
    unsigned char id[256];
    void *sv = sock (ZMQ_STREAM, ep, sizeof ep, 1);
    void *c = sock (ZMQ_STREAM, NULL, 0, 0);
    CHECK_OK (zmq_connect (c, ep));
    int il = zmq_recv (c, id, sizeof id, 0);
    CHECK (il > 0);
    CHECK (zmq_recv (c, buf, sizeof buf, 0) == 0);
    CHECK (zmq_send (c, id, (size_t) il, ZMQ_SNDMORE) == il);
    CHECK (zmq_send (c, "", 0, 0) == 0);
    settle (c, 300);
    CHECK_OK (zmq_disconnect (c, ep));
    zmq_close (c);
    zmq_close (sv);
}

static void test_unbind_twice (void)
{
    char ep[256];
    void *r = sock (ZMQ_ROUTER, ep, sizeof ep, 1);
    CHECK_OK (zmq_unbind (r, ep));
    CHECK_ERR (zmq_unbind (r, ep), ENOENT);
    zmq_close (r);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_lost_without_reconnect);
    RUN_TEST (test_lost_with_reconnect);
    RUN_TEST (test_refused_without_reconnect);
    RUN_TEST (test_protocol_error);
    RUN_TEST (test_stream_closed_by_socket);
    RUN_TEST (test_unbind_twice);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
