/* capi-test: valgrind */
/* Context options through zmq_ctx_set / zmq_ctx_get: defaults, round trips,
 * the EINVAL rules, and the read-only values (SOCKET_LIMIT, MSG_T_SIZE).
 * Every expectation here was checked against Debian's libzmq 4.3.4. */
#include "testutil.h"
#include "tcputil.h"

#include <limits.h>

/* A draft constant in zmq.h, but the context accepts it in stable builds. */
#ifndef ZMQ_ZERO_COPY_RECV
#define ZMQ_ZERO_COPY_RECV 10
#endif

static void test_defaults (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    CHECK (zmq_ctx_get (ctx, ZMQ_IO_THREADS) == ZMQ_IO_THREADS_DFLT);
    CHECK (zmq_ctx_get (ctx, ZMQ_IO_THREADS) == 1);
    CHECK (zmq_ctx_get (ctx, ZMQ_MAX_SOCKETS) == ZMQ_MAX_SOCKETS_DFLT);
    CHECK (zmq_ctx_get (ctx, ZMQ_MAX_SOCKETS) == 1023);
    CHECK (zmq_ctx_get (ctx, ZMQ_THREAD_SCHED_POLICY)
           == ZMQ_THREAD_SCHED_POLICY_DFLT);
    CHECK (zmq_ctx_get (ctx, ZMQ_MAX_MSGSZ) == INT_MAX);
    CHECK (zmq_ctx_get (ctx, ZMQ_THREAD_NAME_PREFIX) == 0);
    CHECK (zmq_ctx_get (ctx, ZMQ_ZERO_COPY_RECV) == 1);
    CHECK (zmq_ctx_get (ctx, ZMQ_IPV6) == 0);
    CHECK (zmq_ctx_get (ctx, ZMQ_BLOCKY) == 1);
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_read_only_values (void)
{
    void *ctx = zmq_ctx_new ();
    /* libzmq's 65535, not clipped on Linux (epoll has no fd ceiling). */
    CHECK (zmq_ctx_get (ctx, ZMQ_SOCKET_LIMIT) == 65535);
    CHECK (zmq_ctx_get (ctx, ZMQ_MSG_T_SIZE) == (int) sizeof (zmq_msg_t));
    CHECK (zmq_ctx_get (ctx, ZMQ_MSG_T_SIZE) == 64);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_MSG_T_SIZE, 64), EINVAL);
    /* 3 is SOCKET_LIMIT when read and THREAD_PRIORITY when written. */
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_THREAD_PRIORITY, 10));
    CHECK (zmq_ctx_get (ctx, ZMQ_SOCKET_LIMIT) == 65535);
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_io_threads (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_IO_THREADS, 0));
    CHECK (zmq_ctx_get (ctx, ZMQ_IO_THREADS) == 0);
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_IO_THREADS, 4));
    CHECK (zmq_ctx_get (ctx, ZMQ_IO_THREADS) == 4);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_IO_THREADS, -1), EINVAL);
    CHECK (zmq_ctx_get (ctx, ZMQ_IO_THREADS) == 4);
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_max_sockets (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 0), EINVAL);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, -1), EINVAL);
    CHECK (zmq_ctx_get (ctx, ZMQ_MAX_SOCKETS) == 1023);
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 1));
    CHECK (zmq_ctx_get (ctx, ZMQ_MAX_SOCKETS) == 1);
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 100000));
    CHECK (zmq_ctx_get (ctx, ZMQ_MAX_SOCKETS) == 100000);
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, INT_MAX));
    CHECK (zmq_ctx_get (ctx, ZMQ_MAX_SOCKETS) == INT_MAX);
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_thread_options (void)
{
    void *ctx = zmq_ctx_new ();
    /* Priority: set-only, >= 0. */
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_THREAD_PRIORITY, -1), EINVAL);
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_THREAD_PRIORITY, 0));
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_THREAD_PRIORITY, 99));
    /* Scheduling policy: >= 0, readable. */
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_THREAD_SCHED_POLICY, -1), EINVAL);
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_THREAD_SCHED_POLICY, 5));
    CHECK (zmq_ctx_get (ctx, ZMQ_THREAD_SCHED_POLICY) == 5);
    /* Affinity: set-only; removing an absent CPU fails. */
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, -1), EINVAL);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE, 3), EINVAL);
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, 3));
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, 3));
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE, 3));
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE, 3), EINVAL);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE, -1), EINVAL);
    CHECK_ERR (zmq_ctx_get (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD), EINVAL);
    CHECK_ERR (zmq_ctx_get (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE), EINVAL);
    /* Name prefix, int form: any int, read back as a number. */
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_THREAD_NAME_PREFIX, 1234));
    CHECK (zmq_ctx_get (ctx, ZMQ_THREAD_NAME_PREFIX) == 1234);
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_THREAD_NAME_PREFIX, -5));
    CHECK (zmq_ctx_get (ctx, ZMQ_THREAD_NAME_PREFIX) == -5);
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_THREAD_NAME_PREFIX, INT_MAX));
    CHECK (zmq_ctx_get (ctx, ZMQ_THREAD_NAME_PREFIX) == INT_MAX);
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_max_msgsz (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_MAX_MSGSZ, -1), EINVAL);
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_MAX_MSGSZ, 0));
    CHECK (zmq_ctx_get (ctx, ZMQ_MAX_MSGSZ) == 0);
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_MAX_MSGSZ, 4096));
    CHECK (zmq_ctx_get (ctx, ZMQ_MAX_MSGSZ) == 4096);
    CHECK_OK (zmq_ctx_term (ctx));
}

