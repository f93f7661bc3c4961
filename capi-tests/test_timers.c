/* zmq_timers_*: libzmq's tests/test_timers.cpp (timing, NULL pointers,
 * corner cases) plus handlers that change the set while it runs.
 * capi-test: valgrind
 */
#include "testutil.h"
#include <stdint.h>
#include <unistd.h>

static void msleep (long ms)
{
    if (ms > 0)
        usleep ((useconds_t) ms * 1000);
}

static void set_flag (int timer_id, void *arg)
{
    (void) timer_id;
    *(int *) arg = 1;
}

/* Sleep until the next timer is due (sleeps are inexact), then execute. */
static int sleep_and_execute (void *timers)
{
    long timeout = zmq_timers_timeout (timers);
    while (timeout > 0) {
        msleep (timeout);
        timeout = zmq_timers_timeout (timers);
    }
    return zmq_timers_execute (timers);
}

/* The timing test of libzmq's test_timers.cpp. */
static void test_timers (void)
{
    void *timers = zmq_timers_new ();
    CHECK (timers != NULL);
    int invoked = 0;
    const unsigned long full_timeout = 100;
    void *watch = zmq_stopwatch_start ();

    const int timer_id = zmq_timers_add (timers, full_timeout, set_flag, &invoked);
    CHECK_OK (timer_id);

    /* Not yet due. */
    CHECK (zmq_timers_execute (timers) == 0);
    if (zmq_stopwatch_intermediate (watch) < full_timeout * 1000)
        CHECK (!invoked);

    /* Half the time. */
    long timeout = zmq_timers_timeout (timers);
    CHECK (timeout >= 0 && timeout <= (long) full_timeout);
    msleep (timeout / 2);
    CHECK (zmq_timers_execute (timers) == 0);
    if (zmq_stopwatch_intermediate (watch) < full_timeout * 1000)
        CHECK (!invoked);

    /* Until the end. */
    CHECK (sleep_and_execute (timers) == 0);
    CHECK (invoked);
    invoked = 0;

    /* Half the time again. */
    timeout = zmq_timers_timeout (timers);
    CHECK_OK (timeout);
    msleep (timeout / 2);
    CHECK (zmq_timers_execute (timers) == 0);
    if (zmq_stopwatch_intermediate (watch) < 2 * full_timeout * 1000)
        CHECK (!invoked);

    /* Reset, then wait half of the time left. */
    CHECK (zmq_timers_reset (timers, timer_id) == 0);
    msleep (timeout / 2);
    CHECK (zmq_timers_execute (timers) == 0);
    if (zmq_stopwatch_stop (watch) < 2 * full_timeout * 1000)
        CHECK (!invoked);

    CHECK (sleep_and_execute (timers) == 0);
    CHECK (invoked);
    invoked = 0;

    /* Reschedule with a shorter interval. */
    CHECK (zmq_timers_set_interval (timers, timer_id, 50) == 0);
    timeout = zmq_timers_timeout (timers);
    CHECK (timeout >= 0 && timeout <= 50);
    CHECK (sleep_and_execute (timers) == 0);
    CHECK (invoked);
    invoked = 0;

    /* Cancel: it never fires again. */
    timeout = zmq_timers_timeout (timers);
    CHECK_OK (timeout);
    CHECK (zmq_timers_cancel (timers, timer_id) == 0);
    msleep (timeout * 2);
    CHECK (zmq_timers_execute (timers) == 0);
    CHECK (!invoked);

    CHECK (zmq_timers_destroy (&timers) == 0);
    CHECK (timers == NULL);
}

static void test_null_timer_pointers (void)
{
    void *timers = NULL;
    CHECK_ERR (zmq_timers_destroy (&timers), EFAULT);

    const size_t interval = 100;
    const int id = 1;
    /* NULL, and a pointer to something that is not a timer set. */
    CHECK_ERR (zmq_timers_add (timers, interval, set_flag, NULL), EFAULT);
    CHECK_ERR (zmq_timers_add (&timers, interval, set_flag, NULL), EFAULT);
    CHECK_ERR (zmq_timers_cancel (timers, id), EFAULT);
    CHECK_ERR (zmq_timers_cancel (&timers, id), EFAULT);
    CHECK_ERR (zmq_timers_set_interval (timers, id, interval), EFAULT);
    CHECK_ERR (zmq_timers_set_interval (&timers, id, interval), EFAULT);
    CHECK_ERR (zmq_timers_reset (timers, id), EFAULT);
    CHECK_ERR (zmq_timers_reset (&timers, id), EFAULT);
    CHECK_ERR (zmq_timers_timeout (timers), EFAULT);
    CHECK_ERR (zmq_timers_timeout (&timers), EFAULT);
    CHECK_ERR (zmq_timers_execute (timers), EFAULT);
    CHECK_ERR (zmq_timers_execute (&timers), EFAULT);
}

