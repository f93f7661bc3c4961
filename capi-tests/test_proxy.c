/* zmq_proxy, zmq_proxy_steerable and zmq_device over PULL/PUSH (and a PAIR
 * single-socket echo): whole multipart messages, capture copies, STATISTICS,
 * PAUSE/RESUME, TERMINATE, and ETERM when the context shuts down. */
#include "testutil.h"
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

struct proxy_arg
{
    void *frontend, *backend, *capture, *control;
    int kind; /* 0 proxy, 1 steerable, 2 device */
    int rc, err;
};

static void *proxy_thread (void *arg_)
{
    struct proxy_arg *a = (struct proxy_arg *) arg_;
    if (a->kind == 0)
        a->rc = zmq_proxy (a->frontend, a->backend, a->capture);
    else if (a->kind == 1)
        a->rc = zmq_proxy_steerable (a->frontend, a->backend, a->capture,
                                     a->control);
    else
        a->rc = zmq_device (ZMQ_QUEUE, a->frontend, a->backend);
    a->err = zmq_errno ();
    zmq_close (a->frontend);
    if (a->backend != a->frontend)
        zmq_close (a->backend);
    if (a->capture)
        zmq_close (a->capture);
    if (a->control)
        zmq_close (a->control);
    return NULL;
}

static void *sock (void *ctx, int type, const char *bind, const char *connect)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    int linger = 0;
    CHECK_OK (zmq_setsockopt (s, ZMQ_LINGER, &linger, sizeof linger));
    if (bind)
        CHECK_OK (zmq_bind (s, bind));
    if (connect)
        CHECK_OK (zmq_connect (s, connect));
    return s;
}

static void recv_expect (void *s, const char *want, int more)
{
    char buf[64];
    int n = zmq_recv (s, buf, sizeof buf, 0);
    CHECK (n == (int) strlen (want));
    CHECK (memcmp (buf, want, n) == 0);
    int m;
    size_t len = sizeof m;
    CHECK_OK (zmq_getsockopt (s, ZMQ_RCVMORE, &m, &len));
    CHECK (m == more);
}

static void test_proxy_push_pull_capture (void)
{
    void *ctx = zmq_ctx_new ();
    struct proxy_arg a = {0};
    a.frontend = sock (ctx, ZMQ_PULL, "inproc://front", NULL);
    a.backend = sock (ctx, ZMQ_PUSH, "inproc://back", NULL);
    a.capture = sock (ctx, ZMQ_PUSH, "inproc://capture", NULL);
    void *src = sock (ctx, ZMQ_PUSH, NULL, "inproc://front");
    void *dst = sock (ctx, ZMQ_PULL, NULL, "inproc://back");
    void *cap = sock (ctx, ZMQ_PULL, NULL, "inproc://capture");
    pthread_t th;
    pthread_create (&th, NULL, proxy_thread, &a);

    char part[32];
    for (int i = 0; i < 100; i++) {
        snprintf (part, sizeof part, "a%d", i);
        CHECK (zmq_send (src, part, strlen (part), ZMQ_SNDMORE) >= 0);
        snprintf (part, sizeof part, "b%d", i);
        CHECK (zmq_send (src, part, strlen (part), ZMQ_SNDMORE) >= 0);
        CHECK (zmq_send (src, "", 0, ZMQ_SNDMORE) == 0);
        snprintf (part, sizeof part, "c%d", i);
        CHECK (zmq_send (src, part, strlen (part), 0) >= 0);
    }
    /* A large part travels too (shared content, not copied). */
    static char big[100000];
    memset (big, 'x', sizeof big);
    CHECK (zmq_send (src, big, sizeof big, 0) == (int) sizeof big);

    for (int i = 0; i < 100; i++) {
        void *both[2] = {dst, cap};
        for (int k = 0; k < 2; k++) {
            snprintf (part, sizeof part, "a%d", i);
            recv_expect (both[k], part, 1);
            snprintf (part, sizeof part, "b%d", i);
            recv_expect (both[k], part, 1);
            recv_expect (both[k], "", 1);
            snprintf (part, sizeof part, "c%d", i);
            recv_expect (both[k], part, 0);
        }
    }
    static char got[100001];
    CHECK (zmq_recv (dst, got, sizeof got, 0) == (int) sizeof big);
    CHECK (memcmp (got, big, sizeof big) == 0);
    CHECK (zmq_recv (cap, got, sizeof got, 0) == (int) sizeof big);

    /* The context ends: the proxy returns -1 with ETERM. */
    CHECK_OK (zmq_ctx_shutdown (ctx));
    pthread_join (th, NULL);
    CHECK (a.rc == -1 && a.err == ETERM);
    zmq_close (src);
    zmq_close (dst);
    zmq_close (cap);
    CHECK_OK (zmq_ctx_term (ctx));
}

static uint64_t recv_u64 (void *s, int more)
{
    uint64_t v;
    CHECK (zmq_recv (s, &v, sizeof v, 0) == sizeof v);
    int m;
    size_t len = sizeof m;
    CHECK_OK (zmq_getsockopt (s, ZMQ_RCVMORE, &m, &len));
    CHECK (m == more);
    return v;
}

