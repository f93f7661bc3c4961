/* capi-test: ours-only
 * ZMQ_IN_BATCH_SIZE and ZMQ_OUT_BATCH_SIZE (draft): libzmq's limits (a
 * positive int, default 8192) and messages of every size from 0 bytes to
 * many batches still arriving whole, in order, when both ends use small
 * batches (16 bytes: with 1, libzmq 4.3.5 itself aborts in msg.cpp)
 * over tcp and ipc.
 * Their effect: many small messages queued before the connection exists go
 * out in writes of about ZMQ_OUT_BATCH_SIZE bytes and are read in reads of
 * at most ZMQ_IN_BATCH_SIZE bytes, seen as the system calls strace counts
 * in a child run of this program (skipped without a working strace).
 * (Also passes against libzmq 4.3.5 built with the draft API.) */
#include "testutil.h"
#include "tcputil.h"

static void *ctx;

static void *make (int type, int batch)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_LINGER, 0);
    set_int (s, ZMQ_RCVTIMEO, 5000);
    set_int (s, ZMQ_SNDTIMEO, 5000);
    if (batch) {
        set_int (s, ZMQ_IN_BATCH_SIZE, batch);
        set_int (s, ZMQ_OUT_BATCH_SIZE, batch);
    }
    return s;
}

static void test_limits (void)
{
    void *s = make (ZMQ_DEALER, 0);
    int v = -1;
    size_t len = sizeof v;
    CHECK_OK (zmq_getsockopt (s, ZMQ_IN_BATCH_SIZE, &v, &len));
    CHECK (v == 8192);
    CHECK_OK (zmq_getsockopt (s, ZMQ_OUT_BATCH_SIZE, &v, &len));
    CHECK (v == 8192);
    int zero = 0;
    CHECK_ERR (zmq_setsockopt (s, ZMQ_IN_BATCH_SIZE, &zero, sizeof zero), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_OUT_BATCH_SIZE, &zero, sizeof zero), EINVAL);
    zmq_close (s);
}

static void transfer (const char *bind_ep)
{
    void *sb = make (ZMQ_PULL, 16), *sc = make (ZMQ_PUSH, 16);
    CHECK_OK (zmq_bind (sb, bind_ep));
    char ep[256];
    size_t len = sizeof ep;
    CHECK_OK (zmq_getsockopt (sb, ZMQ_LAST_ENDPOINT, ep, &len));
    CHECK_OK (zmq_connect (sc, ep));
    static char out[70000], in[70000];
    for (size_t i = 0; i < sizeof out; i++)
        out[i] = (char) (i * 7 + 3);
    size_t sizes[] = {0, 1, 29, 30, 31, 255, 256, 8191, 8192, 8193, 70000};
    int n = (int) (sizeof sizes / sizeof sizes[0]);
    for (int i = 0; i < n; i++)
        CHECK (zmq_send (sc, out, sizes[i], 0) == (int) sizes[i]);
    for (int i = 0; i < n; i++) {
        CHECK (zmq_recv (sb, in, sizeof in, 0) == (int) sizes[i]);
        CHECK (memcmp (in, out, sizes[i]) == 0);
    }
    zmq_close (sc);
    zmq_close (sb);
}

static void test_tiny_batches (void)
{
    transfer ("tcp://127.0.0.1:*");
    transfer ("ipc://*");
}

/* Small messages: 10-byte bodies, 12 bytes each on the wire. */
#define QUEUED 20000

/* QUEUED messages go into a PUSH (ZMQ_OUT_BATCH_SIZE out_batch) whose
 * connection does not exist yet, then a PULL (ZMQ_IN_BATCH_SIZE in_batch)
 * binds and takes them all: the PUSH writes from a full queue. */
static void queued_transfer (int out_batch, int in_batch)
{
    /* Nothing listens there yet (a ZMQ listener would accept part of the
     * queue while it closes, and lose it). */
    char ep[64];
    unused_tcp_endpoint (ep, sizeof ep);

    void *push = make (ZMQ_PUSH, 0);
    set_int (push, ZMQ_SNDHWM, 0);
    set_int (push, ZMQ_OUT_BATCH_SIZE, out_batch);
    CHECK_OK (zmq_connect (push, ep));
    for (int i = 0; i < QUEUED; i++)
        CHECK (zmq_send (push, "0123456789", 10, ZMQ_DONTWAIT) == 10);

    void *pull = make (ZMQ_PULL, 0);
    set_int (pull, ZMQ_RCVHWM, 0);
    set_int (pull, ZMQ_IN_BATCH_SIZE, in_batch);
    bind_when_free (pull, ep);
    char buf[16];
    for (int i = 0; i < QUEUED; i++)
        CHECK (zmq_recv (pull, buf, sizeof buf, 0) == 10);
    zmq_close (push);
    zmq_close (pull);
}

