/* capi-test: valgrind
 * The socket core over inproc: PAIR/PUSH/PULL round trips, multipart
 * atomicity, connect-before-bind, endpoint errors, handles and timeouts. */
#include "testutil.h"
#include <sys/uio.h>
#include <unistd.h>

static void *ctx;

static void test_pair_roundtrip (void)
{
    void *a = zmq_socket (ctx, ZMQ_PAIR), *b = zmq_socket (ctx, ZMQ_PAIR);
    CHECK (a && b);
    CHECK_OK (zmq_bind (a, "inproc://pair"));
    CHECK_OK (zmq_connect (b, "inproc://pair"));
    CHECK (zmq_send (b, "hello", 5, 0) == 5);
    char buf[16];
    CHECK (zmq_recv (a, buf, sizeof buf, 0) == 5);
    CHECK (memcmp (buf, "hello", 5) == 0);
    /* Truncation reports the full size. */
    CHECK (zmq_send (a, "0123456789", 10, 0) == 10);
    CHECK (zmq_recv (b, buf, 4, 0) == 10);
    CHECK (memcmp (buf, "0123", 4) == 0);
    /* zmq_send_const. */
    static const char konst[] = "constant";
    CHECK (zmq_send_const (a, konst, 8, 0) == 8);
    CHECK (zmq_recv (b, buf, sizeof buf, 0) == 8);
    CHECK (memcmp (buf, "constant", 8) == 0);
    CHECK_OK (zmq_close (a));
    CHECK_OK (zmq_close (b));
}

static void test_multipart (void)
{
    void *a = zmq_socket (ctx, ZMQ_PAIR), *b = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_bind (a, "inproc://multi"));
    CHECK_OK (zmq_connect (b, "inproc://multi"));
    CHECK (zmq_send (a, "A", 1, ZMQ_SNDMORE) == 1);
    CHECK (zmq_send (a, "B", 1, ZMQ_SNDMORE) == 1);
    /* Not delivered until the last part is sent. */
    char buf[4];
    CHECK_ERR (zmq_recv (b, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    CHECK (zmq_send (a, "C", 1, 0) == 1);
    int more;
    size_t len = sizeof more;
    CHECK (zmq_recv (b, buf, sizeof buf, 0) == 1 && buf[0] == 'A');
    CHECK_OK (zmq_getsockopt (b, ZMQ_RCVMORE, &more, &len));
    CHECK (more == 1);
    CHECK (zmq_recv (b, buf, sizeof buf, 0) == 1 && buf[0] == 'B');
    CHECK (zmq_recv (b, buf, sizeof buf, 0) == 1 && buf[0] == 'C');
    CHECK_OK (zmq_getsockopt (b, ZMQ_RCVMORE, &more, &len));
    CHECK (more == 0);
    zmq_close (a);
    zmq_close (b);
}

static void test_msg_send_recv (void)
{
    void *a = zmq_socket (ctx, ZMQ_PAIR), *b = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_bind (a, "inproc://msg"));
    CHECK_OK (zmq_connect (b, "inproc://msg"));
    zmq_msg_t m;
    CHECK_OK (zmq_msg_init_size (&m, 100));
    memset (zmq_msg_data (&m), 'x', 100);
    CHECK (zmq_msg_send (&m, a, 0) == 100);
    /* The sent message is left empty. */
    CHECK (zmq_msg_size (&m) == 0);
    CHECK_OK (zmq_msg_close (&m));
    CHECK_OK (zmq_msg_init (&m));
    CHECK (zmq_msg_recv (&m, b, 0) == 100);
    CHECK (((char *) zmq_msg_data (&m))[99] == 'x');
    CHECK_OK (zmq_msg_close (&m));
    /* Legacy names. */
    CHECK_OK (zmq_msg_init_size (&m, 3));
    CHECK (zmq_sendmsg (b, &m, 0) == 3);
    zmq_msg_close (&m);
    zmq_msg_init (&m);
    CHECK (zmq_recvmsg (a, &m, 0) == 3);
    zmq_msg_close (&m);
    zmq_close (a);
    zmq_close (b);
}

