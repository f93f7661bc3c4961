/* capi-test: ours-only
 * capi-test: valgrind
 * ZMQ_HELLO_MSG, ZMQ_DISCONNECT_MSG and ZMQ_HICCUP_MSG (draft, libzmq
 * 4.3.5): a hello is the first message on every new connection (inproc,
 * either side of the bind, and tcp), a disconnect message reaches a ROUTER,
 * SERVER or PEER when an accepted peer goes (tcp) or a connecter closes or
 * disconnects (inproc), and a hiccup message reaches a DEALER, CLIENT or
 * PEER whose connection is lost (tcp). Debian's 4.3.4 has no draft API. */
#define ZMQ_BUILD_DRAFT_API 1
#include "testutil.h"
#include <unistd.h>

static void *ctx;

static void *make (int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_LINGER, 0);
    set_int (s, ZMQ_RCVTIMEO, 5000);
    return s;
}

static void expect (void *s, const char *want)
{
    char buf[64];
    int n = zmq_recv (s, buf, sizeof buf - 1, 0);
    CHECK (n >= 0);
    buf[n] = 0;
    if (strcmp (buf, want) != 0) {
        fprintf (stderr, "got '%s', want '%s'\n", buf, want);
        CHECK (!"unexpected message");
    }
}

static void nothing_more (void *s)
{
    char buf[64];
    set_int (s, ZMQ_RCVTIMEO, 200);
    CHECK_ERR (zmq_recv (s, buf, sizeof buf, 0), EAGAIN);
    set_int (s, ZMQ_RCVTIMEO, 5000);
}

static void bound (void *s, const char *ep, char *out, size_t cap)
{
    CHECK_OK (zmq_bind (s, ep));
    CHECK_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, out, &cap));
}

/* libzmq's test_hello_msg: a ROUTER's hello reaches its DEALER. */
static void test_router_hello (void)
{
    const char *eps[] = {"tcp://127.0.0.1:*", "inproc://hello-router"};
    for (int i = 0; i < 2; i++) {
        char ep[64];
        void *router = make (ZMQ_ROUTER);
        CHECK_OK (zmq_setsockopt (router, ZMQ_HELLO_MSG, "H", 1));
        bound (router, eps[i], ep, sizeof ep);
        void *dealer = make (ZMQ_DEALER);
        CHECK_OK (zmq_connect (dealer, ep));
        expect (dealer, "H");
        /* It is an ordinary first message: the conversation goes on. */
        CHECK (zmq_send (dealer, "q", 1, 0) == 1);
        char id[256];
        CHECK (zmq_recv (router, id, sizeof id, 0) > 0);
        expect (router, "q");
        zmq_close (dealer);
        zmq_close (router);
    }
}

/* Both hellos cross when the bind comes after the connect (inproc). */
static void test_late_bind_hellos (void)
{
    void *server = make (ZMQ_SERVER), *client = make (ZMQ_CLIENT);
    CHECK_OK (zmq_setsockopt (server, ZMQ_HELLO_MSG, "W", 1));
    CHECK_OK (zmq_setsockopt (client, ZMQ_HELLO_MSG, "H", 1));
    CHECK_OK (zmq_connect (client, "inproc://late-hello"));
    CHECK_OK (zmq_bind (server, "inproc://late-hello"));
    expect (client, "W");
    expect (server, "H");
    zmq_close (client);
    zmq_close (server);
}

/* A hello goes out again on every new connection (tcp reconnect), and not
 * at all from types that do not send one (PUSH). */
