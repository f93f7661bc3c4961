/* tcp connect to host names: libzmq checks only the address's characters
 * at zmq_connect and looks the name up at each connection attempt, so a name
 * that does not resolve (yet) is accepted and retried at the reconnect
 * interval, reported by CONNECT_RETRIED alone; other connections carry on. */
#include "testutil.h"
#include <stdint.h>

static void *ctx;

/* A PAIR that reads s's monitor events (5 s timeout); stop with
 * monitor_close. */
static void *monitor_of (void *s, const char *name)
{
    CHECK_OK (zmq_socket_monitor (s, name, ZMQ_EVENT_ALL));
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_connect (mon, name));
    set_int (mon, ZMQ_RCVTIMEO, 5000);
    return mon;
}

/* Bind s to a free loopback tcp port; returns the port as text (static). */
static const char *bind_loopback_port (void *s)
{
    static char last[256];
    size_t len = sizeof last;
    CHECK_OK (zmq_bind (s, "tcp://127.0.0.1:*"));
    CHECK_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, last, &len));
    return strrchr (last, ':') + 1;
}

static void test_unresolvable_is_retried (void)
{
    const char *ep = "tcp://no-such-host.invalid:5555";
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    set_int (s, ZMQ_LINGER, 0);
    set_int (s, ZMQ_RECONNECT_IVL, 50);
    void *mon = monitor_of (s, "inproc://resolve-mon");
    CHECK_OK (zmq_connect (s, ep));
    /* Retries, named by the endpoint as given, and nothing else. */
    char got[256];
    for (int i = 0; i < 3; i++) {
        CHECK (recv_monitor_event (mon, NULL, got, sizeof got) == ZMQ_EVENT_CONNECT_RETRIED);
        CHECK (strcmp (got, ep) == 0);
    }
    /* Meanwhile another socket of the context connects by name. */
    void *a = zmq_socket (ctx, ZMQ_PAIR), *b = zmq_socket (ctx, ZMQ_PAIR);
    set_int (a, ZMQ_LINGER, 0);
    set_int (b, ZMQ_LINGER, 0);
    set_int (b, ZMQ_RCVTIMEO, 5000);
    char by_name[300];
    snprintf (by_name, sizeof by_name, "tcp://localhost:%s", bind_loopback_port (a));
    CHECK_OK (zmq_connect (b, by_name));
    CHECK (zmq_send (a, "hi", 2, 0) == 2);
    char buf[8];
    CHECK (zmq_recv (b, buf, sizeof buf, 0) == 2);
    /* The endpoint can be disconnected as given. */
    CHECK_OK (zmq_disconnect (s, ep));
    zmq_close (a);
    zmq_close (b);
    monitor_close (s, mon);
    zmq_close (s);
}

static void test_syntax (void)
{
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    set_int (s, ZMQ_LINGER, 0);
    /* libzmq's check: allowed characters, and a digit after the last ':'. */
    CHECK_ERR (zmq_connect (s, "tcp://bad host:5555"), EINVAL);
    CHECK_ERR (zmq_connect (s, "tcp://host:"), EINVAL);
    CHECK_ERR (zmq_connect (s, "tcp://host:x"), EINVAL);
    CHECK_ERR (zmq_connect (s, "tcp://-x:5"), EINVAL);
    CHECK_ERR (zmq_connect (s, "tcp://localhost:*"), EINVAL);
    CHECK_ERR (zmq_connect (s, "tcp://"), EINVAL);
    /* Names that will not resolve are still accepted. */
    CHECK_OK (zmq_connect (s, "tcp://a_b.invalid:5"));
    CHECK_OK (zmq_connect (s, "tcp://h.invalid:5x"));
    zmq_close (s);
}

/* "tcp://src;dst": libzmq resolves the source in its connecter at each
 * attempt, as a bindable address (interface name, address literal, "*")
 * but never through DNS. zmq_connect accepts any source that passes the
 * syntax check (libzmq's test_bind_src_address), a source that resolves is
 * used, one that does not makes every attempt fail and be retried. */
static void test_source_forms (void)
{
    void *s = zmq_socket (ctx, ZMQ_PUB);
    set_int (s, ZMQ_LINGER, 0);
    CHECK_OK (zmq_connect (s, "tcp://127.0.0.1:0;localhost:1234"));
    CHECK_OK (zmq_connect (s, "tcp://localhost:5555;localhost:1235"));
    CHECK_OK (zmq_connect (s, "tcp://lo:5555;localhost:1235"));
    CHECK_OK (zmq_connect (s, "tcp://no-such-iface:0;127.0.0.1:1236"));
    zmq_close (s);

    void *pull = zmq_socket (ctx, ZMQ_PULL);
    set_int (pull, ZMQ_LINGER, 0);
    const char *port = bind_loopback_port (pull);

    /* An interface name as the source: messages flow. */
    char ep[300];
    snprintf (ep, sizeof ep, "tcp://lo:0;127.0.0.1:%s", port);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    set_int (push, ZMQ_LINGER, 0);
    CHECK_OK (zmq_connect (push, ep));
    set_int (pull, ZMQ_RCVTIMEO, 5000);
    CHECK (zmq_send (push, "lo", 2, 0) == 2);
    char buf[8];
    CHECK (zmq_recv (pull, buf, sizeof buf, 0) == 2);
    zmq_close (push);

    /* A host name as the source is not looked up: only retries. */
    snprintf (ep, sizeof ep, "tcp://localhost:0;127.0.0.1:%s", port);
    push = zmq_socket (ctx, ZMQ_PUSH);
    set_int (push, ZMQ_LINGER, 0);
    set_int (push, ZMQ_RECONNECT_IVL, 50);
    void *mon = monitor_of (push, "inproc://src-mon");
    CHECK_OK (zmq_connect (push, ep));
    for (int i = 0; i < 3; i++)
        CHECK (recv_monitor_event (mon, NULL, NULL, 0) == ZMQ_EVENT_CONNECT_RETRIED);
    /* Queued on the connecting pipe, never delivered. */
    CHECK (zmq_send (push, "no", 2, ZMQ_DONTWAIT) == 2);
    set_int (pull, ZMQ_RCVTIMEO, 200);
    CHECK (zmq_recv (pull, buf, sizeof buf, 0) == -1 && zmq_errno () == EAGAIN);
    monitor_close (push, mon);
    zmq_close (push);
    zmq_close (pull);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_unresolvable_is_retried);
    RUN_TEST (test_syntax);
    RUN_TEST (test_source_forms);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