/* IPV6, BLOCKY, ZERO_COPY_RECV: >= 0, read back as 0 or 1. */
static void test_booleans (void)
{
    const int opts[] = {ZMQ_IPV6, ZMQ_BLOCKY, ZMQ_ZERO_COPY_RECV};
    void *ctx = zmq_ctx_new ();
    for (unsigned i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        const int before = zmq_ctx_get (ctx, opts[i]);
        CHECK_ERR (zmq_ctx_set (ctx, opts[i], -1), EINVAL);
        CHECK (zmq_ctx_get (ctx, opts[i]) == before);
        CHECK_OK (zmq_ctx_set (ctx, opts[i], 7));
        CHECK (zmq_ctx_get (ctx, opts[i]) == 1);
        CHECK_OK (zmq_ctx_set (ctx, opts[i], 0));
        CHECK (zmq_ctx_get (ctx, opts[i]) == 0);
        CHECK_OK (zmq_ctx_set (ctx, opts[i], 1));
        CHECK (zmq_ctx_get (ctx, opts[i]) == 1);
    }
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_unknown_options (void)
{
    const int bad[] = {-1, 0, 11, 12, 41, 43, 69, 71, 1000, INT_MAX, INT_MIN};
    void *ctx = zmq_ctx_new ();
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_ERR (zmq_ctx_set (ctx, bad[i], 0), EINVAL);
        CHECK_ERR (zmq_ctx_set (ctx, bad[i], 1), EINVAL);
        CHECK_ERR (zmq_ctx_get (ctx, bad[i]), EINVAL);
    }
    CHECK_OK (zmq_ctx_term (ctx));
}

/* Options are per context. */
static void test_independent_contexts (void)
{
    void *a = zmq_ctx_new ();
    void *b = zmq_ctx_new ();
    CHECK (a != NULL && b != NULL && a != b);
    CHECK_OK (zmq_ctx_set (a, ZMQ_IO_THREADS, 3));
    CHECK_OK (zmq_ctx_set (a, ZMQ_BLOCKY, 0));
    CHECK (zmq_ctx_get (b, ZMQ_IO_THREADS) == 1);
    CHECK (zmq_ctx_get (b, ZMQ_BLOCKY) == 1);
    CHECK_OK (zmq_ctx_term (a));
    CHECK (zmq_ctx_get (b, ZMQ_IO_THREADS) == 1);
    CHECK_OK (zmq_ctx_term (b));
}

/* Options stay readable and writable between shutdown and term. */
static void test_options_after_shutdown (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK_OK (zmq_ctx_shutdown (ctx));
    CHECK_OK (zmq_ctx_shutdown (ctx));
    CHECK (zmq_ctx_get (ctx, ZMQ_IO_THREADS) == 1);
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_IO_THREADS, 2));
    CHECK (zmq_ctx_get (ctx, ZMQ_IO_THREADS) == 2);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_IO_THREADS, -2), EINVAL);
    CHECK_OK (zmq_ctx_term (ctx));
}

static int sock_int (void *s, int opt)
{
    int v = -12345;
    size_t len = sizeof v;
    CHECK_OK (zmq_getsockopt (s, opt, &v, &len));
    return v;
}

/* A new socket takes ZMQ_IPV6 from the context's ZMQ_IPV6 and ZMQ_LINGER
 * from ZMQ_BLOCKY (-1 when set, 0 when not), as libzmq's socket_base_t
 * reads them at creation; sockets made before a change keep their values.
 * (libzmq's test_ctx_options: test_ctx_option_blocky.) */
