/* capi-test: valgrind */
/* zmq_errno is the calling thread's C errno; zmq_strerror has libzmq's texts
 * for the 0MQ codes and the C library's for the rest. Checked against
 * Debian's libzmq 4.3.4. */
#include "testutil.h"

#include <pthread.h>

static void test_errno_values (void)
{
    /* The 0MQ-native codes are fixed by zmq.h; on Linux the POSIX ones are
     * the OS values. */
    CHECK (ZMQ_HAUSNUMERO == 156384712);
    CHECK (EFSM == ZMQ_HAUSNUMERO + 51);
    CHECK (ENOCOMPATPROTO == ZMQ_HAUSNUMERO + 52);
    CHECK (ETERM == ZMQ_HAUSNUMERO + 53);
    CHECK (EMTHREAD == ZMQ_HAUSNUMERO + 54);
    CHECK (ENOTSUP == 95);
    CHECK (EHOSTUNREACH == 113);
}

static void test_errno_after_failure (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    errno = 0;
    CHECK (zmq_ctx_set (ctx, ZMQ_IO_THREADS, -1) == -1);
    CHECK (zmq_errno () == EINVAL);
    CHECK (errno == EINVAL);
    /* zmq_errno reads errno; it does not reset it. */
    CHECK (zmq_errno () == EINVAL);

    errno = 0;
    CHECK (zmq_ctx_get (NULL, ZMQ_IO_THREADS) == -1);
    CHECK (zmq_errno () == EFAULT);
    CHECK (errno == EFAULT);

    errno = 0;
    CHECK (zmq_init (-1) == NULL);
    CHECK (zmq_errno () == EINVAL);
    CHECK_OK (zmq_ctx_term (ctx));
}

/* It is the real errno: whatever the program stores, zmq_errno returns. */
static void test_errno_is_c_errno (void)
{
    errno = ETERM;
    CHECK (zmq_errno () == ETERM);
    errno = 12345;
    CHECK (zmq_errno () == 12345);
    errno = 0;
    CHECK (zmq_errno () == 0);
}

static void *fail_in_thread (void *arg)
{
    (void) arg;
    errno = 0;
    if (zmq_ctx_term (NULL) != -1 || zmq_errno () != EFAULT)
        return (void *) 1;
    return NULL;
}

/* errno is per thread: a failure in another thread leaves ours alone. */
static void test_errno_per_thread (void)
{
    pthread_t t;
    void *res = (void *) 1;
    errno = 0;
    CHECK (zmq_ctx_set (NULL, ZMQ_IO_THREADS, 1) == -1);
    CHECK (zmq_errno () == EFAULT);
    errno = EINVAL;
    CHECK (pthread_create (&t, NULL, fail_in_thread, NULL) == 0);
    CHECK (pthread_join (t, &res) == 0);
    CHECK (res == NULL);
    CHECK (zmq_errno () == EINVAL);
}

static void check_text (int errnum, const char *want)
{
    const char *got = zmq_strerror (errnum);
    if (got == NULL || strcmp (got, want) != 0) {
        fprintf (stderr, "zmq_strerror (%d) = \"%s\", want \"%s\"\n", errnum,
                 got ? got : "(null)", want);
        exit (1);
    }
}

static void test_strerror_zmq_codes (void)
{
    check_text (EFSM, "Operation cannot be accomplished in current state");
    check_text (ENOCOMPATPROTO,
                "The protocol is not compatible with the socket type");
    check_text (ETERM, "Context was terminated");
    check_text (EMTHREAD, "No thread available");
    /* libzmq's own text, not glibc's "No route to host". */
    check_text (EHOSTUNREACH, "Host unreachable");
}

/* Everything else is the C library's strerror. */
static void test_strerror_os_codes (void)
{
    const int codes[] = {0,          EAGAIN,      EINTR,          EINVAL,
                         EFAULT,     ENOMEM,      EMFILE,         ENOENT,
                         ENODEV,     EPROTO,      ENAMETOOLONG,   ENOTSUP,
                         EPROTONOSUPPORT,         ENOBUFS,        ENETDOWN,
                         EADDRINUSE, EADDRNOTAVAIL, ECONNREFUSED, EINPROGRESS,
                         ENOTSOCK,   EMSGSIZE,    EAFNOSUPPORT,   ENETUNREACH,
                         ECONNABORTED, ECONNRESET, ENOTCONN,      ETIMEDOUT,
                         ENETRESET};
    for (unsigned i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        char want[256];
        snprintf (want, sizeof want, "%s", strerror (codes[i]));
        check_text (codes[i], want);
    }
    check_text (EINVAL, "Invalid argument");
    check_text (EAGAIN, "Resource temporarily unavailable");
    /* Numbers nobody defines, including the unused part of the 0MQ block. */
    check_text (-1, "Unknown error -1");
    check_text (99999, "Unknown error 99999");
    check_text (ZMQ_HAUSNUMERO, "Unknown error 156384712");
    check_text (ZMQ_HAUSNUMERO + 55, "Unknown error 156384767");
}

/* The 0MQ texts are static: a pointer stays valid and unchanged. */
static void test_strerror_pointer_lifetime (void)
{
    const char *a = zmq_strerror (ETERM);
    const char *b = zmq_strerror (EFSM);
    (void) zmq_strerror (EINVAL);
    (void) zmq_strerror (4242);
    CHECK (strcmp (a, "Context was terminated") == 0);
    CHECK (strcmp (b, "Operation cannot be accomplished in current state")
           == 0);
    CHECK (zmq_strerror (ETERM) == a);
}

int main (void)
{
    RUN_TEST (test_errno_values);
    RUN_TEST (test_errno_after_failure);
    RUN_TEST (test_errno_is_c_errno);
    RUN_TEST (test_errno_per_thread);
    RUN_TEST (test_strerror_zmq_codes);
    RUN_TEST (test_strerror_os_codes);
    RUN_TEST (test_strerror_pointer_lifetime);
    return 0;
}
