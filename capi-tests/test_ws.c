/* ws:// (ZMTP over WebSocket) as Debian's libzmq 4.3.4 has it: endpoint
 * names, the monitor events of a connection on both ends, reconnect,
 * unbind, host names, PLAIN with a ZAP handler, multipart, a socket pair of
 * every kind. Runs on both libraries. */
#include "testutil.h"
#include <pthread.h>

static void msleep_ms (int ms)
{
    usleep ((useconds_t) ms * 1000);
}

static void *ctx;
static pthread_t zap_tid;

static void last_endpoint (void *s, char *ep, size_t cap)
{
    size_t len = cap;
    CHECK_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &len));
}

static int ends_with (const char *s, const char *tail)
{
    size_t a = strlen (s), b = strlen (tail);
    return a >= b && strcmp (s + a - b, tail) == 0;
}

static void test_has_ws (void)
{
    CHECK (zmq_has ("WS"));
}

/* libzmq names a listener by its address and its path
 * ("/" when there is none). */
static void test_last_endpoint (void)
{
    char ep[256];
    void *s = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_bind (s, "ws://127.0.0.1:*"));
    last_endpoint (s, ep, sizeof ep);
    CHECK (strncmp (ep, "ws://127.0.0.1:", 15) == 0 && ends_with (ep, "/"));
    CHECK_OK (zmq_unbind (s, ep));
    CHECK_OK (zmq_bind (s, "ws://*:*/ab"));
    last_endpoint (s, ep, sizeof ep);
    CHECK (strncmp (ep, "ws://0.0.0.0:", 13) == 0 && ends_with (ep, ":*/ab") == 0 && ends_with (ep, "/ab"));
    CHECK_OK (zmq_close (s));
}

/* Binder: LISTENING, ACCEPTED, then HANDSHAKE_SUCCEEDED for the upgrade and
 * again for the NULL mechanism; connecter: CONNECT_DELAYED, CONNECTED and
 * the same two handshakes. Event addresses carry the path on the bound
 * side, and the endpoint as given on the connecting side. */
