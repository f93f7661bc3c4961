/* capi-test: valgrind
 * XSUB over inproc: subscriptions sent as data, unfiltered receive, user
 * messages upstream to XPUB, and an XSUB->XPUB forwarding loop (a manual
 * proxy) carrying subscriptions one way and data the other. */
#include "testutil.h"
#include <unistd.h>

static void *ctx;

static void settle (void)
{
    usleep (100 * 1000);
}

static void send_bytes (void *s, const char *data, int len, int flags)
{
    CHECK (zmq_send (s, data, len, flags) == len);
}

#define send_str(s, str, f) send_bytes (s, str, (int) strlen (str), f)
#define recv_bytes(s, e, l) recv_bytes_at (__LINE__, s, e, l)
#define recv_str(s, e) recv_bytes_at (__LINE__, s, e, (int) strlen (e))

static void recv_bytes_at (int line, void *s, const char *expect, int len)
{
    char buf[256];
    int n = zmq_recv (s, buf, sizeof buf, 0);
    if (n != len || memcmp (buf, expect, len) != 0) {
        fprintf (stderr, "line %d: got %d bytes, expected %d\n", line, n, len);
        CHECK (0);
    }
}

static void expect_nothing (void *s)
{
    char buf[64];
    CHECK_ERR (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
}

static void test_xsub_to_pub (void)
{
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    CHECK_OK (zmq_bind (pub, "inproc://xs-pub"));
    void *xsub = zmq_socket (ctx, ZMQ_XSUB);
    set_int (xsub, ZMQ_RCVTIMEO, 1000);
    CHECK_OK (zmq_connect (xsub, "inproc://xs-pub"));
    send_bytes (xsub, "\1A", 2, 0);
    settle ();
    send_str (pub, "A1", 0);
    send_str (pub, "B1", 0);
    recv_str (xsub, "A1");
    settle ();
    expect_nothing (xsub);
    /* Counted: subscribe twice, unsubscribe once, still subscribed. */
    send_bytes (xsub, "\1A", 2, 0);
    send_bytes (xsub, "\0A", 2, 0);
    settle ();
    send_str (pub, "A2", 0);
    recv_str (xsub, "A2");
    send_bytes (xsub, "\0A", 2, 0);
    settle ();
    send_str (pub, "A3", 0);
    settle ();
    expect_nothing (xsub);
    /* XSUB may send; XSUB refuses SUBSCRIBE as an option. */
    int events;
    size_t sz = sizeof events;
    CHECK_OK (zmq_getsockopt (xsub, ZMQ_EVENTS, &events, &sz));
    CHECK (events == ZMQ_POLLOUT);
    CHECK_ERR (zmq_setsockopt (xsub, ZMQ_SUBSCRIBE, "A", 1), EINVAL);
    zmq_close (xsub);
    zmq_close (pub);
}

static void test_xsub_to_xpub (void)
{
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    set_int (xpub, ZMQ_RCVTIMEO, 1000);
    CHECK_OK (zmq_bind (xpub, "inproc://xs-xpub"));
    void *xsub = zmq_socket (ctx, ZMQ_XSUB);
    set_int (xsub, ZMQ_RCVTIMEO, 1000);
    CHECK_OK (zmq_connect (xsub, "inproc://xs-xpub"));
    send_bytes (xsub, "\1topic", 6, 0);
    recv_bytes (xpub, "\1topic", 6);
    /* Anything else goes up as a plain message, multipart kept. */
    send_str (xsub, "hello", ZMQ_SNDMORE);
    send_str (xsub, "world", 0);
    recv_str (xpub, "hello");
    int more;
    size_t sz = sizeof more;
    CHECK_OK (zmq_getsockopt (xpub, ZMQ_RCVMORE, &more, &sz));
    CHECK (more == 1);
    recv_str (xpub, "world");
    CHECK_OK (zmq_getsockopt (xpub, ZMQ_RCVMORE, &more, &sz));
    CHECK (more == 0);
    /* An empty message is user data too. */
    send_bytes (xsub, "", 0, 0);
    recv_bytes (xpub, "", 0);
    send_str (xpub, "topic-data", 0);
    send_str (xpub, "other", 0);
    recv_str (xsub, "topic-data");
    settle ();
    expect_nothing (xsub);
    /* Closing the XSUB unsubscribes it. */
    zmq_close (xsub);
    recv_bytes (xpub, "\0topic", 6);
    zmq_close (xpub);
}

/* pub -> xsub | proxy loop | xpub -> sub: subscriptions flow up through the
 * proxy, data flows down. */
static void forward (void *from, void *to)
{
    zmq_msg_t msg;
    int more;
    do {
        zmq_msg_init (&msg);
        CHECK_OK (zmq_msg_recv (&msg, from, 0));
        more = zmq_msg_more (&msg);
        CHECK_OK (zmq_msg_send (&msg, to, more ? ZMQ_SNDMORE : 0));
    } while (more);
}

static void pump (void *xsub, void *xpub, int ms)
{
    zmq_pollitem_t items[] = {{xsub, 0, ZMQ_POLLIN, 0},
                              {xpub, 0, ZMQ_POLLIN, 0}};
    while (zmq_poll (items, 2, ms) > 0) {
        if (items[0].revents & ZMQ_POLLIN)
            forward (xsub, xpub);
        if (items[1].revents & ZMQ_POLLIN)
            forward (xpub, xsub);
    }
}

static void test_proxy_loop (void)
{
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    CHECK_OK (zmq_bind (pub, "inproc://px-front"));
    void *xsub = zmq_socket (ctx, ZMQ_XSUB);
    CHECK_OK (zmq_connect (xsub, "inproc://px-front"));
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    CHECK_OK (zmq_bind (xpub, "inproc://px-back"));
    void *sub1 = zmq_socket (ctx, ZMQ_SUB);
    void *sub2 = zmq_socket (ctx, ZMQ_SUB);
    set_int (sub1, ZMQ_RCVTIMEO, 1000);
    set_int (sub2, ZMQ_RCVTIMEO, 1000);
    CHECK_OK (zmq_connect (sub1, "inproc://px-back"));
    CHECK_OK (zmq_connect (sub2, "inproc://px-back"));
    CHECK_OK (zmq_setsockopt (sub1, ZMQ_SUBSCRIBE, "T", 1));
    CHECK_OK (zmq_setsockopt (sub2, ZMQ_SUBSCRIBE, "U", 1));
    pump (xsub, xpub, 100);
    settle ();
    send_str (pub, "T1", 0);
    send_str (pub, "U1", ZMQ_SNDMORE);
    send_str (pub, "U1-tail", 0);
    send_str (pub, "V1", 0); /* nobody subscribed: filtered at the pub */
    pump (xsub, xpub, 100);
    recv_str (sub1, "T1");
    recv_str (sub2, "U1");
    recv_str (sub2, "U1-tail");
    settle ();
    expect_nothing (sub1);
    expect_nothing (sub2);
    /* Unsubscribing travels up too. */
    CHECK_OK (zmq_setsockopt (sub1, ZMQ_UNSUBSCRIBE, "T", 1));
    pump (xsub, xpub, 100);
    settle ();
    send_str (pub, "T2", 0);
    pump (xsub, xpub, 100);
    settle ();
    expect_nothing (sub1);
    zmq_close (sub1);
    zmq_close (sub2);
    zmq_close (xpub);
    zmq_close (xsub);
    zmq_close (pub);
}

/* ZMQ_ONLY_FIRST_SUBSCRIBE: a message whose first frame is not a
 * subscription is all user data (later frames are not parsed). */
static void test_only_first_subscribe (void)
{
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    set_int (xpub, ZMQ_RCVTIMEO, 1000);
    set_int (xpub, 108 /* ZMQ_ONLY_FIRST_SUBSCRIBE */, 1);
    CHECK_OK (zmq_bind (xpub, "inproc://xs-first"));
    void *xsub = zmq_socket (ctx, ZMQ_XSUB);
    set_int (xsub, ZMQ_RCVTIMEO, 1000);
    set_int (xsub, 108, 1);
    CHECK_OK (zmq_connect (xsub, "inproc://xs-first"));
    send_bytes (xsub, "\1A", 2, 0);
    recv_bytes (xpub, "\1A", 2);
    /* After a data first frame, a 0/1 frame is data, not a subscription. */
    send_str (xsub, "hello", ZMQ_SNDMORE);
    send_bytes (xsub, "\1B", 2, 0);
    recv_str (xpub, "hello");
    recv_bytes (xpub, "\1B", 2);
    send_str (xpub, "A-yes", 0);
    send_str (xpub, "B-no", 0);
    recv_str (xsub, "A-yes");
    settle ();
    expect_nothing (xsub);
    zmq_close (xsub);
    zmq_close (xpub);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_xsub_to_pub);
    RUN_TEST (test_xsub_to_xpub);
    RUN_TEST (test_proxy_loop);
    RUN_TEST (test_only_first_subscribe);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
