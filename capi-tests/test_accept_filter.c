/* capi-test: valgrind
 * ZMQ_TCP_ACCEPT_FILTER and ZMQ_IPC_FILTER_UID/GID/PID: a peer the binder's
 * filters refuse is closed at accept, before any pipe exists. It can neither
 * deliver to the binder nor be sent to (the binder has no peer: EAGAIN), and
 * the binder's monitor reports ACCEPT_FAILED, never ACCEPTED or a handshake.
 * An admitted peer, and one after the filters are cleared, talks normally.
 * The filters in force are those set before zmq_bind, as libzmq's listener
 * copies them. */
#include "testutil.h"
#include <unistd.h>

static void *ctx;
static int mon_counter;

static void *make (int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_RCVTIMEO, 5000);
    set_int (s, ZMQ_SNDTIMEO, 5000);
    set_int (s, ZMQ_LINGER, 0);
    set_int (s, ZMQ_RECONNECT_IVL, -1);
    return s;
}

static void *monitor (void *s)
{
    char ep[64];
    snprintf (ep, sizeof ep, "inproc://filter-mon-%d", mon_counter++);
    CHECK_OK (zmq_socket_monitor (s, ep, ZMQ_EVENT_ALL));
    void *m = zmq_socket (ctx, ZMQ_PAIR);
    set_int (m, ZMQ_LINGER, 0);
    CHECK_OK (zmq_connect (m, ep));
    return m;
}

/* The connecter's message never arrives and the binder has nobody to send
 * to; the monitor saw the refusal and nothing that follows an accept. */
static void refused (void *sb, void *sc, void *mon)
{
    char buf[8];
    int rc = zmq_send (sc, "ping", 4, ZMQ_DONTWAIT);
    CHECK (rc == 4 || rc == -1);
    set_int (sb, ZMQ_RCVTIMEO, 300);
    CHECK_ERR (zmq_recv (sb, buf, sizeof buf, 0), EAGAIN);
    set_int (sb, ZMQ_SNDTIMEO, 300);
    CHECK_ERR (zmq_send (sb, "pong", 4, 0), EAGAIN);

    set_int (mon, ZMQ_RCVTIMEO, 2000);
    int saw_failed = 0;
    for (;;) {
        int ev = recv_monitor_event (mon, NULL, NULL, 0);
        if (ev == -1)
            break;
        CHECK (ev != ZMQ_EVENT_ACCEPTED);
        CHECK (ev != ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
        if (ev == ZMQ_EVENT_ACCEPT_FAILED) {
            saw_failed = 1;
            set_int (mon, ZMQ_RCVTIMEO, 200);
        }
    }
    CHECK (saw_failed);
}

/* Bind sb (filters already set) on `where`, connect a PAIR, then check. */
static void run (void *sb, const char *where, int admitted)
{
    void *mon = monitor (sb);
    char ep[256];
    size_t len = sizeof ep;
    CHECK_OK (zmq_bind (sb, where));
    CHECK_OK (zmq_getsockopt (sb, ZMQ_LAST_ENDPOINT, ep, &len));
    void *sc = make (ZMQ_PAIR);
    CHECK_OK (zmq_connect (sc, ep));
    if (admitted)
        ping_pong (sb, sc);
    else
        refused (sb, sc, mon);
    monitor_close (sb, mon);
    zmq_close (sc);
    zmq_close (sb);
}

static void set_filter (void *s, const char *f)
{
    CHECK_OK (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, f, f ? strlen (f) : 0));
}

static void tcp_refused (void)
{
    void *sb = make (ZMQ_PAIR);
    set_filter (sb, "127.0.0.2");
    set_filter (sb, "10.0.0.0/8");
    run (sb, "tcp://127.0.0.1:*", 0);
}

static void tcp_admitted (void)
{
    void *sb = make (ZMQ_PAIR);
    set_filter (sb, "10.0.0.0/8");
    set_filter (sb, "127.0.0.0/8");
    run (sb, "tcp://127.0.0.1:*", 1);
}

static void tcp_cleared (void)
{
    void *sb = make (ZMQ_PAIR);
    set_filter (sb, "127.0.0.2");
    set_filter (sb, NULL);
    run (sb, "tcp://127.0.0.1:*", 1);
}

