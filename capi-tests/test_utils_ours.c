/* libzmq-rs only: the exact zmq_has table and version, and the cases where
 * libzmq crashes, hangs or has undefined behaviour and we fail cleanly.
 * capi-test: ours-only
 * capi-test: valgrind
 */
#include "testutil.h"
#include <stdint.h>
#include <unistd.h>

static void test_version_is_4_3_5 (void)
{
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    CHECK (major == 4 && minor == 3 && patch == 5);
    CHECK (ZMQ_VERSION == 40305);
    /* NULL outputs are skipped. */
    zmq_version (NULL, &minor, NULL);
    CHECK (minor == 3);
}

static void test_has_table (void)
{
    CHECK (zmq_has ("ipc") == 1);
    CHECK (zmq_has ("curve") == 1); /* the CURVE mechanism, as Debian's libzmq */
    CHECK (zmq_has ("draft") == 1);
    /* Loaded at run time: MIT Kerberos is installed here (scripts/deps.sh). */
    CHECK (zmq_has ("gssapi") == 1);
    CHECK (zmq_has ("WS") == 1); /* ws://, spelled as libzmq spells it */
    CHECK (zmq_has ("ws") == 0);
    CHECK (zmq_has ("WSS") == 1); /* wss:// over rustls, spelled as libzmq */
    CHECK (zmq_has ("wss") == 0);
    /* OpenPGM is installed (scripts/deps.sh): loaded at run time. */
    CHECK (zmq_has ("pgm") == 1);
    /* So is libnorm (libnorm1). */
    CHECK (zmq_has ("norm") == 1);
    const char *absent[] = {"tipc", "vmci"};
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
        CHECK (zmq_has (absent[i]) == 0);
    CHECK (zmq_has (NULL) == 0);
}

static void test_z85_null_pointers (void)
{
    uint8_t data[4] = {1, 2, 3, 4};
    char text[6];
    uint8_t out[4];
    CHECK_NULL_ERR (zmq_z85_encode (NULL, data, 4), EFAULT);
    CHECK_NULL_ERR (zmq_z85_encode (text, NULL, 4), EFAULT);
    /* The size check comes first, as in libzmq. */
    CHECK_NULL_ERR (zmq_z85_encode (NULL, data, 3), EINVAL);
    /* Nothing to read for size 0. */
    CHECK (zmq_z85_encode (text, NULL, 0) == text && text[0] == '\0');
    CHECK_NULL_ERR (zmq_z85_decode (out, NULL), EFAULT);
    CHECK_NULL_ERR (zmq_z85_decode (NULL, "HelloWorld"), EFAULT);
    CHECK_NULL_ERR (zmq_z85_decode (NULL, "Hell"), EINVAL);
}

static void test_curve_strict_secret_length (void)
{
    char public_key[41], secret_key[41];
    CHECK_OK (zmq_curve_keypair (public_key, secret_key));
    /* Valid Z85 of the wrong length: libzmq decodes it into a 32-byte
     * buffer anyway (garbage, or a stack overflow); we refuse. */
    CHECK_ERR (zmq_curve_public (public_key, "HelloWorld"), EINVAL);
    char longer[46];
    strcpy (longer, secret_key);
    strcat (longer, "00000");
    CHECK_ERR (zmq_curve_public (public_key, longer), EINVAL);
    secret_key[35] = '\0';
    CHECK_ERR (zmq_curve_public (public_key, secret_key), EINVAL);

    CHECK_ERR (zmq_curve_public (public_key, NULL), EFAULT);
    CHECK_ERR (zmq_curve_public (NULL, "Cl.%(A#p:4jqL+Nql<!5?+kXU(+F]rV3l8w9L0ZJ"), EFAULT);
    CHECK_ERR (zmq_curve_keypair (NULL, secret_key), EFAULT);
    CHECK_ERR (zmq_curve_keypair (public_key, NULL), EFAULT);
}

static void test_atomics_null (void)
{
    CHECK_ERR (zmq_atomic_counter_inc (NULL), EFAULT);
    CHECK_ERR (zmq_atomic_counter_dec (NULL), EFAULT);
    CHECK_ERR (zmq_atomic_counter_value (NULL), EFAULT);
    zmq_atomic_counter_set (NULL, 5);
    zmq_atomic_counter_destroy (NULL);
}

static void test_stopwatch_and_threads_null (void)
{
    CHECK (zmq_stopwatch_intermediate (NULL) == 0);
    CHECK (zmq_stopwatch_stop (NULL) == 0);
    CHECK_NULL_ERR (zmq_threadstart (NULL, NULL), EFAULT);
    zmq_threadclose (NULL);
    zmq_sleep (-1); /* returns at once */
}

static void noop (int timer_id, void *arg)
{
    (void) timer_id;
    (void) arg;
}

