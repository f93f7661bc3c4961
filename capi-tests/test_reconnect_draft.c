/* capi-test: ours-only
 * ZMQ_RECONNECT_STOP_AFTER_DISCONNECT with the draft header's value (0x4,
 * as libzmq 4.3.5; Debian's 4.3.4 numbers it 0x3, which overlaps the other
 * bits, so this runs against ours only): once an established connection
 * is lost, the connecter stops and its queue goes; without the bit it
 * reconnects. */
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
    snprintf (ep, sizeof ep, "inproc://reconnect-draft-mon-%d", mon_counter++);
    CHECK_OK (zmq_socket_monitor (s, ep, events));
    void *m = zmq_socket (ctx, ZMQ_PAIR);
    set_int (m, ZMQ_LINGER, 0);
    CHECK_OK (zmq_connect (m, ep));
    return m;
}

/* The next event within `timeout` ms, or -1. */
static int next_event (void *mon, int timeout)
{
    zmq_pollitem_t it = {mon, 0, ZMQ_POLLIN, 0};
    if (zmq_poll (&it, 1, timeout) != 1)
        return -1;
    zmq_msg_t m;
    zmq_msg_init (&m);
    CHECK (zmq_msg_recv (&m, mon, 0) == 6);
    uint16_t ev;
    memcpy (&ev, zmq_msg_data (&m), 2);
    CHECK (zmq_msg_recv (&m, mon, 0) >= 0);
    zmq_msg_close (&m);
    return ev;
}

static void expect_event (void *mon, int event)
{
    long end = now_ms () + 10000;
    int ev;
    while ((ev = next_event (mon, (int) (end - now_ms ()))) != event)
        CHECK (ev != -1);
}

static void after_disconnect (int stop)
{
    void *pull = make (ZMQ_PULL), *push = make (ZMQ_PUSH);
    set_int (push, ZMQ_RECONNECT_IVL, 20);
    if (stop)
        set_int (push, ZMQ_RECONNECT_STOP, ZMQ_RECONNECT_STOP_AFTER_DISCONNECT);
    char ep[256];
    size_t len = sizeof ep;
    CHECK_OK (zmq_bind (pull, "tcp://127.0.0.1:*"));
    CHECK_OK (zmq_getsockopt (pull, ZMQ_LAST_ENDPOINT, ep, &len));
    void *mon = monitor (push, ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_CONNECT_RETRIED);
    CHECK_OK (zmq_connect (push, ep));
    CHECK (zmq_send (push, "first", 5, 0) == 5);
    char buf[8];
    CHECK (zmq_recv (pull, buf, sizeof buf, 0) == 5);
    CHECK_OK (zmq_close (pull));
    expect_event (mon, ZMQ_EVENT_DISCONNECTED);
    if (stop) {
        CHECK (next_event (mon, 300) == -1);
        long end = now_ms () + 5000;
        while (zmq_send (push, "x", 1, ZMQ_DONTWAIT) == 1) {
            CHECK (now_ms () < end);
            usleep (1000);
        }
        CHECK (zmq_errno () == EAGAIN);
    } else {
        expect_event (mon, ZMQ_EVENT_CONNECT_RETRIED);
        CHECK (zmq_send (push, "x", 1, ZMQ_DONTWAIT) == 1);
    }
    monitor_close (push, mon);
    zmq_close (push);
}

static void test_stop_after_disconnect (void)
{
    after_disconnect (1);
}

static void test_no_stop (void)
{
    after_disconnect (0);
}

int main (void)
{
    setvbuf (stdout, NULL, _IONBF, 0);
    ctx = zmq_ctx_new ();
    RUN_TEST (test_stop_after_disconnect);
    RUN_TEST (test_no_stop);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
