/* capi-test: valgrind
 * ZAP (RFC 27) as libzmq 4.3 speaks it: a handler in C on
 * inproc://zeromq.zap.01 sees libzmq's request frames, allows one PLAIN user
 * and one CURVE key and denies others; NULL consults it only with a
 * ZMQ_ZAP_DOMAIN; User-Id and the handler's metadata are visible on every
 * received message; status 300/400/500 and malformed replies end the
 * handshake with the monitor events libzmq emits; a handler that never
 * answers is bounded by ZMQ_HANDSHAKE_IVL; and without a handler PLAIN, CURVE
 * and NULL servers behave as libzmq 4.3.4 does. */
#include "testutil.h"

#include <pthread.h>
#include <unistd.h>

static char server_public[41], server_secret[41];
static char client_public[41], client_secret[41];
static char other_public[41], other_secret[41];

/* ------------------------------------------------------------ the handler */

typedef struct
{
    void *ctx;
    int type; /* ZMQ_REP or ZMQ_ROUTER */
    pthread_mutex_t lock;
    int requests;
    /* The last request's frames (after the envelope). */
    char frame[10][64];
    size_t frame_len[10];
    int frames;
} handler_t;

static handler_t handler;

static void send_str (void *s, const char *str, int more)
{
    CHECK (zmq_send (s, str, strlen (str), more ? ZMQ_SNDMORE : 0)
           == (int) strlen (str));
}

/* Metadata frame: one property "X-Tag" = "vip". */
static const char zap_metadata[] = "\x05X-Tag\x00\x00\x00\x03vip";

static void reply (void *s, const char *version, const char *id,
                   const char *code, const char *user, int with_metadata)
{
    send_str (s, version, 1);
    send_str (s, id, 1);
    send_str (s, code, 1);
    send_str (s, "text", 1);
    send_str (s, user, 1);
    if (with_metadata)
        CHECK (zmq_send (s, zap_metadata, sizeof zap_metadata - 1, 0)
               == (int) sizeof zap_metadata - 1);
    else
        send_str (s, "", 0);
}

static int frame_is (int i, const char *str)
{
    return handler.frame_len[i] == strlen (str)
           && memcmp (handler.frame[i], str, handler.frame_len[i]) == 0;
}

static void *handler_main (void *arg)
{
    (void) arg;
    void *s = zmq_socket (handler.ctx, handler.type);
    CHECK (s);
    int linger = 0;
    CHECK_OK (zmq_setsockopt (s, ZMQ_LINGER, &linger, sizeof linger));
    CHECK_OK (zmq_bind (s, "inproc://zeromq.zap.01"));
    pthread_mutex_lock (&handler.lock);
    handler.requests = -1; /* bound */
    pthread_mutex_unlock (&handler.lock);
    for (;;) {
        char envelope[2][64];
        size_t envelope_len[2] = {0, 0};
        int n_env = handler.type == ZMQ_ROUTER ? 2 : 0;
        int more = 1, i = 0, k = 0;
        while (more) {
            zmq_msg_t m;
            CHECK_OK (zmq_msg_init (&m));
            if (zmq_msg_recv (&m, s, 0) == -1) {
                CHECK (zmq_errno () == ETERM);
                zmq_msg_close (&m);
                zmq_close (s);
                return NULL;
            }
            more = zmq_msg_more (&m);
            size_t len = zmq_msg_size (&m);
            if (len > 63)
                len = 63;
            if (k < n_env) {
                memcpy (envelope[k], zmq_msg_data (&m), len);
                envelope_len[k++] = len;
            } else if (i < 10) {
                pthread_mutex_lock (&handler.lock);
                memcpy (handler.frame[i], zmq_msg_data (&m), len);
                handler.frame_len[i++] = len;
                pthread_mutex_unlock (&handler.lock);
            }
            zmq_msg_close (&m);
        }
        pthread_mutex_lock (&handler.lock);
        handler.frames = i;
        handler.requests++;
        pthread_mutex_unlock (&handler.lock);
        /* frame 0 version, 1 request id, 2 domain, 3 address, 4 routing id,
         * 5 mechanism, 6.. credentials */
        char id[64] = "";
        memcpy (id, handler.frame[1], handler.frame_len[1]);
        if (frame_is (2, "silent"))
            continue; /* ROUTER only: never answer */
        for (k = 0; k < n_env; k++)
            CHECK (zmq_send (s, envelope[k], envelope_len[k], ZMQ_SNDMORE)
                   == (int) envelope_len[k]);
        if (frame_is (2, "bad-version"))
            reply (s, "2.0", id, "200", "", 0);
        else if (frame_is (2, "bad-status"))
            reply (s, "1.0", id, "201", "", 0);
        else if (frame_is (2, "bad-id"))
            reply (s, "1.0", "nope", "200", "", 0);
        else if (frame_is (2, "fail"))
            reply (s, "1.0", id, "500", "", 0);
        else if (frame_is (2, "later"))
            reply (s, "1.0", id, "300", "", 0);
        else if (frame_is (5, "PLAIN") && frame_is (6, "admin")
                 && frame_is (7, "secret"))
            reply (s, "1.0", id, "200", "admin", 1);
        else if (frame_is (5, "CURVE") && handler.frame_len[6] == 32) {
            uint8_t good[32];
            CHECK (zmq_z85_decode (good, client_public));
            if (memcmp (handler.frame[6], good, 32) == 0)
                reply (s, "1.0", id, "200", "curve-user", 1);
            else
                reply (s, "1.0", id, "400", "", 0);
        } else if (frame_is (5, "NULL") && frame_is (2, "allow"))
            reply (s, "1.0", id, "200", "anonymous", 1);
        else
            reply (s, "1.0", id, "400", "", 0);
    }
}