static void test_corner_cases (void)
{
    void *timers = zmq_timers_new ();
    CHECK (timers != NULL);
    const size_t interval = SIZE_MAX;
    const int unknown_id = 1;

    CHECK_ERR (zmq_timers_cancel (timers, unknown_id), EINVAL);
    CHECK_ERR (zmq_timers_set_interval (timers, unknown_id, interval), EINVAL);
    CHECK_ERR (zmq_timers_reset (timers, unknown_id), EINVAL);
    CHECK_ERR (zmq_timers_add (timers, interval, NULL, NULL), EFAULT);

    const int timer_id = zmq_timers_add (timers, interval, set_flag, NULL);
    CHECK_OK (timer_id);

    /* Cancelling twice is an error. */
    CHECK (zmq_timers_cancel (timers, timer_id) == 0);
    CHECK_ERR (zmq_timers_cancel (timers, timer_id), EINVAL);

    /* No live timer: -1, and errno is left alone (libzmq's test sees the
     * EINVAL of the cancel above). */
    errno = 12345;
    CHECK (zmq_timers_timeout (timers) == -1);
    CHECK (errno == 12345);

    CHECK (zmq_timers_destroy (&timers) == 0);
    CHECK (timers == NULL);
    CHECK_ERR (zmq_timers_destroy (&timers), EFAULT);
}

static void test_ids (void)
{
    void *a = zmq_timers_new ();
    void *b = zmq_timers_new ();
    CHECK (a != NULL && b != NULL && a != b);
    CHECK (zmq_timers_add (a, 1000, set_flag, NULL) == 1);
    CHECK (zmq_timers_add (a, 1000, set_flag, NULL) == 2);
    CHECK (zmq_timers_add (b, 1000, set_flag, NULL) == 1);
    CHECK (zmq_timers_cancel (a, 1) == 0);
    CHECK (zmq_timers_add (a, 1000, set_flag, NULL) == 3);
    CHECK (zmq_timers_destroy (&a) == 0);
    CHECK (zmq_timers_destroy (&b) == 0);
}

static void test_timeout_values (void)
{
    void *timers = zmq_timers_new ();
    CHECK (zmq_timers_timeout (timers) == -1);
    const int slow = zmq_timers_add (timers, 5000, set_flag, NULL);
    long timeout = zmq_timers_timeout (timers);
    CHECK (timeout > 4000 && timeout <= 5000);
    const int fast = zmq_timers_add (timers, 1000, set_flag, NULL);
    timeout = zmq_timers_timeout (timers);
    CHECK (timeout > 500 && timeout <= 1000);
    /* A cancelled timer no longer counts. */
    CHECK (zmq_timers_cancel (timers, fast) == 0);
    timeout = zmq_timers_timeout (timers);
    CHECK (timeout > 4000 && timeout <= 5000);
    /* An overdue timer: 0. */
    const int due = zmq_timers_add (timers, 10, set_flag, NULL);
    msleep (30);
    CHECK (zmq_timers_timeout (timers) == 0);
    CHECK (zmq_timers_cancel (timers, due) == 0);
    CHECK (zmq_timers_cancel (timers, slow) == 0);
    CHECK (zmq_timers_timeout (timers) == -1);
    CHECK (zmq_timers_destroy (&timers) == 0);
}

/* Records the order in which handlers ran. */
static int order[8];
static int order_len;

static void record (int timer_id, void *arg)
{
    (void) arg;
    if (order_len < 8)
        order[order_len++] = timer_id;
}

static void test_due_order (void)
{
    void *timers = zmq_timers_new ();
    const int t30 = zmq_timers_add (timers, 30, record, NULL);
    const int t10 = zmq_timers_add (timers, 10, record, NULL);
    const int t20 = zmq_timers_add (timers, 20, record, NULL);
    msleep (50);
    order_len = 0;
    CHECK (zmq_timers_execute (timers) == 0);
    CHECK (order_len == 3);
    CHECK (order[0] == t10 && order[1] == t20 && order[2] == t30);
    /* All rescheduled one interval after this execute; nothing else is due. */
    order_len = 0;
    CHECK (zmq_timers_execute (timers) == 0);
    CHECK (order_len == 0);
    long timeout = zmq_timers_timeout (timers);
    CHECK (timeout >= 0 && timeout <= 10);
    CHECK (zmq_timers_destroy (&timers) == 0);
}

/* A handler that works on the set that is running it. */
struct ctx
{
    void *timers;
    int other;    /* a timer id for the handler to act on */
    int calls;
    int rc;       /* what the handler's own call returned */
    int err;
};

static void cancel_self (int timer_id, void *arg)
{
    struct ctx *c = (struct ctx *) arg;
    c->calls++;
    c->rc = zmq_timers_cancel (c->timers, timer_id);
}

