/* capi-test: ours-only */
/* capi-test: valgrind */
/* The draft zmq_ctx_set_ext / zmq_ctx_get_ext (Debian's stable libzmq does not
 * export them), and handles used after zmq_ctx_term (undefined behaviour in
 * libzmq, which frees the object; EFAULT here). */
#include "testutil.h"

static void test_name_prefix_string (void)
{
    void *ctx = zmq_ctx_new ();
    char prefix[] = "MyPrefix9";
    char buf[32];
    size_t len;

    /* Stored as given, terminator included when the caller counts it. */
    CHECK_OK (zmq_ctx_set_ext (ctx, ZMQ_THREAD_NAME_PREFIX, prefix,
                               sizeof prefix));
    memset (buf, 'x', sizeof buf);
    len = sizeof buf;
    CHECK_OK (zmq_ctx_get_ext (ctx, ZMQ_THREAD_NAME_PREFIX, buf, &len));
    CHECK (len == sizeof prefix);
    CHECK (strcmp (buf, prefix) == 0);
    CHECK (buf[sizeof prefix] == 'x');
    /* The int view is atoi of the text. */
    CHECK (zmq_ctx_get (ctx, ZMQ_THREAD_NAME_PREFIX) == 0);

    /* Without terminator: exactly the bytes, nothing appended. */
    CHECK_OK (zmq_ctx_set_ext (ctx, ZMQ_THREAD_NAME_PREFIX, "42abc", 5));
    memset (buf, 'x', sizeof buf);
    len = sizeof buf;
    CHECK_OK (zmq_ctx_get_ext (ctx, ZMQ_THREAD_NAME_PREFIX, buf, &len));
    CHECK (len == 5);
    CHECK (memcmp (buf, "42abcx", 6) == 0);
    CHECK (zmq_ctx_get (ctx, ZMQ_THREAD_NAME_PREFIX) == 42);

    /* A buffer too small for the string (and not int-sized). */
    len = 3;
    CHECK_ERR (zmq_ctx_get_ext (ctx, ZMQ_THREAD_NAME_PREFIX, buf, &len),
               EINVAL);
    CHECK (len == 3);

    /* 1..16 bytes. */
    CHECK_OK (zmq_ctx_set_ext (ctx, ZMQ_THREAD_NAME_PREFIX,
                               "0123456789abcdef", 16));
    CHECK_ERR (zmq_ctx_set_ext (ctx, ZMQ_THREAD_NAME_PREFIX,
                                "0123456789abcdefg", 17),
               EINVAL);
    CHECK_ERR (zmq_ctx_set_ext (ctx, ZMQ_THREAD_NAME_PREFIX, "", 0), EINVAL);
    CHECK_ERR (zmq_ctx_set_ext (ctx, ZMQ_THREAD_NAME_PREFIX, NULL, 0), EINVAL);
    len = sizeof buf;
    CHECK_OK (zmq_ctx_get_ext (ctx, ZMQ_THREAD_NAME_PREFIX, buf, &len));
    CHECK (len == 16 && memcmp (buf, "0123456789abcdef", 16) == 0);
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_name_prefix_int_forms (void)
{
    void *ctx = zmq_ctx_new ();
    int v = 77;
    size_t len;
    char buf[16];

    /* The int form through _ext: stored as its decimal text. */
    CHECK_OK (zmq_ctx_set_ext (ctx, ZMQ_THREAD_NAME_PREFIX, &v, sizeof v));
    CHECK (zmq_ctx_get (ctx, ZMQ_THREAD_NAME_PREFIX) == 77);
    len = sizeof buf;
    CHECK_OK (zmq_ctx_get_ext (ctx, ZMQ_THREAD_NAME_PREFIX, buf, &len));
    CHECK (len == 2 && memcmp (buf, "77", 2) == 0);
    /* An int-sized buffer asks for the int form. */
    v = 0;
    len = sizeof v;
    CHECK_OK (zmq_ctx_get_ext (ctx, ZMQ_THREAD_NAME_PREFIX, &v, &len));
    CHECK (len == sizeof v && v == 77);
    /* A 4-byte string is an int too, as in libzmq. */
    CHECK_OK (zmq_ctx_set_ext (ctx, ZMQ_THREAD_NAME_PREFIX, "\x05\0\0\0", 4));
    CHECK (zmq_ctx_get (ctx, ZMQ_THREAD_NAME_PREFIX) == 5);
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_int_options_through_ext (void)
{
    void *ctx = zmq_ctx_new ();
    int v = 3;
    long long wide = 3;
    size_t len;

    CHECK_OK (zmq_ctx_set_ext (ctx, ZMQ_IO_THREADS, &v, sizeof v));
    CHECK (zmq_ctx_get (ctx, ZMQ_IO_THREADS) == 3);
    v = -1;
    CHECK_ERR (zmq_ctx_set_ext (ctx, ZMQ_IO_THREADS, &v, sizeof v), EINVAL);
    /* Only int-sized values. */
    CHECK_ERR (zmq_ctx_set_ext (ctx, ZMQ_IO_THREADS, &wide, sizeof wide),
               EINVAL);
    CHECK_ERR (zmq_ctx_set_ext (ctx, ZMQ_IO_THREADS, &v, 2), EINVAL);
    CHECK_ERR (zmq_ctx_set_ext (ctx, ZMQ_IO_THREADS, NULL, 0), EINVAL);

    v = 0;
    len = sizeof v;
    CHECK_OK (zmq_ctx_get_ext (ctx, ZMQ_IO_THREADS, &v, &len));
    CHECK (v == 3 && len == sizeof v);
    len = sizeof v;
    CHECK_OK (zmq_ctx_get_ext (ctx, ZMQ_SOCKET_LIMIT, &v, &len));
    CHECK (v == 65535);
    len = sizeof v;
    CHECK_OK (zmq_ctx_get_ext (ctx, ZMQ_MSG_T_SIZE, &v, &len));
    CHECK (v == 64);
    len = sizeof v;
    CHECK_OK (zmq_ctx_get_ext (ctx, ZMQ_ZERO_COPY_RECV, &v, &len));
    CHECK (v == 1);
    len = sizeof wide;
    CHECK_ERR (zmq_ctx_get_ext (ctx, ZMQ_IO_THREADS, &wide, &len), EINVAL);
    len = sizeof v;
    CHECK_ERR (zmq_ctx_get_ext (ctx, 9999, &v, &len), EINVAL);
    len = sizeof v;
    CHECK_ERR (zmq_ctx_get_ext (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, &v, &len),
               EINVAL);
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_ext_bad_pointers (void)
{
    void *ctx = zmq_ctx_new ();
    int v = 1;
    size_t len = sizeof v;
    static unsigned char not_a_ctx[256];

    CHECK_ERR (zmq_ctx_set_ext (NULL, ZMQ_IO_THREADS, &v, sizeof v), EFAULT);
    CHECK_ERR (zmq_ctx_set_ext (not_a_ctx, ZMQ_IO_THREADS, &v, sizeof v),
               EFAULT);
    CHECK_ERR (zmq_ctx_get_ext (NULL, ZMQ_IO_THREADS, &v, &len), EFAULT);
    CHECK_ERR (zmq_ctx_get_ext (not_a_ctx, ZMQ_IO_THREADS, &v, &len), EFAULT);
    /* libzmq would crash on these; we refuse them. */
    CHECK_ERR (zmq_ctx_set_ext (ctx, ZMQ_IO_THREADS, NULL, sizeof v), EFAULT);
    CHECK_ERR (zmq_ctx_get_ext (ctx, ZMQ_IO_THREADS, &v, NULL), EFAULT);
    len = sizeof v;
    CHECK_ERR (zmq_ctx_get_ext (ctx, ZMQ_IO_THREADS, NULL, &len), EFAULT);
    CHECK (zmq_ctx_get (ctx, ZMQ_IO_THREADS) == 1);
    CHECK_OK (zmq_ctx_term (ctx));
}

/* After zmq_ctx_term the handle is dead: every call says EFAULT. */
static void test_stale_handle (void)
{
    int v = 1;
    size_t len = sizeof v;
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    CHECK_OK (zmq_ctx_term (ctx));
    CHECK_ERR (zmq_ctx_get (ctx, ZMQ_IO_THREADS), EFAULT);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_IO_THREADS, 1), EFAULT);
    CHECK_ERR (zmq_ctx_shutdown (ctx), EFAULT);
    CHECK_ERR (zmq_ctx_set_ext (ctx, ZMQ_IO_THREADS, &v, sizeof v), EFAULT);
    CHECK_ERR (zmq_ctx_get_ext (ctx, ZMQ_IO_THREADS, &v, &len), EFAULT);
    CHECK_ERR (zmq_ctx_term (ctx), EFAULT);
    CHECK_ERR (zmq_ctx_destroy (ctx), EFAULT);
    CHECK_ERR (zmq_term (ctx), EFAULT);

    ctx = zmq_init (2);
    CHECK_OK (zmq_term (ctx));
    CHECK_ERR (zmq_ctx_get (ctx, ZMQ_IO_THREADS), EFAULT);
}

int main (void)
{
    RUN_TEST (test_name_prefix_string);
    RUN_TEST (test_name_prefix_int_forms);
    RUN_TEST (test_int_options_through_ext);
    RUN_TEST (test_ext_bad_pointers);
    RUN_TEST (test_stale_handle);
    return 0;
}