static void test_hello_per_connection (void)
{
    char ep[64];
    void *server = make (ZMQ_SERVER);
    bound (server, "tcp://127.0.0.1:*", ep, sizeof ep);
    void *client = make (ZMQ_CLIENT);
    set_int (client, ZMQ_RECONNECT_IVL, 50);
    CHECK_OK (zmq_setsockopt (client, ZMQ_HELLO_MSG, "again", 5));
    CHECK_OK (zmq_connect (client, ep));
    expect (server, "again");
    zmq_close (server);
    server = make (ZMQ_SERVER);
    /* The old listener closes in the I/O thread: retry the port. */
    int rc = -1;
    for (int i = 0; i < 100 && rc != 0; i++) {
        rc = zmq_bind (server, ep);
        if (rc != 0)
            usleep (20 * 1000);
    }
    CHECK_OK (rc);
    expect (server, "again");
    zmq_close (client);
    zmq_close (server);

    void *pull = make (ZMQ_PULL), *push = make (ZMQ_PUSH);
    bound (pull, "tcp://127.0.0.1:*", ep, sizeof ep);
    CHECK_OK (zmq_setsockopt (push, ZMQ_HELLO_MSG, "no", 2));
    CHECK_OK (zmq_connect (push, ep));
    CHECK (zmq_send (push, "data", 4, 0) == 4);
    expect (pull, "data");
    zmq_close (push);
    zmq_close (pull);
}

/* libzmq's test_disconnect_msg: tcp, inproc close, inproc disconnect. */
static void test_server_disconnect_msg (void)
{
    const char *eps[] = {"tcp://127.0.0.1:*", "inproc://disc-close",
                         "inproc://disc-disconnect"};
    for (int i = 0; i < 3; i++) {
        char ep[64];
        void *server = make (ZMQ_SERVER);
        CHECK_OK (zmq_setsockopt (server, ZMQ_DISCONNECT_MSG, "D", 1));
        bound (server, eps[i], ep, sizeof ep);
        void *client = make (ZMQ_CLIENT);
        CHECK_OK (zmq_setsockopt (client, ZMQ_HELLO_MSG, "H", 1));
        CHECK_OK (zmq_connect (client, ep));
        expect (server, "H");
        if (i == 2)
            CHECK_OK (zmq_disconnect (client, ep));
        else
            zmq_close (client);
        expect (server, "D");
        nothing_more (server);
        if (i == 2)
            zmq_close (client);
        zmq_close (server);
    }
}

/* On a ROUTER the disconnect message comes from the peer that left. */
static void test_router_disconnect_msg (void)
{
    char ep[64];
    void *router = make (ZMQ_ROUTER);
    CHECK_OK (zmq_setsockopt (router, ZMQ_DISCONNECT_MSG, "gone", 4));
    bound (router, "tcp://127.0.0.1:*", ep, sizeof ep);
    void *dealer = make (ZMQ_DEALER);
    CHECK_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "dx", 2));
    CHECK_OK (zmq_connect (dealer, ep));
    CHECK (zmq_send (dealer, "hi", 2, 0) == 2);
    expect (router, "dx");
    expect (router, "hi");
    zmq_close (dealer);
    expect (router, "dx");
    expect (router, "gone");
    zmq_close (router);
}

/* libzmq's test_hiccup_msg: the client hears of losing its server. */
static void test_client_hiccup_msg (void)
{
    char ep[64];
    void *server = make (ZMQ_SERVER);
    bound (server, "tcp://127.0.0.1:*", ep, sizeof ep);
    void *client = make (ZMQ_CLIENT);
    CHECK_OK (zmq_setsockopt (client, ZMQ_HELLO_MSG, "HELLO", 5));
    CHECK_OK (zmq_setsockopt (client, ZMQ_HICCUP_MSG, "HICCUP", 6));
    CHECK_OK (zmq_connect (client, ep));
    expect (server, "HELLO");
    zmq_close (server);
    expect (client, "HICCUP");
    zmq_close (client);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_router_hello);
    RUN_TEST (test_late_bind_hellos);
    RUN_TEST (test_hello_per_connection);
    RUN_TEST (test_server_disconnect_msg);
    RUN_TEST (test_router_disconnect_msg);
    RUN_TEST (test_client_hiccup_msg);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
