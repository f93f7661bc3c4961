/* zmq_proxy, zmq_proxy_steerable and zmq_device over PULL/PUSH (and a PAIR
 * single-socket echo): whole multipart messages, capture copies, STATISTICS,
 * PAUSE/RESUME, TERMINATE, and ETERM when the context shuts down; a
 * ROUTER/DEALER broker's statistics and a proxy chain's HWM bound. */
#include "testutil.h"
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

struct proxy_arg
{
    void *frontend, *backend, *capture, *control;
    int kind; /* 0 proxy, 1 steerable, 2 device */
    int rc, err;
};

static void *proxy_thread (void *arg_)
{
    struct proxy_arg *a = (struct proxy_arg *) arg_;
    if (a->kind == 0)
        a->rc = zmq_proxy (a->frontend, a->backend, a->capture);
    else if (a->kind == 1)
        a->rc = zmq_proxy_steerable (a->frontend, a->backend, a->capture,
                                     a->control);
    else
        a->rc = zmq_device (ZMQ_QUEUE, a->frontend, a->backend);
    a->err = zmq_errno ();
    zmq_close (a->frontend);
    if (a->backend != a->frontend)
        zmq_close (a->backend);
    if (a->capture)
        zmq_close (a->capture);
    if (a->control)
        zmq_close (a->control);
    return NULL;
}

static void *sock (void *ctx, int type, const char *bind, const char *connect)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    int linger = 0;
    CHECK_OK (zmq_setsockopt (s, ZMQ_LINGER, &linger, sizeof linger));
    if (bind)
        CHECK_OK (zmq_bind (s, bind));
    if (connect)
        CHECK_OK (zmq_connect (s, connect));
    return s;
}

static void recv_expect (void *s, const char *want, int more)
{
    char buf[64];
    int n = zmq_recv (s, buf, sizeof buf, 0);
    CHECK (n == (int) strlen (want));
    CHECK (memcmp (buf, want, n) == 0);
    int m;
    size_t len = sizeof m;
    CHECK_OK (zmq_getsockopt (s, ZMQ_RCVMORE, &m, &len));
    CHECK (m == more);
}

static void test_proxy_push_pull_capture (void)
{
    void *ctx = zmq_ctx_new ();
    struct proxy_arg a = {0};
    a.frontend = sock (ctx, ZMQ_PULL, "inproc://front", NULL);
    a.backend = sock (ctx, ZMQ_PUSH, "inproc://back", NULL);
    a.capture = sock (ctx, ZMQ_PUSH, "inproc://capture", NULL);
    void *src = sock (ctx, ZMQ_PUSH, NULL, "inproc://front");
    void *dst = sock (ctx, ZMQ_PULL, NULL, "inproc://back");
    void *cap = sock (ctx, ZMQ_PULL, NULL, "inproc://capture");
    pthread_t th;
    pthread_create (&th, NULL, proxy_thread, &a);

    char part[32];
    for (int i = 0; i < 100; i++) {
        snprintf (part, sizeof part, "a%d", i);
        CHECK (zmq_send (src, part, strlen (part), ZMQ_SNDMORE) >= 0);
        snprintf (part, sizeof part, "b%d", i);
        CHECK (zmq_send (src, part, strlen (part), ZMQ_SNDMORE) >= 0);
        CHECK (zmq_send (src, "", 0, ZMQ_SNDMORE) == 0);
        snprintf (part, sizeof part, "c%d", i);
        CHECK (zmq_send (src, part, strlen (part), 0) >= 0);
    }
    /* A large part travels too (shared content, not copied). */
    static char big[100000];
    memset (big, 'x', sizeof big);
    CHECK (zmq_send (src, big, sizeof big, 0) == (int) sizeof big);

    for (int i = 0; i < 100; i++) {
        void *both[2] = {dst, cap};
        for (int k = 0; k < 2; k++) {
            snprintf (part, sizeof part, "a%d", i);
            recv_expect (both[k], part, 1);
            snprintf (part, sizeof part, "b%d", i);
            recv_expect (both[k], part, 1);
            recv_expect (both[k], "", 1);
            snprintf (part, sizeof part, "c%d", i);
            recv_expect (both[k], part, 0);
        }
    }
    static char got[100001];
    CHECK (zmq_recv (dst, got, sizeof got, 0) == (int) sizeof big);
    CHECK (memcmp (got, big, sizeof big) == 0);
    CHECK (zmq_recv (cap, got, sizeof got, 0) == (int) sizeof big);

    /* The context ends: the proxy returns -1 with ETERM. */
    CHECK_OK (zmq_ctx_shutdown (ctx));
    pthread_join (th, NULL);
    CHECK (a.rc == -1 && a.err == ETERM);
    zmq_close (src);
    zmq_close (dst);
    zmq_close (cap);
    CHECK_OK (zmq_ctx_term (ctx));
}

