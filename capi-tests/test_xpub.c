/* capi-test: valgrind
 * XPUB over inproc: subscription messages (plain, VERBOSE, VERBOSER),
 * unsubscriptions when a SUB goes away, XPUB_MANUAL, the last-value mode,
 * the welcome message, NODROP, and option validation. */
#include "testutil.h"
#include <unistd.h>

#ifndef ZMQ_XPUB_MANUAL_LAST_VALUE
#define ZMQ_XPUB_MANUAL_LAST_VALUE 98
#endif

static void *ctx;

static void settle (void)
{
    usleep (100 * 1000);
}

static void send_str (void *s, const char *str, int flags)
{
    int n = (int) strlen (str);
    CHECK (zmq_send (s, str, n, flags) == n);
}

#define recv_bytes(s, e, l) recv_bytes_at (__LINE__, s, e, l)
#define recv_str(s, e) recv_bytes_at (__LINE__, s, e, (int) strlen (e))

static void recv_bytes_at (int line, void *s, const char *expect, int len)
{
    char buf[256];
    int n = zmq_recv (s, buf, sizeof buf, 0);
    if (n < 0)
        fprintf (stderr, "recv failed at line %d\n", line);
    CHECK (n >= 0);
    if (n != len || memcmp (buf, expect, len) != 0) {
        fprintf (stderr, "got %d bytes '%.*s' (first byte %d), expected %d\n",
                 n, n > 1 ? n - 1 : 0, buf + 1, n > 0 ? buf[0] : -1, len);
        CHECK (0);
    }
}

