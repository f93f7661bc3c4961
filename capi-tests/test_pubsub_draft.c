/* capi-test: ours-only */
/* Draft pub/sub options (libzmq 4.3.5 draft API; Debian's stable 4.3.4
 * build lacks them): ZMQ_TOPICS_COUNT and ZMQ_XSUB_VERBOSE_UNSUBSCRIBE. */
#include "testutil.h"
#include <unistd.h>
#include <stdint.h>

static void *ctx;

static int get_int (void *s, int opt)
{
    int v = -1;
    size_t sz = sizeof v;
    CHECK_OK (zmq_getsockopt (s, opt, &v, &sz));
    return v;
}

static void recv_bytes (void *s, const char *expect, int len)
{
    char buf[64];
    int n = zmq_recv (s, buf, sizeof buf, 0);
    CHECK (n == len && memcmp (buf, expect, len) == 0);
}

static void test_topics_count (void)
{
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    set_int (xpub, ZMQ_RCVTIMEO, 1000);
    CHECK_OK (zmq_bind (xpub, "inproc://topics"));
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    CHECK_OK (zmq_connect (sub, "inproc://topics"));
    CHECK (get_int (sub, ZMQ_TOPICS_COUNT) == 0);
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "a", 1));
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "a", 1));
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "b", 1));
    CHECK (get_int (sub, ZMQ_TOPICS_COUNT) == 2);
    recv_bytes (xpub, "\1a", 2);
    recv_bytes (xpub, "\1b", 2);
    CHECK (get_int (xpub, ZMQ_TOPICS_COUNT) == 2);
    CHECK_OK (zmq_setsockopt (sub, ZMQ_UNSUBSCRIBE, "b", 1));
    recv_bytes (xpub, "\0b", 2);
    CHECK (get_int (xpub, ZMQ_TOPICS_COUNT) == 1);
    CHECK (get_int (sub, ZMQ_TOPICS_COUNT) == 1);
    /* libzmq serves it through do_getsockopt<int>: a wider buffer gets the
     * int, zeros after it, and the length becomes sizeof (int). */
    int64_t wide;
    memset (&wide, 0xFF, sizeof wide);
    size_t sz = sizeof wide;
    CHECK_OK (zmq_getsockopt (xpub, ZMQ_TOPICS_COUNT, &wide, &sz));
    CHECK (sz == sizeof (int) && wide == 1);
    zmq_close (sub);
    zmq_close (xpub);
}

static void test_xsub_verbose_unsubscribe (void)
{
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    set_int (xpub, ZMQ_RCVTIMEO, 1000);
    set_int (xpub, ZMQ_XPUB_VERBOSER, 1);
    CHECK_OK (zmq_bind (xpub, "inproc://xsverbose"));
    void *xsub = zmq_socket (ctx, ZMQ_XSUB);
    set_int (xsub, ZMQ_XSUB_VERBOSE_UNSUBSCRIBE, 1);
    CHECK_OK (zmq_connect (xsub, "inproc://xsverbose"));
    CHECK (zmq_send (xsub, "\1a", 2, 0) == 2);
    CHECK (zmq_send (xsub, "\1a", 2, 0) == 2);
    recv_bytes (xpub, "\1a", 2);
    recv_bytes (xpub, "\1a", 2);
    /* Not the last reference, still forwarded. */
    CHECK (zmq_send (xsub, "\0a", 2, 0) == 2);
    recv_bytes (xpub, "\0a", 2);
    zmq_close (xsub);
    zmq_close (xpub);
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    int one = 1;
    CHECK_ERR (zmq_setsockopt (sub, ZMQ_XSUB_VERBOSE_UNSUBSCRIBE, &one, sizeof one), EINVAL);
    zmq_close (sub);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_topics_count);
    RUN_TEST (test_xsub_verbose_unsubscribe);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
