/* capi-test: valgrind */
/* Context life cycle: many contexts, shutdown before term, and contexts
 * created, configured and terminated from several threads at once. */
#include "testutil.h"

#include <pthread.h>

#define THREADS 8
#define ROUNDS 200

static void test_many_contexts (void)
{
    void *ctxs[64];
    for (int i = 0; i < 64; i++) {
        ctxs[i] = zmq_ctx_new ();
        CHECK (ctxs[i] != NULL);
        for (int j = 0; j < i; j++)
            CHECK (ctxs[i] != ctxs[j]);
        CHECK_OK (zmq_ctx_set (ctxs[i], ZMQ_MAX_SOCKETS, i + 1));
    }
    for (int i = 0; i < 64; i++)
        CHECK (zmq_ctx_get (ctxs[i], ZMQ_MAX_SOCKETS) == i + 1);
    /* Terminate in an order unrelated to creation. */
    for (int i = 0; i < 64; i += 2)
        CHECK_OK (zmq_ctx_term (ctxs[i]));
    for (int i = 1; i < 64; i += 2) {
        CHECK (zmq_ctx_get (ctxs[i], ZMQ_MAX_SOCKETS) == i + 1);
        CHECK_OK (zmq_ctx_destroy (ctxs[i]));
    }
}

static void test_shutdown_then_term (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK_OK (zmq_ctx_shutdown (ctx));
    CHECK_OK (zmq_ctx_shutdown (ctx));
    CHECK_OK (zmq_ctx_term (ctx));
}

static void *churn (void *arg)
{
    const int id = (int) (long) arg;
    for (int i = 0; i < ROUNDS; i++) {
        void *ctx = zmq_ctx_new ();
        if (!ctx)
            return (void *) 1;
        if (zmq_ctx_set (ctx, ZMQ_IO_THREADS, id) != 0
            || zmq_ctx_get (ctx, ZMQ_IO_THREADS) != id)
            return (void *) 2;
        if (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 0) != -1 || errno != EINVAL)
            return (void *) 3;
        if (i % 2 && zmq_ctx_shutdown (ctx) != 0)
            return (void *) 4;
        if (zmq_ctx_term (ctx) != 0)
            return (void *) 5;
    }
    return NULL;
}

static void test_concurrent_contexts (void)
{
    pthread_t threads[THREADS];
    void *shared = zmq_ctx_new ();
    CHECK (shared != NULL);
    for (long i = 0; i < THREADS; i++)
        CHECK (pthread_create (&threads[i], NULL, churn, (void *) i) == 0);
    for (int i = 0; i < THREADS; i++) {
        void *res = (void *) -1;
        CHECK (pthread_join (threads[i], &res) == 0);
        CHECK (res == NULL);
    }
    /* A context that lived through it all is untouched. */
    CHECK (zmq_ctx_get (shared, ZMQ_IO_THREADS) == 1);
    CHECK_OK (zmq_ctx_term (shared));
}

int main (void)
{
    RUN_TEST (test_many_contexts);
    RUN_TEST (test_shutdown_then_term);
    RUN_TEST (test_concurrent_contexts);
    return 0;
}
