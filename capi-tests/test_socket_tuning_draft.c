/* capi-test: ours-only
 * Draft socket options that tune the kernel sockets under a zmq socket,
 * checked by their effect (not a set/get round trip), read back from the
 * descriptors the monitor names (Debian's stable build refuses them):
 * - ZMQ_PRIORITY: SO_PRIORITY on the listening, accepted and connecting tcp
 *   sockets;
 * - ZMQ_BUSY_POLL: SO_BUSY_POLL on them (as root: the kernel refuses others). */
#include "testutil.h"
#include <sys/socket.h>

static void *ctx;
static int mon_counter;

static void *make (int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_RCVTIMEO, 5000);
    set_int (s, ZMQ_SNDTIMEO, 5000);
    set_int (s, ZMQ_LINGER, 0);
    return s;
}

static void *monitor (void *s)
{
    char ep[64];
    snprintf (ep, sizeof ep, "inproc://tuning-mon-%d", mon_counter++);
    CHECK_OK (zmq_socket_monitor (s, ep, ZMQ_EVENT_ALL));
    void *m = zmq_socket (ctx, ZMQ_PAIR);
    set_int (m, ZMQ_LINGER, 0);
    set_int (m, ZMQ_RCVTIMEO, 5000);
    CHECK_OK (zmq_connect (m, ep));
    return m;
}

/* The descriptor the first `event` names. */
static int fd_of_event (void *mon, int event)
{
    uint32_t value;
    int ev;
    while ((ev = recv_monitor_event (mon, &value, NULL, 0)) != -1)
        if (ev == event)
            return (int) value;
    CHECK (!"monitor event not seen");
    return -1;
}

static int sockopt (int fd, int opt)
{
    int v = -1;
    socklen_t len = sizeof v;
    CHECK (getsockopt (fd, SOL_SOCKET, opt, &v, &len) == 0);
    return v;
}

static void bounce (void *a, void *b)
{
    char buf[8];
    CHECK (zmq_send (b, "ping", 4, 0) == 4);
    CHECK (zmq_recv (a, buf, sizeof buf, 0) == 4);
}

static void priority (void)
{
    void *sb = make (ZMQ_PULL), *sc = make (ZMQ_PUSH);
    set_int (sb, ZMQ_PRIORITY, 3);
    set_int (sc, ZMQ_PRIORITY, 5);
    void *mb = monitor (sb), *mc = monitor (sc);
    CHECK_OK (zmq_bind (sb, "tcp://127.0.0.1:*"));
    char ep[256];
    size_t len = sizeof ep;
    CHECK_OK (zmq_getsockopt (sb, ZMQ_LAST_ENDPOINT, ep, &len));
    CHECK (sockopt (fd_of_event (mb, ZMQ_EVENT_LISTENING), SO_PRIORITY) == 3);
    CHECK_OK (zmq_connect (sc, ep));
    bounce (sb, sc);
    CHECK (sockopt (fd_of_event (mb, ZMQ_EVENT_ACCEPTED), SO_PRIORITY) == 3);
    CHECK (sockopt (fd_of_event (mc, ZMQ_EVENT_CONNECTED), SO_PRIORITY) == 5);
    monitor_close (sb, mb);
    monitor_close (sc, mc);
    zmq_close (sc);
    zmq_close (sb);
}

static void busy_poll (void)
{
    if (geteuid () != 0) {
        printf ("# not root: SO_BUSY_POLL needs CAP_NET_ADMIN, skipped\n");
        return;
    }
    void *sb = make (ZMQ_PULL), *sc = make (ZMQ_PUSH);
    set_int (sc, ZMQ_BUSY_POLL, 50);
    void *mc = monitor (sc);
    CHECK_OK (zmq_bind (sb, "tcp://127.0.0.1:*"));
    char ep[256];
    size_t len = sizeof ep;
    CHECK_OK (zmq_getsockopt (sb, ZMQ_LAST_ENDPOINT, ep, &len));
    CHECK_OK (zmq_connect (sc, ep));
    bounce (sb, sc);
    CHECK (sockopt (fd_of_event (mc, ZMQ_EVENT_CONNECTED), SO_BUSY_POLL) == 50);
    monitor_close (sc, mc);
    zmq_close (sc);
    zmq_close (sb);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (priority);
    RUN_TEST (busy_poll);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
