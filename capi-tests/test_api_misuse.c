/* capi-test: valgrind
 * API misuse that libzmq 4.3.4 itself answers with an error: every call that
 * takes a socket, given handles that are no socket (NULL, a buffer of
 * garbage the test owns, a zeroed buffer, a context), fails with ENOTSOCK;
 * every call that takes a context, given NULL, garbage or a socket, fails
 * with EFAULT; wrong option sizes give EINVAL; messages that were never
 * initialised, or were closed, give EFAULT where libzmq checks them; a
 * context shut down from another thread ends blocked calls there with ETERM.
 * The misuse where libzmq asserts or crashes is in test_api_misuse_ours.c. */
#include "testutil.h"

#include <pthread.h>

/* Memory the test owns that is no 0MQ object: what a stale or wild pointer
 * in a C program points at. Large enough that libzmq's tag check reads
 * inside it. */
static unsigned char garbage[8192];
static unsigned char zeroed[8192];

/* Each socket call on one bad handle. */
static void socket_calls_refuse (void *h)
{
    int v = 0;
    size_t sz = sizeof v;
    char buf[16];
    zmq_msg_t m;
    CHECK_ERR (zmq_close (h), ENOTSOCK);
    CHECK_ERR (zmq_setsockopt (h, ZMQ_LINGER, &v, sizeof v), ENOTSOCK);
    CHECK_ERR (zmq_getsockopt (h, ZMQ_LINGER, &v, &sz), ENOTSOCK);
    CHECK_ERR (zmq_bind (h, "inproc://misuse"), ENOTSOCK);
    CHECK_ERR (zmq_connect (h, "inproc://misuse"), ENOTSOCK);
    CHECK_ERR (zmq_unbind (h, "inproc://misuse"), ENOTSOCK);
    CHECK_ERR (zmq_disconnect (h, "inproc://misuse"), ENOTSOCK);
    CHECK_ERR (zmq_send (h, "x", 1, ZMQ_DONTWAIT), ENOTSOCK);
    CHECK_ERR (zmq_send_const (h, "x", 1, ZMQ_DONTWAIT), ENOTSOCK);
    CHECK_ERR (zmq_recv (h, buf, sizeof buf, ZMQ_DONTWAIT), ENOTSOCK);
    CHECK_OK (zmq_msg_init_size (&m, 3));
    CHECK_ERR (zmq_msg_send (&m, h, ZMQ_DONTWAIT), ENOTSOCK);
    CHECK_ERR (zmq_msg_recv (&m, h, ZMQ_DONTWAIT), ENOTSOCK);
    CHECK_OK (zmq_msg_close (&m));
    CHECK_ERR (zmq_socket_monitor (h, "inproc://misuse-mon", ZMQ_EVENT_ALL),
               ENOTSOCK);
    if (h) { /* a NULL socket in a poll item means "poll the fd" */
        zmq_pollitem_t it = {h, 0, ZMQ_POLLIN, 0};
        CHECK_ERR (zmq_poll (&it, 1, 0), ENOTSOCK);
    }
}

static void test_socket_calls_on_non_sockets (void)
{
    memset (garbage, 0x5a, sizeof garbage);
    void *ctx = zmq_ctx_new ();
    CHECK (ctx);
    socket_calls_refuse (NULL);
    socket_calls_refuse (garbage);
    socket_calls_refuse (zeroed);
    socket_calls_refuse (ctx);
    /* A real socket is unharmed by all of that. */
    void *a = zmq_socket (ctx, ZMQ_PAIR), *b = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_bind (a, "inproc://misuse-ok"));
    CHECK_OK (zmq_connect (b, "inproc://misuse-ok"));
    CHECK (zmq_send (b, "ok", 2, 0) == 2);
    char buf[4];
    CHECK (zmq_recv (a, buf, sizeof buf, 0) == 2);
    CHECK_OK (zmq_close (a));
    CHECK_OK (zmq_close (b));
    CHECK_OK (zmq_ctx_term (ctx));
}

static void context_calls_refuse (void *h)
{
    CHECK_NULL_ERR (zmq_socket (h, ZMQ_PAIR), EFAULT);
    CHECK_ERR (zmq_ctx_set (h, ZMQ_IO_THREADS, 1), EFAULT);
    CHECK_ERR (zmq_ctx_get (h, ZMQ_IO_THREADS), EFAULT);
    CHECK_ERR (zmq_ctx_shutdown (h), EFAULT);
    CHECK_ERR (zmq_ctx_term (h), EFAULT);
}