static pthread_t start_handler (void *ctx, int type)
{
    handler.ctx = ctx;
    handler.type = type;
    handler.requests = -2;
    pthread_mutex_init (&handler.lock, NULL);
    pthread_t t;
    CHECK (pthread_create (&t, NULL, handler_main, NULL) == 0);
    for (;;) {
        pthread_mutex_lock (&handler.lock);
        int r = handler.requests;
        pthread_mutex_unlock (&handler.lock);
        if (r == -1)
            break;
        usleep (1000);
    }
    handler.requests = 0;
    return t;
}

static int requests_seen (void)
{
    pthread_mutex_lock (&handler.lock);
    int r = handler.requests;
    pthread_mutex_unlock (&handler.lock);
    return r;
}

/* -------------------------------------------------------------- helpers */

typedef monitor_event_t event_t;
#define handshake_event next_handshake_event

static void *monitor (void *ctx, void *s, const char *name)
{
    CHECK_OK (zmq_socket_monitor (s, name, ZMQ_EVENT_ALL));
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    CHECK (mon);
    CHECK_OK (zmq_connect (mon, name));
    return mon;
}

enum mech
{
    M_NULL,
    M_PLAIN,
    M_CURVE
};

static void *make_server (void *ctx, int type, enum mech mech,
                          const char *domain, const char *endpoint,
                          char *bound)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_LINGER, 0);
    CHECK_OK (zmq_setsockopt (s, ZMQ_ROUTING_ID, "srv", 3));
    set_int (s, ZMQ_HANDSHAKE_IVL, 500);
    if (domain)
        CHECK_OK (zmq_setsockopt (s, ZMQ_ZAP_DOMAIN, domain, strlen (domain)));
    if (mech == M_PLAIN)
        set_int (s, ZMQ_PLAIN_SERVER, 1);
    if (mech == M_CURVE) {
        set_int (s, ZMQ_CURVE_SERVER, 1);
        CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, server_secret, 40));
    }
    CHECK_OK (zmq_bind (s, endpoint));
    size_t len = 256;
    CHECK_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, bound, &len));
    set_int (s, ZMQ_RCVTIMEO, 3000);
    return s;
}

/* A client; for PLAIN `cred` is "user:password", for CURVE "good" or "other".
 * With `mon` set, a monitor on it (attached before it connects) goes there. */
