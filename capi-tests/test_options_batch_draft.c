/* capi-test: ours-only
 * ZMQ_IN_BATCH_SIZE and ZMQ_OUT_BATCH_SIZE (draft): libzmq's limits (a
 * positive int, default 8192) and messages of every size from 0 bytes to
 * many batches still arriving whole, in order, when both ends use small
 * batches (16 bytes: with 1, libzmq 4.3.5 itself aborts in msg.cpp)
 * over tcp and ipc. */
#include "testutil.h"

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

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_limits);
    RUN_TEST (test_tiny_batches);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
