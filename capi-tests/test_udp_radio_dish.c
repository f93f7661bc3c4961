/* capi-test: valgrind
 * RADIO and DISH over udp (zmq_udp(7)) with only the stable API, so that it
 * runs on Debian's 4.3.4 too (which creates the draft types 14/15 but has no
 * zmq_msg_set_group or zmq_join): which side binds and connects and the
 * errors of the rest, ZMQ_LAST_ENDPOINT, disconnect/unbind, and the wire
 * format checked with a plain udp socket: one datagram per message, a byte
 * of group length, the group, the body. */
#include "testutil.h"
#include "tcputil.h"

#define RADIO 14
#define DISH 15

static void *ctx;

static void *make (int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_LINGER, 0);
    return s;
}

static void test_bind_connect_rules (void)
{
    char ep[64];
    snprintf (ep, sizeof ep, "udp://127.0.0.1:%d", free_udp_port ());
    void *radio = make (RADIO), *dish = make (DISH), *pub = make (ZMQ_PUB);
    /* Only DISH (and DGRAM) bind udp, only RADIO connects. */
    CHECK_ERR (zmq_bind (radio, ep), ENOCOMPATPROTO);
    CHECK_ERR (zmq_connect (dish, ep), ENOCOMPATPROTO);
    CHECK_ERR (zmq_bind (pub, ep), ENOCOMPATPROTO);
    CHECK_ERR (zmq_connect (pub, ep), ENOCOMPATPROTO);
    /* A destination is an address or a host name, never "*"; names are
     * looked up at once. */
    CHECK_ERR (zmq_connect (radio, "udp://*:5555"), EINVAL);
    CHECK_ERR (zmq_connect (radio, "udp://no-such-host.invalid:5555"), EINVAL);
    CHECK_ERR (zmq_connect (radio, "udp://127.0.0.1"), EINVAL);
    /* An interface only in front of a multicast address. */
    CHECK (zmq_connect (radio, "udp://127.0.0.1;127.0.0.1:5555") == -1);
    CHECK_ERR (zmq_bind (dish, "udp://no-such-nic0:5555"), ENODEV);
    CHECK_OK (zmq_connect (radio, "udp://localhost:5555"));
    CHECK_OK (zmq_connect (radio, "udp://127.0.0.1;239.0.0.7:5555"));
    /* ZMQ_LAST_ENDPOINT: the address as given, without the scheme. */
    char last[64];
    size_t len = sizeof last;
    CHECK_OK (zmq_connect (radio, ep));
    CHECK_OK (zmq_getsockopt (radio, ZMQ_LAST_ENDPOINT, last, &len));
    CHECK (strcmp (last, ep + 6) == 0);
    CHECK_OK (zmq_bind (dish, "udp://127.0.0.1:*"));
    len = sizeof last;
    CHECK_OK (zmq_getsockopt (dish, ZMQ_LAST_ENDPOINT, last, &len));
    CHECK (strcmp (last, "127.0.0.1:*") == 0);
    CHECK_OK (zmq_bind (dish, ep));
    /* A second receiver may share a udp address (SO_REUSEADDR). */
    void *dish2 = make (DISH);
    CHECK_OK (zmq_bind (dish2, ep));
    /* A udp bind cannot be unbound; a udp connect can be disconnected. */
    CHECK_ERR (zmq_unbind (dish, ep), ENOENT);
    CHECK_OK (zmq_disconnect (radio, ep));
    CHECK_ERR (zmq_disconnect (radio, ep), ENOENT);
    zmq_close (dish2);
    zmq_close (pub);
    zmq_close (dish);
    zmq_close (radio);
}

/* Wait up to `ms` for a datagram on `fd`; its size, or -1. */
static int recv_datagram (int fd, char *buf, size_t cap, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    if (poll (&p, 1, ms) != 1)
        return -1;
    return (int) recv (fd, buf, cap, 0);
}

static void test_wire_format (void)
{
    int port;
    int fd = bound_loopback (SOCK_DGRAM, &port);
    char ep[64];
    snprintf (ep, sizeof ep, "udp://127.0.0.1:%d", port);
    void *radio = make (RADIO);
    CHECK_OK (zmq_connect (radio, ep));
    /* The udp socket is opened by the I/O thread after zmq_connect returns:
     * send until the first datagram arrives. */
    char buf[9000];
    int n = -1;
    for (int i = 0; i < 100 && n < 0; i++) {
        CHECK (zmq_send (radio, "hello", 5, 0) == 5);
        n = recv_datagram (fd, buf, sizeof buf, 50);
    }
    /* No group: a zero length byte, then the body. */
    CHECK (n == 6);
    CHECK (memcmp (buf, "\0hello", 6) == 0);
    while (recv_datagram (fd, buf, sizeof buf, 50) >= 0) {
    }
    /* One datagram per message, in order; an empty body is a lone byte. */
    CHECK (zmq_send (radio, "", 0, 0) == 0);
    CHECK (zmq_send (radio, "second", 6, 0) == 6);
    CHECK (recv_datagram (fd, buf, sizeof buf, 2000) == 1 && buf[0] == 0);
    CHECK (recv_datagram (fd, buf, sizeof buf, 2000) == 7);
    CHECK (memcmp (buf, "\0second", 7) == 0);
    /* Multipart does not exist on RADIO. */
    CHECK_ERR (zmq_send (radio, "x", 1, ZMQ_SNDMORE), EINVAL);
    /* After a disconnect nothing more goes out. */
    CHECK_OK (zmq_disconnect (radio, ep));
    usleep (100 * 1000);
    zmq_send (radio, "late", 4, 0);
    CHECK (recv_datagram (fd, buf, sizeof buf, 300) == -1);
    zmq_close (radio);
    close (fd);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_bind_connect_rules);
    RUN_TEST (test_wire_format);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
