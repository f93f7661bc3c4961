/* zmq_version, zmq_has, zmq_stopwatch_*, zmq_sleep, zmq_threadstart/close.
 * capi-test: valgrind
 */
#define _GNU_SOURCE
#include "testutil.h"
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

static void test_version (void)
{
    int major = -1, minor = -1, patch = -1;
    zmq_version (&major, &minor, &patch);
    /* The library and the header it came with agree. */
    CHECK (major == ZMQ_VERSION_MAJOR);
    CHECK (minor == ZMQ_VERSION_MINOR);
    /* At least as new as the header (a binary built against 4.3.4's header
     * may run on 4.3.5). */
    CHECK (patch >= ZMQ_VERSION_PATCH);
    CHECK (major == 4 && minor == 3);
    CHECK (ZMQ_MAKE_VERSION (major, minor, patch) >= ZMQ_VERSION);
}

/* What every build of libzmq 4.3 with CURVE reports alike. The exact table
 * of libzmq-rs is checked in test_utils_ours.c. */
static void test_has (void)
{
    CHECK (zmq_has ("ipc") == 1);
    CHECK (zmq_has ("vmci") == 0);
    /* Exact case, exact names. */
    CHECK (zmq_has ("IPC") == 0);
    CHECK (zmq_has ("Curve") == 0);
    CHECK (zmq_has ("ws") == 0);
    CHECK (zmq_has ("wss") == 0);
    CHECK (zmq_has ("ipc ") == 0);
    CHECK (zmq_has ("") == 0);
    CHECK (zmq_has ("tcp") == 0);
    CHECK (zmq_has ("inproc") == 0);
    CHECK (zmq_has ("nonsense") == 0);
}

static void test_stopwatch (void)
{
    void *watch = zmq_stopwatch_start ();
    CHECK (watch != NULL);
    usleep (20000);
    const unsigned long t1 = zmq_stopwatch_intermediate (watch);
    CHECK (t1 >= 20000);
    CHECK (t1 < 20000000);
    usleep (10000);
    const unsigned long t2 = zmq_stopwatch_intermediate (watch);
    CHECK (t2 >= t1 + 10000);
    const unsigned long t3 = zmq_stopwatch_stop (watch);
    CHECK (t3 >= t2);
    CHECK (t3 < 20000000);
}

static void test_stopwatch_resolution (void)
{
    /* Microseconds, not milliseconds: two quick readings of a fresh watch
     * are far below 1000, yet a 1.5 ms sleep is seen as >= 1500. */
    void *watch = zmq_stopwatch_start ();
    const unsigned long quick = zmq_stopwatch_intermediate (watch);
    usleep (1500);
    const unsigned long later = zmq_stopwatch_stop (watch);
    CHECK (quick < 1000);
    CHECK (later >= 1500);
}

static void test_sleep (void)
{
    void *watch = zmq_stopwatch_start ();
    zmq_sleep (0);
    CHECK (zmq_stopwatch_intermediate (watch) < 500000);
    zmq_sleep (1);
    const unsigned long elapsed = zmq_stopwatch_stop (watch);
    CHECK (elapsed >= 990000);
    CHECK (elapsed < 3000000);
}

struct thread_report
{
    int ran;
    pthread_t self;
    char name[32];
    int sigint_blocked;
    int sigterm_blocked;
    void *arg_seen;
};

static void thread_body (void *arg)
{
    struct thread_report *r = (struct thread_report *) arg;
    r->arg_seen = arg;
    r->self = pthread_self ();
    if (pthread_getname_np (pthread_self (), r->name, sizeof r->name) != 0)
        r->name[0] = '\0';
    sigset_t mask;
    sigemptyset (&mask);
    pthread_sigmask (SIG_BLOCK, NULL, &mask);
    r->sigint_blocked = sigismember (&mask, SIGINT);
    r->sigterm_blocked = sigismember (&mask, SIGTERM);
    usleep (20000);
    r->ran = 1;
}

static void test_thread (void)
{
    struct thread_report r;
    memset (&r, 0, sizeof r);
    void *thread = zmq_threadstart (thread_body, &r);
    CHECK (thread != NULL);
    /* zmq_threadclose joins: the body has finished when it returns. */
    zmq_threadclose (thread);
    CHECK (r.ran == 1);
    CHECK (r.arg_seen == &r);
    CHECK (!pthread_equal (r.self, pthread_self ()));
    CHECK (strcmp (r.name, "ZMQapp") == 0);
    /* libzmq blocks signals in the threads it starts. */
    CHECK (r.sigint_blocked == 1);
    CHECK (r.sigterm_blocked == 1);
}

static void increment (void *arg)
{
    __atomic_add_fetch ((int *) arg, 1, __ATOMIC_SEQ_CST);
}

static void test_many_threads (void)
{
    int n = 0;
    void *threads[32];
    for (int i = 0; i < 32; i++) {
        threads[i] = zmq_threadstart (increment, &n);
        CHECK (threads[i] != NULL);
    }
    for (int i = 0; i < 32; i++)
        zmq_threadclose (threads[i]);
    CHECK (n == 32);
}

/* A big stack frame, as code written for pthread's default stack may use. */
static void deep (void *arg)
{
    volatile char buf[4 * 1024 * 1024];
    buf[0] = 1;
    buf[sizeof buf - 1] = 2;
    *(int *) arg = buf[0] + buf[sizeof buf - 1];
}

static void test_thread_stack (void)
{
    int result = 0;
    void *thread = zmq_threadstart (deep, &result);
    CHECK (thread != NULL);
    zmq_threadclose (thread);
    CHECK (result == 3);
}

int main (void)
{
    RUN_TEST (test_version);
    RUN_TEST (test_has);
    RUN_TEST (test_stopwatch);
    RUN_TEST (test_stopwatch_resolution);
    RUN_TEST (test_sleep);
    RUN_TEST (test_thread);
    RUN_TEST (test_many_threads);
    RUN_TEST (test_thread_stack);
    return 0;
}
