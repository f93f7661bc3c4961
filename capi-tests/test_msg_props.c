/* capi-test: valgrind */
/* zmq_msg_more, zmq_msg_get, zmq_msg_set and zmq_msg_gets on messages that
 * did not come from a socket: no metadata, only MORE/SHARED/SRCFD known. */
#include "testutil.h"

static void test_get (void)
{
    zmq_msg_t msg;
    CHECK_OK (zmq_msg_init_size (&msg, 40));
    CHECK (zmq_msg_get (&msg, ZMQ_MORE) == 0);
    CHECK (zmq_msg_more (&msg) == 0);
    CHECK (zmq_msg_get (&msg, ZMQ_SHARED) == 0);
    /* SRCFD comes from the "__fd" metadata: absent means -1 (errno EINVAL). */
    CHECK_ERR (zmq_msg_get (&msg, ZMQ_SRCFD), EINVAL);
    CHECK_ERR (zmq_msg_get (&msg, 0), EINVAL);
    CHECK_ERR (zmq_msg_get (&msg, 4), EINVAL);
    CHECK_ERR (zmq_msg_get (&msg, 99), EINVAL);
    CHECK_ERR (zmq_msg_get (&msg, -1), EINVAL);
    CHECK_OK (zmq_msg_close (&msg));
}

static void test_set_always_einval (void)
{
    zmq_msg_t msg;
    CHECK_OK (zmq_msg_init (&msg));
    CHECK_ERR (zmq_msg_set (&msg, ZMQ_MORE, 1), EINVAL);
    CHECK_ERR (zmq_msg_set (&msg, ZMQ_MORE, 0), EINVAL);
    CHECK_ERR (zmq_msg_set (&msg, ZMQ_SHARED, 1), EINVAL);
    CHECK_ERR (zmq_msg_set (&msg, ZMQ_SRCFD, 3), EINVAL);
    CHECK_ERR (zmq_msg_set (&msg, 1234, 0), EINVAL);
    CHECK (zmq_msg_more (&msg) == 0);
    CHECK_OK (zmq_msg_close (&msg));
}

static void test_gets_absent (void)
{
    static const char *names[] = {"Socket-Type", "Identity", "Routing-Id",
                                  "User-Id",     "Peer-Address", "__fd",
                                  "",            "socket-type"};
    zmq_msg_t msg;
    CHECK_OK (zmq_msg_init_size (&msg, 100));
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        CHECK_NULL_ERR (zmq_msg_gets (&msg, names[i]), EINVAL);
    CHECK_OK (zmq_msg_close (&msg));
    /* Closed: still NULL + EINVAL. */
    CHECK_NULL_ERR (zmq_msg_gets (&msg, "Socket-Type"), EINVAL);
}

static void test_shared_kinds (void)
{
    static char constant[] = "0123456789012345678901234567890123456789";
    zmq_msg_t a, b;
    /* Inline and heap messages are not shared until copied. */
    CHECK_OK (zmq_msg_init_size (&a, 5));
    CHECK (zmq_msg_get (&a, ZMQ_SHARED) == 0);
    CHECK_OK (zmq_msg_close (&a));
    CHECK_OK (zmq_msg_init_size (&a, 500));
    CHECK (zmq_msg_get (&a, ZMQ_SHARED) == 0);
    CHECK_OK (zmq_msg_init (&b));
    CHECK_OK (zmq_msg_copy (&b, &a));
    CHECK (zmq_msg_get (&a, ZMQ_SHARED) == 1);
    CHECK (zmq_msg_get (&b, ZMQ_SHARED) == 1);
    CHECK_OK (zmq_msg_close (&a));
    CHECK_OK (zmq_msg_close (&b));
    /* Constant data is always shared. */
    CHECK_OK (zmq_msg_init_data (&a, constant, sizeof constant, NULL, NULL));
    CHECK (zmq_msg_get (&a, ZMQ_SHARED) == 1);
    CHECK_OK (zmq_msg_close (&a));
}

int main (void)
{
    RUN_TEST (test_get);
    RUN_TEST (test_set_always_einval);
    RUN_TEST (test_gets_absent);
    RUN_TEST (test_shared_kinds);
    return 0;
}
