/* capi-test: valgrind */
/* ZMQ_REQ_CORRELATE and ZMQ_REQ_RELAXED (after libzmq's test_req_correlate
 * and test_req_relaxed, over inproc). */
#include "testutil.h"

#include <stdint.h>
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

/* The request-id frame goes in front of the delimiter; only a reply with
 * the same id is taken. */
static void test_correlate (void)
{
    void *ctx = zmq_ctx_new ();
    void *req = zmq_socket (ctx, ZMQ_REQ);
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    set_int (req, ZMQ_REQ_CORRELATE, 1);
    set_int (req, ZMQ_RCVTIMEO, 200);
    CHECK_OK (zmq_bind (router, "inproc://corr"));
    CHECK_OK (zmq_connect (req, "inproc://corr"));

    send_str (req, "X", 0);
    zmq_msg_t peer, rid;
    CHECK_OK (zmq_msg_init (&peer));
    CHECK_OK (zmq_msg_init (&rid));
    CHECK_OK (zmq_msg_recv (&peer, router, 0));
    CHECK (zmq_msg_more (&peer));
    CHECK (zmq_msg_recv (&rid, router, 0) == 4);
    CHECK (zmq_msg_more (&rid));
    recv_str (router, "", 1);
    recv_str (router, "X", 0);

    /* A reply with a wrong request id is dropped. */
    uint32_t bad;
    memcpy (&bad, zmq_msg_data (&rid), 4);
    bad += 1;
    zmq_msg_t copy;
    CHECK_OK (zmq_msg_init (&copy));
    CHECK_OK (zmq_msg_copy (&copy, &peer));
    CHECK_OK (zmq_msg_send (&copy, router, ZMQ_SNDMORE));
    CHECK (zmq_send (router, &bad, 4, ZMQ_SNDMORE) == 4);
    send_str (router, "", ZMQ_SNDMORE);
    send_str (router, "WRONG", 0);
    CHECK_ERR (zmq_recv (req, NULL, 0, 0), EAGAIN);

    /* A reply without the id frame too. */
    CHECK_OK (zmq_msg_init (&copy));
    CHECK_OK (zmq_msg_copy (&copy, &peer));
    CHECK_OK (zmq_msg_send (&copy, router, ZMQ_SNDMORE));
    send_str (router, "", ZMQ_SNDMORE);
    send_str (router, "NOID", 0);
    CHECK_ERR (zmq_recv (req, NULL, 0, 0), EAGAIN);

    /* The right one. */
    CHECK_OK (zmq_msg_send (&peer, router, ZMQ_SNDMORE));
    CHECK_OK (zmq_msg_send (&rid, router, ZMQ_SNDMORE));
    send_str (router, "", ZMQ_SNDMORE);
    send_str (router, "RIGHT", 0);
    recv_str (req, "RIGHT", 0);

    CHECK_OK (zmq_close (req));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* Relaxed + correlate: a new request abandons the old one, and the old
 * peer's late reply is not taken for the new one's. */
static void test_relaxed (void)
{
    void *ctx = zmq_ctx_new ();
    void *req = zmq_socket (ctx, ZMQ_REQ);
    set_int (req, ZMQ_REQ_RELAXED, 1);
    set_int (req, ZMQ_REQ_CORRELATE, 1);
    set_int (req, ZMQ_RCVTIMEO, 200);
    set_int (req, ZMQ_LINGER, 0);
    CHECK_OK (zmq_bind (req, "inproc://relaxed"));
    void *rep[2];
    for (int i = 0; i < 2; i++) {
        rep[i] = zmq_socket (ctx, ZMQ_REP);
        set_int (rep[i], ZMQ_LINGER, 0);
        CHECK_OK (zmq_connect (rep[i], "inproc://relaxed"));
    }
    /* Recv before any send is still EFSM. */
    CHECK_ERR (zmq_recv (req, NULL, 0, 0), EFSM);

    send_str (req, "A", 0);
    send_str (req, "B", 0); /* allowed: abandons A */
    recv_str (rep[0], "A", 0);
    recv_str (rep[1], "B", 0);
    send_str (rep[0], "A-reply", 0);
    send_str (rep[1], "B-reply", 0);
    recv_str (req, "B-reply", 0);
    CHECK_ERR (zmq_recv (req, NULL, 0, ZMQ_DONTWAIT), EFSM);

    /* Abandon a request whose reply already arrived: the new send drops it. */
    send_str (req, "C", 0);
    recv_str (rep[0], "C", 0);
    send_str (rep[0], "C-reply", 0);
    usleep (50 * 1000);
    send_str (req, "D", 0);
    recv_str (rep[1], "D", 0);
    send_str (rep[1], "D-reply", 0);
    recv_str (req, "D-reply", 0);

    for (int i = 0; i < 2; i++)
        CHECK_OK (zmq_close (rep[i]));
    CHECK_OK (zmq_close (req));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* Relaxed without correlate: the state machine only. */
static void test_relaxed_plain (void)
{
    void *ctx = zmq_ctx_new ();
    void *req = zmq_socket (ctx, ZMQ_REQ);
    void *rep = zmq_socket (ctx, ZMQ_REP);
    set_int (req, ZMQ_REQ_RELAXED, 1);
    CHECK_OK (zmq_bind (rep, "inproc://plain"));
    CHECK_OK (zmq_connect (req, "inproc://plain"));
    int ev;
    size_t sz = sizeof ev;
    send_str (req, "1", 0);
    CHECK_OK (zmq_getsockopt (req, ZMQ_EVENTS, &ev, &sz));
    CHECK (ev & ZMQ_POLLOUT);
    send_str (req, "2", 0);
    recv_str (rep, "1", 0);
    send_str (rep, "r1", 0);
    recv_str (rep, "2", 0);
    send_str (rep, "r2", 0);
    /* Without correlation the first reply from the same peer is taken. */
    recv_str (req, "r1", 0);
    CHECK_OK (zmq_close (req));
    CHECK_OK (zmq_close (rep));
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_option_values (void)
{
    void *ctx = zmq_ctx_new ();
    void *req = zmq_socket (ctx, ZMQ_REQ);
    int v = -1;
    CHECK_ERR (zmq_setsockopt (req, ZMQ_REQ_CORRELATE, &v, sizeof v), EINVAL);
    CHECK_ERR (zmq_setsockopt (req, ZMQ_REQ_RELAXED, &v, sizeof v), EINVAL);
    v = 5;
    CHECK_OK (zmq_setsockopt (req, ZMQ_REQ_RELAXED, &v, sizeof v));
    CHECK_OK (zmq_setsockopt (req, ZMQ_PROBE_ROUTER, &v, sizeof v));
    size_t sz = sizeof v;
    CHECK_ERR (zmq_getsockopt (req, ZMQ_REQ_CORRELATE, &v, &sz), EINVAL);
    CHECK_ERR (zmq_setsockopt (req, ZMQ_ROUTER_MANDATORY, &v, sizeof v), EINVAL);
    void *rep = zmq_socket (ctx, ZMQ_REP);
    CHECK_ERR (zmq_setsockopt (rep, ZMQ_REQ_RELAXED, &v, sizeof v), EINVAL);
    CHECK_OK (zmq_close (rep));
    CHECK_OK (zmq_close (req));
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    RUN_TEST (test_correlate);
    RUN_TEST (test_relaxed);
    RUN_TEST (test_relaxed_plain);
    RUN_TEST (test_option_values);
    return 0;
}
