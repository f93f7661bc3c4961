/* libzmq-rs only: I/O threads ask for a short time slice (src/io/slice.rs).
 * capi-test: ours-only
 *
 * An I/O thread's wake-up then preempts a busy application thread, so a
 * subscription reaches the publisher within a fraction of a time slice.
 * libzmq's I/O thread keeps the default slice and often waits for the busy
 * thread's whole slice (1.4 ms on two CPUs), which is why pyzmq's test_log
 * lost its race on it now and then, and on our library before this in
 * nearly every run.
 */
#define _GNU_SOURCE
#include "busy_subscribe.h"
#include <dirent.h>
#include <pthread.h>
#include <sys/syscall.h>

/* struct sched_attr, SCHED_ATTR_SIZE_VER0 (not every libc declares it). */
struct slice_attr
{
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t priority;
    uint64_t runtime, deadline, period;
};

static int get_attr (pid_t tid, struct slice_attr *a)
{
    memset (a, 0, sizeof *a);
    return (int) syscall (SYS_sched_getattr, tid, a, (unsigned) sizeof *a, 0);
}

/* Does this kernel keep a custom slice for SCHED_OTHER (Linux 6.12+)? Tried
 * on a thread of its own, which then ends. */
static void *probe_custom_slice (void *out)
{
    struct slice_attr a;
    int ok = 0;
    if (get_attr (0, &a) == 0 && a.policy == SCHED_OTHER) {
        a.size = sizeof a;
        a.flags = 0;
        a.runtime = 300000;
        if (syscall (SYS_sched_setattr, 0, &a, 0) == 0 && get_attr (0, &a) == 0)
            ok = a.runtime == 300000;
    }
    *(int *) out = ok;
    return NULL;
}

static int custom_slices (void)
{
    int ok = 0;
    pthread_t t;
    CHECK (pthread_create (&t, NULL, probe_custom_slice, &ok) == 0);
    CHECK (pthread_join (t, NULL) == 0);
    return ok;
}

static void test_io_thread_asks_for_short_slice (void)
{
    int supported = custom_slices ();
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_PUB);
    CHECK_OK (zmq_bind (s, "tcp://127.0.0.1:*"));
    struct slice_attr mine, io;
    CHECK (get_attr (0, &mine) == 0);
    /* The I/O thread may still be starting. */
    pid_t tid = -1;
    for (long t0 = now_ms (); tid < 0 && now_ms () - t0 < 2000; usleep (1000))
        tid = thread_named ("ZMQbg/IO/0");
    CHECK (tid > 0);
    for (long t0 = now_ms (); now_ms () - t0 < 2000; usleep (1000)) {
        CHECK (get_attr (tid, &io) == 0);
        if (!supported || io.runtime == 200000)
            break;
    }
    /* Policy and nice are the application's. */
    CHECK (io.policy == mine.policy && io.nice == mine.nice);
    if (supported)
        CHECK (io.runtime == 200000);
    else
        printf ("# kernel keeps no custom slice for SCHED_OTHER: not checked\n");
    CHECK_OK (zmq_close (s));
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_subscription_preempts_busy_thread (void)
{
    if (!custom_slices ()) {
        printf ("# kernel keeps no custom slice for SCHED_OTHER: not checked\n");
        return;
    }
    pin_to_current_cpu ();
    /* Without the short slice nearly every round needs 800+ us of the busy
     * thread's CPU time; with it nearly none needs 100. A few rounds may
     * lose anyway (an I/O thread that used more than its share before it
     * slept is not eligible at once), hence a majority. */
    int rounds = 16, fast = 0;
    for (int round = 0; round < rounds; round++)
        if (subscribe_while_busy (500) >= 0)
            fast++;
    printf ("# %d of %d rounds within 500 us of busy CPU time\n", fast, rounds);
    CHECK (fast >= 12);
}

int main (void)
{
    RUN_TEST (test_io_thread_asks_for_short_slice);
    RUN_TEST (test_subscription_preempts_busy_thread);
    return 0;
}
