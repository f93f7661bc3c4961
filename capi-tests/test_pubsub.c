/* capi-test: valgrind
 * PUB/SUB over inproc: prefix filtering, counted duplicate subscriptions,
 * unsubscribe, multipart delivery, drop at HWM, invert matching, late
 * pipes getting the whole subscription set, and the ENOTSUP directions. */
#include "testutil.h"
#include <unistd.h>

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

/* Receive one part and compare it with `expect` (timeout via RCVTIMEO). */
static void recv_str (void *s, const char *expect)
{
    char buf[256];
    int n = zmq_recv (s, buf, sizeof buf - 1, 0);
    CHECK (n >= 0);
    buf[n] = 0;
    if (strcmp (buf, expect) != 0) {
        fprintf (stderr, "got '%s', expected '%s'\n", buf, expect);
        CHECK (0);
    }
}

static void expect_nothing (void *s)
{
    char buf[64];
    CHECK_ERR (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
}

static void *sub_socket (const char *ep)
{
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    CHECK (sub);
    int t = 1000;
    CHECK_OK (zmq_setsockopt (sub, ZMQ_RCVTIMEO, &t, sizeof t));
    CHECK_OK (zmq_connect (sub, ep));
    return sub;
}

static void test_prefix_filter (void)
{
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    CHECK_OK (zmq_bind (pub, "inproc://prefix"));
    void *sub = sub_socket ("inproc://prefix");
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "ab", 2));
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "x", 1));
    settle ();
    send_str (pub, "a", 0);
    send_str (pub, "abc", 0);
    send_str (pub, "b", 0);
    send_str (pub, "xyz", 0);
    send_str (pub, "", 0);
    send_str (pub, "ab", 0);
    recv_str (sub, "abc");
    recv_str (sub, "xyz");
    recv_str (sub, "ab");
    settle ();
    expect_nothing (sub);
    zmq_close (sub);
    zmq_close (pub);
}

static void test_subscribe_all (void)
{
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    CHECK_OK (zmq_bind (pub, "inproc://all"));
    void *sub = sub_socket ("inproc://all");
    settle ();
    send_str (pub, "before", 0); /* no subscription yet: dropped */
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0));
    settle ();
    send_str (pub, "one", 0);
    send_str (pub, "", 0);
    recv_str (sub, "one");
    recv_str (sub, "");
    CHECK_OK (zmq_setsockopt (sub, ZMQ_UNSUBSCRIBE, "", 0));
    settle ();
    send_str (pub, "after", 0);
    settle ();
    expect_nothing (sub);
    zmq_close (sub);
    zmq_close (pub);
}

static void test_duplicates_counted (void)
{
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    CHECK_OK (zmq_bind (pub, "inproc://dup"));
    void *sub = sub_socket ("inproc://dup");
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "t", 1));
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "t", 1));
    CHECK_OK (zmq_setsockopt (sub, ZMQ_UNSUBSCRIBE, "t", 1));
    settle ();
    send_str (pub, "t1", 0);
    recv_str (sub, "t1");
    CHECK_OK (zmq_setsockopt (sub, ZMQ_UNSUBSCRIBE, "t", 1));
    /* Unsubscribing what is not subscribed is fine. */
    CHECK_OK (zmq_setsockopt (sub, ZMQ_UNSUBSCRIBE, "t", 1));
    CHECK_OK (zmq_setsockopt (sub, ZMQ_UNSUBSCRIBE, "nope", 4));
    settle ();
    send_str (pub, "t2", 0);
    settle ();
    expect_nothing (sub);
    zmq_close (sub);
    zmq_close (pub);
}

