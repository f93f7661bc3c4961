/* capi-test: valgrind */
/* ROUTER as zmq_socket(3) specifies it, over inproc (after libzmq's
 * test_spec_router): routing ids on receive and send, generated ids,
 * fair-queue in, unroutable messages dropped, queues destroyed with their
 * peer. */
#include "testutil.h"

#include <unistd.h>

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

static void test_fair_queue_in (void)
{
    void *ctx = zmq_ctx_new ();
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    CHECK_OK (zmq_bind (router, "inproc://fq"));
    enum { N = 5 };
    void *sender[N];
    char ids[N][4];
    for (int i = 0; i < N; i++) {
        sender[i] = zmq_socket (ctx, ZMQ_DEALER);
        snprintf (ids[i], sizeof ids[i], "s%d", i);
        CHECK_OK (zmq_setsockopt (sender[i], ZMQ_ROUTING_ID, ids[i], 2));
        CHECK_OK (zmq_connect (sender[i], "inproc://fq"));
    }
    send_str (sender[0], "M", 0);
    recv_str (router, "s0", 1);
    recv_str (router, "M", 0);

    for (int i = 0; i < N; i++)
        send_str (sender[i], "M", 0);
    /* One message from each peer, every peer once. */
    int seen[N] = {0};
    for (int i = 0; i < N; i++) {
        char id[8];
        int n = zmq_recv (router, id, sizeof id, 0);
        CHECK (n == 2 && id[0] == 's');
        int who = id[1] - '0';
        CHECK (who >= 0 && who < N && !seen[who]);
        seen[who] = 1;
        recv_str (router, "M", 0);
    }
    for (int i = 0; i < N; i++)
        CHECK_OK (zmq_close (sender[i]));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* Identity routing: each reply reaches exactly the peer it names; a
 * multipart message arrives whole behind its id frame. */
static void test_identity_routing (void)
{
    void *ctx = zmq_ctx_new ();
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    CHECK_OK (zmq_bind (router, "inproc://ids"));
    void *a = zmq_socket (ctx, ZMQ_DEALER);
    void *b = zmq_socket (ctx, ZMQ_DEALER);
    CHECK_OK (zmq_setsockopt (a, ZMQ_ROUTING_ID, "alpha", 5));
    CHECK_OK (zmq_setsockopt (b, ZMQ_ROUTING_ID, "beta", 4));
    CHECK_OK (zmq_connect (a, "inproc://ids"));
    CHECK_OK (zmq_connect (b, "inproc://ids"));

    send_str (a, "1", ZMQ_SNDMORE);
    send_str (a, "2", 0);
    recv_str (router, "alpha", 1);
    recv_str (router, "1", 1);
    recv_str (router, "2", 0);

    send_str (router, "beta", ZMQ_SNDMORE);
    send_str (router, "to-b", ZMQ_SNDMORE);
    send_str (router, "end", 0);
    send_str (router, "alpha", ZMQ_SNDMORE);
    send_str (router, "to-a", 0);
    recv_str (b, "to-b", 1);
    recv_str (b, "end", 0);
    recv_str (a, "to-a", 0);

    /* Unknown destination: silently dropped. A lone frame too. */
    send_str (router, "nobody", ZMQ_SNDMORE);
    send_str (router, "lost", 0);
    send_str (router, "alpha", 0);
    send_str (router, "alpha", ZMQ_SNDMORE);
    send_str (router, "after", 0);
    recv_str (a, "after", 0);
    CHECK_ERR (zmq_recv (a, NULL, 0, ZMQ_DONTWAIT), EAGAIN);
    CHECK_ERR (zmq_recv (b, NULL, 0, ZMQ_DONTWAIT), EAGAIN);

    CHECK_OK (zmq_close (a));
    CHECK_OK (zmq_close (b));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* A peer without ZMQ_ROUTING_ID gets 5 bytes: 0x00 and a counter. */
static void test_generated_ids (void)
{
    void *ctx = zmq_ctx_new ();
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    CHECK_OK (zmq_bind (router, "inproc://gen"));
    void *p1 = zmq_socket (ctx, ZMQ_REQ);
    void *p2 = zmq_socket (ctx, ZMQ_REQ);
    CHECK_OK (zmq_connect (p1, "inproc://gen"));
    CHECK_OK (zmq_connect (p2, "inproc://gen"));
    send_str (p1, "from1", 0);
    send_str (p2, "from2", 0);

    unsigned char id[2][16];
    for (int i = 0; i < 2; i++) {
        int n = zmq_recv (router, id[i], sizeof id[i], 0);
        CHECK (n == 5);
        CHECK (id[i][0] == 0);
        recv_str (router, "", 1);
        char body[8];
        CHECK (zmq_recv (router, body, sizeof body, 0) == 5);
        CHECK (body[4] == '1' + i);
    }
    CHECK (memcmp (id[0], id[1], 5) != 0);
    /* Reply to the second one only, then the first. */
    for (int i = 1; i >= 0; i--) {
        CHECK (zmq_send (router, id[i], 5, ZMQ_SNDMORE) == 5);
        send_str (router, "", ZMQ_SNDMORE);
        send_str (router, i ? "r2" : "r1", 0);
    }
    recv_str (p2, "r2", 0);
    recv_str (p1, "r1", 0);

    CHECK_OK (zmq_close (p1));
    CHECK_OK (zmq_close (p2));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* A peer that disconnects takes its queue with it: what the router sent and
 * the peer did not read is gone when it comes back. */
static void test_destroy_queue_on_disconnect (void)
{
    void *ctx = zmq_ctx_new ();
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    set_int (router, ZMQ_ROUTER_MANDATORY, 1);
    CHECK_OK (zmq_bind (router, "inproc://dq"));
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    CHECK_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "X", 1));
    CHECK_OK (zmq_connect (dealer, "inproc://dq"));
    send_str (dealer, "hello", 0);
    recv_str (router, "X", 1);
    recv_str (router, "hello", 0);

    send_str (router, "X", ZMQ_SNDMORE);
    send_str (router, "ABC", 0);
    CHECK_OK (zmq_disconnect (dealer, "inproc://dq"));
    usleep (100 * 1000);
    CHECK_ERR (zmq_send (router, "X", 1, ZMQ_SNDMORE), EHOSTUNREACH);

    CHECK_ERR (zmq_recv (router, NULL, 0, ZMQ_DONTWAIT), EAGAIN);

    /* Back under a new id (libzmq may still hold "X" for the old pipe). */
    CHECK_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "Y", 1));
    CHECK_OK (zmq_connect (dealer, "inproc://dq"));
    send_str (dealer, "again", 0);
    recv_str (router, "Y", 1);
    recv_str (router, "again", 0);
    usleep (50 * 1000);
    CHECK_ERR (zmq_recv (dealer, NULL, 0, ZMQ_DONTWAIT), EAGAIN);
    send_str (router, "Y", ZMQ_SNDMORE);
    send_str (router, "DEF", 0);
    recv_str (dealer, "DEF", 0);

    CHECK_OK (zmq_close (dealer));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* ROUTER to ROUTER: both ends announce their routing ids. */
