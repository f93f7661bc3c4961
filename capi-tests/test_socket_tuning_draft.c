/* capi-test: ours-only
 * Draft socket options that tune the kernel sockets under a zmq socket,
 * checked by their effect (not a set/get round trip), read back from the
 * descriptors the monitor names (Debian's stable build refuses them):
 * - ZMQ_PRIORITY: SO_PRIORITY on the listening, accepted and connecting tcp
 *   sockets;
 * - ZMQ_BUSY_POLL: SO_BUSY_POLL on them (as root: the kernel refuses others). */
#include "fdutil.h"

static void priority (void)
{
    void *sb = fd_make (ZMQ_PULL), *sc = fd_make (ZMQ_PUSH);
    set_int (sb, ZMQ_PRIORITY, 3);
    set_int (sc, ZMQ_PRIORITY, 5);
    void *mb = fd_monitor (sb), *mc = fd_monitor (sc);
    CHECK_OK (zmq_bind (sb, "tcp://127.0.0.1:*"));
    char ep[256];
    size_t len = sizeof ep;
    CHECK_OK (zmq_getsockopt (sb, ZMQ_LAST_ENDPOINT, ep, &len));
    CHECK (fd_sockopt (fd_of_event (mb, ZMQ_EVENT_LISTENING), SOL_SOCKET, SO_PRIORITY) == 3);
    CHECK_OK (zmq_connect (sc, ep));
    fd_bounce (sb, sc);
    CHECK (fd_sockopt (fd_of_event (mb, ZMQ_EVENT_ACCEPTED), SOL_SOCKET, SO_PRIORITY) == 3);
    CHECK (fd_sockopt (fd_of_event (mc, ZMQ_EVENT_CONNECTED), SOL_SOCKET, SO_PRIORITY) == 5);
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
    void *sb = fd_make (ZMQ_PULL), *sc = fd_make (ZMQ_PUSH);
    set_int (sc, ZMQ_BUSY_POLL, 50);
    void *mc = fd_monitor (sc);
    CHECK_OK (zmq_bind (sb, "tcp://127.0.0.1:*"));
    char ep[256];
    size_t len = sizeof ep;
    CHECK_OK (zmq_getsockopt (sb, ZMQ_LAST_ENDPOINT, ep, &len));
    CHECK_OK (zmq_connect (sc, ep));
    fd_bounce (sb, sc);
    CHECK (fd_sockopt (fd_of_event (mc, ZMQ_EVENT_CONNECTED), SOL_SOCKET, SO_BUSY_POLL) == 50);
    monitor_close (sc, mc);
    zmq_close (sc);
    zmq_close (sb);
}

int main (void)
{
    fd_ctx = zmq_ctx_new ();
    CHECK (fd_ctx);
    RUN_TEST (priority);
    RUN_TEST (busy_poll);
    CHECK_OK (zmq_ctx_term (fd_ctx));
    return 0;
}
