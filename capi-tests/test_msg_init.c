/* capi-test: valgrind */
/* zmq_msg_init, zmq_msg_init_size, zmq_msg_init_data, zmq_msg_close,
 * zmq_msg_data, zmq_msg_size: sizes around the inline limits (ours 30 bytes,
 * libzmq 33), constant messages, errors on closed/uninitialised messages. */
#include "testutil.h"
#include <stdint.h>

_Static_assert (sizeof (zmq_msg_t) == 64, "zmq_msg_t is 64 bytes");
_Static_assert (_Alignof (zmq_msg_t) == sizeof (void *),
                "zmq_msg_t is pointer-aligned");

static void test_init_empty (void)
{
    zmq_msg_t msg;
    CHECK_OK (zmq_msg_init (&msg));
    CHECK (zmq_msg_size (&msg) == 0);
    CHECK (zmq_msg_data (&msg) != NULL);
    CHECK (zmq_msg_more (&msg) == 0);
    CHECK (zmq_msg_get (&msg, ZMQ_MORE) == 0);
    CHECK (zmq_msg_get (&msg, ZMQ_SHARED) == 0);
    CHECK (zmq_msg_close (&msg) == 0);
    /* A closed message is invalid: closing it again is EFAULT. */
    CHECK_ERR (zmq_msg_close (&msg), EFAULT);
    /* It can be initialised again. */
    CHECK_OK (zmq_msg_init (&msg));
    CHECK_OK (zmq_msg_close (&msg));
}

static void check_size (size_t n)
{
    zmq_msg_t msg;
    CHECK_OK (zmq_msg_init_size (&msg, n));
    CHECK (zmq_msg_size (&msg) == n);
    unsigned char *data = (unsigned char *) zmq_msg_data (&msg);
    CHECK (data != NULL);
    for (size_t i = 0; i < n; i++)
        data[i] = (unsigned char) (i * 7 + n);
    for (size_t i = 0; i < n; i++)
        CHECK (data[i] == (unsigned char) (i * 7 + n));
    CHECK (zmq_msg_data (&msg) == data);
    CHECK (zmq_msg_get (&msg, ZMQ_SHARED) == 0);
    CHECK_OK (zmq_msg_close (&msg));
    CHECK_ERR (zmq_msg_close (&msg), EFAULT);
}

