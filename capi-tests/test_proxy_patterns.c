/* zmq_proxy between ROUTER/DEALER (REQ clients, REP workers) and between
 * XSUB/XPUB (subscriptions travel up, data down). */
#include "testutil.h"
#include <pthread.h>
#include <unistd.h>

struct proxy_arg
{
    void *frontend, *backend;
    int rc, err;
};

static void *proxy_thread (void *arg_)
{
    struct proxy_arg *a = (struct proxy_arg *) arg_;
    a->rc = zmq_proxy (a->frontend, a->backend, NULL);
    a->err = zmq_errno ();
    zmq_close (a->frontend);
    zmq_close (a->backend);
    return NULL;
}

static void *sock (void *ctx, int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    int linger = 0;
    CHECK_OK (zmq_setsockopt (s, ZMQ_LINGER, &linger, sizeof linger));
    return s;
}

#define WORKERS 3
#define CLIENTS 4
#define REQUESTS 50

static void *worker (void *rep)
{
    char buf[64];
    for (;;) {
        int n = zmq_recv (rep, buf, sizeof buf, 0);
        if (n == -1) {
            CHECK (zmq_errno () == ETERM);
            break;
        }
        if (zmq_send (rep, buf, n, 0) == -1) {
            CHECK (zmq_errno () == ETERM);
            break;
        }
    }
    zmq_close (rep);
    return NULL;
}

static void test_router_dealer (void)
{
    void *ctx = zmq_ctx_new ();
    struct proxy_arg a = {0};
    a.frontend = sock (ctx, ZMQ_ROUTER);
    a.backend = sock (ctx, ZMQ_DEALER);
    CHECK_OK (zmq_bind (a.frontend, "inproc://rd-front"));
    CHECK_OK (zmq_bind (a.backend, "inproc://rd-back"));
    pthread_t proxy, workers[WORKERS];
    pthread_create (&proxy, NULL, proxy_thread, &a);
    for (int i = 0; i < WORKERS; i++) {
        void *rep = sock (ctx, ZMQ_REP);
        CHECK_OK (zmq_connect (rep, "inproc://rd-back"));
        pthread_create (&workers[i], NULL, worker, rep);
    }
    void *clients[CLIENTS];
    for (int c = 0; c < CLIENTS; c++) {
        clients[c] = sock (ctx, ZMQ_REQ);
        CHECK_OK (zmq_connect (clients[c], "inproc://rd-front"));
    }
    char req[32], rep[32];
    for (int i = 0; i < REQUESTS; i++) {
        for (int c = 0; c < CLIENTS; c++) {
            snprintf (req, sizeof req, "c%d-%d", c, i);
            CHECK (zmq_send (clients[c], req, strlen (req), 0) >= 0);
        }
        for (int c = 0; c < CLIENTS; c++) {
            snprintf (req, sizeof req, "c%d-%d", c, i);
            int n = zmq_recv (clients[c], rep, sizeof rep, 0);
            CHECK (n == (int) strlen (req) && memcmp (rep, req, n) == 0);
        }
    }
    for (int c = 0; c < CLIENTS; c++)
        zmq_close (clients[c]);
    CHECK_OK (zmq_ctx_shutdown (ctx));
    pthread_join (proxy, NULL);
    CHECK (a.rc == -1 && a.err == ETERM);
    for (int i = 0; i < WORKERS; i++)
        pthread_join (workers[i], NULL);
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_xsub_xpub (void)
{
    void *ctx = zmq_ctx_new ();
    struct proxy_arg a = {0};
    a.frontend = sock (ctx, ZMQ_XSUB);
    a.backend = sock (ctx, ZMQ_XPUB);
    CHECK_OK (zmq_bind (a.frontend, "inproc://xs-front"));
    CHECK_OK (zmq_bind (a.backend, "inproc://xs-back"));
    void *pub = sock (ctx, ZMQ_PUB);
    CHECK_OK (zmq_connect (pub, "inproc://xs-front"));
    void *sub = sock (ctx, ZMQ_SUB);
    CHECK_OK (zmq_connect (sub, "inproc://xs-back"));
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "A", 1));
    pthread_t proxy;
    pthread_create (&proxy, NULL, proxy_thread, &a);

    /* The subscription has to travel SUB -> XPUB -> proxy -> XSUB -> PUB:
     * publish until the first matching message gets through. */
    char buf[16];
    int got = 0;
    zmq_pollitem_t it[] = {{sub, 0, ZMQ_POLLIN, 0}};
    for (int i = 0; i < 500 && !got; i++) {
        CHECK (zmq_send (pub, "Bnope", 5, 0) == 5);
        CHECK (zmq_send (pub, "Ahello", 6, 0) == 6);
        got = zmq_poll (it, 1, 10);
    }
    CHECK (got == 1);
    int n = zmq_recv (sub, buf, sizeof buf, 0);
    CHECK (n == 6 && memcmp (buf, "Ahello", 6) == 0);
    /* Only matching messages arrive. */
    CHECK (zmq_send (pub, "Bnope", 5, 0) == 5);
    CHECK (zmq_send (pub, "Alast", 5, ZMQ_SNDMORE) == 5);
    CHECK (zmq_send (pub, "part2", 5, 0) == 5);
    for (;;) {
        n = zmq_recv (sub, buf, sizeof buf, 0);
        CHECK (n > 0 && buf[0] == 'A');
        if (n == 5 && memcmp (buf, "Alast", 5) == 0)
            break;
    }
    int more;
    size_t len = sizeof more;
    CHECK_OK (zmq_getsockopt (sub, ZMQ_RCVMORE, &more, &len));
    CHECK (more == 1);
    n = zmq_recv (sub, buf, sizeof buf, 0);
    CHECK (n == 5 && memcmp (buf, "part2", 5) == 0);

    zmq_close (pub);
    zmq_close (sub);
    CHECK_OK (zmq_ctx_shutdown (ctx));
    pthread_join (proxy, NULL);
    CHECK (a.rc == -1 && a.err == ETERM);
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    RUN_TEST (test_router_dealer);
    RUN_TEST (test_xsub_xpub);
    return 0;
}