static void expect_nothing (void *s)
{
    char buf[64];
    CHECK_ERR (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
}

static void *xpub_socket (const char *ep)
{
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    CHECK (xpub);
    set_int (xpub, ZMQ_RCVTIMEO, 1000);
    CHECK_OK (zmq_bind (xpub, ep));
    return xpub;
}

static void *sub_socket (const char *ep)
{
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    CHECK (sub);
    set_int (sub, ZMQ_RCVTIMEO, 1000);
    CHECK_OK (zmq_connect (sub, ep));
    return sub;
}

static void test_subscriptions_reach_xpub (void)
{
    void *xpub = xpub_socket ("inproc://x-plain");
    void *sub1 = sub_socket ("inproc://x-plain");
    void *sub2 = sub_socket ("inproc://x-plain");
    CHECK_OK (zmq_setsockopt (sub1, ZMQ_SUBSCRIBE, "A", 1));
    recv_bytes (xpub, "\1A", 2);
    /* Duplicates (same or other subscriber) are not passed up. */
    CHECK_OK (zmq_setsockopt (sub1, ZMQ_SUBSCRIBE, "A", 1));
    CHECK_OK (zmq_setsockopt (sub2, ZMQ_SUBSCRIBE, "A", 1));
    CHECK_OK (zmq_setsockopt (sub2, ZMQ_SUBSCRIBE, "", 0));
    recv_bytes (xpub, "\1", 1);
    settle ();
    expect_nothing (xpub);
    /* Data flows by the subscriptions. */
    send_str (xpub, "A-msg", 0);
    send_str (xpub, "B-msg", 0);
    recv_str (sub1, "A-msg");
    recv_str (sub2, "A-msg");
    recv_str (sub2, "B-msg");
    /* Only the last unsubscription of a topic is passed up. */
    CHECK_OK (zmq_setsockopt (sub2, ZMQ_UNSUBSCRIBE, "A", 1));
    settle ();
    expect_nothing (xpub);
    CHECK_OK (zmq_setsockopt (sub1, ZMQ_UNSUBSCRIBE, "A", 1));
    settle ();
    expect_nothing (xpub); /* sub1 subscribed twice */
    CHECK_OK (zmq_setsockopt (sub1, ZMQ_UNSUBSCRIBE, "A", 1));
    recv_bytes (xpub, "\0A", 2);
    zmq_close (sub1);
    zmq_close (sub2);
    zmq_close (xpub);
}

static void test_verbose (void)
{
    void *xpub = xpub_socket ("inproc://x-verbose");
    set_int (xpub, ZMQ_XPUB_VERBOSE, 1);
    void *sub1 = sub_socket ("inproc://x-verbose");
    void *sub2 = sub_socket ("inproc://x-verbose");
    CHECK_OK (zmq_setsockopt (sub1, ZMQ_SUBSCRIBE, "A", 1));
    recv_bytes (xpub, "\1A", 2);
    CHECK_OK (zmq_setsockopt (sub1, ZMQ_SUBSCRIBE, "A", 1));
    recv_bytes (xpub, "\1A", 2);
    CHECK_OK (zmq_setsockopt (sub2, ZMQ_SUBSCRIBE, "A", 1));
    recv_bytes (xpub, "\1A", 2);
    /* VERBOSE does not repeat unsubscriptions. */
    CHECK_OK (zmq_setsockopt (sub2, ZMQ_UNSUBSCRIBE, "A", 1));
    settle ();
    expect_nothing (xpub);
    CHECK_OK (zmq_setsockopt (sub1, ZMQ_UNSUBSCRIBE, "A", 1));
    CHECK_OK (zmq_setsockopt (sub1, ZMQ_UNSUBSCRIBE, "A", 1));
    recv_bytes (xpub, "\0A", 2);
    settle ();
    expect_nothing (xpub);
    zmq_close (sub1);
    zmq_close (sub2);
    zmq_close (xpub);
}

static void test_verboser (void)
{
    void *xpub = xpub_socket ("inproc://x-verboser");
    set_int (xpub, ZMQ_XPUB_VERBOSER, 1);
    void *sub1 = sub_socket ("inproc://x-verboser");
    void *sub2 = sub_socket ("inproc://x-verboser");
    CHECK_OK (zmq_setsockopt (sub1, ZMQ_SUBSCRIBE, "A", 1));
    recv_bytes (xpub, "\1A", 2);
    CHECK_OK (zmq_setsockopt (sub2, ZMQ_SUBSCRIBE, "A", 1));
    recv_bytes (xpub, "\1A", 2);
    CHECK_OK (zmq_setsockopt (sub2, ZMQ_UNSUBSCRIBE, "A", 1));
    recv_bytes (xpub, "\0A", 2);
    CHECK_OK (zmq_setsockopt (sub1, ZMQ_UNSUBSCRIBE, "A", 1));
    recv_bytes (xpub, "\0A", 2);
    settle ();
    expect_nothing (xpub);
    /* Closing subscribers: VERBOSER reports each one's topics. */
    CHECK_OK (zmq_setsockopt (sub1, ZMQ_SUBSCRIBE, "B", 1));
    recv_bytes (xpub, "\1B", 2);
    CHECK_OK (zmq_setsockopt (sub2, ZMQ_SUBSCRIBE, "B", 1));
    recv_bytes (xpub, "\1B", 2);
    zmq_close (sub1);
    recv_bytes (xpub, "\0B", 2);
    zmq_close (sub2);
    recv_bytes (xpub, "\0B", 2);
    zmq_close (xpub);
}

/* A SUB that goes away makes XPUB see its topics unsubscribed, once the last
 * subscriber of each topic is gone. */
static void test_sub_gone_unsubscribes (void)
{
    void *xpub = xpub_socket ("inproc://x-gone");
    void *sub1 = sub_socket ("inproc://x-gone");
    void *sub2 = sub_socket ("inproc://x-gone");
    CHECK_OK (zmq_setsockopt (sub1, ZMQ_SUBSCRIBE, "A", 1));
    recv_bytes (xpub, "\1A", 2);
    CHECK_OK (zmq_setsockopt (sub1, ZMQ_SUBSCRIBE, "B", 1));
    recv_bytes (xpub, "\1B", 2);
    CHECK_OK (zmq_setsockopt (sub2, ZMQ_SUBSCRIBE, "B", 1));
    settle ();
    expect_nothing (xpub);
    zmq_close (sub1);
    recv_bytes (xpub, "\0A", 2);
    settle ();
    expect_nothing (xpub);
    /* libzmq finishes the pipe handshake only when the SUB processes its
     * commands again, so keep it busy while waiting. */
    CHECK_OK (zmq_disconnect (sub2, "inproc://x-gone"));
    char buf[8];
    int n = -1;
    for (int i = 0; i < 200 && n < 0; i++) {
        int events;
        size_t sz = sizeof events;
        CHECK_OK (zmq_getsockopt (sub2, ZMQ_EVENTS, &events, &sz));
        n = zmq_recv (xpub, buf, sizeof buf, ZMQ_DONTWAIT);
        if (n < 0)
            usleep (10 * 1000);
    }
    CHECK (n == 2 && buf[0] == 0 && buf[1] == 'B');
    zmq_close (sub2);
    zmq_close (xpub);
}

static void test_manual (void)
{
    void *xpub = xpub_socket ("inproc://x-manual");
    set_int (xpub, ZMQ_XPUB_MANUAL, 1);
    /* No subscriber yet: manual (un)subscribe is accepted and ignored. */
    CHECK_OK (zmq_setsockopt (xpub, ZMQ_SUBSCRIBE, "Z", 1));
    void *sub = sub_socket ("inproc://x-manual");
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0));
    recv_bytes (xpub, "\1", 1);
    /* The application decides: the subscriber gets B only. */
    CHECK_OK (zmq_setsockopt (xpub, ZMQ_SUBSCRIBE, "B", 1));
    send_str (xpub, "A-msg", 0);
    send_str (xpub, "B-msg", 0);
    send_str (xpub, "Z-msg", 0);
    recv_str (sub, "B-msg");
    settle ();
    expect_nothing (sub);
    /* Manual mode passes every (un)subscription up, duplicates included. */
    void *sub2 = sub_socket ("inproc://x-manual");
    CHECK_OK (zmq_setsockopt (sub2, ZMQ_SUBSCRIBE, "A", 1));
    recv_bytes (xpub, "\1A", 2);
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "A", 1));
    recv_bytes (xpub, "\1A", 2);
    CHECK_OK (zmq_setsockopt (xpub, ZMQ_SUBSCRIBE, "A", 1)); /* for sub */
    send_str (xpub, "A-msg2", 0);
    recv_str (sub, "A-msg2");
    settle ();
    expect_nothing (sub2);
    CHECK_OK (zmq_setsockopt (sub, ZMQ_UNSUBSCRIBE, "A", 1));
    recv_bytes (xpub, "\0A", 2);
    CHECK_OK (zmq_setsockopt (xpub, ZMQ_UNSUBSCRIBE, "B", 1));
    send_str (xpub, "B-msg2", 0);
    send_str (xpub, "A-msg3", 0);
    recv_str (sub, "A-msg3");
    settle ();
    expect_nothing (sub);
    /* A subscriber that leaves: the topics it asked for come back as
     * unsubscriptions. */
    zmq_close (sub2);
    recv_bytes (xpub, "\0A", 2);
    zmq_close (sub);
    recv_bytes (xpub, "\0", 1);
    zmq_close (xpub);
}