static void test_monitor_events (void)
{
    char ep[256], addr[256];
    uint32_t v;
    void *sb = zmq_socket (ctx, ZMQ_PAIR), *sc = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_socket_monitor (sb, "inproc://ws-mon-b", ZMQ_EVENT_ALL));
    CHECK_OK (zmq_socket_monitor (sc, "inproc://ws-mon-c", ZMQ_EVENT_ALL));
    void *mb = zmq_socket (ctx, ZMQ_PAIR), *mc = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_connect (mb, "inproc://ws-mon-b"));
    CHECK_OK (zmq_connect (mc, "inproc://ws-mon-c"));
    set_int (mb, ZMQ_RCVTIMEO, 5000);
    set_int (mc, ZMQ_RCVTIMEO, 5000);
    CHECK_OK (zmq_bind (sb, "ws://127.0.0.1:*/mon"));
    last_endpoint (sb, ep, sizeof ep);
    CHECK_OK (zmq_connect (sc, ep));
    ping_pong (sb, sc);

    CHECK (recv_monitor_event (mb, NULL, addr, sizeof addr) == ZMQ_EVENT_LISTENING);
    CHECK (strcmp (addr, ep) == 0);
    CHECK (recv_monitor_event (mb, NULL, addr, sizeof addr) == ZMQ_EVENT_ACCEPTED);
    CHECK (strcmp (addr, ep) == 0);
    CHECK (recv_monitor_event (mb, &v, addr, sizeof addr) == ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    CHECK (v == 0 && strncmp (addr, "ws://127.0.0.1:", 15) == 0 && ends_with (addr, "/mon"));
    CHECK (recv_monitor_event (mb, &v, NULL, 0) == ZMQ_EVENT_HANDSHAKE_SUCCEEDED);

    CHECK (recv_monitor_event (mc, NULL, addr, sizeof addr) == ZMQ_EVENT_CONNECT_DELAYED);
    CHECK (strcmp (addr, ep) == 0);
    CHECK (recv_monitor_event (mc, NULL, addr, sizeof addr) == ZMQ_EVENT_CONNECTED);
    CHECK (strcmp (addr, ep) == 0);
    CHECK (recv_monitor_event (mc, &v, addr, sizeof addr) == ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    CHECK (strcmp (addr, ep) == 0);
    CHECK (recv_monitor_event (mc, &v, NULL, 0) == ZMQ_EVENT_HANDSHAKE_SUCCEEDED);

    CHECK_OK (zmq_close (sc));
    CHECK (recv_monitor_event (mb, NULL, NULL, 0) == ZMQ_EVENT_DISCONNECTED);
    monitor_close (sb, mb);
    zmq_close (mc);
    CHECK_OK (zmq_close (sb));
}

/* The binder goes away and comes back on the same endpoint: the connecter
 * reconnects and what it queued meanwhile arrives. */
static void test_reconnect (void)
{
    char ep[256], buf[16];
    void *pull = zmq_socket (ctx, ZMQ_PULL), *push = zmq_socket (ctx, ZMQ_PUSH);
    set_int (pull, ZMQ_RCVTIMEO, 5000);
    set_int (push, ZMQ_RECONNECT_IVL, 50);
    CHECK_OK (zmq_bind (pull, "ws://127.0.0.1:*/re"));
    last_endpoint (pull, ep, sizeof ep);
    CHECK_OK (zmq_connect (push, ep));
    CHECK (zmq_send (push, "one", 3, 0) == 3);
    CHECK (zmq_recv (pull, buf, sizeof buf, 0) == 3);
    CHECK_OK (zmq_close (pull));
    msleep_ms (100);
    CHECK (zmq_send (push, "two", 3, ZMQ_DONTWAIT) == 3);
    pull = zmq_socket (ctx, ZMQ_PULL);
    set_int (pull, ZMQ_RCVTIMEO, 5000);
    int rc = -1;
    for (int i = 0; i < 100 && rc != 0; i++) {
        rc = zmq_bind (pull, ep);
        if (rc != 0)
            msleep_ms (20);
    }
    CHECK_OK (rc);
    CHECK (zmq_recv (pull, buf, sizeof buf, 0) == 3 && memcmp (buf, "two", 3) == 0);
    CHECK_OK (zmq_close (push));
    CHECK_OK (zmq_close (pull));
}

/* A host name on connect (resolved as libzmq resolves it). */
static void test_host_name (void)
{
    char ep[256], conn[300];
    void *sb = zmq_socket (ctx, ZMQ_PAIR), *sc = zmq_socket (ctx, ZMQ_PAIR);
    set_int (sb, ZMQ_RCVTIMEO, 5000);
    set_int (sc, ZMQ_RCVTIMEO, 5000);
    CHECK_OK (zmq_bind (sb, "ws://127.0.0.1:*/name"));
    last_endpoint (sb, ep, sizeof ep);
    snprintf (conn, sizeof conn, "ws://localhost%s", strrchr (ep, ':'));
    CHECK_OK (zmq_connect (sc, conn));
    ping_pong (sb, sc);
    CHECK_OK (zmq_close (sc));
    CHECK_OK (zmq_close (sb));
}

static void *zap_thread (void *handler)
{
    for (;;) {
        char version[8], seq[64], domain[64], address[64], identity[64],
          mech[16], user[64], pass[64];
        if (zmq_recv (handler, version, sizeof version, 0) < 0) {
            /* ETERM: zmq_ctx_term in main waits for this close. */
            zmq_close (handler);
            return NULL;
        }
        int n = zmq_recv (handler, seq, sizeof seq, 0);
        zmq_recv (handler, domain, sizeof domain, 0);
        zmq_recv (handler, address, sizeof address, 0);
        zmq_recv (handler, identity, sizeof identity, 0);
        zmq_recv (handler, mech, sizeof mech, 0);
        int u = zmq_recv (handler, user, sizeof user, 0);
        int p = zmq_recv (handler, pass, sizeof pass, 0);
        int ok = u == 5 && memcmp (user, "alice", 5) == 0 && p == 6
                 && memcmp (pass, "secret", 6) == 0;
        zmq_send (handler, "1.0", 3, ZMQ_SNDMORE);
        zmq_send (handler, seq, n, ZMQ_SNDMORE);
        zmq_send (handler, ok ? "200" : "400", 3, ZMQ_SNDMORE);
        zmq_send (handler, "", 0, ZMQ_SNDMORE);
        zmq_send (handler, ok ? "alice" : "", ok ? 5 : 0, ZMQ_SNDMORE);
        zmq_send (handler, "", 0, 0);
    }
}

/* PLAIN over ws with a ZAP handler: the right password gets in with its
 * User-Id on every message, a wrong one gets HANDSHAKE_FAILED_AUTH 400. */
static void test_plain_zap (void)
{
    char ep[256];
    void *handler = zmq_socket (ctx, ZMQ_REP);
    set_int (handler, ZMQ_LINGER, 0);
    CHECK_OK (zmq_bind (handler, "inproc://zeromq.zap.01"));
    CHECK (pthread_create (&zap_tid, NULL, zap_thread, handler) == 0);

    void *sb = zmq_socket (ctx, ZMQ_PAIR);
    set_int (sb, ZMQ_PLAIN_SERVER, 1);
    set_int (sb, ZMQ_RCVTIMEO, 5000);
    CHECK_OK (zmq_bind (sb, "ws://127.0.0.1:*/plain"));
    last_endpoint (sb, ep, sizeof ep);
    void *sc = zmq_socket (ctx, ZMQ_PAIR);
    set_int (sc, ZMQ_RCVTIMEO, 5000);
    CHECK_OK (zmq_setsockopt (sc, ZMQ_PLAIN_USERNAME, "alice", 5));
    CHECK_OK (zmq_setsockopt (sc, ZMQ_PLAIN_PASSWORD, "secret", 6));
    CHECK_OK (zmq_connect (sc, ep));
    zmq_msg_t m;
    zmq_msg_init (&m);
    CHECK (zmq_send (sc, "hi", 2, 0) == 2);
    CHECK (zmq_msg_recv (&m, sb, 0) == 2);
    const char *uid = zmq_msg_gets (&m, "User-Id");
    CHECK (uid && strcmp (uid, "alice") == 0);
    zmq_msg_close (&m);
    CHECK_OK (zmq_close (sc));

    void *bad = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_setsockopt (bad, ZMQ_PLAIN_USERNAME, "alice", 5));
    CHECK_OK (zmq_setsockopt (bad, ZMQ_PLAIN_PASSWORD, "wrong", 5));
    CHECK_OK (zmq_socket_monitor (bad, "inproc://ws-mon-bad", ZMQ_EVENT_ALL));
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_connect (mon, "inproc://ws-mon-bad"));
    CHECK_OK (zmq_connect (bad, ep));
    monitor_event_t e;
    do
        e = next_handshake_event (mon, 5000);
    while (e.event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED); /* the upgrade's */
    CHECK (e.event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH && e.value == 400);
    monitor_close (bad, mon);
    set_int (bad, ZMQ_LINGER, 0);
    CHECK_OK (zmq_close (bad));
    CHECK_OK (zmq_close (sb));
}

