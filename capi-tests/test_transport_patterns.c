/* capi-test: valgrind
 * Every classic socket-type pattern run over inproc, tcp and ipc, with one
 * behavioural check each: PAIR both ways, PUSH round-robin and PULL
 * fair-queue, PUB/SUB filtering, XPUB/XSUB subscription messages, REQ/REP
 * envelopes and REQ round-robin, DEALER/REP delimiter, DEALER round-robin,
 * ROUTER routing by identity and ROUTER_MANDATORY. */
#include "testutil.h"
#include <unistd.h>

static void *ctx;
static const char *transport; /* "inproc", "tcp" or "ipc" */
static int counter;

/* A socket with timeouts, so a missing message fails instead of hanging. */
static void *make (int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_RCVTIMEO, 10000);
    set_int (s, ZMQ_SNDTIMEO, 10000);
    set_int (s, ZMQ_LINGER, 0);
    return s;
}

/* Bind `s` on a fresh endpoint of the transport under test; `ep` gets the
 * endpoint a peer connects to. */
static void bind_fresh (void *s, char *ep, size_t len)
{
    char want[64];
    if (strcmp (transport, "inproc") == 0)
        snprintf (want, sizeof want, "inproc://patterns-%d", counter++);
    else if (strcmp (transport, "tcp") == 0)
        snprintf (want, sizeof want, "tcp://127.0.0.1:*");
    else
        snprintf (want, sizeof want, "ipc://*");
    CHECK_OK (zmq_bind (s, want));
    CHECK_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &len));
}

static void send_str (void *s, const char *str, int flags)
{
    CHECK (zmq_send (s, str, strlen (str), flags) == (int) strlen (str));
}

static void recv_str (void *s, const char *str, int more)
{
    char buf[256];
    int n = zmq_recv (s, buf, sizeof buf, 0);
    if (n != (int) strlen (str) || memcmp (buf, str, n) != 0) {
        fprintf (stderr, "[%s] expected '%s', got %d '%.*s'\n", transport, str,
                 n, n > 0 ? n : 0, buf);
        CHECK (0);
    }
    int m;
    size_t sz = sizeof m;
    CHECK_OK (zmq_getsockopt (s, ZMQ_RCVMORE, &m, &sz));
    CHECK (m == more);
}

static void test_pair (void)
{
    void *a = make (ZMQ_PAIR), *b = make (ZMQ_PAIR);
    char ep[256];
    bind_fresh (a, ep, sizeof ep);
    CHECK_OK (zmq_connect (b, ep));
    send_str (b, "one", ZMQ_SNDMORE);
    send_str (b, "two", 0);
    recv_str (a, "one", 1);
    recv_str (a, "two", 0);
    send_str (a, "back", 0);
    recv_str (b, "back", 0);
    zmq_close (a);
    zmq_close (b);
}

/* A PUSH connected to two PULLs deals messages out in turn: the pipes exist
 * from zmq_connect, so the order is exact even before the connections. */
static void test_push_round_robin (void)
{
    void *pull1 = make (ZMQ_PULL), *pull2 = make (ZMQ_PULL);
    void *push = make (ZMQ_PUSH);
    char ep1[256], ep2[256];
    bind_fresh (pull1, ep1, sizeof ep1);
    bind_fresh (pull2, ep2, sizeof ep2);
    CHECK_OK (zmq_connect (push, ep1));
    CHECK_OK (zmq_connect (push, ep2));
    send_str (push, "m1", 0);
    send_str (push, "m2", ZMQ_SNDMORE); /* a multipart message goes whole */
    send_str (push, "m2b", 0);
    send_str (push, "m3", 0);
    send_str (push, "m4", 0);
    recv_str (pull1, "m1", 0);
    recv_str (pull1, "m3", 0);
    recv_str (pull2, "m2", 1);
    recv_str (pull2, "m2b", 0);
    recv_str (pull2, "m4", 0);
    zmq_close (push);
    zmq_close (pull1);
    zmq_close (pull2);
}

/* A PULL fed by two PUSHes takes from each in turn: a message from the
 * second sender is not stuck behind everything the first one queued.
 * (libzmq looks at newly active pipes every 100 messages received, so the
 * bound is coarse.) */
