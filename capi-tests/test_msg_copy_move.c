/* capi-test: valgrind */
/* zmq_msg_copy and zmq_msg_move: content sharing, ZMQ_SHARED, what is left
 * behind, release of the destination's old content, EFAULT on invalid
 * messages (checked in libzmq's order: source first, then destination). */
#include "testutil.h"

static void fill (zmq_msg_t *msg, size_t n, int seed)
{
    CHECK_OK (zmq_msg_init_size (msg, n));
    unsigned char *d = (unsigned char *) zmq_msg_data (msg);
    for (size_t i = 0; i < n; i++)
        d[i] = (unsigned char) (seed + i);
}

static int holds (zmq_msg_t *msg, size_t n, int seed)
{
    if (zmq_msg_size (msg) != n)
        return 0;
    const unsigned char *d = (const unsigned char *) zmq_msg_data (msg);
    for (size_t i = 0; i < n; i++)
        if (d[i] != (unsigned char) (seed + i))
            return 0;
    return 1;
}

static const size_t sizes[] = {0, 1, 29, 30, 31, 33, 34, 100, 70000};
#define NSIZES (sizeof sizes / sizeof sizes[0])

static void test_move (void)
{
    for (size_t s = 0; s < NSIZES; s++) {
        size_t n = sizes[s];
        zmq_msg_t src, dest;
        fill (&src, n, 3);
        CHECK_OK (zmq_msg_init (&dest));
        CHECK (zmq_msg_move (&dest, &src) == 0);
        CHECK (holds (&dest, n, 3));
        /* The source is left a valid, empty message. */
        CHECK (zmq_msg_size (&src) == 0);
        CHECK (zmq_msg_get (&src, ZMQ_SHARED) == 0);
        CHECK_OK (zmq_msg_close (&src));
        CHECK_OK (zmq_msg_close (&dest));
    }
}

static void test_move_large_keeps_pointer (void)
{
    zmq_msg_t src, dest;
    fill (&src, 1000, 1);
    void *p = zmq_msg_data (&src);
    CHECK_OK (zmq_msg_init (&dest));
    CHECK_OK (zmq_msg_move (&dest, &src));
    CHECK (zmq_msg_data (&dest) == p);
    CHECK_OK (zmq_msg_close (&dest));
    CHECK_OK (zmq_msg_close (&src));
}

static void test_move_releases_dest (void)
{
    /* dest's old content is released (valgrind would report the leak). */
    zmq_msg_t src, dest;
    fill (&src, 200, 1);
    fill (&dest, 300, 2);
    CHECK_OK (zmq_msg_move (&dest, &src));
    CHECK (holds (&dest, 200, 1));
    CHECK_OK (zmq_msg_close (&dest));
    CHECK_OK (zmq_msg_close (&src));
}

static void test_copy (void)
{
    for (size_t s = 0; s < NSIZES; s++) {
        size_t n = sizes[s];
        zmq_msg_t src, copy;
        fill (&src, n, 5);
        CHECK_OK (zmq_msg_init (&copy));
        CHECK (zmq_msg_copy (&copy, &src) == 0);
        CHECK (holds (&copy, n, 5));
        CHECK (holds (&src, n, 5));
        CHECK_OK (zmq_msg_close (&src));
        CHECK (holds (&copy, n, 5));
        CHECK_OK (zmq_msg_close (&copy));
    }
}

static void test_copy_shares_large (void)
{
    zmq_msg_t a, b, c;
    fill (&a, 1000, 9);
    CHECK (zmq_msg_get (&a, ZMQ_SHARED) == 0);
    CHECK_OK (zmq_msg_init (&b));
    CHECK_OK (zmq_msg_copy (&b, &a));
    /* Same bytes, not a copy of them; both marked shared. */
    CHECK (zmq_msg_data (&b) == zmq_msg_data (&a));
    CHECK (zmq_msg_get (&a, ZMQ_SHARED) == 1);
    CHECK (zmq_msg_get (&b, ZMQ_SHARED) == 1);
    CHECK_OK (zmq_msg_init (&c));
    CHECK_OK (zmq_msg_copy (&c, &b));
    CHECK (zmq_msg_data (&c) == zmq_msg_data (&a));
    CHECK_OK (zmq_msg_close (&b));
    /* The flag sticks even when the other copies are gone (as in libzmq). */
    CHECK_OK (zmq_msg_close (&c));
    CHECK (zmq_msg_get (&a, ZMQ_SHARED) == 1);
    CHECK (holds (&a, 1000, 9));
    /* Moving carries the flag along. */
    CHECK_OK (zmq_msg_init (&b));
    CHECK_OK (zmq_msg_move (&b, &a));
    CHECK (zmq_msg_get (&b, ZMQ_SHARED) == 1);
    CHECK (zmq_msg_get (&a, ZMQ_SHARED) == 0);
    CHECK_OK (zmq_msg_close (&a));
    CHECK_OK (zmq_msg_close (&b));
}