/* A child run of this program doing queued_transfer (out_batch, in_batch)
 * under strace: its send calls (sendmsg, sendto, writev: the library's
 * tcp writes; `write` is left out, the mailboxes' eventfds use it) and
 * receive calls (read, readv, recvfrom, recvmsg: tcp reads, and some
 * eventfd reads). False when strace does not run. */
static int strace_child (int out_batch, int in_batch, long *sends, long *reads)
{
    char out[] = "/tmp/capi-batch-strace-XXXXXX";
    int ofd = mkstemp (out);
    CHECK (ofd >= 0);
    close (ofd);
    char self[256];
    ssize_t n = readlink ("/proc/self/exe", self, sizeof self - 1);
    CHECK (n > 0);
    self[n] = 0;
    char cmd[768];
    snprintf (cmd, sizeof cmd,
              "strace -f -qq -c -e trace=sendmsg,sendto,writev,read,readv,recvfrom,recvmsg "
              "-o %s %s child %d %d >/dev/null 2>&1",
              out, self, out_batch, in_batch);
    *sends = *reads = 0;
    int ran = system (cmd) == 0;
    FILE *f = fopen (out, "r");
    CHECK (f);
    char line[256];
    while (ran && fgets (line, sizeof line, f)) {
        /* "% time  seconds  usecs/call  calls  [errors]  syscall" */
        double pct, secs;
        long per, calls, errs;
        char name[64];
        if (sscanf (line, "%lf %lf %ld %ld %ld %63s", &pct, &secs, &per, &calls, &errs,
                    name) != 6
            && sscanf (line, "%lf %lf %ld %ld %63s", &pct, &secs, &per, &calls, name) != 5)
            continue;
        if (!strcmp (name, "sendmsg") || !strcmp (name, "sendto") || !strcmp (name, "writev"))
            *sends += calls;
        else if (strcmp (name, "total") != 0)
            *reads += calls;
    }
    fclose (f);
    unlink (out);
    return ran && *sends > 0;
}

/* The PUSH's writes: 240 KB of frames gathered 64 bytes at a time is
 * thousands of writes; 8192 at a time (the default), a few dozen; 65536,
 * fewer still. (The segments the receiving socket counts do not show it:
 * the kernel corks a run of small writes on loopback into few segments.) */
static void test_out_batch_sets_write_size (void)
{
    long small, dflt, large, reads;
    if (!strace_child (64, 8192, &small, &reads)) {
        printf ("# strace did not run: write sizes not checked\n");
        return;
    }
    CHECK (strace_child (8192, 8192, &dflt, &reads));
    CHECK (strace_child (65536, 8192, &large, &reads));
    printf ("# send calls: out batch 64: %ld, 8192: %ld, 65536: %ld\n", small, dflt, large);
    CHECK (small >= QUEUED * 12 / (64 + 12));
    CHECK (dflt <= QUEUED * 12 / 8192 * 3);
    CHECK (large < dflt);
}

/* The PULL's reads: 240 KB read 64 bytes at a time is at least 3750
 * reads; 8192 at a time (the default), a few hundred at most. */
static void test_in_batch_sets_read_size (void)
{
    long small, dflt, sends;
    if (!strace_child (8192, 64, &sends, &small)) {
        printf ("# strace did not run: read sizes not checked\n");
        return;
    }
    CHECK (strace_child (8192, 8192, &sends, &dflt));
    printf ("# receive calls: in batch 64: %ld, 8192: %ld\n", small, dflt);
    CHECK (small >= QUEUED * 12 / 64);
    CHECK (small > 5 * dflt);
}

int main (int argc, char **argv)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    if (argc == 4 && strcmp (argv[1], "child") == 0) {
        queued_transfer (atoi (argv[2]), atoi (argv[3]));
        CHECK_OK (zmq_ctx_term (ctx));
        return 0;
    }
    RUN_TEST (test_limits);
    RUN_TEST (test_tiny_batches);
    RUN_TEST (test_out_batch_sets_write_size);
    RUN_TEST (test_in_batch_sets_read_size);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
