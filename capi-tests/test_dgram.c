/* capi-test: valgrind
 * DGRAM over udp (zmq_socket(3), draft type 18, which Debian's 4.3.4 also
 * creates): [address, body] pairs, the address "ip:port" of the sender on
 * receipt (with its NUL, counted in the frame, as libzmq sends it up) and of
 * the destination when sending (with or without a NUL); bind only (connect
 * is ENOCOMPATPROTO), udp only, two-part messages only. */
#include "testutil.h"
#include "tcputil.h"

#define DGRAM 18

static void *ctx;

static void *dgram_bound (const char *ep)
{
    void *s = zmq_socket (ctx, DGRAM);
    CHECK (s);
    set_int (s, ZMQ_LINGER, 0);
    set_int (s, ZMQ_RCVTIMEO, 5000);
    CHECK_OK (zmq_bind (s, ep));
    return s;
}

/* Receive [address, body]; returns the body size. The address frame is a
 * C string: "ip:port" and its NUL, counted in the frame size. */
static int recv_from (void *s, char *addr, size_t acap, char *body, size_t bcap)
{
    int n = zmq_recv (s, addr, acap, 0);
    CHECK (n > 1 && (size_t) n <= acap);
    CHECK (addr[n - 1] == 0);
    CHECK (strlen (addr) == (size_t) n - 1);
    int more;
    size_t len = sizeof more;
    CHECK_OK (zmq_getsockopt (s, ZMQ_RCVMORE, &more, &len));
    CHECK (more);
    n = zmq_recv (s, body, bcap, 0);
    CHECK (n >= 0);
    CHECK_OK (zmq_getsockopt (s, ZMQ_RCVMORE, &more, &len));
    CHECK (!more);
    return n;
}

static void test_roundtrip (void)
{
    char ep1[64], ep2[64], dest1[64], addr[64], body[64];
    int p1 = free_udp_port (), p2 = free_udp_port ();
    snprintf (ep1, sizeof ep1, "udp://127.0.0.1:%d", p1);
    snprintf (ep2, sizeof ep2, "udp://127.0.0.1:%d", p2);
    snprintf (dest1, sizeof dest1, "127.0.0.1:%d", p1);
    void *listener = dgram_bound (ep1);
    void *sender = dgram_bound (ep2);
    /* ZMQ_LAST_ENDPOINT is the address without the scheme. */
    char last[64];
    size_t len = sizeof last;
    CHECK_OK (zmq_getsockopt (listener, ZMQ_LAST_ENDPOINT, last, &len));
    CHECK (strcmp (last, dest1) == 0);
    CHECK ((size_t) zmq_send (sender, dest1, strlen (dest1), ZMQ_SNDMORE) == strlen (dest1));
    CHECK (zmq_send (sender, "Is someone there ?", 18, 0) == 18);
    CHECK (recv_from (listener, addr, sizeof addr, body, sizeof body) == 18);
    CHECK (memcmp (body, "Is someone there ?", 18) == 0);
    char want[64];
    snprintf (want, sizeof want, "127.0.0.1:%d", p2);
    CHECK (strcmp (addr, want) == 0);
    /* Reply to the address it came from. */
    CHECK ((size_t) zmq_send (listener, addr, strlen (addr), ZMQ_SNDMORE) == strlen (addr));
    CHECK (zmq_send (listener, "Yes, there is !", 15, 0) == 15);
    CHECK (recv_from (sender, addr, sizeof addr, body, sizeof body) == 15);
    CHECK (memcmp (body, "Yes, there is !", 15) == 0);
    CHECK (strcmp (addr, dest1) == 0);
    /* The address frame sent back exactly as it came, NUL included (as a
     * program echoing the frame does): delivered all the same. */
    CHECK ((size_t) zmq_send (listener, want, strlen (want), ZMQ_SNDMORE) == strlen (want));
    CHECK (zmq_send (listener, "ping", 4, 0) == 4);
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    CHECK (zmq_msg_recv (&frame, sender, 0) == (int) strlen (dest1) + 1);
    CHECK (memcmp (zmq_msg_data (&frame), dest1, strlen (dest1) + 1) == 0);
    CHECK (zmq_recv (sender, body, sizeof body, 0) == 4);
    CHECK (zmq_msg_send (&frame, sender, ZMQ_SNDMORE) == (int) strlen (dest1) + 1);
    CHECK (zmq_send (sender, "pong", 4, 0) == 4);
    CHECK (recv_from (listener, addr, sizeof addr, body, sizeof body) == 4);
    CHECK (memcmp (body, "pong", 4) == 0);
    CHECK (strcmp (addr, want) == 0);
    zmq_msg_close (&frame);
    /* A destination with its NUL, from a C string. */
    CHECK (zmq_send (listener, want, strlen (want) + 1, ZMQ_SNDMORE) == (int) strlen (want) + 1);
    CHECK (zmq_send (listener, "again", 5, 0) == 5);
    CHECK (recv_from (sender, addr, sizeof addr, body, sizeof body) == 5);
    CHECK (memcmp (body, "again", 5) == 0);
    CHECK (strcmp (addr, dest1) == 0);
    zmq_close (sender);
    zmq_close (listener);
}

