/* capi-test: ours-only */
/* capi-test: valgrind */
/* Misuse that crashes or aborts libzmq (NULL pointers, size/data of a closed
 * message, NULL data with a size, copying a message onto itself) fails
 * cleanly here with errno set. Not run against libzmq for that reason. */
#include "testutil.h"
#include <stdint.h>

static int frees;
static void count_free (void *data_, void *hint_)
{
    (void) data_;
    (void) hint_;
    frees++;
}

static void test_null_message (void)
{
    CHECK_ERR (zmq_msg_init (NULL), EFAULT);
    CHECK_ERR (zmq_msg_init_size (NULL, 10), EFAULT);
    CHECK_ERR (zmq_msg_init_data (NULL, "x", 1, NULL, NULL), EFAULT);
    CHECK_ERR (zmq_msg_init_buffer (NULL, "x", 1), EFAULT);
    CHECK_ERR (zmq_msg_close (NULL), EFAULT);
    zmq_msg_t msg;
    CHECK_OK (zmq_msg_init (&msg));
    CHECK_ERR (zmq_msg_move (NULL, &msg), EFAULT);
    CHECK_ERR (zmq_msg_move (&msg, NULL), EFAULT);
    CHECK_ERR (zmq_msg_copy (NULL, &msg), EFAULT);
    CHECK_ERR (zmq_msg_copy (&msg, NULL), EFAULT);
    CHECK_NULL_ERR (zmq_msg_data (NULL), EFAULT);
    errno = 0;
    CHECK (zmq_msg_size (NULL) == 0 && errno == EFAULT);
    CHECK_ERR (zmq_msg_more (NULL), EFAULT);
    CHECK_ERR (zmq_msg_get (NULL, ZMQ_MORE), EFAULT);
    CHECK_NULL_ERR (zmq_msg_gets (NULL, "Socket-Type"), EFAULT);
    CHECK_NULL_ERR (zmq_msg_gets (&msg, NULL), EINVAL);
    errno = 0;
    CHECK (zmq_msg_routing_id (NULL) == 0 && errno == EFAULT);
    CHECK_ERR (zmq_msg_set_routing_id (NULL, 1), EFAULT);
    CHECK_NULL_ERR (zmq_msg_group (NULL), EFAULT);
    CHECK_ERR (zmq_msg_set_group (NULL, "g"), EFAULT);
    CHECK_ERR (zmq_msg_set (NULL, ZMQ_MORE, 1), EINVAL);
    CHECK_OK (zmq_msg_close (&msg));
}

static void test_closed_size_and_data (void)
{
    zmq_msg_t msg;
    CHECK_OK (zmq_msg_init_size (&msg, 100));
    CHECK_OK (zmq_msg_close (&msg));
    CHECK_NULL_ERR (zmq_msg_data (&msg), EFAULT);
    errno = 0;
    CHECK (zmq_msg_size (&msg) == 0 && errno == EFAULT);
    memset (&msg, 0x5a, sizeof msg);
    CHECK_NULL_ERR (zmq_msg_data (&msg), EFAULT);
    errno = 0;
    CHECK (zmq_msg_size (&msg) == 0 && errno == EFAULT);
}

static void test_null_data_with_size (void)
{
    zmq_msg_t msg;
    frees = 0;
    CHECK_ERR (zmq_msg_init_data (&msg, NULL, 10, NULL, NULL), EFAULT);
    CHECK_ERR (zmq_msg_init_data (&msg, NULL, 10, count_free, NULL), EFAULT);
    /* Failed: the caller still owns the buffer, the free fn is not called. */
    CHECK (frees == 0);
}

static void test_self_copy_and_move (void)
{
    zmq_msg_t msg;
    CHECK_OK (zmq_msg_init_size (&msg, 300));
    memset (zmq_msg_data (&msg), 'k', 300);
    CHECK_OK (zmq_msg_copy (&msg, &msg));
    CHECK_OK (zmq_msg_move (&msg, &msg));
    CHECK (zmq_msg_size (&msg) == 300);
    CHECK (((char *) zmq_msg_data (&msg))[299] == 'k');
    CHECK (zmq_msg_get (&msg, ZMQ_SHARED) == 0);
    CHECK_OK (zmq_msg_close (&msg));
}

static void test_misaligned (void)
{
    union {
        zmq_msg_t msg;
        unsigned char bytes[sizeof (zmq_msg_t) + 8];
    } u;
    zmq_msg_t *bad = (zmq_msg_t *) (u.bytes + 1);
    CHECK_ERR (zmq_msg_init (bad), EFAULT);
    CHECK_ERR (zmq_msg_close (bad), EFAULT);
}

int main (void)
{
    RUN_TEST (test_null_message);
    RUN_TEST (test_closed_size_and_data);
    RUN_TEST (test_null_data_with_size);
    RUN_TEST (test_self_copy_and_move);
    RUN_TEST (test_misaligned);
    return 0;
}
