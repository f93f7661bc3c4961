/* capi-test: ours-only
 * Ours loads MIT Kerberos' libgssapi_krb5.so.2 at run time. When what loads
 * under that name is not it (here: an empty stand-in found first through
 * LD_LIBRARY_PATH, so none of the GSS-API symbols resolve), GSSAPI is absent
 * exactly as in a libzmq built without it: zmq_has("gssapi") is 0 and the
 * ZMQ_GSSAPI_* options are EINVAL both ways (libzmq's options.cpp has their
 * cases under #ifdef HAVE_LIBGSSAPI_KRB5). The test re-runs itself with the
 * stand-in; without it the library loads (test_security_gssapi_options.c
 * checks the options then). */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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
}

/* In the child, with the stand-in library first on the search path. */
static int without_library (void)
{
    CHECK (zmq_has ("gssapi") == 0);
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    CHECK (s);
    int opts[] = {ZMQ_GSSAPI_SERVER, ZMQ_GSSAPI_PRINCIPAL,
                  ZMQ_GSSAPI_SERVICE_PRINCIPAL, ZMQ_GSSAPI_PLAINTEXT,
                  ZMQ_GSSAPI_PRINCIPAL_NAMETYPE,
                  ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE};
    for (int i = 0; i < 6; i++)
        refused (s, opts[i]);
    int v = -1;
    size_t len = sizeof v;
    CHECK_OK (zmq_getsockopt (s, ZMQ_MECHANISM, &v, &len));
    CHECK (v == ZMQ_NULL);
    CHECK_OK (zmq_close (s));
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}

static void test_loaded_here (void)
{
    CHECK (zmq_has ("gssapi") == 1);
}

static void test_stand_in_library (void)
{
    char dir[] = "/tmp/gssapi-stub.XXXXXX";
    CHECK (mkdtemp (dir));
    char cmd[512];
    snprintf (cmd, sizeof cmd,
              "echo 'int zmq_test_stub;' > %s/stub.c && "
              "gcc -shared -fPIC -o %s/libgssapi_krb5.so.2 %s/stub.c",
              dir, dir, dir);
    CHECK (system (cmd) == 0);
    pid_t pid = fork ();
    CHECK (pid >= 0);
    if (pid == 0) {
        setenv ("LD_LIBRARY_PATH", dir, 1);
        setenv ("GSSAPI_STUB_CHILD", "1", 1);
        execl ("/proc/self/exe", "test_gssapi_unloaded_ours", (char *) NULL);
        _exit (127);
    }
    int status = 0;
    CHECK (waitpid (pid, &status, 0) == pid);
    snprintf (cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK (system (cmd) == 0);
    CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
}

int main (void)
{
    if (getenv ("GSSAPI_STUB_CHILD"))
        return without_library ();
    RUN_TEST (test_loaded_here);
    RUN_TEST (test_stand_in_library);
    return 0;
}
