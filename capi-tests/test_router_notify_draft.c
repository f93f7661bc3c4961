/* capi-test: ours-only
 * ZMQ_ROUTER_NOTIFY (draft): a ROUTER with ZMQ_NOTIFY_CONNECT receives
 * [routing id, ""] from a peer once its handshake is done, before anything
 * the peer sends; with ZMQ_NOTIFY_DISCONNECT, [routing id, ""] when a
 * handshaken connection ends; with 0, neither. Over tcp and ipc, the ROUTER
 * binding or connecting. inproc has no engine in libzmq, so no notices.
 * (Also passes against libzmq 4.3.5 built with the draft API.) */
#include "testutil.h"

static void *ctx;

static void *make (int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_LINGER, 0);
    set_int (s, ZMQ_RCVTIMEO, 5000);
    set_int (s, ZMQ_SNDTIMEO, 5000);
    return s;
}

static void recv_expect (void *s, const char *want, int more)
{
    char buf[64];
    int n = zmq_recv (s, buf, sizeof buf, 0);
    CHECK (n == (int) strlen (want));
    CHECK (memcmp (buf, want, (size_t) n) == 0);
    int m = -1;
    size_t len = sizeof m;
    CHECK_OK (zmq_getsockopt (s, ZMQ_RCVMORE, &m, &len));
    CHECK (m == more);
}

static void expect_nothing (void *s)
{
    set_int (s, ZMQ_RCVTIMEO, 300);
    char buf[64];
    CHECK_ERR (zmq_recv (s, buf, sizeof buf, 0), EAGAIN);
    set_int (s, ZMQ_RCVTIMEO, 5000);
}

/* The ROUTER binds `ep` (or connects to the DEALER bound there, when
 * router_connects) with ZMQ_ROUTER_NOTIFY = notify; a DEALER named "D"
 * says "hi" and goes away. */
static void run (const char *ep, int notify, int router_connects, int engine)
{
    void *router = make (ZMQ_ROUTER), *dealer = make (ZMQ_DEALER);
    CHECK_OK (zmq_setsockopt (router, ZMQ_ROUTER_NOTIFY, &notify, sizeof notify));
    CHECK_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "D", 1));
    void *binder = router_connects ? dealer : router;
    void *connecter = router_connects ? router : dealer;
    CHECK_OK (zmq_bind (binder, ep));
    char last[256];
    size_t len = sizeof last;
    CHECK_OK (zmq_getsockopt (binder, ZMQ_LAST_ENDPOINT, last, &len));
    CHECK_OK (zmq_connect (connecter, last));
    int connect_notice = engine && (notify & ZMQ_NOTIFY_CONNECT);
    int disconnect_notice = engine && (notify & ZMQ_NOTIFY_DISCONNECT);

    if (connect_notice) {
        /* Before the peer says anything. */
        recv_expect (router, "D", 1);
        recv_expect (router, "", 0);
    }
    CHECK (zmq_send (dealer, "hi", 2, 0) == 2);
    /* Without a connect notice, the first thing is the peer's message. */
    recv_expect (router, "D", 1);
    recv_expect (router, "hi", 0);
    CHECK (zmq_send (router, "D", 1, ZMQ_SNDMORE) == 1);
    CHECK (zmq_send (router, "back", 4, 0) == 4);
    recv_expect (dealer, "back", 0);

    CHECK_OK (zmq_close (dealer));
    if (disconnect_notice) {
        recv_expect (router, "D", 1);
        recv_expect (router, "", 0);
    }
    expect_nothing (router);
    CHECK_OK (zmq_close (router));
}

static void each_setting (const char *ep, int router_connects, int engine)
{
    int settings[] = {0, ZMQ_NOTIFY_CONNECT, ZMQ_NOTIFY_DISCONNECT,
                      ZMQ_NOTIFY_CONNECT | ZMQ_NOTIFY_DISCONNECT};
    for (int i = 0; i < 4; i++)
        run (ep, settings[i], router_connects, engine);
}

static void test_tcp (void)
{
    each_setting ("tcp://127.0.0.1:*", 0, 1);
}

static void test_ipc (void)
{
    each_setting ("ipc://*", 0, 1);
}

static void test_router_connects (void)
{
    each_setting ("tcp://127.0.0.1:*", 1, 1);
    each_setting ("ipc://*", 1, 1);
}

static void test_inproc_has_none (void)
{
    char ep[64];
    static int n;
    for (int i = 0; i < 4; i++) {
        snprintf (ep, sizeof ep, "inproc://notify-%d", n++);
        int settings[] = {0, ZMQ_NOTIFY_CONNECT, ZMQ_NOTIFY_DISCONNECT,
                          ZMQ_NOTIFY_CONNECT | ZMQ_NOTIFY_DISCONNECT};
        run (ep, settings[i], 0, 0);
    }
}

/* A peer that never completes the handshake is never announced, coming or
 * going (as libzmq's test_handshake_fail). */
static void test_no_handshake_no_notice (void)
{
    void *router = make (ZMQ_ROUTER);
    int notify = ZMQ_NOTIFY_CONNECT | ZMQ_NOTIFY_DISCONNECT;
    CHECK_OK (zmq_setsockopt (router, ZMQ_ROUTER_NOTIFY, &notify, sizeof notify));
    CHECK_OK (zmq_bind (router, "tcp://127.0.0.1:*"));
    char ep[256];
    size_t len = sizeof ep;
    CHECK_OK (zmq_getsockopt (router, ZMQ_LAST_ENDPOINT, ep, &len));
    void *stream = make (ZMQ_STREAM);
    CHECK_OK (zmq_setsockopt (stream, ZMQ_CONNECT_ROUTING_ID, "S", 1));
    CHECK_OK (zmq_connect (stream, ep));
    CHECK (zmq_send (stream, "S", 1, ZMQ_SNDMORE) == 1);
    CHECK (zmq_send (stream, "not-a-handshake", 15, 0) == 15);
    expect_nothing (router);
    CHECK_OK (zmq_close (stream));
    expect_nothing (router);
    CHECK_OK (zmq_close (router));
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_tcp);
    RUN_TEST (test_ipc);
    RUN_TEST (test_router_connects);
    RUN_TEST (test_inproc_has_none);
    RUN_TEST (test_no_handshake_no_notice);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
