/* capi-test: valgrind */
/* REQ as zmq_socket(3) specifies it, over inproc (after libzmq's
 * test_spec_req): round-robin out, the envelope on the wire, blocking with no
 * peers, listening only to the current peer, and the EFSM state machine. */
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

static void test_round_robin_out (void)
{
    void *ctx = zmq_ctx_new ();
    void *req = zmq_socket (ctx, ZMQ_REQ);
    CHECK_OK (zmq_bind (req, "inproc://rr"));
    enum { N = 5 };
    void *rep[N];
    for (int i = 0; i < N; i++) {
        rep[i] = zmq_socket (ctx, ZMQ_REP);
        CHECK_OK (zmq_connect (rep[i], "inproc://rr"));
    }
    /* Each request goes to the next peer, in connection order. */
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < N; i++) {
            char body[16];
            snprintf (body, sizeof body, "req%d", i);
            send_str (req, body, 0);
            recv_str (rep[i], body, 0);
            send_str (rep[i], "ok", 0);
            recv_str (req, "ok", 0);
        }
    }
    for (int i = 0; i < N; i++)
        CHECK_OK (zmq_close (rep[i]));
    CHECK_OK (zmq_close (req));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* A request goes out as "" + body; the reply must come back as "" + body
 * and arrives stripped. */
