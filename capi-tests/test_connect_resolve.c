/* tcp connect to host names: libzmq checks only the address's characters
 * at zmq_connect and looks the name up at each connection attempt, so a name
 * that does not resolve (yet) is accepted and retried at the reconnect
 * interval, reported by CONNECT_RETRIED alone; other connections carry on. */
#include "testutil.h"
#include <stdint.h>

static void *ctx;

static void test_unresolvable_is_retried (void)
{
    const char *ep = "tcp://no-such-host.invalid:5555";
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    set_int (s, ZMQ_LINGER, 0);
    set_int (s, ZMQ_RECONNECT_IVL, 50);
    CHECK_OK (zmq_socket_monitor (s, "inproc://resolve-mon", ZMQ_EVENT_ALL));
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_connect (mon, "inproc://resolve-mon"));
    set_int (mon, ZMQ_RCVTIMEO, 5000);
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
    CHECK_OK (zmq_bind (a, "tcp://127.0.0.1:*"));
    char last[256];
    size_t len = sizeof last;
    CHECK_OK (zmq_getsockopt (a, ZMQ_LAST_ENDPOINT, last, &len));
    char by_name[300];
    snprintf (by_name, sizeof by_name, "tcp://localhost:%s", strrchr (last, ':') + 1);
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

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_unresolvable_is_retried);
    RUN_TEST (test_syntax);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