static void test_push_pull_round_robin (void)
{
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    void *pull1 = zmq_socket (ctx, ZMQ_PULL), *pull2 = zmq_socket (ctx, ZMQ_PULL);
    CHECK_OK (zmq_bind (push, "inproc://rr"));
    CHECK_OK (zmq_connect (pull1, "inproc://rr"));
    CHECK_OK (zmq_connect (pull2, "inproc://rr"));
    int i;
    for (i = 0; i < 10; i++)
        CHECK (zmq_send (push, "m", 1, 0) == 1);
    int n1 = 0, n2 = 0;
    char buf[2];
    while (zmq_recv (pull1, buf, 2, ZMQ_DONTWAIT) == 1)
        n1++;
    while (zmq_recv (pull2, buf, 2, ZMQ_DONTWAIT) == 1)
        n2++;
    CHECK (n1 == 5 && n2 == 5);
    /* Wrong direction. */
    CHECK_ERR (zmq_recv (push, buf, 2, ZMQ_DONTWAIT), ENOTSUP);
    CHECK_ERR (zmq_send (pull1, "x", 1, ZMQ_DONTWAIT), ENOTSUP);
    zmq_close (push);
    zmq_close (pull1);
    zmq_close (pull2);
}

static void test_fair_queue (void)
{
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    void *p1 = zmq_socket (ctx, ZMQ_PUSH), *p2 = zmq_socket (ctx, ZMQ_PUSH);
    CHECK_OK (zmq_bind (pull, "inproc://fq"));
    CHECK_OK (zmq_connect (p1, "inproc://fq"));
    CHECK_OK (zmq_connect (p2, "inproc://fq"));
    int i;
    for (i = 0; i < 3; i++) {
        CHECK (zmq_send (p1, "1", 1, 0) == 1);
        CHECK (zmq_send (p2, "2", 1, 0) == 1);
    }
    /* Fair-queued: the sources alternate. */
    char buf[2], prev = 0;
    for (i = 0; i < 6; i++) {
        CHECK (zmq_recv (pull, buf, 2, 0) == 1);
        CHECK (buf[0] != prev);
        prev = buf[0];
    }
    zmq_close (pull);
    zmq_close (p1);
    zmq_close (p2);
}

