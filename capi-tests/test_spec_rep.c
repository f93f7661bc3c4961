/* capi-test: valgrind */
/* REP as zmq_socket(3) specifies it, over inproc (after libzmq's
 * test_spec_rep): fair-queued requests, the envelope put back on the reply,
 * malformed requests dropped, EFSM. */
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

/* Five REQ peers each send one request before the REP reads any: REP takes
 * them one per peer, in turn. */
static void test_fair_queue_in (void)
{
    void *ctx = zmq_ctx_new ();
    void *rep = zmq_socket (ctx, ZMQ_REP);
    CHECK_OK (zmq_bind (rep, "inproc://fq"));
    enum { N = 5 };
    void *req[N];
    for (int i = 0; i < N; i++) {
        req[i] = zmq_socket (ctx, ZMQ_REQ);
        CHECK_OK (zmq_connect (req[i], "inproc://fq"));
    }
    /* Warm up: one request from peer 0 so the pipes are known. */
    send_str (req[0], "A", 0);
    recv_str (rep, "A", 0);
    send_str (rep, "A", 0);
    recv_str (req[0], "A", 0);

    for (int i = 0; i < N; i++) {
        char body[8];
        snprintf (body, sizeof body, "B%d", i);
        send_str (req[i], body, 0);
    }
    /* Every request is answered, and each reply reaches its requester. */
    int seen[N] = {0};
    for (int i = 0; i < N; i++) {
        char buf[8];
        int n = zmq_recv (rep, buf, sizeof buf - 1, 0);
        CHECK (n == 2 && buf[0] == 'B');
        buf[n] = 0;
        int who = buf[1] - '0';
        CHECK (who >= 0 && who < N && !seen[who]);
        seen[who] = 1;
        send_str (rep, buf, 0);
    }
    for (int i = 0; i < N; i++) {
        char body[8];
        snprintf (body, sizeof body, "B%d", i);
        recv_str (req[i], body, 0);
        CHECK_OK (zmq_close (req[i]));
    }
    CHECK_OK (zmq_close (rep));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* A DEALER speaks REQ's wire format by hand: the whole envelope (several
 * frames up to the empty delimiter) comes back in front of the reply. */
static void test_envelope (void)
{
    void *ctx = zmq_ctx_new ();
    void *rep = zmq_socket (ctx, ZMQ_REP);
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    CHECK_OK (zmq_bind (rep, "inproc://env"));
    CHECK_OK (zmq_connect (dealer, "inproc://env"));

    send_str (dealer, "X", ZMQ_SNDMORE);
    send_str (dealer, "Y", ZMQ_SNDMORE);
    send_str (dealer, "", ZMQ_SNDMORE);
    send_str (dealer, "BODY", ZMQ_SNDMORE);
    send_str (dealer, "MORE", 0);

    recv_str (rep, "BODY", 1);
    recv_str (rep, "MORE", 0);
    send_str (rep, "R1", ZMQ_SNDMORE);
    send_str (rep, "R2", 0);

    recv_str (dealer, "X", 1);
    recv_str (dealer, "Y", 1);
    recv_str (dealer, "", 1);
    recv_str (dealer, "R1", 1);
    recv_str (dealer, "R2", 0);

    /* No envelope beyond the delimiter: an empty first frame. */
    send_str (dealer, "", ZMQ_SNDMORE);
    send_str (dealer, "bare", 0);
    recv_str (rep, "bare", 0);
    send_str (rep, "back", 0);
    recv_str (dealer, "", 1);
    recv_str (dealer, "back", 0);

    CHECK_OK (zmq_close (dealer));
    CHECK_OK (zmq_close (rep));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* A request without a delimiter is dropped whole; the next good one is served. */
static void test_malformed_dropped (void)
{
    void *ctx = zmq_ctx_new ();
    void *rep = zmq_socket (ctx, ZMQ_REP);
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    CHECK_OK (zmq_bind (rep, "inproc://bad"));
    CHECK_OK (zmq_connect (dealer, "inproc://bad"));

    send_str (dealer, "no", ZMQ_SNDMORE);
    send_str (dealer, "delimiter", 0);
    send_str (dealer, "", ZMQ_SNDMORE);
    send_str (dealer, "good", 0);

    recv_str (rep, "good", 0);
    send_str (rep, "fine", 0);
    recv_str (dealer, "", 1);
    recv_str (dealer, "fine", 0);

    CHECK_OK (zmq_close (dealer));
    CHECK_OK (zmq_close (rep));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* Replies go back to whichever peer asked, even when requests interleave. */
static void test_reply_routing (void)
{
    void *ctx = zmq_ctx_new ();
    void *rep = zmq_socket (ctx, ZMQ_REP);
    CHECK_OK (zmq_bind (rep, "inproc://route"));
    void *d1 = zmq_socket (ctx, ZMQ_DEALER);
    void *d2 = zmq_socket (ctx, ZMQ_DEALER);
    CHECK_OK (zmq_connect (d1, "inproc://route"));
    CHECK_OK (zmq_connect (d2, "inproc://route"));
    send_str (d1, "", ZMQ_SNDMORE);
    send_str (d1, "one", 0);
    send_str (d2, "", ZMQ_SNDMORE);
    send_str (d2, "two", 0);
    for (int i = 0; i < 2; i++) {
        char buf[8];
        int n = zmq_recv (rep, buf, sizeof buf, 0);
        CHECK (n == 3);
        send_str (rep, buf[0] == 'o' ? "for-1" : "for-2", 0);
    }
    recv_str (d1, "", 1);
    recv_str (d1, "for-1", 0);
    recv_str (d2, "", 1);
    recv_str (d2, "for-2", 0);
    CHECK_OK (zmq_close (d1));
    CHECK_OK (zmq_close (d2));
    CHECK_OK (zmq_close (rep));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* The requester leaves before the reply: the reply is dropped quietly and
 * REP goes on serving others. */
static void test_requester_gone (void)
{
    void *ctx = zmq_ctx_new ();
    void *rep = zmq_socket (ctx, ZMQ_REP);
    CHECK_OK (zmq_bind (rep, "inproc://gone"));
    void *req = zmq_socket (ctx, ZMQ_REQ);
    set_int (req, ZMQ_LINGER, 0);
    CHECK_OK (zmq_connect (req, "inproc://gone"));
    send_str (req, "q", 0);
    recv_str (rep, "q", 0);
    CHECK_OK (zmq_close (req));
    send_str (rep, "lost", 0);

    void *req2 = zmq_socket (ctx, ZMQ_REQ);
    CHECK_OK (zmq_connect (req2, "inproc://gone"));
    send_str (req2, "q2", 0);
    recv_str (rep, "q2", 0);
    send_str (rep, "a2", 0);
    recv_str (req2, "a2", 0);
    CHECK_OK (zmq_close (req2));
    CHECK_OK (zmq_close (rep));
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    RUN_TEST (test_fair_queue_in);
    RUN_TEST (test_envelope);
    RUN_TEST (test_malformed_dropped);
    RUN_TEST (test_reply_routing);
    RUN_TEST (test_requester_gone);
    return 0;
}
