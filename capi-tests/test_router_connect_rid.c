/* capi-test: valgrind */
/* ZMQ_CONNECT_ROUTING_ID and ZMQ_PROBE_ROUTER on ROUTER (after libzmq's
 * test_connect_rid and test_probe_router, over inproc). */
#include "testutil.h"

static void send_str (void *s, const char *str, int flags)
{
    CHECK ((int) zmq_send (s, str, strlen (str), flags) == (int) strlen (str));
}

/* Receive one part: it must be `str`, with RCVMORE == `more`. */
static void recv_str (void *s, const char *str, int more)
{
    char buf[256];
    int n = zmq_recv (s, buf, sizeof buf, 0);
    CHECK (n == (int) strlen (str));
    CHECK (memcmp (buf, str, n) == 0);
    int m;
    size_t sz = sizeof m;
    CHECK_OK (zmq_getsockopt (s, ZMQ_RCVMORE, &m, &sz));
    CHECK (m == more);
}

static void test_connect_rid (void)
{
    void *ctx = zmq_ctx_new ();
    void *server = zmq_socket (ctx, ZMQ_ROUTER);
    CHECK_OK (zmq_setsockopt (server, ZMQ_ROUTING_ID, "srv", 3));
    CHECK_OK (zmq_bind (server, "inproc://crid"));
    void *client = zmq_socket (ctx, ZMQ_ROUTER);
    set_int (client, ZMQ_ROUTER_MANDATORY, 1);
    CHECK_OK (zmq_setsockopt (client, ZMQ_ROUTING_ID, "cli", 3));
    CHECK_OK (zmq_setsockopt (client, ZMQ_CONNECT_ROUTING_ID, "named", 5));
    CHECK_OK (zmq_connect (client, "inproc://crid"));

    /* The client knows the server only by the name it chose. */
    CHECK_ERR (zmq_send (client, "srv", 3, ZMQ_SNDMORE), EHOSTUNREACH);
    send_str (client, "named", ZMQ_SNDMORE);
    send_str (client, "hello", 0);
    recv_str (server, "cli", 1);
    recv_str (server, "hello", 0);
    send_str (server, "cli", ZMQ_SNDMORE);
    send_str (server, "back", 0);
    recv_str (client, "named", 1);
    recv_str (client, "back", 0);

    /* The option applies to one connect only. */
    void *server2 = zmq_socket (ctx, ZMQ_ROUTER);
    CHECK_OK (zmq_setsockopt (server2, ZMQ_ROUTING_ID, "srv2", 4));
    CHECK_OK (zmq_bind (server2, "inproc://crid2"));
    CHECK_OK (zmq_connect (client, "inproc://crid2"));
    send_str (client, "srv2", ZMQ_SNDMORE);
    send_str (client, "second", 0);
    recv_str (server2, "cli", 1);
    recv_str (server2, "second", 0);

    /* Empty value refused. */
    CHECK_ERR (zmq_setsockopt (client, ZMQ_CONNECT_ROUTING_ID, "", 0), EINVAL);

    CHECK_OK (zmq_close (client));
    CHECK_OK (zmq_close (server));
    CHECK_OK (zmq_close (server2));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* A probing ROUTER client: the server sees its id and an empty message
 * right on connect, and can answer before the client said anything. */
static void test_probe_router_router (void)
{
    void *ctx = zmq_ctx_new ();
    void *server = zmq_socket (ctx, ZMQ_ROUTER);
    CHECK_OK (zmq_bind (server, "inproc://probe"));
    void *client = zmq_socket (ctx, ZMQ_ROUTER);
    CHECK_OK (zmq_setsockopt (client, ZMQ_ROUTING_ID, "X", 1));
    set_int (client, ZMQ_PROBE_ROUTER, 1);
    CHECK_OK (zmq_connect (client, "inproc://probe"));

    recv_str (server, "X", 1);
    recv_str (server, "", 0);
    send_str (server, "X", ZMQ_SNDMORE);
    send_str (server, "Hello", 0);

    /* The client got the server's generated id: 5 bytes, 0x00 first. */
    unsigned char id[16];
    CHECK (zmq_recv (client, id, sizeof id, 0) == 5);
    CHECK (id[0] == 0);
    recv_str (client, "Hello", 0);

    CHECK_OK (zmq_close (client));
    CHECK_OK (zmq_close (server));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* A probing ROUTER that binds greets each connecting peer. */
static void test_probe_router_bound (void)
{
    void *ctx = zmq_ctx_new ();
    void *server = zmq_socket (ctx, ZMQ_ROUTER);
    set_int (server, ZMQ_PROBE_ROUTER, 1);
    CHECK_OK (zmq_bind (server, "inproc://probe2"));
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    CHECK_OK (zmq_connect (dealer, "inproc://probe2"));
    /* The server attaches the new pipe (and probes it) when it next
     * processes commands. */
    zmq_pollitem_t item = {server, 0, ZMQ_POLLIN, 0};
    CHECK (zmq_poll (&item, 1, 100) == 0);
    recv_str (dealer, "", 0);
    CHECK_OK (zmq_close (dealer));
    CHECK_OK (zmq_close (server));
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    RUN_TEST (test_connect_rid);
    RUN_TEST (test_probe_router_router);
    RUN_TEST (test_probe_router_bound);
    return 0;
}