static void *make_client_mon (void *ctx, int type, enum mech mech,
                              const char *cred, const char *endpoint,
                              void **mon)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_LINGER, 0);
    if (mech == M_PLAIN) {
        const char *colon = strchr (cred, ':');
        CHECK_OK (zmq_setsockopt (s, ZMQ_PLAIN_USERNAME, cred, colon - cred));
        CHECK_OK (zmq_setsockopt (s, ZMQ_PLAIN_PASSWORD, colon + 1,
                                  strlen (colon + 1)));
    }
    if (mech == M_CURVE) {
        int good = strcmp (cred, "good") == 0;
        CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, server_public, 40));
        CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_PUBLICKEY,
                                  good ? client_public : other_public, 40));
        CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY,
                                  good ? client_secret : other_secret, 40));
    }
    if (mon) {
        set_int (s, ZMQ_RECONNECT_IVL, -1);
        *mon = monitor (ctx, s, "inproc://mon-cli");
    }
    CHECK_OK (zmq_connect (s, endpoint));
    set_int (s, ZMQ_RCVTIMEO, 3000);
    return s;
}

static void *make_client (void *ctx, int type, enum mech mech,
                          const char *cred, const char *endpoint)
{
    return make_client_mon (ctx, type, mech, cred, endpoint, NULL);
}

static void check_prop (zmq_msg_t *m, const char *name, const char *want)
{
    const char *got = zmq_msg_gets (m, name);
    if (!got || strcmp (got, want) != 0) {
        fprintf (stderr, "property %s: got %s, want %s\n", name,
                 got ? got : "(null)", want);
        CHECK (0);
    }
}

/* Receive one part (skipping a ROUTER's routing id) and check body and the
 * connection's User-Id and ZAP metadata. */
static void recv_checked (void *s, int router, const char *body,
                          const char *user)
{
    zmq_msg_t m;
    CHECK_OK (zmq_msg_init (&m));
    if (router) {
        CHECK (zmq_msg_recv (&m, s, 0) >= 0);
        CHECK (zmq_msg_more (&m));
        check_prop (&m, "User-Id", user);
    }
    int n = zmq_msg_recv (&m, s, 0);
    CHECK (n == (int) strlen (body));
    CHECK (memcmp (zmq_msg_data (&m), body, n) == 0);
    check_prop (&m, "User-Id", user);
    check_prop (&m, "X-Tag", "vip");
    CHECK (zmq_msg_gets (&m, "Peer-Address") != NULL);
    CHECK_OK (zmq_msg_close (&m));
}

/* ---------------------------------------------------------- accept cases */

