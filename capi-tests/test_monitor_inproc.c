/* capi-test: valgrind
 * zmq_socket_monitor over inproc: argument errors, and MONITOR_STOPPED in
 * libzmq's v1 frame layout when monitoring stops. */
#include "testutil.h"
#include <stdint.h>

static void *ctx;

/* Receive one v1 event: [u16 event][u32 value] native order, then endpoint. */
static uint16_t recv_event (void *mon, uint32_t *value)
{
    zmq_msg_t m;
    CHECK_OK (zmq_msg_init (&m));
    CHECK (zmq_msg_recv (&m, mon, 0) == 6);
    CHECK (zmq_msg_more (&m));
    uint8_t *d = (uint8_t *) zmq_msg_data (&m);
    uint16_t ev;
    memcpy (&ev, d, 2);
    memcpy (value, d + 2, 4);
    zmq_msg_close (&m);
    zmq_msg_init (&m);
    CHECK (zmq_msg_recv (&m, mon, 0) >= 0);
    CHECK (!zmq_msg_more (&m));
    zmq_msg_close (&m);
    return ev;
}

static void test_errors (void)
{
    void *s = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_ERR (zmq_socket_monitor (s, "tcp://127.0.0.1:5555", ZMQ_EVENT_ALL), EPROTONOSUPPORT);
    CHECK_ERR (zmq_socket_monitor (NULL, "inproc://m", ZMQ_EVENT_ALL), ENOTSOCK);
    void *other = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_bind (other, "inproc://m-taken"));
    CHECK_ERR (zmq_socket_monitor (s, "inproc://m-taken", ZMQ_EVENT_ALL), EADDRINUSE);
    zmq_close (other);
    zmq_close (s);
}

static void test_stopped_on_close (void)
{
    void *s = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_socket_monitor (s, "inproc://mon-close", ZMQ_EVENT_ALL));
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_connect (mon, "inproc://mon-close"));
    zmq_close (s);
    uint32_t value;
    CHECK (recv_event (mon, &value) == ZMQ_EVENT_MONITOR_STOPPED);
    zmq_close (mon);
}

static void test_stopped_on_null_addr (void)
{
    void *s = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_socket_monitor (s, "inproc://mon-stop", ZMQ_EVENT_ALL));
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_connect (mon, "inproc://mon-stop"));
    CHECK_OK (zmq_socket_monitor (s, NULL, 0));
    uint32_t value;
    CHECK (recv_event (mon, &value) == ZMQ_EVENT_MONITOR_STOPPED);
    zmq_close (s);
    zmq_close (mon);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    RUN_TEST (test_errors);
    RUN_TEST (test_stopped_on_close);
    RUN_TEST (test_stopped_on_null_addr);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