static void count (int timer_id, void *arg)
{
    (void) timer_id;
    ++*(int *) arg;
}

static void test_timers_stale_handles (void)
{
    CHECK_ERR (zmq_timers_destroy (NULL), EFAULT);
    void *timers = zmq_timers_new ();
    void *copy = timers;
    CHECK (zmq_timers_add (timers, 10, noop, NULL) == 1);
    CHECK (zmq_timers_destroy (&timers) == 0);
    CHECK (timers == NULL);
    /* The old handle is dead: EFAULT, not a use after free. */
    CHECK_ERR (zmq_timers_add (copy, 10, noop, NULL), EFAULT);
    CHECK_ERR (zmq_timers_cancel (copy, 1), EFAULT);
    CHECK_ERR (zmq_timers_timeout (copy), EFAULT);
    CHECK_ERR (zmq_timers_execute (copy), EFAULT);
    CHECK_ERR (zmq_timers_destroy (&copy), EFAULT);
    /* Some other object. */
    int local = 0;
    CHECK_ERR (zmq_timers_reset (&local, 1), EFAULT);
}

/* libzmq re-runs a 0 ms timer forever inside one execute; we run it once. */
static void test_timers_zero_interval (void)
{
    void *timers = zmq_timers_new ();
    int n = 0;
    zmq_timers_add (timers, 0, count, &n);
    CHECK (zmq_timers_timeout (timers) == 0);
    CHECK (zmq_timers_execute (timers) == 0);
    CHECK (n == 1);
    CHECK (zmq_timers_execute (timers) == 0);
    CHECK (n == 2);
    CHECK (zmq_timers_destroy (&timers) == 0);
}

/* Huge intervals saturate instead of wrapping around to "due now". */
static void test_timers_huge_interval (void)
{
    void *timers = zmq_timers_new ();
    int n = 0;
    const int id = zmq_timers_add (timers, SIZE_MAX, count, &n);
    CHECK (zmq_timers_timeout (timers) > 1000000000L);
    CHECK (zmq_timers_execute (timers) == 0);
    CHECK (n == 0);
    CHECK (zmq_timers_set_interval (timers, id, SIZE_MAX) == 0);
    CHECK (zmq_timers_timeout (timers) > 1000000000L);
    CHECK (zmq_timers_destroy (&timers) == 0);
}

struct self_ctx
{
    void *timers;
    int calls;
};

static void reschedule_self (int timer_id, void *arg)
{
    struct self_ctx *c = (struct self_ctx *) arg;
    c->calls++;
    CHECK (zmq_timers_set_interval (c->timers, timer_id, 5000) == 0);
}

/* libzmq erases the entry its execute loop is standing on (UB); we keep
 * the handler's new schedule. */
static void test_timers_set_interval_in_own_handler (void)
{
    struct self_ctx c = {zmq_timers_new (), 0};
    zmq_timers_add (c.timers, 5, reschedule_self, &c);
    usleep (20000);
    CHECK (zmq_timers_execute (c.timers) == 0);
    CHECK (c.calls == 1);
    const long timeout = zmq_timers_timeout (c.timers);
    CHECK (timeout > 4000 && timeout <= 5000);
    CHECK (zmq_timers_destroy (&c.timers) == 0);
}

static void destroy_set (int timer_id, void *arg)
{
    struct self_ctx *c = (struct self_ctx *) arg;
    (void) timer_id;
    c->calls++;
    CHECK (zmq_timers_destroy (&c->timers) == 0);
}

/* Destroying the set from one of its handlers: the running execute stops. */
static void test_timers_destroy_in_handler (void)
{
    struct self_ctx c = {zmq_timers_new (), 0};
    void *handle = c.timers;
    zmq_timers_add (c.timers, 1, destroy_set, &c);
    zmq_timers_add (c.timers, 1, destroy_set, &c);
    usleep (10000);
    CHECK (zmq_timers_execute (handle) == 0);
    CHECK (c.calls == 1);
    CHECK (c.timers == NULL);
    CHECK_ERR (zmq_timers_execute (handle), EFAULT);
}

int main (void)
{
    RUN_TEST (test_version_is_4_3_5);
    RUN_TEST (test_has_table);
    RUN_TEST (test_z85_null_pointers);
    RUN_TEST (test_curve_strict_secret_length);
    RUN_TEST (test_atomics_null);
    RUN_TEST (test_stopwatch_and_threads_null);
    RUN_TEST (test_timers_stale_handles);
    RUN_TEST (test_timers_zero_interval);
    RUN_TEST (test_timers_huge_interval);
    RUN_TEST (test_timers_set_interval_in_own_handler);
    RUN_TEST (test_timers_destroy_in_handler);
    return 0;
}
