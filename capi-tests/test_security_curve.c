/* CURVE security between two sockets over tcp and ipc: keys from
 * zmq_curve_keypair, the handshake, a wrong server key refused (nothing
 * delivered), multi-part and large messages, metadata on received messages,
 * and the ZMQ_MECHANISM/CURVE_* options as a CURVE socket reports them. */
#include "testutil.h"

#include <unistd.h>

static char server_public[41], server_secret[41];
static char client_public[41], client_secret[41];

static void make_keys (void)
{
    CHECK_OK (zmq_curve_keypair (server_public, server_secret));
    CHECK_OK (zmq_curve_keypair (client_public, client_secret));
}

static void *make_server (void *ctx, int type, const char *endpoint, char *bound,
                          size_t bound_len)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    int one = 1, linger = 0;
    CHECK_OK (zmq_setsockopt (s, ZMQ_LINGER, &linger, sizeof linger));
    CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_SERVER, &one, sizeof one));
    CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, server_secret, 40));
    CHECK_OK (zmq_bind (s, endpoint));
    CHECK_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, bound, &bound_len));
    return s;
}

static void *make_client (void *ctx, int type, const char *endpoint,
                          const char *server_key)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    int linger = 0;
    CHECK_OK (zmq_setsockopt (s, ZMQ_LINGER, &linger, sizeof linger));
    CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, server_key, 40));
    CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_PUBLICKEY, client_public, 40));
    CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, client_secret, 40));
    CHECK_OK (zmq_connect (s, endpoint));
    return s;
}

static void set_timeout (void *s, int ms)
{
    CHECK_OK (zmq_setsockopt (s, ZMQ_RCVTIMEO, &ms, sizeof ms));
    CHECK_OK (zmq_setsockopt (s, ZMQ_SNDTIMEO, &ms, sizeof ms));
}

static void recv_expect (void *s, const char *body, int more)
{
    zmq_msg_t m;
    CHECK_OK (zmq_msg_init (&m));
    int n = zmq_msg_recv (&m, s, 0);
    CHECK (n == (int) strlen (body));
    CHECK (memcmp (zmq_msg_data (&m), body, n) == 0);
    CHECK (zmq_msg_more (&m) == more);
    CHECK_OK (zmq_msg_close (&m));
}

static void test_options_report_curve (void)
{
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    int v = -1;
    size_t len = sizeof v;
    CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, server_public, 40));
    CHECK_OK (zmq_getsockopt (s, ZMQ_MECHANISM, &v, &len));
    CHECK (v == ZMQ_CURVE);
    char key[41];
    len = sizeof key;
    CHECK_OK (zmq_getsockopt (s, ZMQ_CURVE_SERVERKEY, key, &len));
    CHECK (len == 41 && memcmp (key, server_public, 41) == 0);
    CHECK_OK (zmq_close (s));
    CHECK_OK (zmq_ctx_term (ctx));
}