static void test_manual_last_value (void)
{
    void *xpub = xpub_socket ("inproc://x-last");
    set_int (xpub, ZMQ_XPUB_MANUAL_LAST_VALUE, 1);
    void *sub1 = sub_socket ("inproc://x-last");
    void *sub2 = sub_socket ("inproc://x-last");
    CHECK_OK (zmq_setsockopt (sub1, ZMQ_SUBSCRIBE, "A", 1));
    recv_bytes (xpub, "\1A", 2);
    CHECK_OK (zmq_setsockopt (xpub, ZMQ_SUBSCRIBE, "A", 1));
    send_str (xpub, "A-last1", 0);
    recv_str (sub1, "A-last1");
    CHECK_OK (zmq_setsockopt (sub2, ZMQ_SUBSCRIBE, "A", 1));
    recv_bytes (xpub, "\1A", 2);
    CHECK_OK (zmq_setsockopt (xpub, ZMQ_SUBSCRIBE, "A", 1));
    /* The next message goes to the newest subscriber only. */
    send_str (xpub, "A-last2", 0);
    recv_str (sub2, "A-last2");
    settle ();
    expect_nothing (sub1);
    /* Then to everyone. */
    send_str (xpub, "A-all", 0);
    recv_str (sub1, "A-all");
    recv_str (sub2, "A-all");
    zmq_close (sub1);
    zmq_close (sub2);
    zmq_close (xpub);
}

