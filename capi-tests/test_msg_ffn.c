/* capi-test: valgrind */
/* zmq_msg_init_data free functions: called exactly once, with the caller's
 * data and hint, when the last copy is closed, in whatever order and on
 * whichever thread that happens. */
#include "testutil.h"
#include <pthread.h>

struct tracker {
    int calls; /* updated atomically */
    void *data;
    pthread_t thread;
};

static void free_and_track (void *data_, void *hint_)
{
    struct tracker *t = (struct tracker *) hint_;
    __atomic_fetch_add (&t->calls, 1, __ATOMIC_SEQ_CST);
    t->data = data_;
    t->thread = pthread_self ();
    free (data_);
}

static int calls (struct tracker *t)
{
    return __atomic_load_n (&t->calls, __ATOMIC_SEQ_CST);
}

static void make (zmq_msg_t *msg, size_t n, struct tracker *t)
{
    memset (t, 0, sizeof *t);
    char *buf = (char *) malloc (n ? n : 1);
    CHECK (buf != NULL);
    memset (buf, 'q', n);
    CHECK_OK (zmq_msg_init_data (msg, buf, n, free_and_track, t));
    CHECK (zmq_msg_data (msg) == buf);
}

static void test_single_close (void)
{
    static const size_t sizes[] = {0, 1, 30, 31, 33, 34, 100000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        struct tracker t;
        zmq_msg_t msg;
        make (&msg, sizes[i], &t);
        void *buf = zmq_msg_data (&msg);
        CHECK (zmq_msg_size (&msg) == sizes[i]);
        CHECK (calls (&t) == 0);
        CHECK_OK (zmq_msg_close (&msg));
        CHECK (calls (&t) == 1);
        CHECK (t.data == buf);
        CHECK_ERR (zmq_msg_close (&msg), EFAULT);
        CHECK (calls (&t) == 1);
    }
}

static void test_copies_any_order (void)
{
    for (int order = 0; order < 2; order++) {
        struct tracker t;
        zmq_msg_t orig, copy1, copy2;
        make (&orig, 64, &t);
        CHECK_OK (zmq_msg_init (&copy1));
        CHECK_OK (zmq_msg_copy (&copy1, &orig));
        CHECK_OK (zmq_msg_init (&copy2));
        CHECK_OK (zmq_msg_copy (&copy2, &copy1));
        CHECK (zmq_msg_data (&copy2) == zmq_msg_data (&orig));
        if (order == 0) {
            CHECK_OK (zmq_msg_close (&orig));
            CHECK_OK (zmq_msg_close (&copy1));
            CHECK (calls (&t) == 0);
            CHECK_OK (zmq_msg_close (&copy2));
        } else {
            CHECK_OK (zmq_msg_close (&copy2));
            CHECK_OK (zmq_msg_close (&copy1));
            CHECK (calls (&t) == 0);
            CHECK_OK (zmq_msg_close (&orig));
        }
        CHECK (calls (&t) == 1);
    }
}

static void test_move_then_close (void)
{
    struct tracker t;
    zmq_msg_t a, b;
    make (&a, 50, &t);
    CHECK_OK (zmq_msg_init (&b));
    CHECK_OK (zmq_msg_move (&b, &a));
    CHECK_OK (zmq_msg_close (&a));
    CHECK (calls (&t) == 0);
    CHECK_OK (zmq_msg_close (&b));
    CHECK (calls (&t) == 1);
}

static void test_released_by_copy_and_move_over (void)
{
    /* Overwriting the last holder with copy/move releases the buffer. */
    struct tracker t1, t2;
    zmq_msg_t a, b;
    make (&a, 80, &t1);
    make (&b, 90, &t2);
    CHECK_OK (zmq_msg_copy (&b, &a));
    CHECK (calls (&t2) == 1);
    CHECK (calls (&t1) == 0);
    zmq_msg_t c;
    CHECK_OK (zmq_msg_init_size (&c, 5));
    CHECK_OK (zmq_msg_move (&a, &c));
    CHECK (calls (&t1) == 0);
    CHECK_OK (zmq_msg_move (&b, &a));
    CHECK (calls (&t1) == 1);
    CHECK_OK (zmq_msg_close (&a));
    CHECK_OK (zmq_msg_close (&b));
    CHECK_OK (zmq_msg_close (&c));
    CHECK (calls (&t1) == 1 && calls (&t2) == 1);
}

static void *close_msg (void *arg)
{
    zmq_msg_t *msg = (zmq_msg_t *) arg;
    CHECK (((char *) zmq_msg_data (msg))[0] == 'q');
    CHECK_OK (zmq_msg_close (msg));
    return NULL;
}

static void test_last_close_on_other_thread (void)
{
    struct tracker t;
    zmq_msg_t orig, copy;
    make (&orig, 1000, &t);
    CHECK_OK (zmq_msg_init (&copy));
    CHECK_OK (zmq_msg_copy (&copy, &orig));
    CHECK_OK (zmq_msg_close (&orig));
    CHECK (calls (&t) == 0);
    pthread_t th;
    CHECK (pthread_create (&th, NULL, close_msg, &copy) == 0);
    CHECK (pthread_join (th, NULL) == 0);
    CHECK (calls (&t) == 1);
    CHECK (pthread_equal (t.thread, th));
}

static void test_last_close_on_this_thread (void)
{
    struct tracker t;
    zmq_msg_t orig, copy;
    make (&orig, 1000, &t);
    CHECK_OK (zmq_msg_init (&copy));
    CHECK_OK (zmq_msg_copy (&copy, &orig));
    pthread_t th;
    CHECK (pthread_create (&th, NULL, close_msg, &copy) == 0);
    CHECK (pthread_join (th, NULL) == 0);
    CHECK (calls (&t) == 0);
    CHECK_OK (zmq_msg_close (&orig));
    CHECK (calls (&t) == 1);
    CHECK (pthread_equal (t.thread, pthread_self ()));
}

#define NTHREADS 8

static void test_many_threads_race (void)
{
    for (int round = 0; round < 20; round++) {
        struct tracker t;
        zmq_msg_t orig, copies[NTHREADS];
        make (&orig, 256, &t);
        for (int i = 0; i < NTHREADS; i++) {
            CHECK_OK (zmq_msg_init (&copies[i]));
            CHECK_OK (zmq_msg_copy (&copies[i], &orig));
        }
        CHECK_OK (zmq_msg_close (&orig));
        pthread_t th[NTHREADS];
        for (int i = 0; i < NTHREADS; i++)
            CHECK (pthread_create (&th[i], NULL, close_msg, &copies[i]) == 0);
        for (int i = 0; i < NTHREADS; i++)
            CHECK (pthread_join (th[i], NULL) == 0);
        CHECK (calls (&t) == 1);
    }
}

int main (void)
{
    RUN_TEST (test_single_close);
    RUN_TEST (test_copies_any_order);
    RUN_TEST (test_move_then_close);
    RUN_TEST (test_released_by_copy_and_move_over);
    RUN_TEST (test_last_close_on_other_thread);
    RUN_TEST (test_last_close_on_this_thread);
    RUN_TEST (test_many_threads_race);
    return 0;
}