static void test_new_sockets_inherit (void)
{
    void *ctx = zmq_ctx_new ();
    void *before = zmq_socket (ctx, ZMQ_ROUTER);
    CHECK (before);
    CHECK (sock_int (before, ZMQ_IPV6) == 0);
    CHECK (sock_int (before, ZMQ_LINGER) == -1);

    CHECK_OK (zmq_ctx_set (ctx, ZMQ_IPV6, 1));
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    CHECK (router);
    CHECK (sock_int (router, ZMQ_IPV6) == 1);
    CHECK (sock_int (router, ZMQ_IPV4ONLY) == 0);
    CHECK (sock_int (router, ZMQ_LINGER) == -1);
    CHECK (sock_int (before, ZMQ_IPV6) == 0);
    /* The socket's own option still overrides the inherited one. */
    set_int (router, ZMQ_IPV6, 0);
    CHECK (sock_int (router, ZMQ_IPV6) == 0);
    /* An IPv6-enabled socket binds an IPv4 address too. */
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    CHECK (sock_int (dealer, ZMQ_IPV6) == 1);
    CHECK_OK (zmq_bind (dealer, "tcp://127.0.0.1:*"));

    CHECK_OK (zmq_ctx_set (ctx, ZMQ_BLOCKY, 0));
    CHECK (zmq_ctx_get (ctx, ZMQ_BLOCKY) == 0);
    void *nonblocky = zmq_socket (ctx, ZMQ_ROUTER);
    CHECK (nonblocky);
    CHECK (sock_int (nonblocky, ZMQ_LINGER) == 0);
    CHECK (sock_int (router, ZMQ_LINGER) == -1);

    CHECK_OK (zmq_ctx_set (ctx, ZMQ_IPV6, 0));
    void *v4 = zmq_socket (ctx, ZMQ_PAIR);
    CHECK (sock_int (v4, ZMQ_IPV6) == 0);
    CHECK (sock_int (v4, ZMQ_IPV4ONLY) == 1);

    /* Subscribers (SUB, XSUB) start with linger 0 whatever ZMQ_BLOCKY. */
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_BLOCKY, 1));
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    CHECK (sock_int (sub, ZMQ_LINGER) == 0);
    void *xsub = zmq_socket (ctx, ZMQ_XSUB);
    CHECK (sock_int (xsub, ZMQ_LINGER) == 0);

    void *all[] = {before, router, dealer, nonblocky, v4, sub, xsub};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++) {
        set_int (all[i], ZMQ_LINGER, 0);
        CHECK_OK (zmq_close (all[i]));
    }
    CHECK_OK (zmq_ctx_term (ctx));
}

/* The legacy constructor and destructors. */
static void test_legacy (void)
{
    void *ctx = zmq_init (0);
    CHECK (ctx != NULL);
    CHECK (zmq_ctx_get (ctx, ZMQ_IO_THREADS) == 0);
    CHECK_OK (zmq_term (ctx));
    ctx = zmq_init (3);
    CHECK (ctx != NULL);
    CHECK (zmq_ctx_get (ctx, ZMQ_IO_THREADS) == 3);
    CHECK (zmq_ctx_get (ctx, ZMQ_MAX_SOCKETS) == 1023);
    CHECK_OK (zmq_ctx_destroy (ctx));
}

/* ZMQ_ZERO_COPY_RECV: on (the default), frames that arrive in one read
 * become messages that point into the one receive buffer, back to back (a
 * 100-byte body, then a 2-byte header, then the next body); off, each body
 * is copied into its own allocation, so a message held long keeps only its
 * own bytes alive. Shown by the data pointers of 64 messages held at once,
 * queued before the connection existed so that they arrive together. */
static int adjacent_bodies (int zero_copy)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx);
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_ZERO_COPY_RECV, zero_copy));
    char ep[64];
    unused_tcp_endpoint (ep, sizeof ep);

    void *push = zmq_socket (ctx, ZMQ_PUSH);
    set_int (push, ZMQ_LINGER, 0);
    CHECK_OK (zmq_connect (push, ep));
    char body[100];
    enum { N = 64 };
    for (int i = 0; i < N; i++) {
        memset (body, i, sizeof body);
        CHECK (zmq_send (push, body, sizeof body, ZMQ_DONTWAIT) == (int) sizeof body);
    }
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    set_int (pull, ZMQ_LINGER, 0);
    set_int (pull, ZMQ_RCVTIMEO, 5000);
    bind_when_free (pull, ep);
    zmq_msg_t held[N];
    int adjacent = 0;
    for (int i = 0; i < N; i++) {
        zmq_msg_init (&held[i]);
        CHECK (zmq_msg_recv (&held[i], pull, 0) == (int) sizeof body);
        CHECK (((unsigned char *) zmq_msg_data (&held[i]))[0] == i);
        if (i > 0
            && (char *) zmq_msg_data (&held[i])
                 == (char *) zmq_msg_data (&held[i - 1]) + sizeof body + 2)
            adjacent++;
    }
    for (int i = 0; i < N; i++)
        zmq_msg_close (&held[i]);
    zmq_close (push);
    zmq_close (pull);
    CHECK_OK (zmq_ctx_term (ctx));
    return adjacent;
}

static void test_zero_copy_recv (void)
{
    int on = adjacent_bodies (1), off = adjacent_bodies (0);
    printf ("# bodies back to back in one buffer: zero copy on %d of 63, off %d\n", on, off);
    CHECK (on >= 32);
    CHECK (off == 0);
}

int main (void)
{
    RUN_TEST (test_defaults);
    RUN_TEST (test_read_only_values);
    RUN_TEST (test_io_threads);
    RUN_TEST (test_max_sockets);
    RUN_TEST (test_thread_options);
    RUN_TEST (test_max_msgsz);
    RUN_TEST (test_booleans);
    RUN_TEST (test_zero_copy_recv);
    RUN_TEST (test_unknown_options);
    RUN_TEST (test_independent_contexts);
    RUN_TEST (test_options_after_shutdown);
    RUN_TEST (test_new_sockets_inherit);
    RUN_TEST (test_legacy);
    return 0;
}