static void test_context_calls_on_non_contexts (void)
{
    memset (garbage, 0x5a, sizeof garbage);
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_PUSH);
    CHECK (s);
    context_calls_refuse (NULL);
    context_calls_refuse (garbage);
    context_calls_refuse (zeroed);
    context_calls_refuse (s);
    /* And the context itself still works. */
    CHECK_NULL_ERR (zmq_socket (ctx, 999), EINVAL);
    CHECK_ERR (zmq_ctx_set (ctx, 9999, 1), EINVAL);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_IO_THREADS, -1), EINVAL);
    CHECK_ERR (zmq_ctx_get (ctx, 9999), EINVAL);
    CHECK_OK (zmq_close (s));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* Option values of the wrong size, unknown options, out-of-range values:
 * EINVAL, and the option keeps its value. */
static void test_wrong_option_sizes (void)
{
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    int v = 7;
    int64_t big = 1;
    char buf[300];
    size_t sz;
    memset (buf, 'k', sizeof buf);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_LINGER, &v, 2), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_LINGER, buf, 8), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_LINGER, NULL, 0), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_MAXMSGSIZE, &v, sizeof v), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_AFFINITY, &v, sizeof v), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, buf, 31), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_ROUTING_ID, buf, 256), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_SUBSCRIBE, "a", 1), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, 9999, &v, sizeof v), EINVAL);
    v = -2;
    CHECK_ERR (zmq_setsockopt (s, ZMQ_SNDHWM, &v, sizeof v), EINVAL);
    sz = 2;
    CHECK_ERR (zmq_getsockopt (s, ZMQ_LINGER, &v, &sz), EINVAL);
    sz = sizeof v;
    CHECK_ERR (zmq_getsockopt (s, ZMQ_MAXMSGSIZE, &v, &sz), EINVAL);
    sz = sizeof v;
    CHECK_ERR (zmq_getsockopt (s, 9999, &v, &sz), EINVAL);
    sz = sizeof big;
    CHECK_OK (zmq_getsockopt (s, ZMQ_MAXMSGSIZE, &big, &sz));
    CHECK (big == -1 && sz == sizeof big);
    sz = sizeof v;
    CHECK_OK (zmq_getsockopt (s, ZMQ_LINGER, &v, &sz));
    CHECK (v == -1 || v == 0 || v == 30000);
    CHECK_OK (zmq_close (s));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* Messages never initialised (zeroed or garbage bytes) or already closed:
 * where libzmq checks the message it reports EFAULT. */
static void test_invalid_messages (void)
{
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_PULL);
    CHECK_OK (zmq_bind (s, "inproc://misuse-msg"));
    zmq_msg_t bad[3], dst;
    memset (&bad[0], 0, sizeof bad[0]);
    memset (&bad[1], 0xa5, sizeof bad[1]);
    CHECK_OK (zmq_msg_init_size (&bad[2], 100));
    CHECK_OK (zmq_msg_close (&bad[2]));
    int i;
    for (i = 0; i < 3; i++) {
        zmq_msg_t copy = bad[i];
        CHECK_ERR (zmq_msg_close (&copy), EFAULT);
        CHECK_ERR (zmq_msg_recv (&copy, s, ZMQ_DONTWAIT), EFAULT);
        CHECK_OK (zmq_msg_init (&dst));
        CHECK_ERR (zmq_msg_copy (&dst, &copy), EFAULT);
        CHECK_ERR (zmq_msg_move (&dst, &copy), EFAULT);
        CHECK_OK (zmq_msg_close (&dst));
    }
    zmq_msg_t m;
    CHECK_ERR (zmq_msg_init_size (&m, (size_t) -1), ENOMEM);
    CHECK_OK (zmq_msg_init (&m));
    CHECK_ERR (zmq_msg_set (&m, 9999, 1), EINVAL);
    CHECK_ERR (zmq_msg_get (&m, 9999), EINVAL);
    CHECK_NULL_ERR (zmq_msg_gets (&m, "Socket-Type"), EINVAL);
    CHECK_OK (zmq_msg_close (&m));
    CHECK_OK (zmq_close (s));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* Other entry points with arguments that make no sense. */