static void test_connect_before_bind (void)
{
    void *push = zmq_socket (ctx, ZMQ_PUSH), *pull = zmq_socket (ctx, ZMQ_PULL);
    CHECK_OK (zmq_connect (push, "inproc://early"));
    int i;
    for (i = 0; i < 5; i++)
        CHECK (zmq_send (push, "early", 5, 0) == 5);
    CHECK_OK (zmq_bind (pull, "inproc://early"));
    char buf[8];
    for (i = 0; i < 5; i++)
        CHECK (zmq_recv (pull, buf, sizeof buf, 0) == 5);
    CHECK_ERR (zmq_recv (pull, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    zmq_close (push);
    zmq_close (pull);
}

static void test_endpoint_errors (void)
{
    void *a = zmq_socket (ctx, ZMQ_PAIR), *b = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_bind (a, "inproc://taken"));
    CHECK_ERR (zmq_bind (b, "inproc://taken"), EADDRINUSE);
    CHECK_ERR (zmq_bind (b, "bogus://x"), EPROTONOSUPPORT);
    CHECK_ERR (zmq_connect (b, "bogus://x"), EPROTONOSUPPORT);
    CHECK_ERR (zmq_bind (b, "inproc"), EINVAL);
    CHECK_ERR (zmq_connect (b, "no-scheme"), EINVAL);
    CHECK_ERR (zmq_unbind (b, "inproc://never-bound"), ENOENT);
    CHECK_ERR (zmq_disconnect (b, "inproc://never-connected"), ENOENT);
    /* The name is freed by unbind and by close. */
    CHECK_OK (zmq_unbind (a, "inproc://taken"));
    CHECK_OK (zmq_bind (b, "inproc://taken"));
    zmq_close (b);
    /* libzmq frees a closed socket's names asynchronously: allow it time. */
    int tries = 0;
    while (zmq_bind (a, "inproc://taken") == -1 && tries++ < 200)
        zmq_sleep (0), usleep (10000);
    CHECK (tries < 200);
    char ep[64];
    size_t len = sizeof ep;
    CHECK_OK (zmq_getsockopt (a, ZMQ_LAST_ENDPOINT, ep, &len));
    CHECK (strcmp (ep, "inproc://taken") == 0 && len == 15);
    zmq_close (a);
}

static void test_bad_handles (void)
{
    char buf[4];
    CHECK_NULL_ERR (zmq_socket (ctx, 99), EINVAL);
    CHECK_NULL_ERR (zmq_socket (NULL, ZMQ_PAIR), EFAULT);
    CHECK_ERR (zmq_close (NULL), ENOTSOCK);
    CHECK_ERR (zmq_send (NULL, "x", 1, 0), ENOTSOCK);
    CHECK_ERR (zmq_recv (NULL, buf, 4, 0), ENOTSOCK);
    CHECK_ERR (zmq_bind (NULL, "inproc://x"), ENOTSOCK);
    CHECK_ERR (zmq_connect (NULL, "inproc://x"), ENOTSOCK);
    void *s = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_close (s));
    /* A closed handle answers ENOTSOCK (pyzmq relies on it). */
    int type;
    size_t len = sizeof type;
    CHECK_ERR (zmq_getsockopt (s, ZMQ_TYPE, &type, &len), ENOTSOCK);
    CHECK_ERR (zmq_close (s), ENOTSOCK);
}

