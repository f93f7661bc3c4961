/* Raw pgm:// without CAP_NET_RAW (scripts/pgm-tests.sh runs it under
 * setpriv with the capability dropped): the socket cannot be made, so
 * zmq_connect fails with EINVAL and the process goes on. libzmq 4.3 accepts
 * the connect and then aborts the process in its I/O thread (the script
 * shows that too: the reason this is a deliberate difference). Exits 0 when
 * the connect fails with EINVAL and the context terminates. */
#include <zmq.h>
#include <errno.h>
#include <stdio.h>

int main(void)
{
    void *ctx = zmq_ctx_new();
    void *sub = zmq_socket(ctx, ZMQ_SUB);
    int rc = zmq_connect(sub, "pgm://127.0.0.1;239.192.1.3:5597");
    int err = rc == -1 ? zmq_errno() : 0;
    printf("connect rc %d errno %d (%s)\n", rc, err, err ? zmq_strerror(err) : "");
    fflush(stdout);
    zmq_sleep(1); /* time for an I/O thread to act on an accepted connect */
    zmq_close(sub);
    zmq_ctx_term(ctx);
    return rc == -1 && err == EINVAL ? 0 : 1;
}