static void test_steerable (void)
{
    void *ctx = zmq_ctx_new ();
    struct proxy_arg a = {0};
    a.kind = 1;
    a.frontend = sock (ctx, ZMQ_PULL, "inproc://sfront", NULL);
    a.backend = sock (ctx, ZMQ_PUSH, "inproc://sback", NULL);
    a.control = sock (ctx, ZMQ_PAIR, "inproc://sctl", NULL);
    void *src = sock (ctx, ZMQ_PUSH, NULL, "inproc://sfront");
    void *dst = sock (ctx, ZMQ_PULL, NULL, "inproc://sback");
    void *ctl = sock (ctx, ZMQ_PAIR, NULL, "inproc://sctl");
    pthread_t th;
    pthread_create (&th, NULL, proxy_thread, &a);

    for (int i = 0; i < 10; i++)
        CHECK (zmq_send (src, "hello", 5, 0) == 5);
    for (int i = 0; i < 10; i++)
        recv_expect (dst, "hello", 0);

    CHECK (zmq_send (ctl, "STATISTICS", 10, 0) == 10);
    CHECK (recv_u64 (ctl, 1) == 10); /* frontend messages in */
    CHECK (recv_u64 (ctl, 1) == 50); /* frontend bytes in */
    CHECK (recv_u64 (ctl, 1) == 0);  /* frontend messages out */
    CHECK (recv_u64 (ctl, 1) == 0);  /* frontend bytes out */
    CHECK (recv_u64 (ctl, 1) == 0);  /* backend messages in */
    CHECK (recv_u64 (ctl, 1) == 0);  /* backend bytes in */
    CHECK (recv_u64 (ctl, 1) == 10); /* backend messages out */
    CHECK (recv_u64 (ctl, 0) == 50); /* backend bytes out */

    /* PAUSE holds messages back until RESUME. */
    CHECK (zmq_send (ctl, "PAUSE", 5, 0) == 5);
    usleep (50 * 1000);
    CHECK (zmq_send (src, "held", 4, 0) == 4);
    zmq_pollitem_t it[] = {{dst, 0, ZMQ_POLLIN, 0}};
    CHECK (zmq_poll (it, 1, 200) == 0);
    CHECK (zmq_send (ctl, "RESUME", 6, 0) == 6);
    CHECK (zmq_poll (it, 1, 5000) == 1);
    recv_expect (dst, "held", 0);

    /* TERMINATE: the proxy returns 0. */
    CHECK (zmq_send (ctl, "TERMINATE", 9, 0) == 9);
    pthread_join (th, NULL);
    CHECK (a.rc == 0);
    zmq_close (src);
    zmq_close (dst);
    zmq_close (ctl);
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_steerable_without_control (void)
{
    void *ctx = zmq_ctx_new ();
    struct proxy_arg a = {0};
    a.kind = 1;
    a.frontend = sock (ctx, ZMQ_PULL, "inproc://nfront", NULL);
    a.backend = sock (ctx, ZMQ_PUSH, "inproc://nback", NULL);
    void *src = sock (ctx, ZMQ_PUSH, NULL, "inproc://nfront");
    void *dst = sock (ctx, ZMQ_PULL, NULL, "inproc://nback");
    pthread_t th;
    pthread_create (&th, NULL, proxy_thread, &a);
    CHECK (zmq_send (src, "x", 1, 0) == 1);
    recv_expect (dst, "x", 0);
    CHECK_OK (zmq_ctx_shutdown (ctx));
    pthread_join (th, NULL);
    CHECK (a.rc == -1 && a.err == ETERM);
    zmq_close (src);
    zmq_close (dst);
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_device (void)
{
    void *ctx = zmq_ctx_new ();
    struct proxy_arg a = {0};
    a.kind = 2;
    a.frontend = sock (ctx, ZMQ_PULL, "inproc://dfront", NULL);
    a.backend = sock (ctx, ZMQ_PUSH, "inproc://dback", NULL);
    void *src = sock (ctx, ZMQ_PUSH, NULL, "inproc://dfront");
    void *dst = sock (ctx, ZMQ_PULL, NULL, "inproc://dback");
    pthread_t th;
    pthread_create (&th, NULL, proxy_thread, &a);
    CHECK (zmq_send (src, "one", 3, ZMQ_SNDMORE) == 3);
    CHECK (zmq_send (src, "two", 3, 0) == 3);
    recv_expect (dst, "one", 1);
    recv_expect (dst, "two", 0);
    CHECK_OK (zmq_ctx_shutdown (ctx));
    pthread_join (th, NULL);
    CHECK (a.rc == -1 && a.err == ETERM);
    zmq_close (src);
    zmq_close (dst);
    CHECK_OK (zmq_ctx_term (ctx));
}

/* frontend == backend: a PAIR proxied onto itself echoes. */
static void test_single_socket (void)
{
    void *ctx = zmq_ctx_new ();
    struct proxy_arg a = {0};
    a.kind = 1;
    a.frontend = a.backend = sock (ctx, ZMQ_PAIR, "inproc://echo", NULL);
    a.control = sock (ctx, ZMQ_PAIR, "inproc://echoctl", NULL);
    void *peer = sock (ctx, ZMQ_PAIR, NULL, "inproc://echo");
    void *ctl = sock (ctx, ZMQ_PAIR, NULL, "inproc://echoctl");
    pthread_t th;
    pthread_create (&th, NULL, proxy_thread, &a);
    for (int i = 0; i < 20; i++) {
        CHECK (zmq_send (peer, "ping", 4, ZMQ_SNDMORE) == 4);
        CHECK (zmq_send (peer, "pong", 4, 0) == 4);
        recv_expect (peer, "ping", 1);
        recv_expect (peer, "pong", 0);
    }
    CHECK (zmq_send (ctl, "TERMINATE", 9, 0) == 9);
    pthread_join (th, NULL);
    CHECK (a.rc == 0);
    zmq_close (peer);
    zmq_close (ctl);
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    RUN_TEST (test_proxy_push_pull_capture);
    RUN_TEST (test_steerable);
    RUN_TEST (test_steerable_without_control);
    RUN_TEST (test_device);
    RUN_TEST (test_single_socket);
    return 0;
}
