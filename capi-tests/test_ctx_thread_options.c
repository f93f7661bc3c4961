/* The context's thread options reach its I/O thread, as libzmq's
 * thread_t applies them: ZMQ_THREAD_AFFINITY_CPU_ADD/REMOVE (the CPU set),
 * ZMQ_THREAD_SCHED_POLICY (here SCHED_BATCH, which needs no privilege),
 * ZMQ_THREAD_PRIORITY (for a non-real-time policy a positive value calls
 * nice(-20): checked only as root, where it is allowed; libzmq aborts
 * elsewhere, ours carries on) and ZMQ_THREAD_NAME_PREFIX ("<prefix>/ZMQbg/IO/0"). */
#define _GNU_SOURCE
#include "testutil.h"
#include <dirent.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

/* A context with `setup` applied, its I/O thread started by a tcp bind. */
static void *started (void *ctx, void **sock)
{
    *sock = zmq_socket (ctx, ZMQ_PUSH);
    CHECK (*sock);
    set_int (*sock, ZMQ_LINGER, 0);
    CHECK_OK (zmq_bind (*sock, "tcp://127.0.0.1:*"));
    return ctx;
}

static void test_affinity (void)
{
    cpu_set_t mine;
    CHECK (sched_getaffinity (0, sizeof mine, &mine) == 0);
    int first = -1, n = 0;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET (c, &mine)) {
            if (first < 0)
                first = c;
            n++;
        }
    void *ctx = zmq_ctx_new ();
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, first));
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, first + 1));
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE, first + 1));
    void *s;
    started (ctx, &s);
    pid_t tid = thread_named ("ZMQbg/IO/0");
    CHECK (tid > 0);
    cpu_set_t io;
    CHECK (sched_getaffinity (tid, sizeof io, &io) == 0);
    CHECK (CPU_COUNT (&io) == 1 && CPU_ISSET (first, &io));
    /* The application thread keeps its own set. */
    CHECK (sched_getaffinity (0, sizeof mine, &mine) == 0);
    CHECK (CPU_COUNT (&mine) == n);
    zmq_close (s);
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_policy_and_priority (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_THREAD_SCHED_POLICY, SCHED_BATCH));
    int root = geteuid () == 0;
    if (root)
        CHECK_OK (zmq_ctx_set (ctx, ZMQ_THREAD_PRIORITY, 1));
    void *s;
    started (ctx, &s);
    pid_t tid = thread_named ("ZMQbg/IO/0");
    CHECK (tid > 0);
    CHECK (sched_getscheduler (tid) == SCHED_BATCH);
    CHECK (sched_getscheduler (0) != SCHED_BATCH);
    if (root) {
        /* nice(-20) is relative to the thread's nice (make may run us
         * under nice), down to -20. */
        errno = 0;
        int base = getpriority (PRIO_PROCESS, 0);
        CHECK (errno == 0);
        int want = base - 20 < -20 ? -20 : base - 20;
        CHECK (getpriority (PRIO_PROCESS, (id_t) tid) == want && errno == 0);
    }
    zmq_close (s);
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_name_prefix (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_THREAD_NAME_PREFIX, 42));
    void *s;
    started (ctx, &s);
    CHECK (thread_named ("42/ZMQbg/IO/0") > 0);
    zmq_close (s);
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    RUN_TEST (test_affinity);
    RUN_TEST (test_policy_and_priority);
    RUN_TEST (test_name_prefix);
    return 0;
}