static void test_multipart (void)
{
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    CHECK_OK (zmq_bind (pub, "inproc://multi"));
    void *sub1 = sub_socket ("inproc://multi");
    void *sub2 = sub_socket ("inproc://multi");
    CHECK_OK (zmq_setsockopt (sub1, ZMQ_SUBSCRIBE, "A", 1));
    CHECK_OK (zmq_setsockopt (sub2, ZMQ_SUBSCRIBE, "", 0));
    settle ();
    /* Matching uses the first frame only. */
    send_str (pub, "B-head", ZMQ_SNDMORE);
    send_str (pub, "A-tail", 0);
    send_str (pub, "A-head", ZMQ_SNDMORE);
    send_str (pub, "middle", ZMQ_SNDMORE);
    send_str (pub, "tail", 0);
    recv_str (sub1, "A-head");
    int more;
    size_t sz = sizeof more;
    CHECK_OK (zmq_getsockopt (sub1, ZMQ_RCVMORE, &more, &sz));
    CHECK (more == 1);
    recv_str (sub1, "middle");
    recv_str (sub1, "tail");
    CHECK_OK (zmq_getsockopt (sub1, ZMQ_RCVMORE, &more, &sz));
    CHECK (more == 0);
    recv_str (sub2, "B-head");
    recv_str (sub2, "A-tail");
    recv_str (sub2, "A-head");
    recv_str (sub2, "middle");
    recv_str (sub2, "tail");
    settle ();
    expect_nothing (sub1);
    expect_nothing (sub2);
    /* A large message is shared, not corrupted, across subscribers. */
    char big[5000];
    memset (big, 'A', sizeof big);
    CHECK (zmq_send (pub, big, sizeof big, 0) == (int) sizeof big);
    char got[6000];
    CHECK (zmq_recv (sub1, got, sizeof got, 0) == (int) sizeof big);
    CHECK (memcmp (got, big, sizeof big) == 0);
    CHECK (zmq_recv (sub2, got, sizeof got, 0) == (int) sizeof big);
    CHECK (memcmp (got, big, sizeof big) == 0);
    zmq_close (sub1);
    zmq_close (sub2);
    zmq_close (pub);
}

static void test_drop_at_hwm (void)
{
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    int hwm = 10;
    CHECK_OK (zmq_setsockopt (pub, ZMQ_SNDHWM, &hwm, sizeof hwm));
    CHECK_OK (zmq_bind (pub, "inproc://hwm"));
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    CHECK_OK (zmq_setsockopt (sub, ZMQ_RCVHWM, &hwm, sizeof hwm));
    CHECK_OK (zmq_connect (sub, "inproc://hwm"));
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0));
    settle ();
    /* Sending never blocks nor fails: what does not fit is dropped. */
    for (int i = 0; i < 1000; i++)
        CHECK (zmq_send (pub, "msg", 3, 0) == 3);
    int events;
    size_t sz = sizeof events;
    CHECK_OK (zmq_getsockopt (pub, ZMQ_EVENTS, &events, &sz));
    CHECK (events == ZMQ_POLLOUT);
    settle ();
    int n = 0;
    char buf[8];
    while (zmq_recv (sub, buf, sizeof buf, ZMQ_DONTWAIT) == 3)
        n++;
    CHECK (errno == EAGAIN);
    CHECK (n >= hwm && n <= 2 * hwm + 2);
    /* Once drained, messages flow again. */
    settle ();
    CHECK (zmq_send (pub, "again", 5, 0) == 5);
    int t = 1000;
    CHECK_OK (zmq_setsockopt (sub, ZMQ_RCVTIMEO, &t, sizeof t));
    recv_str (sub, "again");
    zmq_close (sub);
    zmq_close (pub);
}

static void test_invert_matching (void)
{
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    int one = 1;
    CHECK_OK (zmq_setsockopt (pub, ZMQ_INVERT_MATCHING, &one, sizeof one));
    int v = 0;
    size_t sz = sizeof v;
    CHECK_OK (zmq_getsockopt (pub, ZMQ_INVERT_MATCHING, &v, &sz));
    CHECK (v == 1);
    CHECK_OK (zmq_bind (pub, "inproc://invert"));
    void *sub = sub_socket ("inproc://invert");
    CHECK_OK (zmq_setsockopt (sub, ZMQ_INVERT_MATCHING, &one, sizeof one));
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "prefix", 6));
    settle ();
    send_str (pub, "prefix-match", 0);
    send_str (pub, "other", 0);
    send_str (pub, "prefix2", 0);
    send_str (pub, "last", 0);
    recv_str (sub, "other");
    recv_str (sub, "last");
    settle ();
    expect_nothing (sub);
    zmq_close (sub);
    zmq_close (pub);
}