static void test_pull_fair_queue (void)
{
    enum { N = 300 };
    void *pull = make (ZMQ_PULL);
    void *a = make (ZMQ_PUSH), *b = make (ZMQ_PUSH);
    char ep[256];
    bind_fresh (pull, ep, sizeof ep);
    CHECK_OK (zmq_connect (a, ep));
    CHECK_OK (zmq_connect (b, ep));
    /* Both connections carry a message before the real run. */
    send_str (a, "hi-a", 0);
    send_str (b, "hi-b", 0);
    char buf[16];
    int i, n, seen_a = 0, seen_b = 0;
    for (i = 0; i < 2; i++) {
        n = zmq_recv (pull, buf, sizeof buf, 0);
        CHECK (n == 4);
        seen_a += buf[3] == 'a';
        seen_b += buf[3] == 'b';
    }
    CHECK (seen_a == 1 && seen_b == 1);
    for (i = 0; i < N; i++)
        send_str (a, "A", 0);
    send_str (b, "B", 0);
    /* Give B's one message time to land next to A's queue. */
    zmq_pollitem_t it = {pull, 0, ZMQ_POLLIN, 0};
    CHECK (zmq_poll (&it, 1, 10000) == 1);
    usleep (200 * 1000);
    int b_at = -1;
    for (i = 0; i <= N; i++) {
        n = zmq_recv (pull, buf, sizeof buf, 0);
        CHECK (n == 1);
        if (buf[0] == 'B') {
            CHECK (b_at == -1);
            b_at = i;
        }
    }
    if (!(b_at >= 0 && b_at < N / 2))
        fprintf (stderr, "[%s] B at %d\n", transport, b_at);
    CHECK (b_at >= 0 && b_at < N / 2);
    zmq_close (a);
    zmq_close (b);
    zmq_close (pull);
}

/* Two subscribers with different prefixes each get only their own topic. */
static void test_pub_sub_filter (void)
{
    void *pub = make (ZMQ_PUB);
    void *s1 = make (ZMQ_SUB), *s2 = make (ZMQ_SUB);
    char ep[256];
    bind_fresh (pub, ep, sizeof ep);
    CHECK_OK (zmq_setsockopt (s1, ZMQ_SUBSCRIBE, "alpha", 5));
    CHECK_OK (zmq_setsockopt (s2, ZMQ_SUBSCRIBE, "beta", 4));
    CHECK_OK (zmq_setsockopt (s2, ZMQ_SUBSCRIBE, "gam", 3));
    CHECK_OK (zmq_connect (s1, ep));
    CHECK_OK (zmq_connect (s2, ep));
    /* Subscriptions travel upstream: publish until both have arrived. */
    int got1 = 0, got2 = 0, got3 = 0, i;
    char buf[32];
    for (i = 0; i < 1000 && !(got1 && got2 && got3); i++) {
        send_str (pub, "alpha-1", 0);
        send_str (pub, "beta-2", 0);
        send_str (pub, "delta-x", 0);
        send_str (pub, "gamma-3", ZMQ_SNDMORE);
        send_str (pub, "tail", 0);
        usleep (10000);
        int n;
        while ((n = zmq_recv (s1, buf, sizeof buf, ZMQ_DONTWAIT)) >= 0) {
            CHECK (n == 7 && memcmp (buf, "alpha-1", 7) == 0);
            got1 = 1;
        }
        while ((n = zmq_recv (s2, buf, sizeof buf, ZMQ_DONTWAIT)) >= 0) {
            if (n == 6 && memcmp (buf, "beta-2", 6) == 0)
                got2 = 1;
            else {
                CHECK (n == 7 && memcmp (buf, "gamma-3", 7) == 0);
                recv_str (s2, "tail", 0);
                got3 = 1;
            }
        }
    }
    CHECK (got1 && got2 && got3);
    /* Unsubscribing stops the topic (after the cancel arrives). */
    CHECK_OK (zmq_setsockopt (s2, ZMQ_UNSUBSCRIBE, "beta", 4));
    int stopped = 0;
    for (i = 0; i < 1000 && !stopped; i++) {
        send_str (pub, "beta-2", 0);
        send_str (pub, "gamma-3", 0);
        usleep (10000);
        int n, beta = 0, gamma = 0;
        while ((n = zmq_recv (s2, buf, sizeof buf, ZMQ_DONTWAIT)) >= 0) {
            beta += n == 6;
            gamma += n == 7;
        }
        /* Once the cancel is in, a round delivers gamma alone. */
        stopped = gamma > 0 && beta == 0;
    }
    CHECK (stopped);
    zmq_close (s1);
    zmq_close (s2);
    zmq_close (pub);
}

