/* capi-test: valgrind */
/* Bad context handles and bad arguments: every context call reports EFAULT
 * for a NULL or bogus handle instead of crashing, and zmq_init rejects a
 * negative thread count. Checked against Debian's libzmq 4.3.4. */
#include "testutil.h"

/* Readable memory that is not a context. libzmq reads a tag inside the object
 * (so the memory must be readable for the test to run on libzmq); we look the
 * handle up and never dereference it. */
static unsigned char not_a_ctx[256];

static void test_null_context (void)
{
    CHECK_ERR (zmq_ctx_term (NULL), EFAULT);
    CHECK_ERR (zmq_ctx_shutdown (NULL), EFAULT);
    CHECK_ERR (zmq_ctx_set (NULL, ZMQ_IO_THREADS, 1), EFAULT);
    CHECK_ERR (zmq_ctx_get (NULL, ZMQ_IO_THREADS), EFAULT);
    CHECK_ERR (zmq_ctx_destroy (NULL), EFAULT);
    CHECK_ERR (zmq_term (NULL), EFAULT);
}

static void test_bogus_context (void)
{
    memset (not_a_ctx, 0, sizeof not_a_ctx);
    CHECK_ERR (zmq_ctx_term (not_a_ctx), EFAULT);
    CHECK_ERR (zmq_ctx_shutdown (not_a_ctx), EFAULT);
    CHECK_ERR (zmq_ctx_set (not_a_ctx, ZMQ_IO_THREADS, 1), EFAULT);
    CHECK_ERR (zmq_ctx_get (not_a_ctx, ZMQ_IO_THREADS), EFAULT);
    CHECK_ERR (zmq_ctx_destroy (not_a_ctx), EFAULT);
    CHECK_ERR (zmq_term (not_a_ctx), EFAULT);
    memset (not_a_ctx, 0xff, sizeof not_a_ctx);
    CHECK_ERR (zmq_ctx_term (not_a_ctx), EFAULT);
    CHECK_ERR (zmq_ctx_get (not_a_ctx, ZMQ_MAX_SOCKETS), EFAULT);
}

/* Heap and stack memory that never held a context. */
static void test_other_memory (void)
{
    unsigned char stack_buf[256];
    void *heap_buf = calloc (1, 256);
    CHECK (heap_buf != NULL);
    memset (stack_buf, 0, sizeof stack_buf);
    CHECK_ERR (zmq_ctx_get (heap_buf, ZMQ_IO_THREADS), EFAULT);
    CHECK_ERR (zmq_ctx_set (heap_buf, ZMQ_IO_THREADS, 1), EFAULT);
    CHECK_ERR (zmq_ctx_shutdown (heap_buf), EFAULT);
    CHECK_ERR (zmq_ctx_term (heap_buf), EFAULT);
    CHECK_ERR (zmq_ctx_get (stack_buf, ZMQ_IO_THREADS), EFAULT);
    CHECK_ERR (zmq_ctx_term (stack_buf), EFAULT);
    free (heap_buf);
}

/* A bad handle is checked before the option: EFAULT wins over EINVAL. */
static void test_efault_before_einval (void)
{
    memset (not_a_ctx, 0, sizeof not_a_ctx);
    CHECK_ERR (zmq_ctx_set (NULL, 9999, -1), EFAULT);
    CHECK_ERR (zmq_ctx_get (NULL, 9999), EFAULT);
    CHECK_ERR (zmq_ctx_set (not_a_ctx, ZMQ_MSG_T_SIZE, -1), EFAULT);
}

static void test_init_negative (void)
{
    CHECK_NULL_ERR (zmq_init (-1), EINVAL);
    CHECK_NULL_ERR (zmq_init (-1000), EINVAL);
}

/* A good context keeps working while bad handles are rejected around it. */
static void test_good_context_unaffected (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    CHECK_ERR (zmq_ctx_term (NULL), EFAULT);
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_IO_THREADS, 2));
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_IO_THREADS, -1), EINVAL);
    CHECK (zmq_ctx_get (ctx, ZMQ_IO_THREADS) == 2);
    CHECK_OK (zmq_ctx_shutdown (ctx));
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    RUN_TEST (test_null_context);
    RUN_TEST (test_bogus_context);
    RUN_TEST (test_other_memory);
    RUN_TEST (test_efault_before_einval);
    RUN_TEST (test_init_negative);
    RUN_TEST (test_good_context_unaffected);
    return 0;
}