static void test_copy_small_is_separate (void)
{
    zmq_msg_t a, b;
    fill (&a, 10, 1);
    CHECK_OK (zmq_msg_init (&b));
    CHECK_OK (zmq_msg_copy (&b, &a));
    CHECK (zmq_msg_data (&b) != zmq_msg_data (&a));
    CHECK (zmq_msg_get (&a, ZMQ_SHARED) == 0);
    CHECK (zmq_msg_get (&b, ZMQ_SHARED) == 0);
    ((unsigned char *) zmq_msg_data (&b))[0] = 0xee;
    CHECK (holds (&a, 10, 1));
    CHECK_OK (zmq_msg_close (&a));
    CHECK_OK (zmq_msg_close (&b));
}

static void test_copy_releases_dest (void)
{
    zmq_msg_t a, b;
    fill (&a, 500, 1);
    fill (&b, 600, 2);
    CHECK_OK (zmq_msg_copy (&b, &a));
    CHECK (holds (&b, 500, 1));
    /* Copy over an existing copy of the same content. */
    CHECK_OK (zmq_msg_copy (&b, &a));
    CHECK (holds (&b, 500, 1));
    CHECK_OK (zmq_msg_close (&a));
    CHECK_OK (zmq_msg_close (&b));
}

static void test_copy_close_orders (void)
{
    /* Many copies closed in different orders: each releases exactly once. */
    for (int order = 0; order < 3; order++) {
        zmq_msg_t m[5];
        fill (&m[0], 4000, order);
        for (int i = 1; i < 5; i++) {
            CHECK_OK (zmq_msg_init (&m[i]));
            CHECK_OK (zmq_msg_copy (&m[i], &m[i - 1]));
        }
        for (int i = 0; i < 5; i++) {
            int k = order == 0 ? i : order == 1 ? 4 - i : (i * 2) % 5;
            CHECK (holds (&m[k], 4000, order));
            CHECK_OK (zmq_msg_close (&m[k]));
        }
    }
}

static void test_invalid (void)
{
    zmq_msg_t valid, bad, closed;
    fill (&valid, 100, 4);
    memset (&bad, 0, sizeof bad);
    fill (&closed, 100, 5);
    CHECK_OK (zmq_msg_close (&closed));

    /* Invalid destination: it is "closed" first, which fails; src intact. */
    CHECK_ERR (zmq_msg_move (&bad, &valid), EFAULT);
    CHECK_ERR (zmq_msg_copy (&bad, &valid), EFAULT);
    CHECK_ERR (zmq_msg_move (&closed, &valid), EFAULT);
    CHECK_ERR (zmq_msg_copy (&closed, &valid), EFAULT);
    CHECK (holds (&valid, 100, 4));
    CHECK (zmq_msg_get (&valid, ZMQ_SHARED) == 0);

    /* Invalid source: EFAULT, destination untouched. */
    CHECK_ERR (zmq_msg_move (&valid, &bad), EFAULT);
    CHECK_ERR (zmq_msg_copy (&valid, &bad), EFAULT);
    CHECK_ERR (zmq_msg_move (&valid, &closed), EFAULT);
    CHECK_ERR (zmq_msg_copy (&valid, &closed), EFAULT);
    CHECK (holds (&valid, 100, 4));

    CHECK_OK (zmq_msg_close (&valid));
    CHECK_ERR (zmq_msg_close (&closed), EFAULT);
}

static void test_bitwise_copy_then_move (void)
{
    /* zmq_msg_t may be bit-copied as long as only one copy stays in use. */
    zmq_msg_t a, b, c;
    fill (&a, 20, 7);
    memcpy (&b, &a, sizeof a);
    CHECK (holds (&b, 20, 7));
    fill (&a, 2000, 8);
    memcpy (&c, &a, sizeof a);
    CHECK (holds (&c, 2000, 8));
    CHECK_OK (zmq_msg_close (&b));
    CHECK_OK (zmq_msg_close (&c));
}

int main (void)
{
    RUN_TEST (test_move);
    RUN_TEST (test_move_large_keeps_pointer);
    RUN_TEST (test_move_releases_dest);
    RUN_TEST (test_copy);
    RUN_TEST (test_copy_shares_large);
    RUN_TEST (test_copy_small_is_separate);
    RUN_TEST (test_copy_releases_dest);
    RUN_TEST (test_copy_close_orders);
    RUN_TEST (test_invalid);
    RUN_TEST (test_bitwise_copy_then_move);
    return 0;
}