static void test_cancel_in_own_handler (void)
{
    struct ctx c = {zmq_timers_new (), 0, 0, -2, 0};
    const int id = zmq_timers_add (c.timers, 10, cancel_self, &c);
    CHECK (sleep_and_execute (c.timers) == 0);
    CHECK (c.calls == 1);
    CHECK (c.rc == 0);
    /* Already cancelled. */
    CHECK_ERR (zmq_timers_cancel (c.timers, id), EINVAL);
    msleep (30);
    CHECK (zmq_timers_execute (c.timers) == 0);
    CHECK (c.calls == 1);
    /* Swept: gone for good. */
    CHECK (zmq_timers_timeout (c.timers) == -1);
    CHECK_ERR (zmq_timers_reset (c.timers, id), EINVAL);
    CHECK (zmq_timers_destroy (&c.timers) == 0);
}

static void cancel_other (int timer_id, void *arg)
{
    struct ctx *c = (struct ctx *) arg;
    (void) timer_id;
    c->calls++;
    c->rc = zmq_timers_cancel (c->timers, c->other);
}

static void test_cancel_other_in_handler (void)
{
    struct ctx c = {zmq_timers_new (), 0, 0, -2, 0};
    int victim_ran = 0;
    zmq_timers_add (c.timers, 10, cancel_other, &c);
    c.other = zmq_timers_add (c.timers, 20, set_flag, &victim_ran);
    msleep (40);
    /* Both are due; the first cancels the second before it runs. */
    CHECK (zmq_timers_execute (c.timers) == 0);
    CHECK (c.calls == 1 && c.rc == 0);
    CHECK (!victim_ran);
    CHECK (zmq_timers_destroy (&c.timers) == 0);
}

static void add_timer (int timer_id, void *arg)
{
    struct ctx *c = (struct ctx *) arg;
    (void) timer_id;
    c->calls++;
    if (c->calls == 1)
        c->other = zmq_timers_add (c->timers, 20, record, NULL);
}

static void test_add_in_handler (void)
{
    struct ctx c = {zmq_timers_new (), 0, 0, -2, 0};
    const int first = zmq_timers_add (c.timers, 10, add_timer, &c);
    order_len = 0;
    CHECK (sleep_and_execute (c.timers) == 0);
    CHECK (c.calls == 1);
    CHECK (c.other > first);
    CHECK (order_len == 0);
    /* The new timer fires on its own schedule. */
    for (int i = 0; i < 100 && order_len == 0; i++)
        CHECK (sleep_and_execute (c.timers) == 0);
    CHECK (order_len >= 1 && order[0] == c.other);
    CHECK (zmq_timers_destroy (&c.timers) == 0);
}

/* A cancelled timer stays in the set until timeout/execute walks past it:
 * until then reset and set_interval still find it (and it stays cancelled). */
static void test_cancelled_until_swept (void)
{
    void *timers = zmq_timers_new ();
    int invoked = 0;
    const int id = zmq_timers_add (timers, 20, set_flag, &invoked);
    CHECK (zmq_timers_cancel (timers, id) == 0);
    CHECK (zmq_timers_reset (timers, id) == 0);
    CHECK (zmq_timers_set_interval (timers, id, 10) == 0);
    CHECK_ERR (zmq_timers_cancel (timers, id), EINVAL);
    msleep (30);
    CHECK (zmq_timers_execute (timers) == 0);
    CHECK (!invoked);
    CHECK_ERR (zmq_timers_reset (timers, id), EINVAL);
    CHECK_ERR (zmq_timers_set_interval (timers, id, 10), EINVAL);
    CHECK_ERR (zmq_timers_cancel (timers, id), EINVAL);
    CHECK (zmq_timers_destroy (&timers) == 0);
}

static void count (int timer_id, void *arg)
{
    (void) timer_id;
    ++*(int *) arg;
}

static void test_repeats (void)
{
    void *timers = zmq_timers_new ();
    int n = 0;
    zmq_timers_add (timers, 5, count, &n);
    for (int i = 0; i < 5; i++)
        CHECK (sleep_and_execute (timers) == 0);
    CHECK (n == 5);
    /* However late execute is called, a timer fires once per call. */
    msleep (50);
    CHECK (zmq_timers_execute (timers) == 0);
    CHECK (n == 6);
    CHECK (zmq_timers_destroy (&timers) == 0);
}

int main (void)
{
    RUN_TEST (test_timers);
    RUN_TEST (test_null_timer_pointers);
    RUN_TEST (test_corner_cases);
    RUN_TEST (test_ids);
    RUN_TEST (test_timeout_values);
    RUN_TEST (test_due_order);
    RUN_TEST (test_cancel_in_own_handler);
    RUN_TEST (test_cancel_other_in_handler);
    RUN_TEST (test_add_in_handler);
    RUN_TEST (test_cancelled_until_swept);
    RUN_TEST (test_repeats);
    return 0;
}