static void allowed (enum mech mech, int stype, int ctype, const char *ep,
                     const char *domain, const char *cred, const char *user)
{
    void *ctx = zmq_ctx_new ();
    pthread_t t = start_handler (ctx, ZMQ_REP);
    char bound[256];
    void *server = make_server (ctx, stype, mech, domain, ep, bound);
    void *mon = monitor (ctx, server, "inproc://mon-allowed");
    void *client = make_client (ctx, ctype, mech, cred, bound);
    int router = stype == ZMQ_ROUTER;

    event_t ev = handshake_event (mon, 3000);
    CHECK (ev.event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    for (int i = 0; i < 3; i++) {
        CHECK (zmq_send (client, "hello", 5, 0) == 5);
        recv_checked (server, router, "hello", user);
    }
    CHECK (requests_seen () == 1);
    /* The request as libzmq frames it. */
    CHECK (frame_is (0, "1.0"));
    CHECK (handler.frame_len[1] > 0);
    CHECK (frame_is (2, domain ? domain : ""));
    if (strncmp (ep, "tcp", 3) == 0)
        CHECK (frame_is (3, "127.0.0.1"));
    CHECK (frame_is (4, "srv"));
    if (mech == M_PLAIN) {
        CHECK (handler.frames == 8);
        CHECK (frame_is (5, "PLAIN") && frame_is (6, "admin")
               && frame_is (7, "secret"));
    } else if (mech == M_CURVE) {
        CHECK (handler.frames == 7 && frame_is (5, "CURVE"));
    } else {
        CHECK (handler.frames == 6 && frame_is (5, "NULL"));
    }

    monitor_close (server, mon);
    CHECK_OK (zmq_close (client));
    CHECK_OK (zmq_close (server));
    CHECK_OK (zmq_ctx_term (ctx));
    pthread_join (t, NULL);
}

static void test_plain_allowed_tcp_dealer_router (void)
{
    allowed (M_PLAIN, ZMQ_ROUTER, ZMQ_DEALER, "tcp://127.0.0.1:*", "global",
             "admin:secret", "admin");
}

static void test_plain_allowed_ipc_push_pull (void)
{
    allowed (M_PLAIN, ZMQ_PULL, ZMQ_PUSH, "ipc:///tmp/zmq-rs-zap-plain.ipc",
             NULL, "admin:secret", "admin");
}

static void test_curve_allowed_tcp_push_pull (void)
{
    allowed (M_CURVE, ZMQ_PULL, ZMQ_PUSH, "tcp://127.0.0.1:*", "curve",
             "good", "curve-user");
}

static void test_curve_allowed_ipc_router_dealer (void)
{
    allowed (M_CURVE, ZMQ_ROUTER, ZMQ_DEALER, "ipc:///tmp/zmq-rs-zap-curve.ipc",
             NULL, "good", "curve-user");
}

static void test_null_with_domain_allowed (void)
{
    allowed (M_NULL, ZMQ_PULL, ZMQ_PUSH, "tcp://127.0.0.1:*", "allow", "",
             "anonymous");
}

/* ---------------------------------------------------------- refusals */

/* The client is refused: check both monitors and that nothing arrives. */
static void refused (enum mech mech, const char *domain, const char *cred,
                     int server_event, long server_value, int client_event,
                     long client_value, int handler_type)
{
    void *ctx = zmq_ctx_new ();
    pthread_t t = start_handler (ctx, handler_type);
    char bound[256];
    void *server =
      make_server (ctx, ZMQ_PULL, mech, domain, "tcp://127.0.0.1:*", bound);
    set_int (server, ZMQ_RCVTIMEO, 300);
    void *smon = monitor (ctx, server, "inproc://mon-srv");
    void *cmon;
    void *client = make_client_mon (ctx, ZMQ_PUSH, mech, cred, bound, &cmon);
    int rc = zmq_send (client, "leak", 4, ZMQ_DONTWAIT);
    CHECK (rc == 4 || (rc == -1 && zmq_errno () == EAGAIN));

    long start = now_ms ();
    event_t ev = handshake_event (smon, 3000);
    printf ("# server event 0x%x value %ld (%ld ms)\n", ev.event, ev.value,
            now_ms () - start);
    CHECK (ev.event == server_event && ev.value == server_value);
    if (client_event) {
        ev = handshake_event (cmon, 3000);
        printf ("# client event 0x%x value %ld\n", ev.event, ev.value);
        CHECK (ev.event == client_event && ev.value == client_value);
    }
    char b[8];
    CHECK_ERR (zmq_recv (server, b, sizeof b, 0), EAGAIN);
    CHECK (requests_seen () >= 1);

    monitor_close (server, smon);
    monitor_close (client, cmon);
    CHECK_OK (zmq_close (client));
    CHECK_OK (zmq_close (server));
    CHECK_OK (zmq_ctx_term (ctx));
    pthread_join (t, NULL);
}

static void test_plain_wrong_password_400 (void)
{
    refused (M_PLAIN, NULL, "admin:wrong", ZMQ_EVENT_HANDSHAKE_FAILED_AUTH,
             400, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400, ZMQ_REP);
}

static void test_plain_temporary_300 (void)
{
    /* 300: no ERROR command, the client is just disconnected. */
    refused (M_PLAIN, "later", "admin:secret", ZMQ_EVENT_HANDSHAKE_FAILED_AUTH,
             300, 0, 0, ZMQ_REP);
}

static void test_curve_other_key_400 (void)
{
    refused (M_CURVE, NULL, "other", ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400,
             ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400, ZMQ_REP);
}

static void test_curve_handler_500 (void)
{
    refused (M_CURVE, "fail", "good", ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 500,
             ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 500, ZMQ_REP);
}

static void test_null_with_domain_denied (void)
{
    refused (M_NULL, "deny", "", ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400,
             ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400, ZMQ_ROUTER);
}

static void test_reply_bad_version (void)
{
    refused (M_PLAIN, "bad-version", "admin:secret",
             ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
             ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION, 0, 0, ZMQ_REP);
}

static void test_reply_bad_status (void)
{
    refused (M_CURVE, "bad-status", "good", ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
             ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE, 0, 0, ZMQ_ROUTER);
}

static void test_reply_bad_request_id (void)
{
    refused (M_NULL, "bad-id", "", ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
             ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID, 0, 0, ZMQ_REP);
}

static void test_silent_handler_bounded_by_handshake_ivl (void)
{
    long start = now_ms ();
    refused (M_PLAIN, "silent", "admin:secret",
             ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, EAGAIN, 0, 0, ZMQ_ROUTER);
    CHECK (now_ms () - start < 2500);
}

/* NULL without a domain never asks ZAP, even with a handler bound. */
static void test_null_without_domain_skips_zap (void)
{
    void *ctx = zmq_ctx_new ();
    pthread_t t = start_handler (ctx, ZMQ_REP);
    char bound[256];
    void *server =
      make_server (ctx, ZMQ_PULL, M_NULL, NULL, "tcp://127.0.0.1:*", bound);
    void *client = make_client (ctx, ZMQ_PUSH, M_NULL, "", bound);
    CHECK (zmq_send (client, "x", 1, 0) == 1);
    zmq_msg_t m;
    CHECK_OK (zmq_msg_init (&m));
    CHECK (zmq_msg_recv (&m, server, 0) == 1);
    CHECK (zmq_msg_gets (&m, "User-Id") == NULL);
    CHECK_OK (zmq_msg_close (&m));
    CHECK (requests_seen () == 0);
    CHECK_OK (zmq_close (client));
    CHECK_OK (zmq_close (server));
    CHECK_OK (zmq_ctx_term (ctx));
    pthread_join (t, NULL);
}

/* ------------------------------------------------------- no handler bound */

static void no_handler (enum mech mech, const char *domain, int want_event,
                        long want_value)
{
    void *ctx = zmq_ctx_new ();
    char bound[256];
    void *server =
      make_server (ctx, ZMQ_PULL, mech, domain, "tcp://127.0.0.1:*", bound);
    set_int (server, ZMQ_RCVTIMEO, 1000);
    void *mon = monitor (ctx, server, "inproc://mon-nohandler");
    void *client = make_client (ctx, ZMQ_PUSH, mech, "admin:secret", bound);
    event_t ev = handshake_event (mon, 3000);
    printf ("# no handler: event 0x%x value %ld\n", ev.event, ev.value);
    CHECK (ev.event == want_event && ev.value == want_value);
    CHECK (zmq_send (client, "x", 1, ZMQ_DONTWAIT) == 1
           || zmq_errno () == EAGAIN);
    zmq_msg_t m;
    CHECK_OK (zmq_msg_init (&m));
    int n = zmq_msg_recv (&m, server, 0);
    if (want_event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
        CHECK (n == 1);
        /* libzmq sets no User-Id without a ZAP reply. */
        CHECK (zmq_msg_gets (&m, "User-Id") == NULL);
    } else
        CHECK (n == -1 && zmq_errno () == EAGAIN);
    CHECK_OK (zmq_msg_close (&m));
    monitor_close (server, mon);
    CHECK_OK (zmq_close (client));
    CHECK_OK (zmq_close (server));
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_no_handler_plain_fails (void)
{
    no_handler (M_PLAIN, NULL, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, EFAULT);
}

static void test_no_handler_curve_accepts (void)
{
    no_handler (M_CURVE, "dom", ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0);
}

static void test_no_handler_null_with_domain_accepts (void)
{
    no_handler (M_NULL, "dom", ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0);
}

#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93 /* draft option, in Debian's build too */
#endif

/* ZMQ_ZAP_ENFORCE_DOMAIN: no handler means refusal for CURVE and NULL too. */
static void enforced (enum mech mech)
{
    void *ctx = zmq_ctx_new ();
    char bound[256];
    void *server = zmq_socket (ctx, ZMQ_PULL);
    set_int (server, ZMQ_LINGER, 0);
    set_int (server, ZMQ_ZAP_ENFORCE_DOMAIN, 1);
    CHECK_OK (zmq_setsockopt (server, ZMQ_ZAP_DOMAIN, "dom", 3));
    if (mech == M_CURVE) {
        set_int (server, ZMQ_CURVE_SERVER, 1);
        CHECK_OK (zmq_setsockopt (server, ZMQ_CURVE_SECRETKEY, server_secret, 40));
    }
    int v = 0;
    size_t len = sizeof v;
    CHECK_OK (zmq_getsockopt (server, ZMQ_ZAP_ENFORCE_DOMAIN, &v, &len));
    CHECK (v == 1);
    CHECK_OK (zmq_bind (server, "tcp://127.0.0.1:*"));
    len = sizeof bound;
    CHECK_OK (zmq_getsockopt (server, ZMQ_LAST_ENDPOINT, bound, &len));
    void *mon = monitor (ctx, server, "inproc://mon-enforced");
    void *client = make_client (ctx, ZMQ_PUSH, mech, "good", bound);
    event_t ev = handshake_event (mon, 3000);
    printf ("# enforced: event 0x%x value %ld\n", ev.event, ev.value);
    CHECK (ev.event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL && ev.value == EFAULT);
    monitor_close (server, mon);
    CHECK_OK (zmq_close (client));
    CHECK_OK (zmq_close (server));
    CHECK_OK (zmq_ctx_term (ctx));
}

static void test_enforce_domain_curve_without_handler (void)
{
    enforced (M_CURVE);
}

static void test_enforce_domain_null_without_handler (void)
{
    enforced (M_NULL);
}

/* A NULL client with a domain asks ZAP too, as libzmq's NULL mechanism
 * does on either side. */
static void test_null_client_with_domain (void)
{
    void *ctx = zmq_ctx_new ();
    pthread_t t = start_handler (ctx, ZMQ_REP);
    char bound[256];
    void *server =
      make_server (ctx, ZMQ_PULL, M_NULL, NULL, "tcp://127.0.0.1:*", bound);
    set_int (server, ZMQ_RCVTIMEO, 500);
    void *client = zmq_socket (ctx, ZMQ_PUSH);
    set_int (client, ZMQ_LINGER, 0);
    CHECK_OK (zmq_setsockopt (client, ZMQ_ZAP_DOMAIN, "deny", 4));
    void *cmon = monitor (ctx, client, "inproc://mon-nullcli");
    CHECK_OK (zmq_connect (client, bound));
    event_t ev = handshake_event (cmon, 3000);
    printf ("# null client: event 0x%x value %ld\n", ev.event, ev.value);
    CHECK (ev.event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH && ev.value == 400);
    CHECK (requests_seen () == 1);
    monitor_close (client, cmon);
    CHECK_OK (zmq_close (client));
    CHECK_OK (zmq_close (server));
    CHECK_OK (zmq_ctx_term (ctx));
    pthread_join (t, NULL);
}

int main (void)
{
    CHECK_OK (zmq_curve_keypair (server_public, server_secret));
    CHECK_OK (zmq_curve_keypair (client_public, client_secret));
    CHECK_OK (zmq_curve_keypair (other_public, other_secret));
    RUN_TEST (test_plain_allowed_tcp_dealer_router);
    RUN_TEST (test_plain_allowed_ipc_push_pull);
    RUN_TEST (test_curve_allowed_tcp_push_pull);
    RUN_TEST (test_curve_allowed_ipc_router_dealer);
    RUN_TEST (test_null_with_domain_allowed);
    RUN_TEST (test_plain_wrong_password_400);
    RUN_TEST (test_plain_temporary_300);
    RUN_TEST (test_curve_other_key_400);
    RUN_TEST (test_curve_handler_500);
    RUN_TEST (test_null_with_domain_denied);
    RUN_TEST (test_reply_bad_version);
    RUN_TEST (test_reply_bad_status);
    RUN_TEST (test_reply_bad_request_id);
    RUN_TEST (test_silent_handler_bounded_by_handshake_ivl);
    RUN_TEST (test_null_without_domain_skips_zap);
    RUN_TEST (test_no_handler_plain_fails);
    RUN_TEST (test_no_handler_curve_accepts);
    RUN_TEST (test_no_handler_null_with_domain_accepts);
    RUN_TEST (test_enforce_domain_curve_without_handler);
    RUN_TEST (test_enforce_domain_null_without_handler);
    RUN_TEST (test_null_client_with_domain);
    return 0;
}
