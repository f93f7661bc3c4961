/* A listener that runs out of file descriptors (EMFILE) reports
 * ACCEPT_FAILED with the errno, and accepts the waiting connection once
 * descriptors are free again, without another peer having to connect. */
#include "testutil.h"
#include "tcputil.h"
#include <stdint.h>
#include <sys/resource.h>

#define SPARE 64

static void test_accept_after_emfile (void)
{
    void *ctx = zmq_ctx_new ();
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    set_int (pull, ZMQ_LINGER, 0);
    CHECK_OK (zmq_socket_monitor (pull, "inproc://emfile-mon",
                                  ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_ACCEPT_FAILED));
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_connect (mon, "inproc://emfile-mon"));
    set_int (mon, ZMQ_RCVTIMEO, 5000);
    CHECK_OK (zmq_bind (pull, "tcp://127.0.0.1:*"));
    char ep[256];
    size_t len = sizeof ep;
    CHECK_OK (zmq_getsockopt (pull, ZMQ_LAST_ENDPOINT, ep, &len));
    int port = atoi (strrchr (ep, ':') + 1);

    /* Fill the descriptor table up to a low limit. */
    struct rlimit old, low;
    CHECK (getrlimit (RLIMIT_NOFILE, &old) == 0);
    int top = dup (0);
    CHECK (top >= 0);
    close (top);
    low = old;
    low.rlim_cur = (rlim_t) top + SPARE;
    CHECK (setrlimit (RLIMIT_NOFILE, &low) == 0);
    int fillers[SPARE + 8], n = 0;
    while (n < SPARE + 8) {
        int fd = dup (0);
        if (fd < 0) {
            CHECK (errno == EMFILE);
            break;
        }
        fillers[n++] = fd;
    }
    CHECK (n > 1 && n < SPARE + 8);
    /* One descriptor for a client: the library then has none to accept with. */
    close (fillers[--n]);
    int client = raw_connect_port (port);
    uint32_t value;
    int ev = recv_monitor_event (mon, &value, NULL, 0);
    CHECK (ev == ZMQ_EVENT_ACCEPT_FAILED);
    CHECK (value == EMFILE);
    /* Free descriptors: the waiting connection is accepted, though nobody
     * else connects. */
    while (n > 0)
        close (fillers[--n]);
    long deadline = now_ms () + 5000;
    do {
        ev = recv_monitor_event (mon, &value, NULL, 0);
        CHECK (ev == ZMQ_EVENT_ACCEPTED || ev == ZMQ_EVENT_ACCEPT_FAILED);
        CHECK (now_ms () < deadline);
    } while (ev != ZMQ_EVENT_ACCEPTED);
    CHECK (setrlimit (RLIMIT_NOFILE, &old) == 0);
    close (client);
    monitor_close (pull, mon);
    zmq_close (pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    RUN_TEST (test_accept_after_emfile);
    return 0;
}