static void test_welcome_msg (void)
{
    void *xpub = xpub_socket ("inproc://x-welcome");
    CHECK_OK (zmq_setsockopt (xpub, ZMQ_XPUB_WELCOME_MSG, "W", 1));
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    set_int (sub, ZMQ_RCVTIMEO, 1000);
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "W", 1));
    CHECK_OK (zmq_connect (sub, "inproc://x-welcome"));
    recv_bytes (xpub, "\1W", 2);
    recv_str (sub, "W");
    /* Cleared: later subscribers get nothing. */
    CHECK_OK (zmq_setsockopt (xpub, ZMQ_XPUB_WELCOME_MSG, NULL, 0));
    void *sub2 = sub_socket ("inproc://x-welcome");
    CHECK_OK (zmq_setsockopt (sub2, ZMQ_SUBSCRIBE, "", 0));
    recv_bytes (xpub, "\1", 1);
    settle ();
    expect_nothing (sub2);
    zmq_close (sub);
    zmq_close (sub2);
    zmq_close (xpub);
}

static void test_nodrop (void)
{
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    set_int (xpub, ZMQ_RCVTIMEO, 1000);
    set_int (xpub, ZMQ_XPUB_NODROP, 1);
    set_int (xpub, ZMQ_SNDHWM, 4); /* before the bind: inproc takes it then */
    CHECK_OK (zmq_bind (xpub, "inproc://x-nodrop"));
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    set_int (sub, ZMQ_RCVHWM, 4);
    CHECK_OK (zmq_connect (sub, "inproc://x-nodrop"));
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0));
    recv_bytes (xpub, "\1", 1);
    int sent = 0, rc;
    while ((rc = zmq_send (xpub, "m", 1, ZMQ_DONTWAIT)) == 1 && sent < 1000)
        sent++;
    CHECK (rc == -1 && errno == EAGAIN);
    CHECK (sent >= 4 && sent <= 10);
    /* POLLOUT stays set, as in libzmq. */
    int events;
    size_t sz = sizeof events;
    CHECK_OK (zmq_getsockopt (xpub, ZMQ_EVENTS, &events, &sz));
    CHECK (events & ZMQ_POLLOUT);
    /* A blocking send with a timeout times out too. */
    set_int (xpub, ZMQ_SNDTIMEO, 50);
    CHECK_ERR (zmq_send (xpub, "m", 1, 0), EAGAIN);
    /* Nothing was lost. */
    char buf[4];
    for (int i = 0; i < sent; i++)
        CHECK (zmq_recv (sub, buf, sizeof buf, 0) == 1);
    CHECK_ERR (zmq_recv (sub, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    /* Room again: a blocking send gets through. */
    set_int (xpub, ZMQ_SNDTIMEO, 2000);
    CHECK (zmq_send (xpub, "n", 1, 0) == 1);
    set_int (sub, ZMQ_RCVTIMEO, 1000);
    recv_str (sub, "n");
    zmq_close (sub);
    zmq_close (xpub);
}

static void test_options (void)
{
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    int v = -1;
    CHECK_ERR (zmq_setsockopt (xpub, ZMQ_XPUB_VERBOSE, &v, sizeof v), EINVAL);
    CHECK_ERR (zmq_setsockopt (xpub, ZMQ_XPUB_NODROP, &v, 2), EINVAL);
    v = 2;
    CHECK_OK (zmq_setsockopt (xpub, ZMQ_XPUB_VERBOSE, &v, sizeof v));
    CHECK_ERR (zmq_setsockopt (xpub, ZMQ_SUBSCRIBE, "a", 1), EINVAL);
    size_t sz = sizeof v;
    CHECK_ERR (zmq_getsockopt (xpub, ZMQ_XPUB_VERBOSE, &v, &sz), EINVAL);
    CHECK_OK (zmq_getsockopt (xpub, ZMQ_INVERT_MATCHING, &v, &sz));
    CHECK (v == 0);
    char buf[4];
    CHECK_ERR (zmq_recv (xpub, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    CHECK (zmq_send (xpub, "nobody", 6, ZMQ_DONTWAIT) == 6);
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    /* PUB shares XPUB's options. */
    v = 1;
    CHECK_OK (zmq_setsockopt (pub, ZMQ_XPUB_NODROP, &v, sizeof v));
    CHECK_OK (zmq_setsockopt (pub, ZMQ_XPUB_WELCOME_MSG, "w", 1));
    zmq_close (pub);
    zmq_close (xpub);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_subscriptions_reach_xpub);
    RUN_TEST (test_verbose);
    RUN_TEST (test_verboser);
    RUN_TEST (test_sub_gone_unsubscribes);
    RUN_TEST (test_manual);
    RUN_TEST (test_manual_last_value);
    RUN_TEST (test_welcome_msg);
    RUN_TEST (test_nodrop);
    RUN_TEST (test_options);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
