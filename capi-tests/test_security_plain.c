/* PLAIN security options, and a PLAIN server with no ZAP handler: libzmq 4.3
 * fails every handshake then (RFC 24 leaves authentication to ZAP), so no
 * message gets through, while a monitor sees the handshake fail. */
#include "testutil.h"

static void test_plain_options (void)
{
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    int v = -1, one = 1;
    size_t len = sizeof v;
    CHECK_OK (zmq_setsockopt (s, ZMQ_PLAIN_USERNAME, "admin", 5));
    CHECK_OK (zmq_setsockopt (s, ZMQ_PLAIN_PASSWORD, "secret", 6));
    CHECK_OK (zmq_getsockopt (s, ZMQ_MECHANISM, &v, &len));
    CHECK (v == ZMQ_PLAIN);
    len = sizeof v;
    CHECK_OK (zmq_getsockopt (s, ZMQ_PLAIN_SERVER, &v, &len));
    CHECK (v == 0);
    char buf[256];
    len = sizeof buf;
    CHECK_OK (zmq_getsockopt (s, ZMQ_PLAIN_USERNAME, buf, &len));
    CHECK (len == 6 && strcmp (buf, "admin") == 0);
    CHECK_OK (zmq_setsockopt (s, ZMQ_PLAIN_SERVER, &one, sizeof one));
    len = sizeof v;
    CHECK_OK (zmq_getsockopt (s, ZMQ_PLAIN_SERVER, &v, &len));
    CHECK (v == 1);
    CHECK_OK (zmq_close (s));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* The first handshake event's number, or -1. */
static int handshake_event (void *mon, int timeout_ms)
{
    return next_handshake_event (mon, timeout_ms).event;
}

static void test_plain_server_without_zap_handler (void)
{
    void *ctx = zmq_ctx_new ();
    void *server = zmq_socket (ctx, ZMQ_PULL);
    int one = 1, linger = 0, timeout = 600;
    CHECK_OK (zmq_setsockopt (server, ZMQ_LINGER, &linger, sizeof linger));
    CHECK_OK (zmq_setsockopt (server, ZMQ_PLAIN_SERVER, &one, sizeof one));
    CHECK_OK (zmq_setsockopt (server, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    CHECK_OK (zmq_socket_monitor (server, "inproc://plain-mon", ZMQ_EVENT_ALL));
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_connect (mon, "inproc://plain-mon"));
    CHECK_OK (zmq_bind (server, "tcp://127.0.0.1:*"));
    char endpoint[256];
    size_t len = sizeof endpoint;
    CHECK_OK (zmq_getsockopt (server, ZMQ_LAST_ENDPOINT, endpoint, &len));

    void *client = zmq_socket (ctx, ZMQ_PUSH);
    CHECK_OK (zmq_setsockopt (client, ZMQ_LINGER, &linger, sizeof linger));
    CHECK_OK (zmq_setsockopt (client, ZMQ_PLAIN_USERNAME, "admin", 5));
    CHECK_OK (zmq_setsockopt (client, ZMQ_PLAIN_PASSWORD, "password", 8));
    CHECK_OK (zmq_connect (client, endpoint));
    int rc = zmq_send (client, "leak", 4, ZMQ_DONTWAIT);
    CHECK (rc == 4 || (rc == -1 && zmq_errno () == EAGAIN));

    /* The handshake fails on the server, and nothing is delivered. */
    int ev = handshake_event (mon, 3000);
    printf ("# server handshake event 0x%x\n", ev);
    CHECK (ev == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL);
    char b[8];
    CHECK_ERR (zmq_recv (server, b, sizeof b, 0), EAGAIN);

    CHECK_OK (zmq_close (client));
    monitor_close (server, mon);
    CHECK_OK (zmq_close (server));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* A PLAIN client never talks to a NULL or CURVE server (mechanism mismatch). */
static void test_plain_client_to_null_server (void)
{
    void *ctx = zmq_ctx_new ();
    void *server = zmq_socket (ctx, ZMQ_PULL);
    int linger = 0, timeout = 500;
    CHECK_OK (zmq_setsockopt (server, ZMQ_LINGER, &linger, sizeof linger));
    CHECK_OK (zmq_setsockopt (server, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    CHECK_OK (zmq_bind (server, "tcp://127.0.0.1:*"));
    char endpoint[256];
    size_t len = sizeof endpoint;
    CHECK_OK (zmq_getsockopt (server, ZMQ_LAST_ENDPOINT, endpoint, &len));
    void *client = zmq_socket (ctx, ZMQ_PUSH);
    CHECK_OK (zmq_setsockopt (client, ZMQ_LINGER, &linger, sizeof linger));
    CHECK_OK (zmq_setsockopt (client, ZMQ_PLAIN_USERNAME, "u", 1));
    CHECK_OK (zmq_connect (client, endpoint));
    int rc = zmq_send (client, "leak", 4, ZMQ_DONTWAIT);
    CHECK (rc == 4 || (rc == -1 && zmq_errno () == EAGAIN));
    char b[8];
    CHECK_ERR (zmq_recv (server, b, sizeof b, 0), EAGAIN);
    CHECK_OK (zmq_close (client));
    CHECK_OK (zmq_close (server));
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    RUN_TEST (test_plain_options);
    RUN_TEST (test_plain_server_without_zap_handler);
    RUN_TEST (test_plain_client_to_null_server);
    return 0;
}
