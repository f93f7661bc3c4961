/* capi-test: valgrind
 * ZMQ_IMMEDIATE over tcp and ipc: no queue for a peer that is not
 * connected (EAGAIN with DONTWAIT), round-robin over connected peers only,
 * a peer joins the rotation once connected, and a lost peer's queue goes
 * with its connection. */
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
    snprintf (ep, sizeof ep, "inproc://immediate-mon-%d", mon_counter++);
    CHECK_OK (zmq_socket_monitor (s, ep, events));
    void *m = zmq_socket (ctx, ZMQ_PAIR);
    set_int (m, ZMQ_LINGER, 0);
    CHECK_OK (zmq_connect (m, ep));
    return m;
}

/* Wait (up to 10 s) for `event`, skipping others. */
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

static void last_endpoint (void *s, char *ep, size_t len)
{
    CHECK_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &len));
}

/* An endpoint of `transport` nobody listens on. */
static void dead_endpoint (const char *transport, char *ep, size_t len)
{
    if (strcmp (transport, "tcp") == 0) {
        /* Port 1 on loopback: privileged, nobody listens in a test box. */
        snprintf (ep, len, "tcp://127.0.0.1:1");
    } else {
        snprintf (ep, len, "ipc:///tmp/libzmq-rs-immediate-%d-dead.sock",
                  (int) getpid ());
        unlink (ep + 6);
    }
}

static const char *wild (const char *transport)
{
    return strcmp (transport, "tcp") == 0 ? "tcp://127.0.0.1:*" : "ipc://*";
}

