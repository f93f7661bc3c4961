/* What one libzmq can do, for the platform.hpp scripts/libzmq-tests.sh
 * generates: the file this process loaded, its version, zmq_has() for every
 * capability libzmq's tests consult, and whether ZMQ_PRIORITY (draft option
 * 112, compiled in only when the build found SO_PRIORITY) is accepted. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <zmq.h>

int main (void)
{
    static const char *caps[] = {"ipc",    "pgm", "tipc", "vmci", "norm",
                                 "curve",  "gssapi", "WS", "WSS",  "draft"};
    Dl_info info;
    int major, minor, patch, prio = 3;
    zmq_version (&major, &minor, &patch);
    printf ("version %d.%d.%d\n", major, minor, patch);
    if (dladdr ((void *) zmq_version, &info) && info.dli_fname)
        printf ("path %s\n", info.dli_fname);
    for (unsigned i = 0; i < sizeof caps / sizeof *caps; i++)
        printf ("has %s %d\n", caps[i], zmq_has (caps[i]));
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_PUSH);
    printf ("has so_priority %d\n", zmq_setsockopt (s, 112, &prio, sizeof prio) == 0);
    zmq_close (s);
    zmq_ctx_term (ctx);
    return 0;
}
