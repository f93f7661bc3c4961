/* capi-test: valgrind
 * ZMQ_MAXMSGSIZE over tcp and ipc: a frame up to the limit is delivered; a
 * larger one costs the sender its connection (the receiver's monitor sees
 * DISCONNECTED) and is never delivered; the sender reconnects and later
 * messages flow; the limit is per frame, not per multipart message. */
#include "testutil.h"
#include <stdint.h>
#include <time.h>
#include <unistd.h>

static void *ctx;
static int mon_counter;

static void *make (int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_RCVTIMEO, 10000);
    set_int (s, ZMQ_SNDTIMEO, 10000);
    set_int (s, ZMQ_LINGER, 0);
    return s;
}

static void *monitor (void *s, int events)
{
    char ep[64];
    snprintf (ep, sizeof ep, "inproc://maxmsgsize-mon-%d", mon_counter++);
    CHECK_OK (zmq_socket_monitor (s, ep, events));
    void *m = zmq_socket (ctx, ZMQ_PAIR);
    set_int (m, ZMQ_LINGER, 0);
    CHECK_OK (zmq_connect (m, ep));
    return m;
}

static void expect_event (void *mon, int event)
{
    long end = now_ms () + 10000;
    while (now_ms () < end) {
        zmq_pollitem_t it = {mon, 0, ZMQ_POLLIN, 0};
        if (zmq_poll (&it, 1, (long) (end - now_ms ())) != 1)
            break;
        zmq_msg_t m;
        zmq_msg_init (&m);
        CHECK (zmq_msg_recv (&m, mon, 0) == 6);
        uint16_t ev;
        memcpy (&ev, zmq_msg_data (&m), 2);
        CHECK (zmq_msg_recv (&m, mon, 0) >= 0);
        zmq_msg_close (&m);
        if (ev == event)
            return;
    }
    fprintf (stderr, "event 0x%x never came\n", event);
    CHECK (0);
}

static void limit (const char *bind_ep)
{
    void *pull = make (ZMQ_PULL), *push = make (ZMQ_PUSH);
    int64_t max = 100, v = 0;
    size_t len = sizeof v;
    CHECK_OK (zmq_setsockopt (pull, ZMQ_MAXMSGSIZE, &max, sizeof max));
    CHECK_OK (zmq_getsockopt (pull, ZMQ_MAXMSGSIZE, &v, &len));
    CHECK (v == 100);
    set_int (push, ZMQ_RECONNECT_IVL, 20);
    char ep[256];
    len = sizeof ep;
    CHECK_OK (zmq_bind (pull, bind_ep));
    CHECK_OK (zmq_getsockopt (pull, ZMQ_LAST_ENDPOINT, ep, &len));
    void *mon = monitor (pull, ZMQ_EVENT_DISCONNECTED);
    void *pmon = monitor (push, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    CHECK_OK (zmq_connect (push, ep));
    expect_event (pmon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    char data[200], buf[256];
    memset (data, 'd', sizeof data);
    /* At the limit, in a multipart message whose total exceeds it. */
    CHECK (zmq_send (push, data, 100, ZMQ_SNDMORE) == 100);
    CHECK (zmq_send (push, data, 100, 0) == 100);
    CHECK (zmq_recv (pull, buf, sizeof buf, 0) == 100);
    CHECK (zmq_recv (pull, buf, sizeof buf, 0) == 100);
    /* One byte over: the connection goes, the message with it. */
    CHECK (zmq_send (push, data, 101, 0) == 101);
    expect_event (mon, ZMQ_EVENT_DISCONNECTED);
    /* The sender comes back; what it sends after reconnecting arrives. */
    expect_event (pmon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    CHECK (zmq_send (push, "after", 5, 0) == 5);
    CHECK (zmq_recv (pull, buf, sizeof buf, 0) == 5);
    CHECK (memcmp (buf, "after", 5) == 0);
    monitor_close (pull, mon);
    monitor_close (push, pmon);
    zmq_close (push);
    zmq_close (pull);
}

static void test_limit_tcp (void)
{
    limit ("tcp://127.0.0.1:*");
}

static void test_limit_ipc (void)
{
    limit ("ipc://*");
}

/* -1 (the default) is no limit. */
static void test_unlimited (void)
{
    void *pull = make (ZMQ_PULL), *push = make (ZMQ_PUSH);
    int64_t v = 0;
    size_t len = sizeof v;
    CHECK_OK (zmq_getsockopt (pull, ZMQ_MAXMSGSIZE, &v, &len));
    CHECK (v == -1);
    char ep[256];
    len = sizeof ep;
    CHECK_OK (zmq_bind (pull, "tcp://127.0.0.1:*"));
    CHECK_OK (zmq_getsockopt (pull, ZMQ_LAST_ENDPOINT, ep, &len));
    CHECK_OK (zmq_connect (push, ep));
    size_t big = 1024 * 1024;
    char *data = (char *) calloc (1, big);
    CHECK (zmq_send (push, data, big, 0) == (int) big);
    zmq_msg_t m;
    zmq_msg_init (&m);
    CHECK (zmq_msg_recv (&m, pull, 0) == (int) big);
    zmq_msg_close (&m);
    free (data);
    zmq_close (push);
    zmq_close (pull);
}

int main (void)
{
    setvbuf (stdout, NULL, _IONBF, 0);
    ctx = zmq_ctx_new ();
    RUN_TEST (test_limit_tcp);
    RUN_TEST (test_limit_ipc);
    RUN_TEST (test_unlimited);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