/* A plain udp socket is a peer like any other. */
static void test_plain_udp_peer (void)
{
    char ep[64], addr[64], body[64];
    int port = free_udp_port ();
    snprintf (ep, sizeof ep, "udp://127.0.0.1:%d", port);
    void *s = dgram_bound (ep);
    int me;
    int fd = bound_loopback (SOCK_DGRAM, &me);
    struct sockaddr_in a = loopback (port);
    /* libzmq opens the udp socket in its I/O thread after zmq_bind has
     * returned: give it a moment before datagrams arrive. */
    usleep (200 * 1000);
    /* Several datagrams, each its own message. */
    for (int i = 0; i < 10; i++) {
        char d[16];
        int n = snprintf (d, sizeof d, "dgram %d", i);
        CHECK (sendto (fd, d, (size_t) n, 0, (struct sockaddr *) &a, sizeof a) == n);
    }
    for (int i = 0; i < 10; i++) {
        char d[16];
        int n = snprintf (d, sizeof d, "dgram %d", i);
        CHECK (recv_from (s, addr, sizeof addr, body, sizeof body) == n);
        CHECK (memcmp (body, d, (size_t) n) == 0);
    }
    char want[64];
    snprintf (want, sizeof want, "127.0.0.1:%d", me);
    CHECK (strcmp (addr, want) == 0);
    CHECK ((size_t) zmq_send (s, addr, strlen (addr), ZMQ_SNDMORE) == strlen (addr));
    CHECK (zmq_send (s, "back", 4, 0) == 4);
    struct pollfd p = {fd, POLLIN, 0};
    CHECK (poll (&p, 1, 5000) == 1);
    char in[16];
    CHECK (recv (fd, in, sizeof in, 0) == 4 && memcmp (in, "back", 4) == 0);
    /* A destination that does not parse drops that message only. */
    CHECK (zmq_send (s, "nonsense", 8, ZMQ_SNDMORE) == 8);
    CHECK (zmq_send (s, "lost", 4, 0) == 4);
    CHECK ((size_t) zmq_send (s, addr, strlen (addr), ZMQ_SNDMORE) == strlen (addr));
    CHECK (zmq_send (s, "kept", 4, 0) == 4);
    CHECK (poll (&p, 1, 5000) == 1);
    CHECK (recv (fd, in, sizeof in, 0) == 4 && memcmp (in, "kept", 4) == 0);
    close (fd);
    zmq_close (s);
}

static void test_rules (void)
{
    char ep[64];
    snprintf (ep, sizeof ep, "udp://127.0.0.1:%d", free_udp_port ());
    void *s = zmq_socket (ctx, DGRAM);
    CHECK (s);
    set_int (s, ZMQ_LINGER, 0);
    CHECK_ERR (zmq_connect (s, ep), ENOCOMPATPROTO);
    CHECK_OK (zmq_bind (s, ep));
    /* Messages are two parts: an address with MORE, a body without. */
    CHECK_ERR (zmq_send (s, "127.0.0.1:1", 11, 0), EINVAL);
    CHECK (zmq_send (s, "127.0.0.1:1", 11, ZMQ_SNDMORE) == 11);
    CHECK_ERR (zmq_send (s, "body", 4, ZMQ_SNDMORE), EINVAL);
    CHECK (zmq_send (s, "body", 4, 0) == 4);
    int ev;
    size_t len = sizeof ev;
    CHECK_OK (zmq_getsockopt (s, ZMQ_EVENTS, &ev, &len));
    CHECK (ev == ZMQ_POLLOUT);
    /* libzmq cannot unbind (or disconnect) a udp endpoint. */
    CHECK_ERR (zmq_unbind (s, ep), ENOENT);
    CHECK_ERR (zmq_disconnect (s, ep), ENOENT);
    /* udp is for DGRAM only. */
    void *d = zmq_socket (ctx, ZMQ_DEALER);
    CHECK_ERR (zmq_bind (d, ep), ENOCOMPATPROTO);
    CHECK_ERR (zmq_connect (d, ep), ENOCOMPATPROTO);
    zmq_close (d);
    zmq_close (s);
    /* libzmq's zmq_has does not list udp. */
    CHECK (zmq_has ("udp") == 0);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_roundtrip);
    RUN_TEST (test_plain_udp_peer);
    RUN_TEST (test_rules);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