static void test_init_size_boundaries (void)
{
    /* 30/31 is our inline limit, 33/34 libzmq's: behaviour is the same. */
    static const size_t sizes[] = {0,  1,  29,  30,  31,   32,    33,
                                   34, 35, 100, 255, 4096, 65536, 1 << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        check_size (sizes[i]);
}

static void test_init_size_enomem (void)
{
    zmq_msg_t msg;
    CHECK_ERR (zmq_msg_init_size (&msg, SIZE_MAX), ENOMEM);
    CHECK_ERR (zmq_msg_init_size (&msg, SIZE_MAX - 20), ENOMEM);
    CHECK_ERR (zmq_msg_init_size (&msg, SIZE_MAX / 2 + 1), ENOMEM);
    /* The message was left unusable but that is no error: init works. */
    CHECK_OK (zmq_msg_init_size (&msg, 10));
    CHECK_OK (zmq_msg_close (&msg));
}

static void test_init_data_constant (void)
{
    /* No free function: a constant message, never copied, never freed. */
    static char text[] = "constant data, larger than any inline message";
    size_t len = sizeof text - 1;
    zmq_msg_t msg, copy;
    CHECK_OK (zmq_msg_init_data (&msg, text, len, NULL, NULL));
    CHECK (zmq_msg_data (&msg) == text);
    CHECK (zmq_msg_size (&msg) == len);
    CHECK (zmq_msg_get (&msg, ZMQ_SHARED) == 1);
    CHECK_OK (zmq_msg_init (&copy));
    CHECK_OK (zmq_msg_copy (&copy, &msg));
    CHECK (zmq_msg_data (&copy) == text);
    CHECK (zmq_msg_size (&copy) == len);
    CHECK (zmq_msg_get (&copy, ZMQ_SHARED) == 1);
    CHECK_OK (zmq_msg_close (&msg));
    CHECK_OK (zmq_msg_close (&copy));
    CHECK (memcmp (text, "constant data", 13) == 0);

    /* Small constant data is not copied inline either. */
    static char small[] = "abc";
    CHECK_OK (zmq_msg_init_data (&msg, small, 3, NULL, NULL));
    CHECK (zmq_msg_data (&msg) == small);
    CHECK_OK (zmq_msg_close (&msg));
}

static void test_init_data_null_empty (void)
{
    zmq_msg_t msg;
    CHECK_OK (zmq_msg_init_data (&msg, NULL, 0, NULL, NULL));
    CHECK (zmq_msg_size (&msg) == 0);
    CHECK (zmq_msg_data (&msg) == NULL);
    CHECK (zmq_msg_get (&msg, ZMQ_SHARED) == 1);
    CHECK_OK (zmq_msg_close (&msg));
}

static int frees;
static void *freed_data, *freed_hint;
static void count_free (void *data_, void *hint_)
{
    frees++;
    freed_data = data_;
    freed_hint = hint_;
}

static void test_init_data_ffn_zero_copy (void)
{
    /* With a free function even a tiny buffer is used in place. */
    static char buf[3] = {'x', 'y', 'z'};
    int hint;
    zmq_msg_t msg;
    frees = 0;
    CHECK_OK (zmq_msg_init_data (&msg, buf, 3, count_free, &hint));
    CHECK (zmq_msg_data (&msg) == buf);
    CHECK (zmq_msg_size (&msg) == 3);
    CHECK (zmq_msg_get (&msg, ZMQ_SHARED) == 0);
    /* Writes through zmq_msg_data land in the caller's buffer. */
    ((char *) zmq_msg_data (&msg))[0] = 'X';
    CHECK (buf[0] == 'X');
    CHECK (frees == 0);
    CHECK_OK (zmq_msg_close (&msg));
    CHECK (frees == 1);
    CHECK (freed_data == buf && freed_hint == &hint);

    /* NULL data of size 0 with a free function: it is still called once. */
    frees = 0;
    CHECK_OK (zmq_msg_init_data (&msg, NULL, 0, count_free, &hint));
    CHECK (zmq_msg_size (&msg) == 0);
    CHECK_OK (zmq_msg_close (&msg));
    CHECK (frees == 1);
    CHECK (freed_data == NULL && freed_hint == &hint);
}

static void test_close_invalid (void)
{
    zmq_msg_t msg;
    memset (&msg, 0, sizeof msg);
    CHECK_ERR (zmq_msg_close (&msg), EFAULT);
    memset (&msg, 0xff, sizeof msg);
    CHECK_ERR (zmq_msg_close (&msg), EFAULT);
    /* A closed large message: no double free, just EFAULT. */
    CHECK_OK (zmq_msg_init_size (&msg, 1000));
    CHECK_OK (zmq_msg_close (&msg));
    CHECK_ERR (zmq_msg_close (&msg), EFAULT);
    CHECK_ERR (zmq_msg_close (&msg), EFAULT);
}

static void test_closed_message_queries (void)
{
    /* What libzmq answers without checking validity: flags and metadata. */
    zmq_msg_t msg;
    CHECK_OK (zmq_msg_init_size (&msg, 100));
    CHECK_OK (zmq_msg_close (&msg));
    CHECK (zmq_msg_more (&msg) == 0);
    CHECK (zmq_msg_get (&msg, ZMQ_SHARED) == 0);
    CHECK_NULL_ERR (zmq_msg_gets (&msg, "Socket-Type"), EINVAL);
    CHECK_ERR (zmq_msg_get (&msg, ZMQ_SRCFD), EINVAL);
}

static void test_init_overwrites (void)
{
    /* Init on a closed message of another kind, repeatedly. */
    zmq_msg_t msg;
    for (int i = 0; i < 100; i++) {
        size_t n = (size_t) (i * 13) % 200;
        CHECK_OK (zmq_msg_init_size (&msg, n));
        CHECK (zmq_msg_size (&msg) == n);
        memset (zmq_msg_data (&msg), i, n);
        CHECK_OK (zmq_msg_close (&msg));
        CHECK_OK (zmq_msg_init (&msg));
        CHECK (zmq_msg_size (&msg) == 0);
        CHECK_OK (zmq_msg_close (&msg));
    }
}

int main (void)
{
    RUN_TEST (test_init_empty);
    RUN_TEST (test_init_size_boundaries);
    RUN_TEST (test_init_size_enomem);
    RUN_TEST (test_init_data_constant);
    RUN_TEST (test_init_data_null_empty);
    RUN_TEST (test_init_data_ffn_zero_copy);
    RUN_TEST (test_close_invalid);
    RUN_TEST (test_closed_message_queries);
    RUN_TEST (test_init_overwrites);
    return 0;
}
