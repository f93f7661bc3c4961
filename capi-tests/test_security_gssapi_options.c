/* The ZMQ_GSSAPI_* options as libzmq 4.3 built with GSSAPI has them
 * (options.cpp under HAVE_LIBGSSAPI_KRB5): defaults, what each accepts,
 * how they pick the mechanism and the side, and what getsockopt returns.
 * Debian's libzmq links MIT Kerberos; ours loads it at run time, and
 * scripts/deps.sh installs it, so both report zmq_has("gssapi") here.
 * (A library without it: test_gssapi_unloaded_ours.c.) */
#include "testutil.h"
#include <string.h>

static void *ctx;

static int get_int (void *s, int opt)
{
    int v = -7;
    size_t len = sizeof v;
    CHECK_OK (zmq_getsockopt (s, opt, &v, &len));
    CHECK (len == sizeof v);
    return v;
}

static void *fresh (void)
{
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    CHECK (s);
    return s;
}

static void test_defaults (void)
{
    CHECK (zmq_has ("gssapi") == 1);
    void *s = fresh ();
    CHECK (get_int (s, ZMQ_GSSAPI_SERVER) == 0);
    CHECK (get_int (s, ZMQ_GSSAPI_PLAINTEXT) == 0);
    CHECK (get_int (s, ZMQ_GSSAPI_PRINCIPAL_NAMETYPE) == ZMQ_GSSAPI_NT_HOSTBASED);
    CHECK (get_int (s, ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE)
           == ZMQ_GSSAPI_NT_HOSTBASED);
    char buf[16];
    memset (buf, 'x', sizeof buf);
    size_t len = sizeof buf;
    CHECK_OK (zmq_getsockopt (s, ZMQ_GSSAPI_PRINCIPAL, buf, &len));
    CHECK (len == 1 && buf[0] == 0 && buf[15] == 0);
    len = sizeof buf;
    CHECK_OK (zmq_getsockopt (s, ZMQ_GSSAPI_SERVICE_PRINCIPAL, buf, &len));
    CHECK (len == 1 && buf[0] == 0);
    CHECK (get_int (s, ZMQ_MECHANISM) == ZMQ_NULL);
    CHECK_OK (zmq_close (s));
}

static void test_server (void)
{
    void *s = fresh ();
    int v = 1;
    CHECK_OK (zmq_setsockopt (s, ZMQ_GSSAPI_SERVER, &v, sizeof v));
    CHECK (get_int (s, ZMQ_GSSAPI_SERVER) == 1);
    CHECK (get_int (s, ZMQ_MECHANISM) == ZMQ_GSSAPI);
    /* 0 keeps the mechanism GSSAPI (unlike PLAIN/CURVE_SERVER). */
    v = 0;
    CHECK_OK (zmq_setsockopt (s, ZMQ_GSSAPI_SERVER, &v, sizeof v));
    CHECK (get_int (s, ZMQ_GSSAPI_SERVER) == 0);
    CHECK (get_int (s, ZMQ_MECHANISM) == ZMQ_GSSAPI);
    v = 2;
    CHECK_ERR (zmq_setsockopt (s, ZMQ_GSSAPI_SERVER, &v, sizeof v), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_GSSAPI_SERVER, &v, 2), EINVAL);
    /* Another mechanism's server flag takes over. */
    v = 1;
    CHECK_OK (zmq_setsockopt (s, ZMQ_GSSAPI_SERVER, &v, sizeof v));
    CHECK_OK (zmq_setsockopt (s, ZMQ_PLAIN_SERVER, &v, sizeof v));
    CHECK (get_int (s, ZMQ_GSSAPI_SERVER) == 0);
    CHECK (get_int (s, ZMQ_MECHANISM) == ZMQ_PLAIN);
    /* A 1-byte buffer is not an int. */
    char c;
    size_t len = 1;
    CHECK_ERR (zmq_getsockopt (s, ZMQ_GSSAPI_SERVER, &c, &len), EINVAL);
    CHECK_OK (zmq_close (s));
}