/* XSUB sends subscriptions as messages; XPUB reads them (0x01 / 0x00 +
 * topic) and its data reaches the XSUB. */
static void test_xpub_xsub (void)
{
    void *xpub = make (ZMQ_XPUB), *xsub = make (ZMQ_XSUB);
    char ep[256];
    bind_fresh (xpub, ep, sizeof ep);
    CHECK_OK (zmq_connect (xsub, ep));
    CHECK (zmq_send (xsub, "\x01top", 4, 0) == 4);
    char buf[32];
    CHECK (zmq_recv (xpub, buf, sizeof buf, 0) == 4);
    CHECK (memcmp (buf, "\x01top", 4) == 0);
    send_str (xpub, "other", 0);
    send_str (xpub, "top-data", 0);
    recv_str (xsub, "top-data", 0);
    CHECK (zmq_send (xsub, "\x00top", 4, 0) == 4);
    CHECK (zmq_recv (xpub, buf, sizeof buf, 0) == 4);
    CHECK (memcmp (buf, "\x00top", 4) == 0);
    zmq_close (xsub);
    zmq_close (xpub);
}

/* REQ through ROUTER: the ROUTER sees [id][""][body]; the REQ gets the
 * body alone back. */
static void test_req_router_envelope (void)
{
    void *router = make (ZMQ_ROUTER), *req = make (ZMQ_REQ);
    char ep[256];
    bind_fresh (router, ep, sizeof ep);
    CHECK_OK (zmq_setsockopt (req, ZMQ_ROUTING_ID, "req1", 4));
    CHECK_OK (zmq_connect (req, ep));
    send_str (req, "question", 0);
    recv_str (router, "req1", 1);
    recv_str (router, "", 1);
    recv_str (router, "question", 0);
    send_str (router, "req1", ZMQ_SNDMORE);
    send_str (router, "", ZMQ_SNDMORE);
    send_str (router, "answer", 0);
    recv_str (req, "answer", 0);
    zmq_close (req);
    zmq_close (router);
}

/* A REQ connected to two REPs alternates between them. */
static void test_req_rep_round_robin (void)
{
    void *rep1 = make (ZMQ_REP), *rep2 = make (ZMQ_REP), *req = make (ZMQ_REQ);
    char ep1[256], ep2[256];
    bind_fresh (rep1, ep1, sizeof ep1);
    bind_fresh (rep2, ep2, sizeof ep2);
    CHECK_OK (zmq_connect (req, ep1));
    CHECK_OK (zmq_connect (req, ep2));
    int i;
    for (i = 0; i < 4; i++) {
        void *rep = i % 2 ? rep2 : rep1;
        send_str (req, "q", 0);
        recv_str (rep, "q", 0);
        send_str (rep, i % 2 ? "r2" : "r1", 0);
        recv_str (req, i % 2 ? "r2" : "r1", 0);
    }
    zmq_close (req);
    zmq_close (rep1);
    zmq_close (rep2);
}

/* A DEALER talking to a REP supplies and receives the empty delimiter. */
static void test_dealer_rep (void)
{
    void *rep = make (ZMQ_REP), *dealer = make (ZMQ_DEALER);
    char ep[256];
    bind_fresh (rep, ep, sizeof ep);
    CHECK_OK (zmq_connect (dealer, ep));
    send_str (dealer, "", ZMQ_SNDMORE);
    send_str (dealer, "hello", ZMQ_SNDMORE);
    send_str (dealer, "world", 0);
    recv_str (rep, "hello", 1);
    recv_str (rep, "world", 0);
    send_str (rep, "reply", 0);
    recv_str (dealer, "", 1);
    recv_str (dealer, "reply", 0);
    zmq_close (dealer);
    zmq_close (rep);
}