/* Set after bind: the listener keeps what it had (here, nothing). */
static void tcp_set_after_bind (void)
{
    void *sb = make (ZMQ_PAIR);
    char ep[256];
    size_t len = sizeof ep;
    CHECK_OK (zmq_bind (sb, "tcp://127.0.0.1:*"));
    CHECK_OK (zmq_getsockopt (sb, ZMQ_LAST_ENDPOINT, ep, &len));
    set_filter (sb, "127.0.0.2");
    void *sc = make (ZMQ_PAIR);
    CHECK_OK (zmq_connect (sc, ep));
    ping_pong (sb, sc);
    zmq_close (sc);
    zmq_close (sb);
}

/* A ROUTER would otherwise learn a refused peer's routing id. */
static void tcp_router_refused (void)
{
    void *sb = make (ZMQ_ROUTER);
    set_int (sb, ZMQ_ROUTER_MANDATORY, 1);
    set_filter (sb, "127.0.0.2");
    void *mon = monitor (sb);
    char ep[256];
    size_t len = sizeof ep;
    CHECK_OK (zmq_bind (sb, "tcp://127.0.0.1:*"));
    CHECK_OK (zmq_getsockopt (sb, ZMQ_LAST_ENDPOINT, ep, &len));
    void *sc = make (ZMQ_DEALER);
    CHECK_OK (zmq_setsockopt (sc, ZMQ_ROUTING_ID, "D", 1));
    CHECK_OK (zmq_connect (sc, ep));
    set_int (mon, ZMQ_RCVTIMEO, 2000);
    int ev;
    while ((ev = recv_monitor_event (mon, NULL, NULL, 0)) != -1
           && ev != ZMQ_EVENT_ACCEPT_FAILED)
        CHECK (ev != ZMQ_EVENT_ACCEPTED);
    CHECK (ev == ZMQ_EVENT_ACCEPT_FAILED);
    usleep (100 * 1000);
    CHECK_ERR (zmq_send (sb, "D", 1, ZMQ_SNDMORE), EHOSTUNREACH);
    monitor_close (sb, mon);
    zmq_close (sc);
    zmq_close (sb);
}

static void ipc_case (int opt, int value, int admitted)
{
    void *sb = make (ZMQ_PAIR);
    CHECK_OK (zmq_setsockopt (sb, opt, &value, sizeof value));
    run (sb, "ipc://*", admitted);
}

static void ipc_uid (void)
{
    ipc_case (ZMQ_IPC_FILTER_UID, (int) getuid (), 1);
    ipc_case (ZMQ_IPC_FILTER_UID, (int) getuid () + 1, 0);
}

static void ipc_gid (void)
{
    ipc_case (ZMQ_IPC_FILTER_GID, (int) getgid (), 1);
    /* A group nobody here is in (the highest id a gid_t takes less one). */
    ipc_case (ZMQ_IPC_FILTER_GID, 0x7ffffff0, 0);
}

static void ipc_pid (void)
{
    ipc_case (ZMQ_IPC_FILTER_PID, (int) getpid (), 1);
    ipc_case (ZMQ_IPC_FILTER_PID, (int) getpid () + 1, 0);
}

/* Filters of one kind do not stop a peer another kind admits. */
static void ipc_any_kind_admits (void)
{
    void *sb = make (ZMQ_PAIR);
    int bad_uid = (int) getuid () + 1, pid = (int) getpid ();
    CHECK_OK (zmq_setsockopt (sb, ZMQ_IPC_FILTER_UID, &bad_uid, sizeof bad_uid));
    CHECK_OK (zmq_setsockopt (sb, ZMQ_IPC_FILTER_PID, &pid, sizeof pid));
    run (sb, "ipc://*", 1);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (tcp_refused);
    RUN_TEST (tcp_admitted);
    RUN_TEST (tcp_cleared);
    RUN_TEST (tcp_set_after_bind);
    RUN_TEST (tcp_router_refused);
    RUN_TEST (ipc_uid);
    RUN_TEST (ipc_gid);
    RUN_TEST (ipc_pid);
    RUN_TEST (ipc_any_kind_admits);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