static uint64_t recv_u64 (void *s, int more)
{
    uint64_t v;
    CHECK (zmq_recv (s, &v, sizeof v, 0) == sizeof v);
    int m;
    size_t len = sizeof m;
    CHECK_OK (zmq_getsockopt (s, ZMQ_RCVMORE, &m, &len));
    CHECK (m == more);
    return v;
}

/* Ask for STATISTICS and check the eight frames: frontend messages in,
 * bytes in, messages out, bytes out, then the same for the backend. */
static void expect_stats (void *ctl, const uint64_t want[8])
{
    CHECK (zmq_send (ctl, "STATISTICS", 10, 0) == 10);
    for (int i = 0; i < 8; i++) {
        uint64_t got = recv_u64 (ctl, i < 7);
        if (got != want[i])
            fprintf (stderr, "statistic %d: %llu, expected %llu\n", i,
                     (unsigned long long) got, (unsigned long long) want[i]);
        CHECK (got == want[i]);
    }
}

static void test_steerable (void)
{
    void *ctx = zmq_ctx_new ();
    struct proxy_arg a = {0};
    a.kind = 1;
    a.frontend = sock (ctx, ZMQ_PULL, "inproc://sfront", NULL);
    a.backend = sock (ctx, ZMQ_PUSH, "inproc://sback", NULL);
    a.control = sock (ctx, ZMQ_PAIR, "inproc://sctl", NULL);
    void *src = sock (ctx, ZMQ_PUSH, NULL, "inproc://sfront");
    void *dst = sock (ctx, ZMQ_PULL, NULL, "inproc://sback");
    void *ctl = sock (ctx, ZMQ_PAIR, NULL, "inproc://sctl");
    pthread_t th;
    pthread_create (&th, NULL, proxy_thread, &a);

    for (int i = 0; i < 10; i++)
        CHECK (zmq_send (src, "hello", 5, 0) == 5);
    for (int i = 0; i < 10; i++)
        recv_expect (dst, "hello", 0);

    const uint64_t stats[8] = {10, 50, 0, 0, 0, 0, 10, 50};
    expect_stats (ctl, stats);

    /* PAUSE holds messages back until RESUME. */
    CHECK (zmq_send (ctl, "PAUSE", 5, 0) == 5);
    usleep (50 * 1000);
    CHECK (zmq_send (src, "held", 4, 0) == 4);
    zmq_pollitem_t it[] = {{dst, 0, ZMQ_POLLIN, 0}};
    CHECK (zmq_poll (it, 1, 200) == 0);
    CHECK (zmq_send (ctl, "RESUME", 6, 0) == 6);
    CHECK (zmq_poll (it, 1, 5000) == 1);
    recv_expect (dst, "held", 0);

    /* TERMINATE: the proxy returns 0. */
    CHECK (zmq_send (ctl, "TERMINATE", 9, 0) == 9);
    pthread_join (th, NULL);
    CHECK (a.rc == 0);
    zmq_close (src);
    zmq_close (dst);
    zmq_close (ctl);
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_steerable_without_control (void)
{
    void *ctx = zmq_ctx_new ();
    struct proxy_arg a = {0};
    a.kind = 1;
    a.frontend = sock (ctx, ZMQ_PULL, "inproc://nfront", NULL);
    a.backend = sock (ctx, ZMQ_PUSH, "inproc://nback", NULL);
    void *src = sock (ctx, ZMQ_PUSH, NULL, "inproc://nfront");
    void *dst = sock (ctx, ZMQ_PULL, NULL, "inproc://nback");
    pthread_t th;
    pthread_create (&th, NULL, proxy_thread, &a);
    CHECK (zmq_send (src, "x", 1, 0) == 1);
    recv_expect (dst, "x", 0);
    CHECK_OK (zmq_ctx_shutdown (ctx));
    pthread_join (th, NULL);
    CHECK (a.rc == -1 && a.err == ETERM);
    zmq_close (src);
    zmq_close (dst);
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_device (void)
{
    void *ctx = zmq_ctx_new ();
    struct proxy_arg a = {0};
    a.kind = 2;
    a.frontend = sock (ctx, ZMQ_PULL, "inproc://dfront", NULL);
    a.backend = sock (ctx, ZMQ_PUSH, "inproc://dback", NULL);
    void *src = sock (ctx, ZMQ_PUSH, NULL, "inproc://dfront");
    void *dst = sock (ctx, ZMQ_PULL, NULL, "inproc://dback");
    pthread_t th;
    pthread_create (&th, NULL, proxy_thread, &a);
    CHECK (zmq_send (src, "one", 3, ZMQ_SNDMORE) == 3);
    CHECK (zmq_send (src, "two", 3, 0) == 3);
    recv_expect (dst, "one", 1);
    recv_expect (dst, "two", 0);
    CHECK_OK (zmq_ctx_shutdown (ctx));
    pthread_join (th, NULL);
    CHECK (a.rc == -1 && a.err == ETERM);
    zmq_close (src);
    zmq_close (dst);
    CHECK_OK (zmq_ctx_term (ctx));
}

/* frontend == backend: a PAIR proxied onto itself echoes. */
static void test_single_socket (void)
{
    void *ctx = zmq_ctx_new ();
    struct proxy_arg a = {0};
    a.kind = 1;
    a.frontend = a.backend = sock (ctx, ZMQ_PAIR, "inproc://echo", NULL);
    a.control = sock (ctx, ZMQ_PAIR, "inproc://echoctl", NULL);
    void *peer = sock (ctx, ZMQ_PAIR, NULL, "inproc://echo");
    void *ctl = sock (ctx, ZMQ_PAIR, NULL, "inproc://echoctl");
    pthread_t th;
    pthread_create (&th, NULL, proxy_thread, &a);
    for (int i = 0; i < 20; i++) {
        CHECK (zmq_send (peer, "ping", 4, ZMQ_SNDMORE) == 4);
        CHECK (zmq_send (peer, "pong", 4, 0) == 4);
        recv_expect (peer, "ping", 1);
        recv_expect (peer, "pong", 0);
    }
    CHECK (zmq_send (ctl, "TERMINATE", 9, 0) == 9);
    pthread_join (th, NULL);
    CHECK (a.rc == 0);
    zmq_close (peer);
    zmq_close (ctl);
    CHECK_OK (zmq_ctx_term (ctx));
}

/* A ROUTER/DEALER broker with a REP control socket, as libzmq 4.3.4's
 * test_proxy runs it: STATISTICS counts whole messages (a request is one
 * message of two parts at the ROUTER), bytes over all parts; a TERMINATE
 * sent by a REQ that never reads the answer still ends the proxy, and
 * everything closes. */
static void test_steerable_broker_counts_messages (void)
{
    void *ctx = zmq_ctx_new ();
    struct proxy_arg a = {0};
    a.kind = 1;
    a.frontend = sock (ctx, ZMQ_ROUTER, "inproc://bfront", NULL);
    a.backend = sock (ctx, ZMQ_DEALER, "inproc://bback", NULL);
    void *req = sock (ctx, ZMQ_REQ, "inproc://bctl", NULL);
    a.control = sock (ctx, ZMQ_REP, NULL, "inproc://bctl");
    void *client = zmq_socket (ctx, ZMQ_DEALER);
    CHECK (client);
    CHECK_OK (zmq_setsockopt (client, ZMQ_ROUTING_ID, "client", 6));
    CHECK_OK (zmq_connect (client, "inproc://bfront"));
    void *worker = sock (ctx, ZMQ_DEALER, NULL, "inproc://bback");
    pthread_t th;
    pthread_create (&th, NULL, proxy_thread, &a);

    const int requests = 3;
    for (int i = 0; i < requests; i++)
        CHECK (zmq_send (client, "request", 7, 0) == 7);
    for (int i = 0; i < requests; i++) {
        recv_expect (worker, "client", 1);
        recv_expect (worker, "request", 0);
        /* Two replies to each request. */
        for (int k = 0; k < 2; k++) {
            CHECK (zmq_send (worker, "client", 6, ZMQ_SNDMORE) == 6);
            CHECK (zmq_send (worker, "reply", 5, 0) == 5);
        }
    }
    for (int i = 0; i < 2 * requests; i++)
        recv_expect (client, "reply", 0);

    /* A request is "client" + "request" (13 bytes), a reply "client" +
     * "reply" (11 bytes). */
    const uint64_t stats[8] = {3, 3 * 13, 6, 6 * 11, 6, 6 * 11, 3, 3 * 13};
    expect_stats (req, stats);

    CHECK (zmq_send (req, "TERMINATE", 9, 0) == 9);
    pthread_join (th, NULL);
    CHECK (a.rc == 0);
    zmq_close (req);
    zmq_close (client);
    zmq_close (worker);
    CHECK_OK (zmq_ctx_term (ctx));
}

/* XPUB -> (XSUB proxy XPUB with XPUB_NODROP) -> SUB, every HWM 10 over
 * inproc (so 20 per pipe): the publisher fills both pipes and the proxy
 * holds one message, blocked; the frontend pipe's credit comes back every
 * 5 messages counted from its start, so at most 40 messages get in, never
 * 41 (libzmq's test_proxy_hwm). The SUB reads nothing until the end. */
static void hwm_10 (void *s)
{
    set_int (s, ZMQ_SNDHWM, 10);
    set_int (s, ZMQ_RCVHWM, 10);
}

struct hwm_proxy
{
    void *ctx;
    int rc;
};

static void *hwm_proxy_thread (void *arg_)
{
    struct hwm_proxy *p = (struct hwm_proxy *) arg_;
    void *front = zmq_socket (p->ctx, ZMQ_XSUB);
    void *back = zmq_socket (p->ctx, ZMQ_XPUB);
    void *ctl = zmq_socket (p->ctx, ZMQ_PAIR);
    hwm_10 (front);
    hwm_10 (back);
    set_int (back, ZMQ_XPUB_NODROP, 1);
    CHECK_OK (zmq_bind (front, "inproc://hfront"));
    CHECK_OK (zmq_bind (back, "inproc://hback"));
    CHECK_OK (zmq_connect (ctl, "inproc://hctl"));
    p->rc = zmq_proxy_steerable (front, back, NULL, ctl);
    zmq_close (front);
    zmq_close (back);
    zmq_close (ctl);
    return NULL;
}

static void test_proxy_hwm_bound (void)
{
    for (int round = 0; round < 5; round++) {
        void *ctx = zmq_ctx_new ();
        void *ctl = sock (ctx, ZMQ_PAIR, "inproc://hctl", NULL);
        struct hwm_proxy p = {ctx, -2};
        pthread_t th;
        pthread_create (&th, NULL, hwm_proxy_thread, &p);
        usleep (50 * 1000);

        void *pub = zmq_socket (ctx, ZMQ_XPUB);
        hwm_10 (pub);
        set_int (pub, ZMQ_XPUB_NODROP, 1);
        CHECK_OK (zmq_connect (pub, "inproc://hfront"));
        void *sub = zmq_socket (ctx, ZMQ_SUB);
        hwm_10 (sub);
        CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0));
        CHECK_OK (zmq_connect (sub, "inproc://hback"));
        char sub_all[2];
        CHECK (zmq_recv (pub, sub_all, sizeof sub_all, 0) == 1);

        /* Fill until blocked; let the proxy move what it can and fill
         * again, a few times. */
        int sent = 0;
        for (int pass = 0; pass < 10; pass++) {
            while (zmq_send (pub, "m", 1, ZMQ_DONTWAIT) == 1)
                sent++;
            usleep (5 * 1000);
        }
        if (sent < 20 || sent > 40)
            fprintf (stderr, "round %d: %d messages got in\n", round, sent);
        CHECK (sent >= 20 && sent <= 40);
        set_int (sub, ZMQ_RCVTIMEO, 2000);
        for (int i = 0; i < sent; i++)
            CHECK (zmq_recv (sub, sub_all, sizeof sub_all, 0) == 1);

        CHECK (zmq_send (ctl, "TERMINATE", 9, 0) == 9);
        pthread_join (th, NULL);
        CHECK (p.rc == 0);
        zmq_close (pub);
        zmq_close (sub);
        zmq_close (ctl);
        CHECK_OK (zmq_ctx_term (ctx));
    }
}

int main (void)
{
    RUN_TEST (test_proxy_push_pull_capture);
    RUN_TEST (test_steerable);
    RUN_TEST (test_steerable_without_control);
    RUN_TEST (test_device);
    RUN_TEST (test_single_socket);
    RUN_TEST (test_steerable_broker_counts_messages);
    RUN_TEST (test_proxy_hwm_bound);
    return 0;
}