static void test_message_format (void)
{
    void *ctx = zmq_ctx_new ();
    void *req = zmq_socket (ctx, ZMQ_REQ);
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    CHECK_OK (zmq_bind (req, "inproc://fmt"));
    CHECK_OK (zmq_setsockopt (router, ZMQ_ROUTING_ID, "R", 1));
    CHECK_OK (zmq_connect (router, "inproc://fmt"));

    send_str (req, "ABC", ZMQ_SNDMORE);
    send_str (req, "DEF", 0);

    zmq_msg_t peer;
    CHECK_OK (zmq_msg_init (&peer));
    CHECK_OK (zmq_msg_recv (&peer, router, 0));
    CHECK (zmq_msg_more (&peer));
    recv_str (router, "", 1);
    recv_str (router, "ABC", 1);
    recv_str (router, "DEF", 0);

    /* Reply: routing id, delimiter, two body parts. */
    CHECK_OK (zmq_msg_send (&peer, router, ZMQ_SNDMORE));
    send_str (router, "", ZMQ_SNDMORE);
    send_str (router, "GHI", ZMQ_SNDMORE);
    send_str (router, "JKL", 0);
    recv_str (req, "GHI", 1);
    recv_str (req, "JKL", 0);

    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_close (req));
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_block_on_send_no_peers (void)
{
    void *ctx = zmq_ctx_new ();
    void *req = zmq_socket (ctx, ZMQ_REQ);
    CHECK_OK (zmq_bind (req, "inproc://nopeers"));
    CHECK_ERR (zmq_send (req, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    set_int (req, ZMQ_SNDTIMEO, 100);
    CHECK_ERR (zmq_send (req, "x", 1, 0), EAGAIN);
    /* Nothing was sent, so the FSM still expects a send. */
    CHECK_ERR (zmq_recv (req, NULL, 0, ZMQ_DONTWAIT), EFSM);
    int ev;
    size_t sz = sizeof ev;
    CHECK_OK (zmq_getsockopt (req, ZMQ_EVENTS, &ev, &sz));
    CHECK (ev == 0);
    CHECK_OK (zmq_close (req));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* Three routers answer; only the one the request went to is heard. */
static void test_only_listens_to_current_peer (void)
{
    void *ctx = zmq_ctx_new ();
    void *req = zmq_socket (ctx, ZMQ_REQ);
    set_int (req, ZMQ_LINGER, 0);
    CHECK_OK (zmq_bind (req, "inproc://current"));
    const char *ids[3] = {"A", "B", "C"};
    void *router[3];
    for (int i = 0; i < 3; i++) {
        router[i] = zmq_socket (ctx, ZMQ_ROUTER);
        set_int (router[i], ZMQ_LINGER, 0);
        set_int (router[i], ZMQ_RCVTIMEO, 2000);
        CHECK_OK (zmq_setsockopt (router[i], ZMQ_ROUTING_ID, ids[i], 1));
        CHECK_OK (zmq_connect (router[i], "inproc://current"));
    }
    /* The req's routing id as its peers see it (the same for all three). */
    for (int i = 0; i < 3; i++) {
        char body[8];
        snprintf (body, sizeof body, "%d", i);
        send_str (req, body, 0);
        /* Request i went to router i (round robin); every router answers. */
        char rid[256];
        int rid_len = zmq_recv (router[i], rid, sizeof rid, 0);
        CHECK (rid_len >= 0);
        recv_str (router[i], "", 1);
        recv_str (router[i], body, 0);
        for (int j = 0; j < 3; j++) {
            int k = (i + 1 + j) % 3; /* the right one last */
            CHECK ((int) zmq_send (router[k], rid, rid_len, ZMQ_SNDMORE) == rid_len);
            send_str (router[k], "", ZMQ_SNDMORE);
            send_str (router[k], ids[k], 0);
        }
        recv_str (req, ids[i], 0);
    }
    for (int i = 0; i < 3; i++)
        CHECK_OK (zmq_close (router[i]));
    CHECK_OK (zmq_close (req));
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_fsm (void)
{
    void *ctx = zmq_ctx_new ();
    void *req = zmq_socket (ctx, ZMQ_REQ);
    void *rep = zmq_socket (ctx, ZMQ_REP);
    CHECK_OK (zmq_bind (rep, "inproc://fsm"));
    CHECK_OK (zmq_connect (req, "inproc://fsm"));

    CHECK_ERR (zmq_recv (req, NULL, 0, 0), EFSM);
    CHECK_ERR (zmq_send (rep, "x", 1, 0), EFSM);
    /* A multipart request may be built up part by part. */
    send_str (req, "a", ZMQ_SNDMORE);
    send_str (req, "b", 0);
    CHECK_ERR (zmq_send (req, "c", 1, 0), EFSM);
    int ev;
    size_t sz = sizeof ev;
    CHECK_OK (zmq_getsockopt (req, ZMQ_EVENTS, &ev, &sz));
    CHECK ((ev & ZMQ_POLLOUT) == 0);
    recv_str (rep, "a", 1);
    CHECK_ERR (zmq_send (rep, "x", 1, 0), EFSM);
    recv_str (rep, "b", 0);
    CHECK_ERR (zmq_recv (rep, NULL, 0, ZMQ_DONTWAIT), EFSM);
    CHECK_OK (zmq_getsockopt (rep, ZMQ_EVENTS, &ev, &sz));
    CHECK (ev == ZMQ_POLLOUT);
    send_str (rep, "y", ZMQ_SNDMORE);
    CHECK_ERR (zmq_recv (rep, NULL, 0, ZMQ_DONTWAIT), EFSM);
    send_str (rep, "z", 0);
    recv_str (req, "y", 1);
    CHECK_ERR (zmq_send (req, "c", 1, 0), EFSM);
    recv_str (req, "z", 0);
    CHECK_ERR (zmq_recv (req, NULL, 0, 0), EFSM);
    CHECK_OK (zmq_getsockopt (req, ZMQ_EVENTS, &ev, &sz));
    CHECK (ev == ZMQ_POLLOUT);
    /* And again. */
    send_str (req, "again", 0);
    recv_str (rep, "again", 0);
    send_str (rep, "done", 0);
    recv_str (req, "done", 0);

    CHECK_OK (zmq_close (req));
    CHECK_OK (zmq_close (rep));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* Connect before bind: the request waits in the pipe and goes out on bind. */
static void test_connect_before_bind (void)
{
    void *ctx = zmq_ctx_new ();
    void *req = zmq_socket (ctx, ZMQ_REQ);
    CHECK_OK (zmq_connect (req, "inproc://later"));
    send_str (req, "early", 0);
    void *rep = zmq_socket (ctx, ZMQ_REP);
    CHECK_OK (zmq_bind (rep, "inproc://later"));
    recv_str (rep, "early", 0);
    send_str (rep, "late", 0);
    recv_str (req, "late", 0);
    CHECK_OK (zmq_close (req));
    CHECK_OK (zmq_close (rep));
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    RUN_TEST (test_round_robin_out);
    RUN_TEST (test_message_format);
    RUN_TEST (test_block_on_send_no_peers);
    RUN_TEST (test_only_listens_to_current_peer);
    RUN_TEST (test_fsm);
    RUN_TEST (test_connect_before_bind);
    return 0;
}