static void test_timeouts (void)
{
    void *pull = zmq_socket (ctx, ZMQ_PULL), *push = zmq_socket (ctx, ZMQ_PUSH);
    int to = 50;
    CHECK_OK (zmq_setsockopt (pull, ZMQ_RCVTIMEO, &to, sizeof to));
    CHECK_OK (zmq_setsockopt (push, ZMQ_SNDTIMEO, &to, sizeof to));
    char buf[2];
    void *w = zmq_stopwatch_start ();
    CHECK_ERR (zmq_recv (pull, buf, 2, 0), EAGAIN);
    unsigned long us = zmq_stopwatch_stop (w);
    CHECK (us >= 40000 && us < 2000000);
    /* PUSH with no peer blocks, then times out. */
    CHECK_ERR (zmq_send (push, "x", 1, 0), EAGAIN);
    CHECK_ERR (zmq_send (push, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    zmq_close (pull);
    zmq_close (push);
}

static void test_hwm_blocks_push (void)
{
    void *push = zmq_socket (ctx, ZMQ_PUSH), *pull = zmq_socket (ctx, ZMQ_PULL);
    int hwm = 10;
    CHECK_OK (zmq_setsockopt (push, ZMQ_SNDHWM, &hwm, sizeof hwm));
    CHECK_OK (zmq_setsockopt (pull, ZMQ_RCVHWM, &hwm, sizeof hwm));
    CHECK_OK (zmq_bind (pull, "inproc://hwm"));
    CHECK_OK (zmq_connect (push, "inproc://hwm"));
    int sent = 0;
    while (zmq_send (push, "x", 1, ZMQ_DONTWAIT) == 1)
        sent++;
    CHECK (zmq_errno () == EAGAIN);
    /* inproc HWM is the sum of both sides' HWMs. */
    CHECK (sent == 20);
    char buf[2];
    int i;
    for (i = 0; i < sent; i++)
        CHECK (zmq_recv (pull, buf, 2, 0) == 1);
    /* Credit came back: sending works again (blocking, since libzmq may
     * defer processing the credit command for a moment). */
    int to = 2000;
    CHECK_OK (zmq_setsockopt (push, ZMQ_SNDTIMEO, &to, sizeof to));
    CHECK (zmq_send (push, "x", 1, 0) == 1);
    zmq_close (push);
    zmq_close (pull);
}

static void test_iov (void)
{
    void *a = zmq_socket (ctx, ZMQ_PAIR), *b = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_bind (a, "inproc://iov"));
    CHECK_OK (zmq_connect (b, "inproc://iov"));
    struct iovec out[2] = {{(void *) "one", 3}, {(void *) "three", 5}};
    CHECK_ERR (zmq_sendiov (a, out, 0, 0), EINVAL);
    CHECK (zmq_sendiov (a, out, 2, ZMQ_SNDMORE) != -1);
    struct iovec in[4];
    size_t count = 4;
    /* libzmq's argument rules: a bad socket is ENOTSOCK, a null count, a
     * zero *count or a null iovec array is EINVAL (nothing is received). */
    CHECK_ERR (zmq_sendiov (NULL, out, 2, 0), ENOTSOCK);
    CHECK_ERR (zmq_sendiov (a, NULL, 2, 0), EINVAL);
    CHECK_ERR (zmq_recviov (NULL, in, &count, 0), ENOTSOCK);
    CHECK_ERR (zmq_recviov (b, in, NULL, 0), EINVAL);
    CHECK_ERR (zmq_recviov (b, NULL, &count, 0), EINVAL);
    size_t zero = 0;
    CHECK_ERR (zmq_recviov (b, in, &zero, 0), EINVAL);
    CHECK (zero == 0);
    CHECK (zmq_recviov (b, in, &count, 0) == 2);
    CHECK (count == 2);
    CHECK (in[0].iov_len == 3 && memcmp (in[0].iov_base, "one", 3) == 0);
    CHECK (in[1].iov_len == 5 && memcmp (in[1].iov_base, "three", 5) == 0);
    free (in[0].iov_base);
    free (in[1].iov_base);
    /* Without SNDMORE each buffer is a message of its own. */
    CHECK (zmq_sendiov (a, out, 2, 0) != -1);
    count = 4;
    CHECK (zmq_recviov (b, in, &count, 0) == 1 && count == 1);
    CHECK (in[0].iov_len == 3);
    free (in[0].iov_base);
    count = 4;
    CHECK (zmq_recviov (b, in, &count, 0) == 1 && in[0].iov_len == 5);
    free (in[0].iov_base);
    zmq_close (a);
    zmq_close (b);
}

static void test_max_sockets (void)
{
    void *c = zmq_ctx_new ();
    CHECK_OK (zmq_ctx_set (c, ZMQ_MAX_SOCKETS, 2));
    void *s1 = zmq_socket (c, ZMQ_PAIR), *s2 = zmq_socket (c, ZMQ_PAIR);
    CHECK (s1 && s2);
    CHECK_NULL_ERR (zmq_socket (c, ZMQ_PAIR), EMFILE);
    zmq_close (s1);
    /* The slot comes back once the close is processed (async in libzmq). */
    int tries = 0;
    while ((s1 = zmq_socket (c, ZMQ_PAIR)) == NULL && tries++ < 200)
        usleep (10000);
    CHECK (s1);
    zmq_close (s1);
    zmq_close (s2);
    CHECK_OK (zmq_ctx_term (c));
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_pair_roundtrip);
    RUN_TEST (test_multipart);
    RUN_TEST (test_msg_send_recv);
    RUN_TEST (test_push_pull_round_robin);
    RUN_TEST (test_fair_queue);
    RUN_TEST (test_connect_before_bind);
    RUN_TEST (test_endpoint_errors);
    RUN_TEST (test_bad_handles);
    RUN_TEST (test_timeouts);
    RUN_TEST (test_hwm_blocks_push);
    RUN_TEST (test_iov);
    RUN_TEST (test_max_sockets);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
