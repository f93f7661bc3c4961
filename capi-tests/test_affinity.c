/* capi-test: valgrind
 * ZMQ_AFFINITY, checked by its effect: endpoints run on the allowed I/O
 * threads only (the CPU time of ZMQbg/IO/0 and /1 tells which one moved the
 * messages), and an affinity naming no existing thread makes bind/connect
 * EMTHREAD, as libzmq's choose_io_thread finds none. */
#include "testutil.h"

static void *ctx;

static void *make (int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_RCVTIMEO, 5000);
    set_int (s, ZMQ_SNDTIMEO, 5000);
    set_int (s, ZMQ_LINGER, 0);
    return s;
}

static void set_affinity (void *s, uint64_t bits)
{
    CHECK_OK (zmq_setsockopt (s, ZMQ_AFFINITY, &bits, sizeof bits));
}

static void bounce (void *a, void *b)
{
    char buf[8];
    CHECK (zmq_send (b, "ping", 4, 0) == 4);
    CHECK (zmq_recv (a, buf, sizeof buf, 0) == 4);
}

/* User + system clock ticks a thread has used. */
static long thread_ticks (pid_t tid)
{
    char path[64], buf[1024];
    snprintf (path, sizeof path, "/proc/self/task/%d/stat", (int) tid);
    FILE *f = fopen (path, "r");
    CHECK (f);
    size_t n = fread (buf, 1, sizeof buf - 1, f);
    fclose (f);
    buf[n] = 0;
    /* Fields after the ")" that ends the name: state is 3rd, utime 14th. */
    char *p = strrchr (buf, ')');
    CHECK (p);
    long utime = 0, stime = 0;
    CHECK (sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld",
                   &utime, &stime)
           == 2);
    return utime + stime;
}

static void affinity (void)
{
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_IO_THREADS, 2));
    void *sb = make (ZMQ_PULL), *sc = make (ZMQ_PUSH);
    /* Thread 2 does not exist: nothing may run this endpoint. */
    set_affinity (sb, 4);
    CHECK_ERR (zmq_bind (sb, "tcp://127.0.0.1:*"), EMTHREAD);
    set_affinity (sc, 4);
    CHECK_ERR (zmq_connect (sc, "tcp://127.0.0.1:5555"), EMTHREAD);

    /* Both ends on thread 1. */
    set_affinity (sb, 2);
    set_affinity (sc, 2);
    CHECK_OK (zmq_bind (sb, "tcp://127.0.0.1:*"));
    char ep[256];
    size_t len = sizeof ep;
    CHECK_OK (zmq_getsockopt (sb, ZMQ_LAST_ENDPOINT, ep, &len));
    CHECK_OK (zmq_connect (sc, ep));
    bounce (sb, sc);
    pid_t io0 = thread_named ("ZMQbg/IO/0"), io1 = thread_named ("ZMQbg/IO/1");
    CHECK (io0 > 0 && io1 > 0);
    long t0 = thread_ticks (io0), t1 = thread_ticks (io1);
    char body[200];
    memset (body, 'x', sizeof body);
    for (int round = 0; round < 20 && thread_ticks (io1) - t1 < 10; round++) {
        for (int i = 0; i < 20000; i++) {
            CHECK (zmq_send (sc, body, sizeof body, 0) == sizeof body);
            CHECK (zmq_recv (sb, body, sizeof body, 0) == sizeof body);
        }
    }
    long d0 = thread_ticks (io0) - t0, d1 = thread_ticks (io1) - t1;
    printf ("# I/O thread ticks: IO/0 %ld, IO/1 %ld\n", d0, d1);
    CHECK (d1 >= 10);
    CHECK (d0 <= 2);
    zmq_close (sc);
    zmq_close (sb);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (affinity);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