static void round_trip (const char *endpoint, int server_type, int client_type)
{
    void *ctx = zmq_ctx_new ();
    char bound[256];
    void *server = make_server (ctx, server_type, endpoint, bound, sizeof bound);
    void *client = make_client (ctx, client_type, bound, server_public);
    set_timeout (server, 5000);
    set_timeout (client, 5000);

    /* Multi-part, with an empty part. */
    CHECK (zmq_send (client, "alpha", 5, ZMQ_SNDMORE) == 5);
    CHECK (zmq_send (client, "", 0, ZMQ_SNDMORE) == 0);
    CHECK (zmq_send (client, "omega", 5, 0) == 5);
    if (server_type == ZMQ_ROUTER) {
        zmq_msg_t id;
        CHECK_OK (zmq_msg_init (&id));
        CHECK (zmq_msg_recv (&id, server, 0) > 0);
        CHECK (zmq_msg_more (&id));
        CHECK_OK (zmq_msg_close (&id));
    }
    recv_expect (server, "alpha", 1);
    recv_expect (server, "", 1);

    /* The last part carries the peer's properties. */
    zmq_msg_t m;
    CHECK_OK (zmq_msg_init (&m));
    CHECK (zmq_msg_recv (&m, server, 0) == 5);
    const char *st = zmq_msg_gets (&m, "Socket-Type");
    CHECK (st && strcmp (st, client_type == ZMQ_DEALER ? "DEALER" : "PAIR") == 0);
    CHECK_OK (zmq_msg_close (&m));

    /* 1 MB both ways. */
    size_t big = 1 << 20;
    char *buf = malloc (big);
    char *got = malloc (big);
    CHECK (buf && got);
    for (size_t i = 0; i < big; i++)
        buf[i] = (char) (i * 7 + 3);
    if (server_type == ZMQ_ROUTER) {
        /* Reply through the routing id of the only peer: DEALER->ROUTER only. */
        CHECK (zmq_send (client, buf, big, 0) == (int) big);
        zmq_msg_t id;
        CHECK_OK (zmq_msg_init (&id));
        CHECK (zmq_msg_recv (&id, server, 0) > 0);
        CHECK ((size_t) zmq_recv (server, got, big, 0) == big);
        CHECK (memcmp (buf, got, big) == 0);
        CHECK (zmq_msg_send (&id, server, ZMQ_SNDMORE) > 0);
        CHECK (zmq_send (server, buf, big, 0) == (int) big);
        memset (got, 0, big);
        CHECK ((size_t) zmq_recv (client, got, big, 0) == big);
        CHECK (memcmp (buf, got, big) == 0);
    } else {
        CHECK (zmq_send (client, buf, big, 0) == (int) big);
        CHECK ((size_t) zmq_recv (server, got, big, 0) == big);
        CHECK (memcmp (buf, got, big) == 0);
        CHECK (zmq_send (server, buf, big, 0) == (int) big);
        memset (got, 0, big);
        CHECK ((size_t) zmq_recv (client, got, big, 0) == big);
        CHECK (memcmp (buf, got, big) == 0);
    }
    free (buf);
    free (got);

    /* Many small messages keep the nonces in step. */
    for (int i = 0; i < 1000; i++) {
        char b[16];
        int n = snprintf (b, sizeof b, "m%d", i);
        CHECK (zmq_send (client, b, n, 0) == n);
    }
    for (int i = 0; i < 1000; i++) {
        char b[16], want[16];
        int n = snprintf (want, sizeof want, "m%d", i);
        if (server_type == ZMQ_ROUTER) {
            zmq_msg_t id;
            CHECK_OK (zmq_msg_init (&id));
            CHECK (zmq_msg_recv (&id, server, 0) > 0);
            CHECK_OK (zmq_msg_close (&id));
        }
        CHECK (zmq_recv (server, b, sizeof b, 0) == n);
        CHECK (memcmp (b, want, n) == 0);
    }

    CHECK_OK (zmq_close (client));
    CHECK_OK (zmq_close (server));
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_curve_tcp_pair (void)
{
    round_trip ("tcp://127.0.0.1:*", ZMQ_PAIR, ZMQ_PAIR);
}

static void test_curve_tcp_router_dealer (void)
{
    round_trip ("tcp://127.0.0.1:*", ZMQ_ROUTER, ZMQ_DEALER);
}

static void test_curve_ipc (void)
{
    char path[128];
    snprintf (path, sizeof path, "ipc:///tmp/zmq-rs-curve-%d.ipc", (int) getpid ());
    round_trip (path, ZMQ_PAIR, ZMQ_PAIR);
}

/* A client with the wrong server key never gets a message through. */
static void test_curve_wrong_server_key (void)
{
    void *ctx = zmq_ctx_new ();
    char bound[256];
    void *server = make_server (ctx, ZMQ_PULL, "tcp://127.0.0.1:*", bound, sizeof bound);
    char other_public[41], other_secret[41];
    CHECK_OK (zmq_curve_keypair (other_public, other_secret));
    void *client = make_client (ctx, ZMQ_PUSH, bound, other_public);
    set_timeout (server, 600);
    int dontwait = ZMQ_DONTWAIT;
    int rc = zmq_send (client, "leak", 4, dontwait);
    CHECK (rc == 4 || (rc == -1 && zmq_errno () == EAGAIN));
    char b[8];
    CHECK_ERR (zmq_recv (server, b, sizeof b, 0), EAGAIN);

    /* A plaintext (NULL) client is refused as well. */
    void *plain = zmq_socket (ctx, ZMQ_PUSH);
    int linger = 0;
    CHECK_OK (zmq_setsockopt (plain, ZMQ_LINGER, &linger, sizeof linger));
    CHECK_OK (zmq_connect (plain, bound));
    rc = zmq_send (plain, "leak", 4, dontwait);
    CHECK (rc == 4 || (rc == -1 && zmq_errno () == EAGAIN));
    CHECK_ERR (zmq_recv (server, b, sizeof b, 0), EAGAIN);

    CHECK_OK (zmq_close (plain));
    CHECK_OK (zmq_close (client));
    CHECK_OK (zmq_close (server));
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    make_keys ();
    RUN_TEST (test_options_report_curve);
    RUN_TEST (test_curve_tcp_pair);
    RUN_TEST (test_curve_tcp_router_dealer);
    RUN_TEST (test_curve_ipc);
    RUN_TEST (test_curve_wrong_server_key);
    return 0;
}
