/* capi-test: valgrind
 * ZMQ_CONFLATE keeps only the newest message (libzmq's test_conflate). */
#include "testutil.h"
#include <unistd.h>

int main (void)
{
    void *ctx = zmq_ctx_new ();
    void *pull = zmq_socket (ctx, ZMQ_PULL), *push = zmq_socket (ctx, ZMQ_PUSH);
    int one = 1;
    CHECK_OK (zmq_setsockopt (pull, ZMQ_CONFLATE, &one, sizeof one));
    CHECK_OK (zmq_bind (pull, "tcp://127.0.0.1:5591"));
    CHECK_OK (zmq_connect (push, "tcp://127.0.0.1:5591"));
    int i;
    char buf[16];
    for (i = 0; i < 20; i++) {
        snprintf (buf, sizeof buf, "%d", i);
        CHECK (zmq_send (push, buf, strlen (buf), 0) >= 0);
    }
    /* Let libzmq's I/O-less inproc delivery settle. */
    usleep (50000);
    int n = zmq_recv (pull, buf, sizeof buf, 0);
    CHECK (n == 2 && memcmp (buf, "19", 2) == 0);
    CHECK_ERR (zmq_recv (pull, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    printf ("ok test_conflate\n");
    zmq_close (push);
    zmq_close (pull);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
