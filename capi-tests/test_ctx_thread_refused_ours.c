/* capi-test: ours-only
 * A thread option the kernel refuses leaves the I/O thread as it was and the
 * context working: here ZMQ_THREAD_AFFINITY_CPU_ADD of a CPU this machine
 * does not have (sched_setaffinity says EINVAL). libzmq asserts on the
 * refusal and aborts the whole process, so this test is ours only (built
 * against ours alone by the harness, though it uses only the stable API). */
#define _GNU_SOURCE
#include "testutil.h"
#include <sched.h>

static void refused_affinity (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx);
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, 1000));
    void *pull = zmq_socket (ctx, ZMQ_PULL), *push = zmq_socket (ctx, ZMQ_PUSH);
    CHECK (pull && push);
    set_int (pull, ZMQ_RCVTIMEO, 5000);
    set_int (push, ZMQ_LINGER, 0);
    set_int (pull, ZMQ_LINGER, 0);
    CHECK_OK (zmq_bind (pull, "tcp://127.0.0.1:*"));
    char ep[256];
    size_t len = sizeof ep;
    CHECK_OK (zmq_getsockopt (pull, ZMQ_LAST_ENDPOINT, ep, &len));
    CHECK_OK (zmq_connect (push, ep));
    CHECK (zmq_send (push, "x", 1, 0) == 1);
    char buf[4];
    CHECK (zmq_recv (pull, buf, sizeof buf, 0) == 1);

    /* The I/O thread kept the process's CPU set. */
    pid_t io = thread_named ("ZMQbg/IO/0");
    CHECK (io > 0);
    cpu_set_t mine, its;
    CHECK (sched_getaffinity (0, sizeof mine, &mine) == 0);
    CHECK (sched_getaffinity (io, sizeof its, &its) == 0);
    CHECK (CPU_EQUAL (&mine, &its));
    zmq_close (push);
    zmq_close (pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    RUN_TEST (refused_affinity);
    return 0;
}
