/* ZMQ_BINDTODEVICE by its effect: SO_BINDTODEVICE on the listening socket
 * limits which peers reach it, on the connecting socket which routes it may
 * take. The test moves itself into a network namespace of its own (as root)
 * holding lo and one veth interface, zv0 (10.9.9.1): Linux delivers local
 * traffic on the device that owns the destination address, so a listener
 * bound to lo hears 127.0.0.1 and not 10.9.9.1, and one bound to zv0 the
 * reverse; a socket bound to zv0 cannot reach 127.0.0.1 at all. */
#define _GNU_SOURCE
#include "testutil.h"
#include <sched.h>

static void *ctx;

static void *make (int type, const char *device)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_LINGER, 0);
    set_int (s, ZMQ_RCVTIMEO, 5000);
    set_int (s, ZMQ_RECONNECT_IVL, 50);
    if (device)
        CHECK_OK (zmq_setsockopt (s, ZMQ_BINDTODEVICE, device, strlen (device)));
    return s;
}

/* Does a PUSH (bound to `device`, or not) connected to host:port reach the
 * PULL `sb` within a while? */
static int reaches (void *sb, const char *device, const char *host, const char *port)
{
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://%s:%s", host, port);
    void *sc = make (ZMQ_PUSH, device);
    CHECK_OK (zmq_connect (sc, ep));
    CHECK (zmq_send (sc, "hi", 2, ZMQ_DONTWAIT) == 2);
    set_int (sb, ZMQ_RCVTIMEO, 500);
    char buf[8];
    int rc = zmq_recv (sb, buf, sizeof buf, 0);
    CHECK (rc == 2 || zmq_errno () == EAGAIN);
    zmq_close (sc);
    return rc == 2;
}

/* A PULL bound to device on every address; its port. */
static void *listener (const char *device, char *port, size_t cap)
{
    void *sb = make (ZMQ_PULL, device);
    CHECK_OK (zmq_bind (sb, "tcp://*:*"));
    char ep[256];
    size_t len = sizeof ep;
    CHECK_OK (zmq_getsockopt (sb, ZMQ_LAST_ENDPOINT, ep, &len));
    snprintf (port, cap, "%s", strrchr (ep, ':') + 1);
    return sb;
}

static void test_listener_on_lo (void)
{
    char port[16];
    void *sb = listener ("lo", port, sizeof port);
    char dev[32];
    size_t len = sizeof dev;
    CHECK_OK (zmq_getsockopt (sb, ZMQ_BINDTODEVICE, dev, &len));
    CHECK (strcmp (dev, "lo") == 0);
    CHECK (reaches (sb, NULL, "127.0.0.1", port));
    CHECK (!reaches (sb, NULL, "10.9.9.1", port));
    zmq_close (sb);
}

static void test_listener_on_veth (void)
{
    char port[16];
    void *sb = listener ("zv0", port, sizeof port);
    CHECK (reaches (sb, NULL, "10.9.9.1", port));
    CHECK (!reaches (sb, NULL, "127.0.0.1", port));
    zmq_close (sb);
}

static void test_connecter (void)
{
    char port[16];
    void *sb = listener (NULL, port, sizeof port);
    CHECK (!reaches (sb, "zv0", "127.0.0.1", port));
    CHECK (reaches (sb, "lo", "127.0.0.1", port));
    zmq_close (sb);
}

int main (void)
{
    if (unshare (CLONE_NEWNET) != 0) {
        perror ("unshare (CLONE_NEWNET): this test needs root");
        return 1;
    }
    CHECK (system ("ip link set lo up && ip link add zv0 type veth peer name zv1 "
                   "&& ip addr add 10.9.9.1/24 dev zv0 && ip link set zv0 up")
           == 0);
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_listener_on_lo);
    RUN_TEST (test_listener_on_veth);
    RUN_TEST (test_connecter);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