/* Every kind of pair moves a multipart message over ws. */
static void test_pairs (void)
{
    static const int pairs[][2] = {
      {ZMQ_PAIR, ZMQ_PAIR},     {ZMQ_PUSH, ZMQ_PULL},   {ZMQ_REQ, ZMQ_REP},
      {ZMQ_DEALER, ZMQ_ROUTER}, {ZMQ_DEALER, ZMQ_REP}, {ZMQ_REQ, ZMQ_ROUTER},
      {ZMQ_DEALER, ZMQ_DEALER},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        char ep[256], buf[64];
        void *b = zmq_socket (ctx, pairs[i][1]), *c = zmq_socket (ctx, pairs[i][0]);
        set_int (b, ZMQ_RCVTIMEO, 5000);
        CHECK_OK (zmq_bind (b, "ws://127.0.0.1:*/pairs"));
        last_endpoint (b, ep, sizeof ep);
        CHECK_OK (zmq_connect (c, ep));
        int req = pairs[i][0] == ZMQ_REQ;
        if (pairs[i][0] == ZMQ_DEALER && pairs[i][1] == ZMQ_REP)
            CHECK (zmq_send (c, "", 0, ZMQ_SNDMORE) == 0);
        CHECK (zmq_send (c, "a", 1, ZMQ_SNDMORE) == 1);
        CHECK (zmq_send (c, "bc", 2, 0) == 2);
        if (pairs[i][1] == ZMQ_ROUTER) {
            CHECK (zmq_recv (b, buf, sizeof buf, 0) > 0); /* routing id */
            if (req)
                CHECK (zmq_recv (b, buf, sizeof buf, 0) == 0);
        }
        CHECK (zmq_recv (b, buf, sizeof buf, 0) == 1 && buf[0] == 'a');
        int more;
        size_t ml = sizeof more;
        CHECK_OK (zmq_getsockopt (b, ZMQ_RCVMORE, &more, &ml));
        CHECK (more);
        CHECK (zmq_recv (b, buf, sizeof buf, 0) == 2 && memcmp (buf, "bc", 2) == 0);
        set_int (c, ZMQ_LINGER, 0);
        CHECK_OK (zmq_close (c));
        CHECK_OK (zmq_close (b));
    }
}

int main (void)
{
    ctx = zmq_ctx_new ();
    RUN_TEST (test_has_ws);
    RUN_TEST (test_last_endpoint);
    RUN_TEST (test_monitor_events);
    RUN_TEST (test_reconnect);
    RUN_TEST (test_host_name);
    RUN_TEST (test_plain_zap);
    RUN_TEST (test_pairs);
    CHECK_OK (zmq_ctx_term (ctx));
    pthread_join (zap_tid, NULL);
    return 0;
}
