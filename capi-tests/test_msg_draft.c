/* capi-test: ours-only */
/* capi-test: valgrind */
/* The draft message API (Debian's libzmq hides it): zmq_msg_init_buffer,
 * zmq_msg_routing_id / zmq_msg_set_routing_id, zmq_msg_group /
 * zmq_msg_set_group. */
#include "testutil.h"
#include <stdint.h>

static void test_init_buffer (void)
{
    static const size_t sizes[] = {0, 1, 29, 30, 31, 33, 34, 1000, 100000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        unsigned char *buf = (unsigned char *) malloc (n + 1);
        for (size_t k = 0; k < n; k++)
            buf[k] = (unsigned char) (k ^ n);
        zmq_msg_t msg;
        CHECK_OK (zmq_msg_init_buffer (&msg, buf, n));
        CHECK (zmq_msg_size (&msg) == n);
        /* A copy, not the caller's buffer. */
        CHECK (zmq_msg_data (&msg) != buf);
        CHECK (memcmp (zmq_msg_data (&msg), buf, n) == 0);
        free (buf);
        CHECK (zmq_msg_get (&msg, ZMQ_SHARED) == 0);
        CHECK_OK (zmq_msg_close (&msg));
    }
    zmq_msg_t msg;
    CHECK_OK (zmq_msg_init_buffer (&msg, NULL, 0));
    CHECK (zmq_msg_size (&msg) == 0);
    CHECK_OK (zmq_msg_close (&msg));
    /* libzmq asserts here; we refuse it. */
    CHECK_ERR (zmq_msg_init_buffer (&msg, NULL, 5), EFAULT);
    CHECK_ERR (zmq_msg_init_buffer (&msg, "x", SIZE_MAX), ENOMEM);
}

static void test_routing_id (void)
{
    zmq_msg_t a, b;
    CHECK_OK (zmq_msg_init_size (&a, 100));
    CHECK (zmq_msg_routing_id (&a) == 0);
    CHECK_ERR (zmq_msg_set_routing_id (&a, 0), EINVAL);
    CHECK_OK (zmq_msg_set_routing_id (&a, 42));
    CHECK (zmq_msg_routing_id (&a) == 42);
    CHECK_OK (zmq_msg_set_routing_id (&a, UINT32_MAX));
    CHECK (zmq_msg_routing_id (&a) == UINT32_MAX);
    /* 0 is refused and leaves the id alone. */
    CHECK_ERR (zmq_msg_set_routing_id (&a, 0), EINVAL);
    CHECK (zmq_msg_routing_id (&a) == UINT32_MAX);
    CHECK_OK (zmq_msg_init (&b));
    CHECK_OK (zmq_msg_copy (&b, &a));
    CHECK (zmq_msg_routing_id (&b) == UINT32_MAX);
    CHECK_OK (zmq_msg_close (&b));
    CHECK_OK (zmq_msg_init (&b));
    CHECK_OK (zmq_msg_move (&b, &a));
    CHECK (zmq_msg_routing_id (&b) == UINT32_MAX);
    CHECK (zmq_msg_routing_id (&a) == 0);
    CHECK_OK (zmq_msg_close (&a));
    CHECK_OK (zmq_msg_close (&b));
    /* Setting on a closed message is refused. */
    CHECK_ERR (zmq_msg_set_routing_id (&a, 7), EFAULT);
}

static void test_group (void)
{
    char name[300];
    zmq_msg_t a, b;
    CHECK_OK (zmq_msg_init (&a));
    CHECK (strcmp (zmq_msg_group (&a), "") == 0);
    CHECK_OK (zmq_msg_set_group (&a, "weather"));
    CHECK (strcmp (zmq_msg_group (&a), "weather") == 0);
    /* 14 characters stay inline, 15 and more go to the heap; up to 255. */
    static const size_t lens[] = {0, 1, 14, 15, 16, 100, 254, 255};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        memset (name, 'a' + (int) i, lens[i]);
        name[lens[i]] = '\0';
        CHECK_OK (zmq_msg_set_group (&a, name));
        CHECK (strcmp (zmq_msg_group (&a), name) == 0);
    }
    /* Above ZMQ_GROUP_MAX_LENGTH: EINVAL, the group is unchanged. */
    memset (name, 'z', 256);
    name[256] = '\0';
    CHECK_ERR (zmq_msg_set_group (&a, name), EINVAL);
    memset (name, 'z', 299);
    name[299] = '\0';
    CHECK_ERR (zmq_msg_set_group (&a, name), EINVAL);
    CHECK (strlen (zmq_msg_group (&a)) == 255);
    CHECK_ERR (zmq_msg_set_group (&a, NULL), EINVAL);

    /* Copies share a long group; it outlives the original. */
    CHECK_OK (zmq_msg_init (&b));
    CHECK_OK (zmq_msg_copy (&b, &a));
    CHECK (zmq_msg_group (&b) == zmq_msg_group (&a));
    CHECK_OK (zmq_msg_close (&a));
    CHECK (strlen (zmq_msg_group (&b)) == 255);
    /* Replacing a shared long group leaves the other copy's alone. */
    CHECK_OK (zmq_msg_init (&a));
    CHECK_OK (zmq_msg_copy (&a, &b));
    CHECK_OK (zmq_msg_set_group (&a, "short"));
    CHECK (strcmp (zmq_msg_group (&a), "short") == 0);
    CHECK (strlen (zmq_msg_group (&b)) == 255);
    /* A short group is copied with the message. */
    zmq_msg_t c;
    CHECK_OK (zmq_msg_init (&c));
    CHECK_OK (zmq_msg_move (&c, &a));
    CHECK (strcmp (zmq_msg_group (&c), "short") == 0);
    CHECK (strcmp (zmq_msg_group (&a), "") == 0);
    CHECK_OK (zmq_msg_close (&a));
    CHECK_OK (zmq_msg_close (&b));
    CHECK_OK (zmq_msg_close (&c));
    /* Closed message: no group to give. */
    CHECK_NULL_ERR (zmq_msg_group (&c), EFAULT);
    CHECK_ERR (zmq_msg_set_group (&c, "x"), EFAULT);
}

int main (void)
{
    RUN_TEST (test_init_buffer);
    RUN_TEST (test_routing_id);
    RUN_TEST (test_group);
    return 0;
}
