/* capi-test: valgrind
 * Context termination: blocked calls in other threads get ETERM, term waits
 * for sockets to close, shutdown does not destroy, linger 0 never hangs. */
#include "testutil.h"
#include <pthread.h>
#include <unistd.h>

static void *blocked_recv (void *sock)
{
    char buf[4];
    int rc = zmq_recv (sock, buf, sizeof buf, 0);
    int err = zmq_errno ();
    CHECK (rc == -1 && err == ETERM);
    /* Every later call but close also reports ETERM. */
    CHECK_ERR (zmq_send (sock, "x", 1, ZMQ_DONTWAIT), ETERM);
    CHECK_OK (zmq_close (sock));
    return NULL;
}

static void test_term_wakes_blocked_recv (void)
{
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_PULL);
    CHECK_OK (zmq_bind (s, "inproc://term"));
    pthread_t t;
    CHECK (pthread_create (&t, NULL, blocked_recv, s) == 0);
    usleep (50000);
    /* Blocks until the thread has closed its socket. */
    CHECK_OK (zmq_ctx_term (ctx));
    pthread_join (t, NULL);
}

static void test_shutdown_wakes_blocked_recv (void)
{
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_PAIR);
    pthread_t t;
    CHECK (pthread_create (&t, NULL, blocked_recv, s) == 0);
    usleep (50000);
    CHECK_OK (zmq_ctx_shutdown (ctx));
    pthread_join (t, NULL);
    /* After shutdown no new sockets. */
    CHECK_NULL_ERR (zmq_socket (ctx, ZMQ_PAIR), ETERM);
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_linger_zero_terminates (void)
{
    void *ctx = zmq_ctx_new ();
    void *push = zmq_socket (ctx, ZMQ_PUSH), *pull = zmq_socket (ctx, ZMQ_PULL);
    CHECK_OK (zmq_bind (pull, "inproc://linger"));
    CHECK_OK (zmq_connect (push, "inproc://linger"));
    int i, zero = 0;
    for (i = 0; i < 100; i++)
        CHECK (zmq_send (push, "in flight", 9, 0) == 9);
    CHECK_OK (zmq_setsockopt (push, ZMQ_LINGER, &zero, sizeof zero));
    CHECK_OK (zmq_setsockopt (pull, ZMQ_LINGER, &zero, sizeof zero));
    CHECK_OK (zmq_close (push));
    CHECK_OK (zmq_close (pull));
    void *w = zmq_stopwatch_start ();
    CHECK_OK (zmq_ctx_term (ctx));
    CHECK (zmq_stopwatch_stop (w) < 1000000);
}

static void test_unsent_connect_linger_zero (void)
{
    /* A PUSH whose peer never binds, with messages queued. */
    void *ctx = zmq_ctx_new ();
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    int zero = 0;
    CHECK_OK (zmq_setsockopt (push, ZMQ_LINGER, &zero, sizeof zero));
    CHECK_OK (zmq_connect (push, "inproc://nobody"));
    CHECK (zmq_send (push, "queued", 6, 0) == 6);
    CHECK_OK (zmq_close (push));
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_blocky_default_linger (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_BLOCKY, 0));
    void *s = zmq_socket (ctx, ZMQ_PUSH);
    int linger = 42;
    size_t len = sizeof linger;
    CHECK_OK (zmq_getsockopt (s, ZMQ_LINGER, &linger, &len));
    CHECK (linger == 0);
    zmq_close (s);
    CHECK_OK (zmq_ctx_term (ctx));
    ctx = zmq_ctx_new ();
    s = zmq_socket (ctx, ZMQ_PUSH);
    CHECK_OK (zmq_getsockopt (s, ZMQ_LINGER, &linger, &len));
    CHECK (linger == -1);
    zmq_close (s);
    CHECK_OK (zmq_ctx_term (ctx));
}

static void *term_in_thread (void *ctx)
{
    CHECK_OK (zmq_ctx_term (ctx));
    return NULL;
}

static void test_term_waits_for_close (void)
{
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_PAIR);
    pthread_t t;
    CHECK (pthread_create (&t, NULL, term_in_thread, ctx) == 0);
    usleep (50000);
    /* The context is terminating: the socket reports ETERM... */
    char buf[2];
    CHECK_ERR (zmq_recv (s, buf, 2, 0), ETERM);
    /* ...and closing it lets term return. */
    CHECK_OK (zmq_close (s));
    pthread_join (t, NULL);
}

int main (void)
{
    RUN_TEST (test_term_wakes_blocked_recv);
    RUN_TEST (test_shutdown_wakes_blocked_recv);
    RUN_TEST (test_linger_zero_terminates);
    RUN_TEST (test_unsent_connect_linger_zero);
    RUN_TEST (test_blocky_default_linger);
    RUN_TEST (test_term_waits_for_close);
    return 0;
}
