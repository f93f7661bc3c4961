/* capi-test: valgrind
 * ZMQ_FD turns readable for every command that reaches the socket, not only
 * for messages, as libzmq's mailbox does: right after zmq_bind/zmq_connect
 * of a tcp or ipc endpoint (the socket launched a listener or connecter),
 * when a peer's connection is attached (before any message), and when a
 * peer goes away. Programs that wait on ZMQ_FD for the connection itself
 * (event loops of language bindings) depend on these edges. Reading
 * ZMQ_EVENTS processes the commands; the descriptor then stays quiet until
 * the next one. */
#include "testutil.h"
#include <poll.h>

static void *ctx;

static void *make (int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_LINGER, 0);
    return s;
}

static int fd_of (void *s)
{
    int fd;
    size_t len = sizeof fd;
    CHECK_OK (zmq_getsockopt (s, ZMQ_FD, &fd, &len));
    return fd;
}

static int readable (void *s, int timeout_ms)
{
    struct pollfd p = {fd_of (s), POLLIN, 0};
    int rc = poll (&p, 1, timeout_ms);
    CHECK (rc >= 0);
    return rc == 1;
}

/* Process what is pending; ZMQ_EVENTS is the truth, and no message waits. */
static void drain (void *s)
{
    int ev;
    size_t len = sizeof ev;
    CHECK_OK (zmq_getsockopt (s, ZMQ_EVENTS, &ev, &len));
    CHECK ((ev & ZMQ_POLLIN) == 0);
}

static void launch_edges (const char *where)
{
    void *b = make (ZMQ_PULL);
    drain (b);
    CHECK (!readable (b, 0));
    CHECK_OK (zmq_bind (b, where));
    CHECK (readable (b, 500));
    drain (b);
    CHECK (!readable (b, 100));

    char ep[256];
    size_t len = sizeof ep;
    CHECK_OK (zmq_getsockopt (b, ZMQ_LAST_ENDPOINT, ep, &len));
    void *c = make (ZMQ_PUSH);
    drain (c);
    CHECK_OK (zmq_connect (c, ep));
    CHECK (readable (c, 500));
    drain (c);

    /* The binder hears of the connection with no message sent. */
    CHECK (readable (b, 2000));
    drain (b);

    /* And of the peer going away. */
    zmq_close (c);
    CHECK (readable (b, 2000));
    drain (b);
    zmq_close (b);
}

static void tcp_edges (void)
{
    launch_edges ("tcp://127.0.0.1:*");
}

static void ipc_edges (void)
{
    launch_edges ("ipc://*");
}

/* A connect to nobody still wakes the descriptor once. */
static void connect_to_nobody (void)
{
    void *c = make (ZMQ_DEALER);
    drain (c);
    CHECK_OK (zmq_connect (c, "tcp://127.0.0.1:1"));
    CHECK (readable (c, 500));
    drain (c);
    zmq_close (c);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (tcp_edges);
    RUN_TEST (ipc_edges);
    RUN_TEST (connect_to_nobody);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
