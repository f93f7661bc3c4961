/* A subscription made while the application thread keeps its CPU busy, the
 * way pyzmq's test_log does it (SUBSCRIBE, then more calls and a publish
 * ~300 us later, no wait in between). The whole process is pinned to one
 * CPU, so the I/O thread that carries the SUBSCRIBE to the publisher runs
 * only if its wake-up preempts the busy thread. What counts is the CPU time
 * the busy thread itself used before the XPUB had the subscription: other
 * load on the machine cannot make that longer, only a wake-up that has to
 * wait for the busy thread's time slice to end can.
 * Needs _GNU_SOURCE (sched_setaffinity) before the first include. */
#ifndef CAPI_BUSY_SUBSCRIBE_H
#define CAPI_BUSY_SUBSCRIBE_H

#include "testutil.h"
#include <sched.h>
#include <unistd.h>

/* Pin the calling thread, and the threads it starts later, to its CPU. */
static inline void pin_to_current_cpu (void)
{
    int cpu = sched_getcpu ();
    CHECK (cpu >= 0);
    cpu_set_t set;
    CPU_ZERO (&set);
    CPU_SET (cpu, &set);
    CHECK (sched_setaffinity (0, sizeof set, &set) == 0);
}

static inline double thread_cpu_us (void)
{
    struct timespec t;
    clock_gettime (CLOCK_THREAD_CPUTIME_ID, &t);
    return (double) t.tv_sec * 1e6 + (double) t.tv_nsec / 1e3;
}

/* One round on a fresh context. Returns the busy thread's CPU time (us)
 * from the SUBSCRIBE to the XPUB having it, or -1 if it had used more than
 * limit_us first (the subscription must still arrive later). */
static inline double subscribe_while_busy (double limit_us)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx);
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    CHECK (xpub);
    set_int (xpub, ZMQ_LINGER, 0);
    CHECK_OK (zmq_bind (xpub, "tcp://127.0.0.1:*"));
    char ep[256];
    size_t len = sizeof ep;
    CHECK_OK (zmq_getsockopt (xpub, ZMQ_LAST_ENDPOINT, ep, &len));
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    CHECK (sub);
    set_int (sub, ZMQ_LINGER, 0);
    CHECK_OK (zmq_connect (sub, ep));
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "a", 1));

    /* The first subscription through: the connection is up. */
    zmq_pollitem_t item = {xpub, 0, ZMQ_POLLIN, 0};
    char buf[8];
    CHECK (zmq_poll (&item, 1, 5000) == 1);
    CHECK (zmq_recv (xpub, buf, sizeof buf, 0) == 2 && buf[0] == 1 && buf[1] == 'a');
    /* Every thread asleep again, as after pyzmq's sleep (0.1). */
    usleep (20000);

    double c0 = thread_cpu_us ();
    long w0 = now_ms ();
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0));
    double used = -1;
    for (;;) {
        int events;
        size_t n = sizeof events;
        CHECK_OK (zmq_getsockopt (xpub, ZMQ_EVENTS, &events, &n));
        double c = thread_cpu_us () - c0;
        if (events & ZMQ_POLLIN) {
            used = c;
            break;
        }
        if (c > limit_us || now_ms () - w0 > 5000)
            break;
    }
    /* Late or not, it is the empty subscription and it does arrive. */
    CHECK (zmq_poll (&item, 1, 5000) == 1);
    CHECK (zmq_recv (xpub, buf, sizeof buf, 0) == 1 && buf[0] == 1);

    CHECK_OK (zmq_close (sub));
    CHECK_OK (zmq_close (xpub));
    CHECK_OK (zmq_ctx_term (ctx));
    return used;
}

#endif
