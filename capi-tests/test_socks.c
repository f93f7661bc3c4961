/* ZMQ_SOCKS_PROXY (and ZMQ_SOCKS_USERNAME, ZMQ_SOCKS_PASSWORD: draft in zmq.h but
 * accepted by Debian's 4.3.4 too, so set here by number): a REQ connects to
 * a REP through a SOCKS5 proxy run by a thread of this test (RFC 1928, with
 * RFC 1929 basic auth). Messages flow both ways through it, and the REP
 * sees the proxy's outgoing address (127.0.0.2), not ours, so nothing
 * connected directly. A host name goes to the proxy unresolved; a proxy
 * that refuses (the credentials, or the CONNECT) makes the connecter close
 * the attempt (CLOSED) and retry (CONNECT_RETRIED) until it says yes;
 * monitor events name the proxy. (A proxy that never says yes is in
 * test_socks_refused_ours.c: libzmq aborts when such a socket closes.) */
#include "socksproxy.h"

static void flows (const char *user, const char *pass, const char *dest_host)
{
    proxy_start (user, pass, dest_host);
    int port;
    void *rep = rep_bound (&port);
    void *mon;
    void *req = req_via_proxy (user, pass, &mon);
    char ep[128];
    snprintf (ep, sizeof ep, "tcp://%s:%d", dest_host ? dest_host : "127.0.0.1", port);
    CHECK_OK (zmq_connect (req, ep));
    round_trip (req, rep);
    /* Events name the proxy, CONNECTED comes once it said yes. */
    char got[128], want[64];
    snprintf (want, sizeof want, "tcp://127.0.0.1:%d", proxy.port);
    expect_event (mon, ZMQ_EVENT_CONNECTED, got, sizeof got);
    CHECK (strcmp (got, want) == 0);
    CHECK (proxy.attempts == 1);
    monitor_close (req, mon);
    zmq_close (req);
    zmq_close (rep);
    proxy_stop ();
}

static void test_no_auth (void)
{
    flows (NULL, NULL, NULL);
    CHECK (proxy.atype == 1);
}

static void test_basic_auth (void)
{
    flows ("someuser", "somepass", NULL);
}

/* The destination's host name is the proxy's to resolve: ".invalid" never
 * resolves here. */
static void test_domain_name (void)
{
    flows (NULL, NULL, "socks-test.invalid");
    CHECK (proxy.atype == 3 && strcmp (proxy.host, "socks-test.invalid") == 0);
}

/* The proxy says no twice (`auth`: to the credentials, else to the
 * CONNECT): each time CLOSED, then CONNECT_RETRIED, naming the proxy; the
 * third attempt gets through and the request with it. */
static void refused_twice (const char *user, const char *pass, int auth)
{
    proxy_start (user, pass, NULL);
    proxy.refusals = 2;
    proxy.refuse_auth = auth;
    int port;
    void *rep = rep_bound (&port);
    void *mon;
    void *req = req_via_proxy (user, pass, &mon);
    char ep[64], got[128], want[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    snprintf (want, sizeof want, "tcp://127.0.0.1:%d", proxy.port);
    CHECK_OK (zmq_connect (req, ep));
    expect_failed_attempts (mon, 2, 0);
    expect_event (mon, ZMQ_EVENT_CONNECTED, got, sizeof got);
    CHECK (strcmp (got, want) == 0);
    round_trip (req, rep);
    CHECK (proxy.attempts == 3);
    monitor_close (req, mon);
    zmq_close (req);
    zmq_close (rep);
    proxy_stop ();
}

static void test_credentials_refused (void)
{
    refused_twice ("someuser", "somepass", 1);
}

static void test_connect_refused (void)
{
    refused_twice (NULL, NULL, 0);
}

/* As libzmq: (NULL, 0) clears the proxy, an empty string is EINVAL. */
static void test_proxy_option (void)
{
    void *s = zmq_socket (ctx, ZMQ_REQ);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_SOCKS_PROXY, "", 0), EINVAL);
    CHECK_OK (zmq_setsockopt (s, ZMQ_SOCKS_PROXY, "h:1", 3));
    CHECK_OK (zmq_setsockopt (s, ZMQ_SOCKS_PROXY, NULL, 0));
    char buf[8];
    size_t len = sizeof buf;
    CHECK_OK (zmq_getsockopt (s, ZMQ_SOCKS_PROXY, buf, &len));
    CHECK (len == 1 && buf[0] == 0);
    CHECK_OK (zmq_setsockopt (s, OPT_SOCKS_USERNAME, "", 0));
    zmq_close (s);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    RUN_TEST (test_proxy_option);
    RUN_TEST (test_no_auth);
    RUN_TEST (test_basic_auth);
    RUN_TEST (test_domain_name);
    RUN_TEST (test_credentials_refused);
    RUN_TEST (test_connect_refused);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
