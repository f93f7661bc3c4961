/* capi-test: valgrind
 * ZMQ_ROUTER_RAW (deprecated in favour of STREAM, still in libzmq 4.3): a
 * ROUTER in raw mode speaks no ZMTP. Each plain tcp peer gets a generated
 * routing id; recv yields [id, data] per chunk, with a zero-length data
 * frame on connect and on disconnect; send takes [id, data]. (A
 * zero-length data frame ends that peer's pipe, as in libzmq's router; 4.3.4
 * then leaves the tcp connection open until the socket closes, where ours
 * hangs up as STREAM does, so it is not tested here.) */
#include "testutil.h"
#include "tcputil.h"

static void *ctx;

static void *raw_router (int *port)
{
    void *r = zmq_socket (ctx, ZMQ_ROUTER);
    CHECK (r);
    set_int (r, ZMQ_LINGER, 0);
    set_int (r, ZMQ_RCVTIMEO, 5000);
    set_int (r, ZMQ_ROUTER_RAW, 1);
    CHECK_OK (zmq_bind (r, "tcp://127.0.0.1:*"));
    char ep[64];
    size_t len = sizeof ep;
    CHECK_OK (zmq_getsockopt (r, ZMQ_LAST_ENDPOINT, ep, &len));
    *port = atoi (strrchr (ep, ':') + 1);
    return r;
}

/* [id, data]: the id into id (returns its size), the data into buf. */
static int recv_pair (void *r, unsigned char *id, char *buf, size_t cap, int *n)
{
    int idn = zmq_recv (r, id, 256, 0);
    CHECK (idn > 0);
    int more;
    size_t len = sizeof more;
    CHECK_OK (zmq_getsockopt (r, ZMQ_RCVMORE, &more, &len));
    CHECK (more);
    *n = zmq_recv (r, buf, cap, 0);
    CHECK (*n >= 0);
    CHECK_OK (zmq_getsockopt (r, ZMQ_RCVMORE, &more, &len));
    CHECK (!more);
    return idn;
}

static void test_raw_exchange (void)
{
    int port;
    void *r = raw_router (&port);
    int fd = raw_connect_port (port);
    unsigned char id[256], id2[256];
    char buf[256];
    int n;
    /* The connect notification: an empty data frame. */
    int idn = recv_pair (r, id, buf, sizeof buf, &n);
    CHECK (n == 0);
    /* No greeting goes out: the peer's bytes arrive as they are. */
    CHECK (send (fd, "hello", 5, 0) == 5);
    CHECK (recv_pair (r, id2, buf, sizeof buf, &n) == idn);
    CHECK (memcmp (id, id2, (size_t) idn) == 0);
    CHECK (n == 5 && memcmp (buf, "hello", 5) == 0);
    CHECK (zmq_send (r, id, (size_t) idn, ZMQ_SNDMORE) == idn);
    CHECK (zmq_send (r, "world", 5, 0) == 5);
    char in[16];
    CHECK (recv (fd, in, sizeof in, 0) == 5 && memcmp (in, "world", 5) == 0);
    /* An unknown id is dropped (no ZMQ_ROUTER_MANDATORY), as on any ROUTER. */
    CHECK (zmq_send (r, "nobody", 6, ZMQ_SNDMORE) == 6);
    CHECK (zmq_send (r, "lost", 4, 0) == 4);
    if (zmq_has ("draft")) {
        /* Ours (Debian's stable build has no draft API): a zero-length data
         * frame hangs up after what is queued, as STREAM does. */
        CHECK (zmq_send (r, id, (size_t) idn, ZMQ_SNDMORE) == idn);
        CHECK (zmq_send (r, "last", 4, 0) == 4);
        CHECK (zmq_send (r, id, (size_t) idn, ZMQ_SNDMORE) == idn);
        CHECK (zmq_send (r, "", 0, 0) == 0);
        struct pollfd p = {fd, POLLIN, 0};
        CHECK (poll (&p, 1, 5000) == 1);
        CHECK (recv (fd, in, sizeof in, 0) == 4 && memcmp (in, "last", 4) == 0);
        CHECK (poll (&p, 1, 5000) == 1);
        CHECK (recv (fd, in, sizeof in, 0) == 0);
    }
    close (fd);
    zmq_close (r);
}

static void test_raw_peer_leaves (void)
{
    int port;
    void *r = raw_router (&port);
    int fd = raw_connect_port (port);
    unsigned char id[256], id2[256];
    char buf[256];
    int n;
    int idn = recv_pair (r, id, buf, sizeof buf, &n);
    CHECK (n == 0);
    close (fd);
    /* The disconnect notification, from the same id. */
    CHECK (recv_pair (r, id2, buf, sizeof buf, &n) == idn);
    CHECK (memcmp (id, id2, (size_t) idn) == 0 && n == 0);
    /* Two peers get two ids. */
    int a = raw_connect_port (port), b = raw_connect_port (port);
    idn = recv_pair (r, id, buf, sizeof buf, &n);
    int idn2 = recv_pair (r, id2, buf, sizeof buf, &n);
    CHECK (idn != idn2 || memcmp (id, id2, (size_t) idn) != 0);
    close (a);
    close (b);
    zmq_close (r);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_raw_exchange);
    RUN_TEST (test_raw_peer_leaves);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
