/* capi-test: ours-only
 * ZMQ_SOCKS_PROXY when the proxy never says yes: a refused CONNECT, bad
 * credentials (ZMQ_SOCKS_USERNAME, ZMQ_SOCKS_PASSWORD), a proxy that accepts and then stays silent (bounded by
 * ZMQ_HANDSHAKE_IVL here; libzmq would wait forever). Each attempt ends
 * CLOSED, then CONNECT_RETRIED, and the socket closes cleanly afterwards:
 * libzmq 4.3.4 and 4.3.5 abort there (socks_connecter_t::error removes its
 * poll handle without forgetting it, and closing the socket removes it
 * again: "Bad file descriptor (src/epoll.cpp)"), so this runs on ours only. */
#include "socksproxy.h"

/* `n` rounds of CLOSED then CONNECT_RETRIED, never CONNECTED, each after
 * at least `min_ms`; nothing reaches the REP. */
static void never_connects (const char *user, const char *pass, int n, long min_ms)
{
    int port;
    void *rep = rep_bound (&port);
    void *mon;
    void *req = req_via_proxy (user, pass, &mon);
    set_int (req, ZMQ_HANDSHAKE_IVL, 300);
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    CHECK_OK (zmq_connect (req, ep));
    CHECK (zmq_send (req, "hello", 5, 0) == 5);
    expect_failed_attempts (mon, n, min_ms);
    CHECK (proxy.attempts >= n);
    char buf[8];
    set_int (rep, ZMQ_RCVTIMEO, 200);
    CHECK_ERR (zmq_recv (rep, buf, sizeof buf, 0), EAGAIN);
    monitor_close (req, mon);
    zmq_close (req);
    zmq_close (rep);
}

static void test_connect_refused (void)
{
    proxy_start (NULL, NULL, NULL);
    proxy.refusals = 1000;
    never_connects (NULL, NULL, 3, 0);
    proxy_stop ();
}

static void test_bad_credentials (void)
{
    proxy_start ("someuser", "somepass", NULL);
    never_connects ("someuser", "wrong", 3, 0);
    proxy_stop ();
}

/* A silent proxy costs an attempt ZMQ_HANDSHAKE_IVL (300 ms), not forever. */
static void test_silent_proxy (void)
{
    proxy_start (NULL, NULL, NULL);
    proxy.silent = 1;
    never_connects (NULL, NULL, 1, 250);
    proxy_stop ();
}

/* The destination is the proxy's to resolve, so a name that does not
 * resolve here still goes to it; one it does not know is refused there. */
static void test_unknown_name (void)
{
    proxy_start (NULL, NULL, "socks-test.invalid");
    int port;
    void *rep = rep_bound (&port);
    void *mon;
    void *req = req_via_proxy (NULL, NULL, &mon);
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://other.invalid:%d", port);
    CHECK_OK (zmq_connect (req, ep));
    expect_event (mon, ZMQ_EVENT_CLOSED, NULL, 0);
    CHECK (proxy.atype == 3 && strcmp (proxy.host, "other.invalid") == 0);
    monitor_close (req, mon);
    zmq_close (req);
    zmq_close (rep);
    proxy_stop ();
}

int main (void)
{
    ctx = zmq_ctx_new ();
    RUN_TEST (test_connect_refused);
    RUN_TEST (test_bad_credentials);
    RUN_TEST (test_silent_proxy);
    RUN_TEST (test_unknown_name);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
