/* capi-test: ours-only
 * capi-test: valgrind
 * Monitoring never stalls the I/O threads and is safe to stop while they
 * report: a reader that never reads loses events (the monitor sends with
 * DONTWAIT) while connections keep working; monitors are started, read,
 * abandoned and stopped in a loop while a reconnect storm emits from the
 * I/O thread; a monitored socket is closed while its events flow. (Ours
 * only: libzmq's I/O thread blocks on a full monitor pipe.) */
#include "testutil.h"
#include <stdint.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

static void *ctx;

/* An endpoint that refuses connects: a port bound but not listening. */
static int refusing_port (char *ep)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    memset (&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    CHECK (bind (fd, (struct sockaddr *) &a, sizeof a) == 0);
    CHECK (getsockname (fd, (struct sockaddr *) &a, &len) == 0);
    sprintf (ep, "tcp://127.0.0.1:%d", ntohs (a.sin_port));
    return fd;
}

/* A PUSH reconnecting every millisecond to a refusing port: an event
 * source in the I/O thread that never stops. */
static void *storm (const char *ep)
{
    void *s = zmq_socket (ctx, ZMQ_PUSH);
    CHECK (s);
    int one = 1, zero = 0;
    CHECK_OK (zmq_setsockopt (s, ZMQ_RECONNECT_IVL, &one, sizeof one));
    CHECK_OK (zmq_setsockopt (s, ZMQ_LINGER, &zero, sizeof zero));
    CHECK_OK (zmq_connect (s, ep));
    return s;
}

static void exchange (void)
{
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    char ep[256];
    size_t len = sizeof ep;
    CHECK_OK (zmq_bind (pull, "tcp://127.0.0.1:*"));
    CHECK_OK (zmq_getsockopt (pull, ZMQ_LAST_ENDPOINT, ep, &len));
    CHECK_OK (zmq_connect (push, ep));
    int t = 5000;
    CHECK_OK (zmq_setsockopt (pull, ZMQ_RCVTIMEO, &t, sizeof t));
    CHECK (zmq_send (push, "ping", 4, 0) == 4);
    char buf[8];
    CHECK (zmq_recv (pull, buf, sizeof buf, 0) == 4);
    CHECK_OK (zmq_close (push));
    CHECK_OK (zmq_close (pull));
}

static void test_unread_monitor_does_not_block (void)
{
    char ep[64];
    int fd = refusing_port (ep);
    void *s = storm (ep);
    CHECK_OK (zmq_socket_monitor (s, "inproc://unread", ZMQ_EVENT_ALL));
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_connect (mon, "inproc://unread"));
    /* Wait until the reader's queue is surely full (HWM 1000 events). */
    int n = 0;
    zmq_pollitem_t item = {mon, 0, ZMQ_POLLIN, 0};
    while (zmq_poll (&item, 1, 5000) == 1 && n < 400) {
        usleep (10000);
        n++;
    }
    /* The I/O thread still serves other connections. */
    exchange ();
    CHECK_OK (zmq_close (s));
    CHECK_OK (zmq_close (mon));
    close (fd);
}

static void test_stop_while_emitting (void)
{
    char ep[64];
    int fd = refusing_port (ep);
    void *s = storm (ep);
    for (int i = 0; i < 40; i++) {
        char addr[64];
        snprintf (addr, sizeof addr, "inproc://churn-%d", i);
        CHECK_OK (zmq_socket_monitor (s, addr, ZMQ_EVENT_ALL));
        void *mon = zmq_socket (ctx, ZMQ_PAIR);
        CHECK_OK (zmq_connect (mon, addr));
        char buf[16];
        int t = 2000;
        CHECK_OK (zmq_setsockopt (mon, ZMQ_RCVTIMEO, &t, sizeof t));
        CHECK (zmq_recv (mon, buf, sizeof buf, 0) == 6);
        if (i % 2)
            CHECK_OK (zmq_close (mon)); /* the reader goes first */
        CHECK_OK (zmq_socket_monitor (s, NULL, 0));
        if (i % 2 == 0)
            CHECK_OK (zmq_close (mon));
    }
    /* Closing the monitored socket while its events flow. */
    CHECK_OK (zmq_socket_monitor (s, "inproc://churn-last", ZMQ_EVENT_ALL));
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_connect (mon, "inproc://churn-last"));
    char buf[16];
    CHECK (zmq_recv (mon, buf, sizeof buf, 0) == 6);
    CHECK (zmq_recv (mon, buf, sizeof buf, 0) >= 0); /* its endpoint */
    CHECK_OK (zmq_close (s));
    /* Everything up to MONITOR_STOPPED arrives, then nothing. */
    for (;;) {
        zmq_msg_t m;
        CHECK_OK (zmq_msg_init (&m));
        CHECK (zmq_msg_recv (&m, mon, 0) == 6);
        uint16_t ev;
        memcpy (&ev, zmq_msg_data (&m), 2);
        CHECK_OK (zmq_msg_close (&m));
        CHECK (zmq_recv (mon, buf, sizeof buf, 0) >= 0);
        if (ev == ZMQ_EVENT_MONITOR_STOPPED)
            break;
    }
    CHECK_OK (zmq_close (mon));
    close (fd);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_unread_monitor_does_not_block);
    RUN_TEST (test_stop_while_emitting);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
