/* zmq_atomic_counter_*: values, return conventions, wrap-around, threads.
 * capi-test: valgrind
 */
#include "testutil.h"
#include <limits.h>

static void test_basics (void)
{
    void *counter = zmq_atomic_counter_new ();
    CHECK (counter != NULL);
    CHECK (zmq_atomic_counter_value (counter) == 0);
    /* inc returns the value before the increment. */
    CHECK (zmq_atomic_counter_inc (counter) == 0);
    CHECK (zmq_atomic_counter_inc (counter) == 1);
    CHECK (zmq_atomic_counter_inc (counter) == 2);
    CHECK (zmq_atomic_counter_value (counter) == 3);
    /* dec returns 1 while the new value is non-zero, then 0. */
    CHECK (zmq_atomic_counter_dec (counter) == 1);
    CHECK (zmq_atomic_counter_dec (counter) == 1);
    CHECK (zmq_atomic_counter_dec (counter) == 0);
    CHECK (zmq_atomic_counter_value (counter) == 0);
    zmq_atomic_counter_set (counter, 2);
    CHECK (zmq_atomic_counter_value (counter) == 2);
    CHECK (zmq_atomic_counter_dec (counter) == 1);
    CHECK (zmq_atomic_counter_dec (counter) == 0);
    zmq_atomic_counter_destroy (&counter);
    CHECK (counter == NULL);
}

static void test_below_zero_and_wrap (void)
{
    void *counter = zmq_atomic_counter_new ();
    CHECK (counter != NULL);
    /* 0 - 1 is non-zero. */
    CHECK (zmq_atomic_counter_dec (counter) == 1);
    CHECK (zmq_atomic_counter_value (counter) == -1);
    CHECK (zmq_atomic_counter_inc (counter) == -1);
    CHECK (zmq_atomic_counter_value (counter) == 0);

    zmq_atomic_counter_set (counter, INT_MAX);
    CHECK (zmq_atomic_counter_inc (counter) == INT_MAX);
    CHECK (zmq_atomic_counter_value (counter) == INT_MIN);
    CHECK (zmq_atomic_counter_dec (counter) == 1);
    CHECK (zmq_atomic_counter_value (counter) == INT_MAX);
    zmq_atomic_counter_destroy (&counter);
    CHECK (counter == NULL);
}

static void test_independent_counters (void)
{
    void *a = zmq_atomic_counter_new ();
    void *b = zmq_atomic_counter_new ();
    CHECK (a != NULL && b != NULL && a != b);
    zmq_atomic_counter_set (a, 10);
    zmq_atomic_counter_inc (b);
    CHECK (zmq_atomic_counter_value (a) == 10);
    CHECK (zmq_atomic_counter_value (b) == 1);
    zmq_atomic_counter_destroy (&a);
    zmq_atomic_counter_destroy (&b);
    CHECK (a == NULL && b == NULL);
}

/* Destroying through a pointer to NULL is harmless (libzmq deletes NULL). */
static void test_destroy_null (void)
{
    void *counter = NULL;
    zmq_atomic_counter_destroy (&counter);
    CHECK (counter == NULL);
}

#define THREADS 8
#define ROUNDS 20000

static void hammer (void *counter)
{
    for (int i = 0; i < ROUNDS; i++)
        zmq_atomic_counter_inc (counter);
    for (int i = 0; i < ROUNDS / 2; i++)
        zmq_atomic_counter_dec (counter);
}

static void test_threads (void)
{
    void *counter = zmq_atomic_counter_new ();
    CHECK (counter != NULL);
    void *threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        threads[i] = zmq_threadstart (hammer, counter);
        CHECK (threads[i] != NULL);
    }
    for (int i = 0; i < THREADS; i++)
        zmq_threadclose (threads[i]);
    CHECK (zmq_atomic_counter_value (counter) == THREADS * ROUNDS / 2);
    zmq_atomic_counter_destroy (&counter);
}

int main (void)
{
    RUN_TEST (test_basics);
    RUN_TEST (test_below_zero_and_wrap);
    RUN_TEST (test_independent_counters);
    RUN_TEST (test_destroy_null);
    RUN_TEST (test_threads);
    return 0;
}