/* A DEALER connected to two ROUTERs deals in turn; each ROUTER sees the
 * DEALER's routing id and can answer through it. */
static void test_dealer_round_robin (void)
{
    void *r1 = make (ZMQ_ROUTER), *r2 = make (ZMQ_ROUTER);
    void *dealer = make (ZMQ_DEALER);
    char ep1[256], ep2[256];
    bind_fresh (r1, ep1, sizeof ep1);
    bind_fresh (r2, ep2, sizeof ep2);
    CHECK_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "D", 1));
    CHECK_OK (zmq_connect (dealer, ep1));
    CHECK_OK (zmq_connect (dealer, ep2));
    send_str (dealer, "1", 0);
    send_str (dealer, "2", 0);
    send_str (dealer, "3", 0);
    recv_str (r1, "D", 1);
    recv_str (r1, "1", 0);
    recv_str (r1, "D", 1);
    recv_str (r1, "3", 0);
    recv_str (r2, "D", 1);
    recv_str (r2, "2", 0);
    send_str (r2, "D", ZMQ_SNDMORE);
    send_str (r2, "from-r2", 0);
    recv_str (dealer, "from-r2", 0);
    zmq_close (dealer);
    zmq_close (r1);
    zmq_close (r2);
}

/* A ROUTER routes each reply to the peer it names, and with
 * ROUTER_MANDATORY reports an unknown one as EHOSTUNREACH. */
static void test_router_routing (void)
{
    void *router = make (ZMQ_ROUTER);
    set_int (router, ZMQ_ROUTER_MANDATORY, 1);
    char ep[256];
    bind_fresh (router, ep, sizeof ep);
    void *d[3];
    int i;
    for (i = 0; i < 3; i++) {
        char id[8];
        d[i] = make (ZMQ_DEALER);
        snprintf (id, sizeof id, "peer%d", i);
        CHECK_OK (zmq_setsockopt (d[i], ZMQ_ROUTING_ID, id, 5));
        CHECK_OK (zmq_connect (d[i], ep));
        send_str (d[i], "hello", 0);
    }
    /* Every hello arrives once, behind its sender's id. */
    int seen[3] = {0, 0, 0};
    for (i = 0; i < 3; i++) {
        char id[16];
        CHECK (zmq_recv (router, id, sizeof id, 0) == 5);
        CHECK (memcmp (id, "peer", 4) == 0);
        int who = id[4] - '0';
        CHECK (who >= 0 && who < 3 && !seen[who]);
        seen[who] = 1;
        recv_str (router, "hello", 0);
    }
    for (i = 2; i >= 0; i--) {
        char id[8], body[8];
        snprintf (id, sizeof id, "peer%d", i);
        snprintf (body, sizeof body, "to%d", i);
        send_str (router, id, ZMQ_SNDMORE);
        send_str (router, body, 0);
    }
    for (i = 0; i < 3; i++) {
        char body[8];
        snprintf (body, sizeof body, "to%d", i);
        recv_str (d[i], body, 0);
    }
    CHECK_ERR (zmq_send (router, "nobody", 6, ZMQ_SNDMORE), EHOSTUNREACH);
    for (i = 0; i < 3; i++)
        zmq_close (d[i]);
    zmq_close (router);
}

static void run_all (const char *t)
{
    transport = t;
    printf ("# transport %s\n", t);
    RUN_TEST (test_pair);
    RUN_TEST (test_push_round_robin);
    RUN_TEST (test_pull_fair_queue);
    RUN_TEST (test_pub_sub_filter);
    RUN_TEST (test_xpub_xsub);
    RUN_TEST (test_req_router_envelope);
    RUN_TEST (test_req_rep_round_robin);
    RUN_TEST (test_dealer_rep);
    RUN_TEST (test_dealer_round_robin);
    RUN_TEST (test_router_routing);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    run_all ("inproc");
    run_all ("tcp");
    run_all ("ipc");
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
