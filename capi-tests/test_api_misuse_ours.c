/* capi-test: ours-only
 * capi-test: valgrind
 * API misuse where libzmq 4.3.4 asserts (SIGABRT), crashes (SIGSEGV) or
 * reads freed memory, and where ours returns an error instead: a socket
 * used after zmq_close, a context after zmq_ctx_term, NULL buffers with a
 * length (zmq_send, zmq_send_const, zmq_recv), NULL option values and
 * lengths, and zmq_msg_send of a message never initialised or already
 * closed. Every case runs in this process: an abort anywhere fails the
 * test. (test_msg_robust.c has the zmq_msg_* NULL and closed-message
 * cases; test_misuse_threads_ours.c the misuse across threads.) */
#include "testutil.h"

static void test_closed_socket_handle (void)
{
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_PUSH);
    CHECK_OK (zmq_close (s));
    int v = 0;
    size_t sz = sizeof v;
    char buf[4];
    CHECK_ERR (zmq_close (s), ENOTSOCK);
    CHECK_ERR (zmq_send (s, "x", 1, ZMQ_DONTWAIT), ENOTSOCK);
    CHECK_ERR (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT), ENOTSOCK);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_LINGER, &v, sizeof v), ENOTSOCK);
    CHECK_ERR (zmq_getsockopt (s, ZMQ_LINGER, &v, &sz), ENOTSOCK);
    CHECK_ERR (zmq_bind (s, "inproc://closed"), ENOTSOCK);
    zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
    CHECK_ERR (zmq_poll (&it, 1, 0), ENOTSOCK);
    CHECK_OK (zmq_ctx_term (ctx));
    /* After the context is gone too. */
    CHECK_ERR (zmq_close (s), ENOTSOCK);
    CHECK_ERR (zmq_send (s, "x", 1, ZMQ_DONTWAIT), ENOTSOCK);
}

static void test_terminated_context_handle (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK_OK (zmq_ctx_term (ctx));
    CHECK_ERR (zmq_ctx_term (ctx), EFAULT);
    CHECK_ERR (zmq_ctx_get (ctx, ZMQ_IO_THREADS), EFAULT);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_IO_THREADS, 1), EFAULT);
    CHECK_NULL_ERR (zmq_socket (ctx, ZMQ_PAIR), EFAULT);
}

static void test_null_buffers (void)
{
    void *ctx = zmq_ctx_new ();
    void *a = zmq_socket (ctx, ZMQ_PAIR), *b = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_bind (a, "inproc://nullbuf"));
    CHECK_OK (zmq_connect (b, "inproc://nullbuf"));
    CHECK_ERR (zmq_send (b, NULL, 5, ZMQ_DONTWAIT), EFAULT);
    CHECK_ERR (zmq_send_const (b, NULL, 5, ZMQ_DONTWAIT), EFAULT);
    CHECK (zmq_send (b, "abc", 3, 0) == 3);
    CHECK_ERR (zmq_recv (a, NULL, 5, 0), EFAULT);
    /* The refused calls lost nothing: the message is still there. */
    char buf[8];
    CHECK (zmq_recv (a, buf, sizeof buf, 0) == 3 && memcmp (buf, "abc", 3) == 0);
    CHECK_OK (zmq_close (a));
    CHECK_OK (zmq_close (b));
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_null_option_arguments (void)
{
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_SUB);
    int v = 5;
    size_t sz = sizeof v;
    CHECK_ERR (zmq_setsockopt (s, ZMQ_LINGER, NULL, sizeof v), EINVAL);
    CHECK_ERR (zmq_getsockopt (s, ZMQ_LINGER, &v, NULL), EFAULT);
    CHECK_ERR (zmq_getsockopt (s, ZMQ_LINGER, NULL, &sz), EINVAL);
    CHECK (v == 5);
    CHECK_OK (zmq_close (s));
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_msg_send_invalid (void)
{
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_PUSH);
    CHECK_OK (zmq_connect (s, "inproc://nowhere"));
    zmq_msg_t m;
    memset (&m, 0, sizeof m);
    CHECK_ERR (zmq_msg_send (&m, s, ZMQ_DONTWAIT), EFAULT);
    memset (&m, 0xa5, sizeof m);
    CHECK_ERR (zmq_msg_send (&m, s, ZMQ_DONTWAIT), EFAULT);
    CHECK_OK (zmq_msg_init_size (&m, 64));
    CHECK_OK (zmq_msg_close (&m));
    CHECK_ERR (zmq_msg_send (&m, s, ZMQ_DONTWAIT), EFAULT);
    CHECK_ERR (zmq_msg_send (NULL, s, ZMQ_DONTWAIT), EFAULT);
    CHECK_OK (zmq_close (s));
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    RUN_TEST (test_closed_socket_handle);
    RUN_TEST (test_terminated_context_handle);
    RUN_TEST (test_null_buffers);
    RUN_TEST (test_null_option_arguments);
    RUN_TEST (test_msg_send_invalid);
    return 0;
}