static void no_peer (const char *transport)
{
    void *push = make (ZMQ_PUSH);
    set_int (push, ZMQ_IMMEDIATE, 1);
    int v = 0;
    size_t len = sizeof v;
    CHECK_OK (zmq_getsockopt (push, ZMQ_IMMEDIATE, &v, &len));
    CHECK (v == 1);
    char ep[256];
    dead_endpoint (transport, ep, sizeof ep);
    CHECK_OK (zmq_connect (push, ep));
    CHECK_ERR (zmq_send (push, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    zmq_pollitem_t it = {push, 0, ZMQ_POLLOUT, 0};
    CHECK (zmq_poll (&it, 1, 100) == 0);
    /* A blocking send times out. */
    set_int (push, ZMQ_SNDTIMEO, 100);
    CHECK_ERR (zmq_send (push, "x", 1, 0), EAGAIN);
    CHECK_OK (zmq_close (push));

    /* Without IMMEDIATE the same send queues. */
    push = make (ZMQ_PUSH);
    CHECK_OK (zmq_connect (push, ep));
    CHECK (zmq_send (push, "x", 1, ZMQ_DONTWAIT) == 1);
    CHECK_OK (zmq_close (push));
}

static void test_no_peer_tcp (void)
{
    no_peer ("tcp");
}

static void test_no_peer_ipc (void)
{
    no_peer ("ipc");
}

/* Messages go to connected peers only; a late peer joins when connected. */
static void round_robin (const char *transport)
{
    void *live = make (ZMQ_PULL), *late = make (ZMQ_PULL);
    void *push = make (ZMQ_PUSH);
    set_int (push, ZMQ_IMMEDIATE, 1);
    set_int (push, ZMQ_RECONNECT_IVL, 20);
    char ep_live[256], ep_late[256];
    CHECK_OK (zmq_bind (live, wild (transport)));
    last_endpoint (live, ep_live, sizeof ep_live);
    if (strcmp (transport, "tcp") == 0) {
        /* A port we know, then free it until the late bind. */
        CHECK_OK (zmq_bind (late, wild (transport)));
        last_endpoint (late, ep_late, sizeof ep_late);
        CHECK_OK (zmq_unbind (late, ep_late));
    } else {
        snprintf (ep_late, sizeof ep_late,
                  "ipc:///tmp/libzmq-rs-immediate-%d-late.sock",
                  (int) getpid ());
        unlink (ep_late + 6);
    }
    void *mon = monitor (push, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    CHECK_OK (zmq_connect (push, ep_late));
    CHECK_OK (zmq_connect (push, ep_live));
    expect_event (mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    /* The send blocks until the live peer's pipe is attached. */
    int i;
    for (i = 0; i < 6; i++)
        CHECK (zmq_send (push, "a", 1, 0) == 1);
    char buf[8];
    for (i = 0; i < 6; i++)
        CHECK (zmq_recv (live, buf, sizeof buf, 0) == 1);
    set_int (late, ZMQ_RCVTIMEO, 0);
    CHECK_ERR (zmq_recv (late, buf, sizeof buf, 0), EAGAIN);

    /* The late peer appears: now both get their share. */
    int tries = 0;
    while (zmq_bind (late, ep_late) != 0) {
        CHECK (zmq_errno () == EADDRINUSE && tries++ < 500);
        usleep (10000);
    }
    expect_event (mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    /* Attached by the time a message sent now is dealt out: send until
     * the late peer has one, then check both share the rest evenly. */
    int got_late = 0;
    long end = now_ms () + 10000;
    while (!got_late) {
        CHECK (now_ms () < end);
        CHECK (zmq_send (push, "b", 1, 0) == 1);
        zmq_pollitem_t items[2] = {{live, 0, ZMQ_POLLIN, 0},
                                   {late, 0, ZMQ_POLLIN, 0}};
        CHECK (zmq_poll (items, 2, 10000) >= 1);
        if (items[1].revents & ZMQ_POLLIN) {
            CHECK (zmq_recv (late, buf, sizeof buf, 0) == 1);
            got_late = 1;
        } else {
            CHECK (zmq_recv (live, buf, sizeof buf, 0) == 1);
        }
    }
    set_int (late, ZMQ_RCVTIMEO, 10000);
    for (i = 0; i < 10; i++)
        CHECK (zmq_send (push, "c", 1, 0) == 1);
    for (i = 0; i < 5; i++) {
        CHECK (zmq_recv (live, buf, sizeof buf, 0) == 1);
        CHECK (zmq_recv (late, buf, sizeof buf, 0) == 1);
    }
    monitor_close (push, mon);
    zmq_close (push);
    zmq_close (live);
    zmq_close (late);
    if (strcmp (transport, "ipc") == 0)
        unlink (ep_late + 6);
}

static void test_round_robin_tcp (void)
{
    round_robin ("tcp");
}

static void test_round_robin_ipc (void)
{
    round_robin ("ipc");
}

/* When the only peer goes, so does its queue: sends fail at once. */
static void test_lost_peer (void)
{
    void *pull = make (ZMQ_PULL), *push = make (ZMQ_PUSH);
    set_int (push, ZMQ_IMMEDIATE, 1);
    set_int (push, ZMQ_RECONNECT_IVL, 20);
    char ep[256];
    CHECK_OK (zmq_bind (pull, "tcp://127.0.0.1:*"));
    last_endpoint (pull, ep, sizeof ep);
    void *mon = monitor (push, ZMQ_EVENT_DISCONNECTED);
    CHECK_OK (zmq_connect (push, ep));
    CHECK (zmq_send (push, "hello", 5, 0) == 5);
    char buf[8];
    CHECK (zmq_recv (pull, buf, sizeof buf, 0) == 5);
    CHECK_OK (zmq_close (pull));
    expect_event (mon, ZMQ_EVENT_DISCONNECTED);
    /* The pipe's end reaches the socket shortly after the event. */
    long end = now_ms () + 10000;
    while (zmq_send (push, "x", 1, ZMQ_DONTWAIT) == 1) {
        CHECK (now_ms () < end);
        usleep (1000);
    }
    CHECK (zmq_errno () == EAGAIN);
    /* And comes back with the peer. */
    pull = make (ZMQ_PULL);
    int tries = 0;
    while (zmq_bind (pull, ep) != 0) {
        CHECK (zmq_errno () == EADDRINUSE && tries++ < 500);
        usleep (10000);
    }
    CHECK (zmq_send (push, "again", 5, 0) == 5);
    CHECK (zmq_recv (pull, buf, sizeof buf, 0) == 5);
    monitor_close (push, mon);
    zmq_close (push);
    zmq_close (pull);
}

int main (void)
{
    setvbuf (stdout, NULL, _IONBF, 0);
    ctx = zmq_ctx_new ();
    RUN_TEST (test_no_peer_tcp);
    RUN_TEST (test_no_peer_ipc);
    RUN_TEST (test_round_robin_tcp);
    RUN_TEST (test_round_robin_ipc);
    RUN_TEST (test_lost_peer);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
