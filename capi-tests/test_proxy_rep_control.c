/* capi-test: ours-only */
/* libzmq 4.3.5 semantics of zmq_proxy_steerable with a REP control socket:
 * PAUSE, RESUME, TERMINATE and unknown commands get an empty reply, STATISTICS
 * its eight uint64 frames (whole messages counted, as Debian's 4.3.4 and its
 * test_proxy do: 4.3.5 counts parts). Debian's 4.3.4 sends no empty replies,
 * so this test runs against ours only. */
#include "testutil.h"
#include <pthread.h>
#include <stdint.h>

struct proxy_arg
{
    void *frontend, *backend, *control;
    int rc;
};

static void *proxy_thread (void *arg_)
{
    struct proxy_arg *a = (struct proxy_arg *) arg_;
    a->rc = zmq_proxy_steerable (a->frontend, a->backend, NULL, a->control);
    zmq_close (a->frontend);
    zmq_close (a->backend);
    zmq_close (a->control);
    return NULL;
}

static void command (void *req, const char *cmd)
{
    CHECK (zmq_send (req, cmd, strlen (cmd), 0) == (int) strlen (cmd));
    char buf[8];
    CHECK (zmq_recv (req, buf, sizeof buf, 0) == 0);
    int more;
    size_t len = sizeof more;
    CHECK_OK (zmq_getsockopt (req, ZMQ_RCVMORE, &more, &len));
    CHECK (more == 0);
}

static void test_rep_control (void)
{
    void *ctx = zmq_ctx_new ();
    struct proxy_arg a = {0};
    a.frontend = zmq_socket (ctx, ZMQ_PULL);
    a.backend = zmq_socket (ctx, ZMQ_PUSH);
    a.control = zmq_socket (ctx, ZMQ_REP);
    CHECK_OK (zmq_bind (a.frontend, "inproc://f"));
    CHECK_OK (zmq_bind (a.backend, "inproc://b"));
    CHECK_OK (zmq_bind (a.control, "inproc://c"));
    void *src = zmq_socket (ctx, ZMQ_PUSH);
    void *dst = zmq_socket (ctx, ZMQ_PULL);
    void *req = zmq_socket (ctx, ZMQ_REQ);
    CHECK_OK (zmq_connect (src, "inproc://f"));
    CHECK_OK (zmq_connect (dst, "inproc://b"));
    CHECK_OK (zmq_connect (req, "inproc://c"));
    pthread_t th;
    pthread_create (&th, NULL, proxy_thread, &a);

    /* One two-part message: 1 message, 7 bytes. */
    CHECK (zmq_send (src, "abc", 3, ZMQ_SNDMORE) == 3);
    CHECK (zmq_send (src, "defg", 4, 0) == 4);
    char buf[8];
    CHECK (zmq_recv (dst, buf, sizeof buf, 0) == 3);
    CHECK (zmq_recv (dst, buf, sizeof buf, 0) == 4);

    command (req, "PAUSE");
    command (req, "RESUME");
    command (req, "NONSENSE");

    CHECK (zmq_send (req, "STATISTICS", 10, 0) == 10);
    uint64_t want[8] = {1, 7, 0, 0, 0, 0, 1, 7};
    for (int i = 0; i < 8; i++) {
        uint64_t v;
        CHECK (zmq_recv (req, &v, sizeof v, 0) == sizeof v);
        CHECK (v == want[i]);
    }
    command (req, "TERMINATE");
    pthread_join (th, NULL);
    CHECK (a.rc == 0);
    zmq_close (src);
    zmq_close (dst);
    zmq_close (req);
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    RUN_TEST (test_rep_control);
    return 0;
}