static void test_other_calls (void)
{
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_PUSH);
    char buf[64];
    CHECK_ERR (zmq_poll (NULL, 1, 0), EFAULT);
    CHECK (zmq_poll (NULL, 0, 0) == 0);
    CHECK_ERR (zmq_proxy (NULL, NULL, NULL), EFAULT);
    CHECK_ERR (zmq_proxy (garbage, s, NULL), ENOTSOCK);
    CHECK_ERR (zmq_socket_monitor (s, "tcp://127.0.0.1:1", ZMQ_EVENT_ALL),
               EPROTONOSUPPORT);
    CHECK_ERR (zmq_unbind (s, NULL), EINVAL);
    CHECK_ERR (zmq_disconnect (s, NULL), EINVAL);
    CHECK_NULL_ERR (zmq_z85_decode ((uint8_t *) buf, "abc"), EINVAL);
    CHECK_NULL_ERR (zmq_z85_encode (buf, (const uint8_t *) "abc", 3), EINVAL);
    CHECK_OK (zmq_close (s));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* ------------------------------------------------- across threads */

struct blocked
{
    void *s;
    int poll; /* block in zmq_poll instead of zmq_recv */
    int rc, err;
};

static void *block (void *arg)
{
    struct blocked *b = (struct blocked *) arg;
    char buf[8];
    if (b->poll) {
        zmq_pollitem_t it = {b->s, 0, ZMQ_POLLIN, 0};
        b->rc = zmq_poll (&it, 1, -1);
    } else
        b->rc = zmq_recv (b->s, buf, sizeof buf, 0);
    b->err = zmq_errno ();
    return NULL;
}

/* A context shut down from another thread: calls blocked in it (recv, poll,
 * send on a full pipe) end with ETERM, later calls on its sockets and the
 * context fail with ETERM, and the sockets can still be closed. */
static void test_shutdown_from_another_thread (void)
{
    void *ctx = zmq_ctx_new ();
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    void *pull2 = zmq_socket (ctx, ZMQ_PULL);
    CHECK (pull && pull2);
    struct blocked b[2] = {{pull, 0, 0, 0}, {pull2, 1, 0, 0}};
    pthread_t t[2];
    int i;
    for (i = 0; i < 2; i++)
        CHECK (pthread_create (&t[i], NULL, block, &b[i]) == 0);
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep (&ts, NULL);
    CHECK_OK (zmq_ctx_shutdown (ctx));
    for (i = 0; i < 2; i++) {
        CHECK (pthread_join (t[i], NULL) == 0);
        CHECK (b[i].rc == -1 && b[i].err == ETERM);
    }
    char buf[4];
    CHECK_ERR (zmq_recv (pull, buf, sizeof buf, ZMQ_DONTWAIT), ETERM);
    CHECK_ERR (zmq_connect (pull, "inproc://late"), ETERM);
    CHECK_NULL_ERR (zmq_socket (ctx, ZMQ_PAIR), ETERM);
    CHECK_OK (zmq_close (pull));
    CHECK_OK (zmq_close (pull2));
    CHECK_OK (zmq_ctx_term (ctx));
}

struct handover
{
    void *s;
    int n;
};

static void *receive_n (void *arg)
{
    struct handover *h = (struct handover *) arg;
    char buf[8];
    int i;
    for (i = 0; i < h->n; i++)
        CHECK (zmq_recv (h->s, buf, sizeof buf, 0) == 1);
    return NULL;
}

/* A socket handed from one thread to another (with a full barrier: thread
 * creation and join) is used correctly in each: what libzmq documents as
 * the one correct way to share a socket. */
static void test_socket_handover (void)
{
    void *ctx = zmq_ctx_new ();
    void *push = zmq_socket (ctx, ZMQ_PUSH), *pull = zmq_socket (ctx, ZMQ_PULL);
    CHECK_OK (zmq_bind (pull, "inproc://handover"));
    CHECK_OK (zmq_connect (push, "inproc://handover"));
    int round;
    for (round = 0; round < 20; round++) {
        struct handover h = {pull, 50};
        pthread_t t;
        CHECK (pthread_create (&t, NULL, receive_n, &h) == 0);
        int i;
        for (i = 0; i < h.n; i++)
            CHECK (zmq_send (push, "x", 1, 0) == 1);
        CHECK (pthread_join (t, NULL) == 0);
    }
    char buf[4];
    CHECK_ERR (zmq_recv (pull, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    CHECK_OK (zmq_close (push));
    CHECK_OK (zmq_close (pull));
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    RUN_TEST (test_socket_calls_on_non_sockets);
    RUN_TEST (test_context_calls_on_non_contexts);
    RUN_TEST (test_wrong_option_sizes);
    RUN_TEST (test_invalid_messages);
    RUN_TEST (test_other_calls);
    RUN_TEST (test_shutdown_from_another_thread);
    RUN_TEST (test_socket_handover);
    return 0;
}
