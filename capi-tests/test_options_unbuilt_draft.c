/* capi-test: ours-only
 * Options of features this library is built without, refused exactly as a
 * libzmq built without them refuses them (their cases in libzmq's
 * options.cpp sit under #ifdef ZMQ_HAVE_VMCI, ZMQ_HAVE_NORM):
 * zmq_has() says the feature is absent, and
 * both zmq_setsockopt and zmq_getsockopt give EINVAL. The NORM
 * numbers are in the draft header only (WSS is built: test_wss.c). GSSAPI, loaded at run time, is
 * refused this way only when its library does not load:
 * test_gssapi_unloaded_ours.c. NORM itself is there when libnorm loads,
 * with libzmq 4.3.4's engine (Debian's): its fixed parameters, and no
 * ZMQ_NORM_* options (4.3.5's draft API added them), which are refused
 * whether or not libnorm loads, as Debian's libzmq refuses them. */
#include "testutil.h"

static void *ctx;

/* Neither settable (as an int and as a string) nor readable. */
static void refused (void *s, int opt)
{
    int one = 1;
    CHECK_ERR (zmq_setsockopt (s, opt, &one, sizeof one), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, opt, "value", 5), EINVAL);
    char buf[256];
    size_t len = sizeof buf;
    CHECK_ERR (zmq_getsockopt (s, opt, buf, &len), EINVAL);
    len = sizeof one;
    CHECK_ERR (zmq_getsockopt (s, opt, &one, &len), EINVAL);
    uint64_t wide = 1;
    CHECK_ERR (zmq_setsockopt (s, opt, &wide, sizeof wide), EINVAL);
}

static void each (const char *feature, const int *opts, int n)
{
    if (feature)
        CHECK (zmq_has (feature) == 0);
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    CHECK (s);
    for (int i = 0; i < n; i++)
        refused (s, opts[i]);
    CHECK_OK (zmq_close (s));
}

static void test_vmci (void)
{
    int opts[] = {ZMQ_VMCI_BUFFER_SIZE, ZMQ_VMCI_BUFFER_MIN_SIZE,
                  ZMQ_VMCI_BUFFER_MAX_SIZE, ZMQ_VMCI_CONNECT_TIMEOUT};
    each ("vmci", opts, 4);
}

static void test_norm (void)
{
    int opts[] = {ZMQ_NORM_MODE,          ZMQ_NORM_UNICAST_NACK,
                  ZMQ_NORM_BUFFER_SIZE,   ZMQ_NORM_SEGMENT_SIZE,
                  ZMQ_NORM_BLOCK_SIZE,    ZMQ_NORM_NUM_PARITY,
                  ZMQ_NORM_NUM_AUTOPARITY, ZMQ_NORM_PUSH};
    each (NULL, opts, 8);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_vmci);
    RUN_TEST (test_norm);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