/* A SUB that connects to a second PUB after subscribing sends it the whole
 * subscription set; so does a SUB that connects before the bind. */
static void test_late_pipes_get_subscriptions (void)
{
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    int t = 1000;
    CHECK_OK (zmq_setsockopt (sub, ZMQ_RCVTIMEO, &t, sizeof t));
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "a", 1));
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "b", 1));
    CHECK_OK (zmq_connect (sub, "inproc://late-bind"));
    void *pub1 = zmq_socket (ctx, ZMQ_PUB);
    CHECK_OK (zmq_bind (pub1, "inproc://late-bind"));
    settle ();
    send_str (pub1, "a1", 0);
    send_str (pub1, "c1", 0);
    send_str (pub1, "b1", 0);
    recv_str (sub, "a1");
    recv_str (sub, "b1");
    void *pub2 = zmq_socket (ctx, ZMQ_PUB);
    CHECK_OK (zmq_bind (pub2, "inproc://late-second"));
    CHECK_OK (zmq_setsockopt (sub, ZMQ_UNSUBSCRIBE, "a", 1));
    CHECK_OK (zmq_connect (sub, "inproc://late-second"));
    settle ();
    send_str (pub2, "a2", 0);
    send_str (pub2, "b2", 0);
    recv_str (sub, "b2");
    settle ();
    expect_nothing (sub);
    zmq_close (sub);
    zmq_close (pub1);
    zmq_close (pub2);
}

static void test_wrong_direction (void)
{
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    char buf[4];
    CHECK_ERR (zmq_recv (pub, buf, sizeof buf, ZMQ_DONTWAIT), ENOTSUP);
    CHECK_ERR (zmq_send (sub, "x", 1, ZMQ_DONTWAIT), ENOTSUP);
    /* No subscriber: PUB drops silently. */
    CHECK (zmq_send (pub, "x", 1, 0) == 1);
    CHECK_ERR (zmq_setsockopt (pub, ZMQ_SUBSCRIBE, "a", 1), EINVAL);
    int linger;
    size_t sz = sizeof linger;
    CHECK_OK (zmq_getsockopt (sub, ZMQ_LINGER, &linger, &sz));
    CHECK (linger == 0);
    int events;
    sz = sizeof events;
    CHECK_OK (zmq_getsockopt (sub, ZMQ_EVENTS, &events, &sz));
    CHECK (events == 0);
    CHECK_OK (zmq_getsockopt (pub, ZMQ_EVENTS, &events, &sz));
    CHECK (events == ZMQ_POLLOUT);
    zmq_close (sub);
    zmq_close (pub);
}

/* ZMQ_EVENTS and zmq_poll on SUB only report messages that pass the filter. */
static void test_poll_filters (void)
{
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    CHECK_OK (zmq_bind (pub, "inproc://pollf"));
    void *sub = sub_socket ("inproc://pollf");
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "yes", 3));
    settle ();
    send_str (pub, "no", 0);
    settle ();
    int events;
    size_t sz = sizeof events;
    CHECK_OK (zmq_getsockopt (sub, ZMQ_EVENTS, &events, &sz));
    CHECK ((events & ZMQ_POLLIN) == 0);
    send_str (pub, "yes!", 0);
    zmq_pollitem_t item = {sub, 0, ZMQ_POLLIN, 0};
    CHECK (zmq_poll (&item, 1, 1000) == 1);
    recv_str (sub, "yes!");
    zmq_close (sub);
    zmq_close (pub);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_prefix_filter);
    RUN_TEST (test_subscribe_all);
    RUN_TEST (test_duplicates_counted);
    RUN_TEST (test_multipart);
    RUN_TEST (test_drop_at_hwm);
    RUN_TEST (test_invert_matching);
    RUN_TEST (test_late_pipes_get_subscriptions);
    RUN_TEST (test_wrong_direction);
    RUN_TEST (test_poll_filters);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