static void test_principals (void)
{
    void *s = fresh ();
    int one = 1;
    CHECK_OK (zmq_setsockopt (s, ZMQ_GSSAPI_SERVER, &one, sizeof one));
    /* PRINCIPAL keeps the side; SERVICE_PRINCIPAL makes a client. */
    CHECK_OK (zmq_setsockopt (s, ZMQ_GSSAPI_PRINCIPAL, "alice", 5));
    CHECK (get_int (s, ZMQ_GSSAPI_SERVER) == 1);
    CHECK_OK (zmq_setsockopt (s, ZMQ_GSSAPI_SERVICE_PRINCIPAL, "svc", 3));
    CHECK (get_int (s, ZMQ_GSSAPI_SERVER) == 0);
    CHECK (get_int (s, ZMQ_MECHANISM) == ZMQ_GSSAPI);
    char buf[300];
    size_t len = sizeof buf;
    CHECK_OK (zmq_getsockopt (s, ZMQ_GSSAPI_PRINCIPAL, buf, &len));
    CHECK (len == 6 && strcmp (buf, "alice") == 0);
    /* Too small for the text and its NUL. */
    len = 5;
    CHECK_ERR (zmq_getsockopt (s, ZMQ_GSSAPI_PRINCIPAL, buf, &len), EINVAL);
    /* Kept as given: libzmq's own test passes strlen + 1. */
    CHECK_OK (zmq_setsockopt (s, ZMQ_GSSAPI_SERVICE_PRINCIPAL, "zmqtest2", 9));
    len = sizeof buf;
    CHECK_OK (zmq_getsockopt (s, ZMQ_GSSAPI_SERVICE_PRINCIPAL, buf, &len));
    CHECK (len == 10 && strcmp (buf, "zmqtest2") == 0);
    /* 1..255 bytes; empty and NULL refused (no clearing). */
    memset (buf, 'p', sizeof buf);
    CHECK_OK (zmq_setsockopt (s, ZMQ_GSSAPI_PRINCIPAL, buf, 255));
    CHECK_ERR (zmq_setsockopt (s, ZMQ_GSSAPI_PRINCIPAL, buf, 256), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_GSSAPI_PRINCIPAL, "", 0), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_GSSAPI_PRINCIPAL, NULL, 0), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_GSSAPI_SERVICE_PRINCIPAL, NULL, 0), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_GSSAPI_SERVICE_PRINCIPAL, buf, 256), EINVAL);
    len = sizeof buf;
    CHECK_OK (zmq_getsockopt (s, ZMQ_GSSAPI_PRINCIPAL, buf, &len));
    CHECK (len == 256);
    CHECK_OK (zmq_close (s));
}

static void test_nametypes (void)
{
    void *s = fresh ();
    int opts[] = {ZMQ_GSSAPI_PRINCIPAL_NAMETYPE,
                  ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE};
    for (int i = 0; i < 2; i++) {
        int types[] = {ZMQ_GSSAPI_NT_USER_NAME, ZMQ_GSSAPI_NT_KRB5_PRINCIPAL,
                       ZMQ_GSSAPI_NT_HOSTBASED};
        for (int t = 0; t < 3; t++) {
            CHECK_OK (zmq_setsockopt (s, opts[i], &types[t], sizeof types[t]));
            CHECK (get_int (s, opts[i]) == types[t]);
        }
        int bad[] = {3, -1, 90};
        for (int b = 0; b < 3; b++)
            CHECK_ERR (zmq_setsockopt (s, opts[i], &bad[b], sizeof bad[b]), EINVAL);
        CHECK_ERR (zmq_setsockopt (s, opts[i], "\1", 1), EINVAL);
    }
    /* Name types alone do not pick the mechanism. */
    CHECK (get_int (s, ZMQ_MECHANISM) == ZMQ_NULL);
    CHECK_OK (zmq_close (s));
}

static void test_plaintext (void)
{
    void *s = fresh ();
    int v = 1;
    CHECK_OK (zmq_setsockopt (s, ZMQ_GSSAPI_PLAINTEXT, &v, sizeof v));
    CHECK (get_int (s, ZMQ_GSSAPI_PLAINTEXT) == 1);
    CHECK (get_int (s, ZMQ_MECHANISM) == ZMQ_NULL);
    v = 2;
    CHECK_ERR (zmq_setsockopt (s, ZMQ_GSSAPI_PLAINTEXT, &v, sizeof v), EINVAL);
    v = 0;
    CHECK_OK (zmq_setsockopt (s, ZMQ_GSSAPI_PLAINTEXT, &v, sizeof v));
    CHECK (get_int (s, ZMQ_GSSAPI_PLAINTEXT) == 0);
    CHECK_OK (zmq_close (s));
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_defaults);
    RUN_TEST (test_server);
    RUN_TEST (test_principals);
    RUN_TEST (test_nametypes);
    RUN_TEST (test_plaintext);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