static void test_router_to_router (void)
{
    void *ctx = zmq_ctx_new ();
    void *server = zmq_socket (ctx, ZMQ_ROUTER);
    void *client = zmq_socket (ctx, ZMQ_ROUTER);
    CHECK_OK (zmq_setsockopt (server, ZMQ_ROUTING_ID, "server", 6));
    CHECK_OK (zmq_setsockopt (client, ZMQ_ROUTING_ID, "client", 6));
    CHECK_OK (zmq_bind (server, "inproc://r2r"));
    CHECK_OK (zmq_connect (client, "inproc://r2r"));
    send_str (client, "server", ZMQ_SNDMORE);
    send_str (client, "ping", 0);
    recv_str (server, "client", 1);
    recv_str (server, "ping", 0);
    send_str (server, "client", ZMQ_SNDMORE);
    send_str (server, "pong", 0);
    recv_str (client, "server", 1);
    recv_str (client, "pong", 0);
    CHECK_OK (zmq_close (client));
    CHECK_OK (zmq_close (server));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* Connect before bind, ROUTER on either side. */
static void test_connect_before_bind (void)
{
    void *ctx = zmq_ctx_new ();
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    CHECK_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "early", 5));
    CHECK_OK (zmq_connect (dealer, "inproc://cbb"));
    send_str (dealer, "queued", 0);
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    CHECK_OK (zmq_bind (router, "inproc://cbb"));
    recv_str (router, "early", 1);
    recv_str (router, "queued", 0);

    void *router2 = zmq_socket (ctx, ZMQ_ROUTER);
    CHECK_OK (zmq_connect (router2, "inproc://cbb2"));
    void *dealer2 = zmq_socket (ctx, ZMQ_DEALER);
    CHECK_OK (zmq_setsockopt (dealer2, ZMQ_ROUTING_ID, "binder", 6));
    CHECK_OK (zmq_bind (dealer2, "inproc://cbb2"));
    send_str (dealer2, "hi", 0);
    recv_str (router2, "binder", 1);
    recv_str (router2, "hi", 0);
    send_str (router2, "binder", ZMQ_SNDMORE);
    send_str (router2, "back", 0);
    recv_str (dealer2, "back", 0);

    CHECK_OK (zmq_close (dealer));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_close (dealer2));
    CHECK_OK (zmq_close (router2));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* ZMQ_EVENTS/POLLIN reads ahead without losing the message. */
static void test_events_prefetch (void)
{
    void *ctx = zmq_ctx_new ();
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    CHECK_OK (zmq_bind (router, "inproc://ev"));
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    CHECK_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "D", 1));
    CHECK_OK (zmq_connect (dealer, "inproc://ev"));
    int ev;
    size_t sz = sizeof ev;
    CHECK_OK (zmq_getsockopt (router, ZMQ_EVENTS, &ev, &sz));
    CHECK (ev == ZMQ_POLLOUT);
    send_str (dealer, "x", ZMQ_SNDMORE);
    send_str (dealer, "y", 0);
    zmq_pollitem_t item = {router, 0, ZMQ_POLLIN, 0};
    CHECK (zmq_poll (&item, 1, 1000) == 1);
    CHECK_OK (zmq_getsockopt (router, ZMQ_EVENTS, &ev, &sz));
    CHECK (ev == (ZMQ_POLLIN | ZMQ_POLLOUT));
    recv_str (router, "D", 1);
    recv_str (router, "x", 1);
    recv_str (router, "y", 0);
    CHECK_OK (zmq_getsockopt (router, ZMQ_EVENTS, &ev, &sz));
    CHECK (ev == ZMQ_POLLOUT);
    CHECK_OK (zmq_close (dealer));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    RUN_TEST (test_fair_queue_in);
    RUN_TEST (test_identity_routing);
    RUN_TEST (test_generated_ids);
    RUN_TEST (test_destroy_queue_on_disconnect);
    RUN_TEST (test_router_to_router);
    RUN_TEST (test_connect_before_bind);
    RUN_TEST (test_events_prefetch);
    return 0;
}
