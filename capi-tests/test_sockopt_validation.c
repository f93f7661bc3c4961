/* capi-test: valgrind
 * libzmq's EINVAL rules for every generic socket option, the optvallen rules,
 * set/get round trips, CURVE key forms and the mechanism switches. Checked
 * against Debian's libzmq 4.3.4; options a build may lack (GSSAPI, the
 * draft-gated ones) follow zmq_has(). */
#include "testutil.h"
#include <stdint.h>

#define OPT_ZAP_ENFORCE_DOMAIN 93
#define OPT_LOOPBACK_FASTPATH 94
#define OPT_METADATA 95
#define OPT_MULTICAST_LOOP 96
#define OPT_ROUTER_NOTIFY 97
#define OPT_SOCKS_USERNAME 99
#define OPT_SOCKS_PASSWORD 100
#define OPT_IN_BATCH_SIZE 101
#define OPT_OUT_BATCH_SIZE 102
#define OPT_RECONNECT_STOP 109
#define OPT_HELLO_MSG 110
#define OPT_DISCONNECT_MSG 111
#define OPT_PRIORITY 112
#define OPT_BUSY_POLL 113
#define OPT_HICCUP_MSG 114

static void *ctx;

static void *fresh (void)
{
    void *s = zmq_socket (ctx, ZMQ_PAIR);
    CHECK (s);
    return s;
}

static int get_int (void *s, int opt)
{
    int v = -12345;
    size_t len = sizeof v;
    CHECK_OK (zmq_getsockopt (s, opt, &v, &len));
    CHECK (len == sizeof v);
    return v;
}

/* Integer option: values in [lo, hi] are accepted and read back as
 * `stored(v)`; lo-1 and hi+1 (when in int range) are EINVAL. */
struct int_rule
{
    int opt, lo, hi, gettable;
};

static void check_int_rule (const struct int_rule *r)
{
    int probes[] = {r->lo, r->hi, 0, 1, 2, 100, -1, -2, r->lo - 1, r->hi + 1};
    for (size_t i = 0; i < sizeof probes / sizeof *probes; i++) {
        int v = probes[i];
        if ((i == 8 && r->lo == INT32_MIN) || (i == 9 && r->hi == INT32_MAX))
            continue;
        void *s = fresh ();
        int ok = v >= r->lo && v <= r->hi;
        if (ok) {
            if (zmq_setsockopt (s, r->opt, &v, sizeof v) != 0) {
                fprintf (stderr, "option %d: %d refused\n", r->opt, v);
                exit (1);
            }
            if (r->gettable && get_int (s, r->opt) != v) {
                fprintf (stderr, "option %d: set %d, got %d\n", r->opt, v,
                         get_int (s, r->opt));
                exit (1);
            }
        } else {
            errno = 0;
            if (zmq_setsockopt (s, r->opt, &v, sizeof v) != -1
                || zmq_errno () != EINVAL) {
                fprintf (stderr, "option %d: %d not refused\n", r->opt, v);
                exit (1);
            }
        }
        /* Any size but sizeof(int) is EINVAL. */
        int64_t wide = v;
        CHECK_ERR (zmq_setsockopt (s, r->opt, &wide, sizeof wide), EINVAL);
        CHECK_ERR (zmq_setsockopt (s, r->opt, &v, 2), EINVAL);
        CHECK_ERR (zmq_setsockopt (s, r->opt, NULL, 0), EINVAL);
        CHECK_OK (zmq_close (s));
    }
}

static void test_int_options (void)
{
    const int MAX = INT32_MAX, MIN = INT32_MIN;
    struct int_rule rules[] = {
      {ZMQ_SNDHWM, 0, MAX, 1},
      {ZMQ_RCVHWM, 0, MAX, 1},
      {ZMQ_LINGER, -1, MAX, 1},
      {ZMQ_RCVTIMEO, -1, MAX, 1},
      {ZMQ_SNDTIMEO, -1, MAX, 1},
      {ZMQ_RATE, 1, MAX, 1},
      {ZMQ_RECOVERY_IVL, 0, MAX, 1},
      {ZMQ_SNDBUF, -1, MAX, 1},
      {ZMQ_RCVBUF, -1, MAX, 1},
      {ZMQ_RECONNECT_IVL, -1, MAX, 1},
      {ZMQ_RECONNECT_IVL_MAX, 0, MAX, 1},
      {ZMQ_BACKLOG, 0, MAX, 1},
      {ZMQ_MULTICAST_HOPS, 1, MAX, 1},
      {ZMQ_TCP_KEEPALIVE, -1, 1, 1},
      {ZMQ_TCP_KEEPALIVE_CNT, -1, MAX, 1},
      {ZMQ_TCP_KEEPALIVE_IDLE, -1, MAX, 1},
      {ZMQ_TCP_KEEPALIVE_INTVL, -1, MAX, 1},
      {ZMQ_IMMEDIATE, 0, 1, 1},
      {ZMQ_IPV6, 0, 1, 1},
      {ZMQ_CONFLATE, 0, 1, 1},
      {ZMQ_TOS, 0, MAX, 1},
      {ZMQ_HANDSHAKE_IVL, 0, MAX, 1},
      {ZMQ_HEARTBEAT_IVL, 0, MAX, 1},
      {ZMQ_HEARTBEAT_TIMEOUT, 0, MAX, 1},
      {ZMQ_CONNECT_TIMEOUT, 0, MAX, 1},
      {ZMQ_TCP_MAXRT, 0, MAX, 1},
      {ZMQ_MULTICAST_MAXTPDU, 1, MAX, 1},
      {ZMQ_USE_FD, -1, MAX, 1},
      {OPT_RECONNECT_STOP, MIN, MAX, 1},
    };
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++)
        check_int_rule (&rules[i]);
}

/* Flags where any non-zero int means "on" (read back as 1). */
static void test_relaxed_flags (void)
{
    int flags[] = {ZMQ_INVERT_MATCHING, OPT_ZAP_ENFORCE_DOMAIN,
                   OPT_LOOPBACK_FASTPATH, OPT_MULTICAST_LOOP};
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++) {
        void *s = fresh ();
        int v = 7;
        CHECK_OK (zmq_setsockopt (s, flags[i], &v, sizeof v));
        CHECK (get_int (s, flags[i]) == 1);
        v = -1;
        CHECK_OK (zmq_setsockopt (s, flags[i], &v, sizeof v));
        CHECK (get_int (s, flags[i]) == 1);
        v = 0;
        CHECK_OK (zmq_setsockopt (s, flags[i], &v, sizeof v));
        CHECK (get_int (s, flags[i]) == 0);
        CHECK_ERR (zmq_setsockopt (s, flags[i], &v, 1), EINVAL);
        CHECK_OK (zmq_close (s));
    }
}

/* HEARTBEAT_TTL is kept in deciseconds (16 bits): ms / 100, truncated. */
static void test_heartbeat_ttl (void)
{
    void *s = fresh ();
    int cases[][2] = {{0, 0},         {99, 0},          {100, 100},
                      {1234, 1200},   {6553500, 6553500}, {6553599, 6553500},
                      {-99, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        CHECK_OK (zmq_setsockopt (s, ZMQ_HEARTBEAT_TTL, &cases[i][0],
                                  sizeof (int)));
        CHECK (get_int (s, ZMQ_HEARTBEAT_TTL) == cases[i][1]);
    }
    int bad[] = {6553600, -100, INT32_MAX, INT32_MIN};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK_ERR (zmq_setsockopt (s, ZMQ_HEARTBEAT_TTL, &bad[i], sizeof (int)),
                   EINVAL);
    CHECK_OK (zmq_close (s));
}

static void test_ipv6_ipv4only_inverse (void)
{
    void *s = fresh ();
    int one = 1, zero = 0, two = 2;
    CHECK_OK (zmq_setsockopt (s, ZMQ_IPV4ONLY, &zero, sizeof zero));
    CHECK (get_int (s, ZMQ_IPV6) == 1 && get_int (s, ZMQ_IPV4ONLY) == 0);
    CHECK_OK (zmq_setsockopt (s, ZMQ_IPV6, &zero, sizeof zero));
    CHECK (get_int (s, ZMQ_IPV6) == 0 && get_int (s, ZMQ_IPV4ONLY) == 1);
    CHECK_OK (zmq_setsockopt (s, ZMQ_IPV6, &one, sizeof one));
    CHECK (get_int (s, ZMQ_IPV4ONLY) == 0);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_IPV4ONLY, &two, sizeof two), EINVAL);
    CHECK_OK (zmq_close (s));
}

static void test_int64_options (void)
{
    void *s = fresh ();
    int64_t m = 12345;
    CHECK_OK (zmq_setsockopt (s, ZMQ_MAXMSGSIZE, &m, sizeof m));
    m = -5; /* no range check in libzmq */
    CHECK_OK (zmq_setsockopt (s, ZMQ_MAXMSGSIZE, &m, sizeof m));
    int64_t got = 0;
    size_t len = sizeof got;
    CHECK_OK (zmq_getsockopt (s, ZMQ_MAXMSGSIZE, &got, &len));
    CHECK (got == -5 && len == 8);
    int i = 5;
    CHECK_ERR (zmq_setsockopt (s, ZMQ_MAXMSGSIZE, &i, sizeof i), EINVAL);

    uint64_t a = 0x8000000000000003ULL;
    CHECK_OK (zmq_setsockopt (s, ZMQ_AFFINITY, &a, sizeof a));
    uint64_t ga = 0;
    len = sizeof ga;
    CHECK_OK (zmq_getsockopt (s, ZMQ_AFFINITY, &ga, &len));
    CHECK (ga == a);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_AFFINITY, &i, sizeof i), EINVAL);
    CHECK_OK (zmq_close (s));
}

static void test_routing_id (void)
{
    void *s = fresh ();
    char id[256];
    memset (id, 'r', sizeof id);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_ROUTING_ID, id, 0), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_ROUTING_ID, id, 256), EINVAL);
    CHECK_OK (zmq_setsockopt (s, ZMQ_ROUTING_ID, id, 255));
    CHECK_OK (zmq_setsockopt (s, ZMQ_ROUTING_ID, "a\0c", 3));
    char buf[8];
    memset (buf, 'Z', sizeof buf);
    size_t len = sizeof buf;
    CHECK_OK (zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, &len));
    CHECK (len == 3 && memcmp (buf, "a\0c", 3) == 0);
    for (size_t i = 3; i < sizeof buf; i++)
        CHECK (buf[i] == 0); /* the rest of the buffer is zeroed */
    len = 2;
    CHECK_ERR (zmq_getsockopt (s, ZMQ_ROUTING_ID, buf, &len), EINVAL);
    /* CONNECT_ROUTING_ID belongs to ROUTER and STREAM. */
    CHECK_ERR (zmq_setsockopt (s, ZMQ_CONNECT_ROUTING_ID, "x", 1), EINVAL);
    CHECK_OK (zmq_close (s));
}

/* String option: round trip, max length; (NULL, 0) clears it (null_mode 1),
 * is accepted and keeps it (2: PLAIN resets the mechanism), or is EINVAL (0). */
static void check_string (int opt, size_t max, int null_mode)
{
    void *s = fresh ();
    CHECK_OK (zmq_setsockopt (s, opt, "eth0", 4));
    char buf[300];
    memset (buf, 'Z', sizeof buf);
    size_t len = sizeof buf;
    CHECK_OK (zmq_getsockopt (s, opt, buf, &len));
    CHECK (len == 5 && strcmp (buf, "eth0") == 0);
    for (size_t i = 5; i < sizeof buf; i++)
        CHECK (buf[i] == 0);
    len = 4;
    CHECK_ERR (zmq_getsockopt (s, opt, buf, &len), EINVAL);
    len = 5;
    CHECK_OK (zmq_getsockopt (s, opt, buf, &len));

    char big[300];
    memset (big, 'b', sizeof big);
    if (max < sizeof big) {
        CHECK_OK (zmq_setsockopt (s, opt, big, max));
        CHECK_ERR (zmq_setsockopt (s, opt, big, max + 1), EINVAL);
    } else {
        CHECK_OK (zmq_setsockopt (s, opt, big, sizeof big));
    }
    if (null_mode == 1) {
        CHECK_OK (zmq_setsockopt (s, opt, NULL, 0));
        len = sizeof buf;
        CHECK_OK (zmq_getsockopt (s, opt, buf, &len));
        CHECK (len == 1 && buf[0] == 0);
    } else if (null_mode == 2) {
        CHECK_OK (zmq_setsockopt (s, opt, NULL, 0));
        len = sizeof buf;
        CHECK_OK (zmq_getsockopt (s, opt, buf, &len));
        CHECK (len == max + 1);
    } else {
        CHECK_ERR (zmq_setsockopt (s, opt, NULL, 0), EINVAL);
    }
    CHECK_OK (zmq_close (s));
}

static void test_string_options (void)
{
    check_string (ZMQ_BINDTODEVICE, 16, 1);
    check_string (ZMQ_SOCKS_PROXY, (size_t) -1, 1);
    check_string (OPT_SOCKS_USERNAME, 255, 1);
    check_string (OPT_SOCKS_PASSWORD, 255, 1);
    check_string (ZMQ_ZAP_DOMAIN, 255, 0);
    check_string (ZMQ_PLAIN_USERNAME, 255, 2);
    check_string (ZMQ_PLAIN_PASSWORD, 255, 2);
}

static int mechanism (void *s)
{
    return get_int (s, ZMQ_MECHANISM);
}

static void test_mechanism_switches (void)
{
    void *s = fresh ();
    int one = 1, zero = 0;
    CHECK_OK (zmq_setsockopt (s, ZMQ_PLAIN_USERNAME, "u", 1));
    CHECK (mechanism (s) == ZMQ_PLAIN && get_int (s, ZMQ_PLAIN_SERVER) == 0);
    /* (NULL, 0) returns to NULL but keeps the stored name. */
    CHECK_OK (zmq_setsockopt (s, ZMQ_PLAIN_USERNAME, NULL, 0));
    CHECK (mechanism (s) == ZMQ_NULL);
    char buf[8];
    size_t len = sizeof buf;
    CHECK_OK (zmq_getsockopt (s, ZMQ_PLAIN_USERNAME, buf, &len));
    CHECK (len == 2 && strcmp (buf, "u") == 0);

    CHECK_OK (zmq_setsockopt (s, ZMQ_PLAIN_SERVER, &one, sizeof one));
    CHECK (mechanism (s) == ZMQ_PLAIN && get_int (s, ZMQ_PLAIN_SERVER) == 1);
    /* A credential makes it a PLAIN client again. */
    CHECK_OK (zmq_setsockopt (s, ZMQ_PLAIN_PASSWORD, "p", 1));
    CHECK (mechanism (s) == ZMQ_PLAIN && get_int (s, ZMQ_PLAIN_SERVER) == 0);
    CHECK_OK (zmq_setsockopt (s, ZMQ_PLAIN_SERVER, &zero, sizeof zero));
    CHECK (mechanism (s) == ZMQ_NULL);

    CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_SERVER, &one, sizeof one));
    CHECK (mechanism (s) == ZMQ_CURVE && get_int (s, ZMQ_CURVE_SERVER) == 1
           && get_int (s, ZMQ_PLAIN_SERVER) == 0);
    CHECK_OK (zmq_setsockopt (s, ZMQ_PLAIN_SERVER, &one, sizeof one));
    CHECK (mechanism (s) == ZMQ_PLAIN && get_int (s, ZMQ_CURVE_SERVER) == 0);
    CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_SERVER, &one, sizeof one));
    int two = 2;
    CHECK_ERR (zmq_setsockopt (s, ZMQ_CURVE_SERVER, &two, sizeof two), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_PLAIN_SERVER, &two, sizeof two), EINVAL);
    /* A rejected server key changes nothing. */
    CHECK_ERR (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, "bad", 3), EINVAL);
    CHECK (get_int (s, ZMQ_CURVE_SERVER) == 1);
    /* A server key makes the socket a CURVE client. */
    CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY,
                              "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", 40));
    CHECK (mechanism (s) == ZMQ_CURVE && get_int (s, ZMQ_CURVE_SERVER) == 0);
    CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_SERVER, &zero, sizeof zero));
    CHECK (mechanism (s) == ZMQ_NULL);
    /* Setting any key selects CURVE. */
    unsigned char raw[32] = {1, 2, 3};
    CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, raw, 32));
    CHECK (mechanism (s) == ZMQ_CURVE);
    CHECK_OK (zmq_close (s));
}

static void test_curve_key_forms (void)
{
    /* The public key of the ZMTP RFC 26 example. */
    const char *z85 = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
    int keys[] = {ZMQ_CURVE_PUBLICKEY, ZMQ_CURVE_SECRETKEY,
                  ZMQ_CURVE_SERVERKEY};
    for (int k = 0; k < 3; k++) {
        void *s = fresh ();
        /* 40 characters, or 41 with the NUL. */
        CHECK_OK (zmq_setsockopt (s, keys[k], z85, 40));
        char text[41];
        size_t len = 41;
        CHECK_OK (zmq_getsockopt (s, keys[k], text, &len));
        CHECK (len == 41 && strcmp (text, z85) == 0);
        unsigned char raw[32];
        len = 32;
        CHECK_OK (zmq_getsockopt (s, keys[k], raw, &len));
        CHECK (len == 32);
        uint8_t decoded[32];
        CHECK (zmq_z85_decode (decoded, z85) != NULL);
        CHECK (memcmp (raw, decoded, 32) == 0);

        void *t = fresh ();
        CHECK_OK (zmq_setsockopt (t, keys[k], z85, 41));
        /* 32 raw bytes. */
        CHECK_OK (zmq_setsockopt (t, keys[k], raw, 32));
        len = 41;
        CHECK_OK (zmq_getsockopt (t, keys[k], text, &len));
        CHECK (strcmp (text, z85) == 0);

        /* Other lengths, a 41st byte that is not NUL, or bad characters. */
        char bad[48];
        memcpy (bad, z85, 41);
        bad[40] = 'x';
        CHECK_ERR (zmq_setsockopt (t, keys[k], bad, 41), EINVAL);
        bad[40] = 0;
        bad[3] = ' ';
        CHECK_ERR (zmq_setsockopt (t, keys[k], bad, 40), EINVAL);
        size_t lens[] = {0, 1, 31, 33, 39, 42, 44};
        for (size_t i = 0; i < sizeof lens / sizeof *lens; i++)
            CHECK_ERR (zmq_setsockopt (t, keys[k], z85, lens[i]), EINVAL);
        CHECK_ERR (zmq_setsockopt (t, keys[k], NULL, 0), EINVAL);
        CHECK_OK (zmq_close (t));
        CHECK_OK (zmq_close (s));
    }
}

static void test_metadata (void)
{
    void *s = fresh ();
    CHECK_OK (zmq_setsockopt (s, OPT_METADATA, "X-key:value", 11));
    CHECK_OK (zmq_setsockopt (s, OPT_METADATA, "X-key:other", 11));
    CHECK_OK (zmq_setsockopt (s, OPT_METADATA, "X-k:v", 5));
    const char *bad[] = {"key:value", "X-key:", ":value", "X-key", "X-:v",
                         "X-ab", "x-key:v"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK_ERR (zmq_setsockopt (s, OPT_METADATA, bad[i], strlen (bad[i])),
                   EINVAL);
    CHECK_ERR (zmq_setsockopt (s, OPT_METADATA, NULL, 0), EINVAL);
    CHECK_OK (zmq_close (s));
}

static void test_tcp_accept_filter (void)
{
    void *s = fresh ();
    const char *good[] = {"127.0.0.1", "127.0.0.1/8", "10.0.0.0/0",
                          "10.0.0.0/32"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        CHECK_OK (
          zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, good[i], strlen (good[i])));
    const char *bad[] = {"10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/x",
                         "::1",         "[::1]",       "localhost",
                         "1.2.3.4/",    "1.2.3.4/8x/"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK_ERR (
          zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, bad[i], strlen (bad[i])),
          EINVAL);
    CHECK_OK (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, NULL, 0));
    int one = 1;
    CHECK_OK (zmq_setsockopt (s, ZMQ_IPV6, &one, sizeof one));
    CHECK_OK (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "::1", 3));
    CHECK_OK (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "::1/128", 7));
    CHECK_ERR (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "::1/129", 7), EINVAL);
    CHECK_OK (zmq_close (s));
}

static void test_ipc_filters (void)
{
    void *s = fresh ();
    int ids[] = {ZMQ_IPC_FILTER_UID, ZMQ_IPC_FILTER_GID, ZMQ_IPC_FILTER_PID};
    for (int i = 0; i < 3; i++) {
        int v = 1000;
        CHECK_OK (zmq_setsockopt (s, ids[i], &v, sizeof v));
        CHECK_OK (zmq_setsockopt (s, ids[i], &v, sizeof v));
        CHECK_OK (zmq_setsockopt (s, ids[i], NULL, 0));
        CHECK_ERR (zmq_setsockopt (s, ids[i], &v, 2), EINVAL);
    }
    CHECK_OK (zmq_close (s));
}

/* GSSAPI options exist only in builds with GSSAPI. */
static void test_gssapi (void)
{
    void *s = fresh ();
    int one = 1;
    if (zmq_has ("gssapi")) {
        CHECK_OK (zmq_setsockopt (s, ZMQ_GSSAPI_PLAINTEXT, &one, sizeof one));
        CHECK (get_int (s, ZMQ_GSSAPI_PLAINTEXT) == 1);
    } else {
        int opts[] = {ZMQ_GSSAPI_SERVER, ZMQ_GSSAPI_PLAINTEXT,
                      ZMQ_GSSAPI_PRINCIPAL_NAMETYPE,
                      ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE};
        for (int i = 0; i < 4; i++)
            CHECK_ERR (zmq_setsockopt (s, opts[i], &one, sizeof one), EINVAL);
        CHECK_ERR (zmq_setsockopt (s, ZMQ_GSSAPI_PRINCIPAL, "p", 1), EINVAL);
        CHECK_ERR (zmq_setsockopt (s, ZMQ_GSSAPI_SERVICE_PRINCIPAL, "p", 1),
                   EINVAL);
    }
    CHECK_OK (zmq_close (s));
}

/* Draft-gated options: stored by a draft build, EINVAL in a stable one. */
static void test_draft_options (void)
{
    void *s = fresh ();
    int v = 4096, zero = 0, minus = -1;
    if (zmq_has ("draft")) {
        CHECK_OK (zmq_setsockopt (s, OPT_IN_BATCH_SIZE, &v, sizeof v));
        CHECK (get_int (s, OPT_IN_BATCH_SIZE) == 4096);
        CHECK_OK (zmq_setsockopt (s, OPT_OUT_BATCH_SIZE, &v, sizeof v));
        CHECK (get_int (s, OPT_OUT_BATCH_SIZE) == 4096);
        CHECK_ERR (zmq_setsockopt (s, OPT_IN_BATCH_SIZE, &zero, sizeof zero),
                   EINVAL);
        CHECK_ERR (zmq_setsockopt (s, OPT_OUT_BATCH_SIZE, &zero, sizeof zero),
                   EINVAL);
        CHECK_OK (zmq_setsockopt (s, OPT_PRIORITY, &v, sizeof v));
        CHECK (get_int (s, OPT_PRIORITY) == 4096);
        CHECK_ERR (zmq_setsockopt (s, OPT_PRIORITY, &minus, sizeof minus),
                   EINVAL);
        CHECK_OK (zmq_setsockopt (s, OPT_HELLO_MSG, "hi", 2));
        CHECK_OK (zmq_setsockopt (s, OPT_HELLO_MSG, NULL, 0));
        CHECK_OK (zmq_setsockopt (s, OPT_DISCONNECT_MSG, "bye", 3));
        /* ROUTER_NOTIFY is set on ROUTER only but readable everywhere. */
        CHECK_ERR (zmq_setsockopt (s, OPT_ROUTER_NOTIFY, &v, sizeof v), EINVAL);
        CHECK (get_int (s, OPT_ROUTER_NOTIFY) == 0);
    } else {
        CHECK_ERR (zmq_setsockopt (s, OPT_IN_BATCH_SIZE, &v, sizeof v), EINVAL);
        CHECK_ERR (zmq_setsockopt (s, OPT_PRIORITY, &v, sizeof v), EINVAL);
        CHECK_ERR (zmq_setsockopt (s, OPT_HELLO_MSG, "hi", 2), EINVAL);
    }
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    if (zmq_has ("draft") && major * 10000 + minor * 100 + patch >= 40305) {
        /* New in 4.3.5. */
        CHECK_OK (zmq_setsockopt (s, OPT_BUSY_POLL, &v, sizeof v));
        CHECK_OK (zmq_setsockopt (s, OPT_HICCUP_MSG, "hic", 3));
    }
    int x;
    size_t len = sizeof x;
    CHECK_ERR (zmq_getsockopt (s, OPT_BUSY_POLL, &x, &len), EINVAL);
    CHECK_OK (zmq_close (s));
}

/* Read-only options, and options of other socket types, cannot be set. */
static void test_not_settable (void)
{
    void *s = fresh ();
    int v = 1;
    int opts[] = {ZMQ_TYPE,           ZMQ_RCVMORE,       ZMQ_FD,
                  ZMQ_EVENTS,         ZMQ_LAST_ENDPOINT, ZMQ_MECHANISM,
                  ZMQ_THREAD_SAFE,    ZMQ_SUBSCRIBE,     ZMQ_ROUTER_MANDATORY,
                  ZMQ_XPUB_VERBOSE,   ZMQ_REQ_RELAXED,   ZMQ_STREAM_NOTIFY,
                  ZMQ_VMCI_CONNECT_TIMEOUT, ZMQ_BLOCKY,  1,
                  9999};
    for (size_t i = 0; i < sizeof opts / sizeof *opts; i++)
        CHECK_ERR (zmq_setsockopt (s, opts[i], &v, sizeof v), EINVAL);
    uint64_t big = 1;
    CHECK_ERR (zmq_setsockopt (s, ZMQ_VMCI_BUFFER_SIZE, &big, sizeof big),
               EINVAL);
    CHECK_OK (zmq_close (s));
}

/* The options libzmq serves through its do_getsockopt<int> helper
 * (ZMQ_RCVMORE, ZMQ_FD, ZMQ_EVENTS, ZMQ_THREAD_SAFE) accept a buffer wider
 * than an int, as libzmq 2.x programs pass an int64 for ZMQ_RCVMORE: the int
 * is written first, the rest zeroed, and *optvallen becomes sizeof (int).
 * Every other int option wants exactly sizeof (int). */
static void test_wide_int_buffers (void)
{
    void *pub = zmq_socket (ctx, ZMQ_PUB), *sub = zmq_socket (ctx, ZMQ_SUB);
    CHECK (pub && sub);
    CHECK_OK (zmq_bind (pub, "inproc://wide-int"));
    CHECK_OK (zmq_connect (sub, "inproc://wide-int"));
    int padded[] = {ZMQ_RCVMORE, ZMQ_FD, ZMQ_EVENTS, ZMQ_THREAD_SAFE};
    for (size_t i = 0; i < sizeof padded / sizeof *padded; i++) {
        int exact = -12345;
        size_t len = sizeof exact;
        CHECK_OK (zmq_getsockopt (sub, padded[i], &exact, &len));
        unsigned char wide[16];
        memset (wide, 0xFF, sizeof wide);
        len = sizeof wide;
        CHECK_OK (zmq_getsockopt (sub, padded[i], wide, &len));
        CHECK (len == sizeof (int));
        int got;
        memcpy (&got, wide, sizeof got);
        CHECK (got == exact);
        for (size_t b = sizeof (int); b < sizeof wide; b++)
            CHECK (wide[b] == 0);
        /* Too short is still EINVAL. */
        len = sizeof (int) - 1;
        CHECK_ERR (zmq_getsockopt (sub, padded[i], wide, &len), EINVAL);
    }
    /* libzmq-2.x style: an int64 for ZMQ_RCVMORE. */
    int64_t more;
    memset (&more, 0xFF, sizeof more);
    size_t more_size = sizeof more;
    CHECK_OK (zmq_getsockopt (sub, ZMQ_RCVMORE, &more, &more_size));
    CHECK (more_size == sizeof (int) && more == 0);
    /* The plain int options keep the exact-size rule. */
    int plain[] = {ZMQ_TYPE, ZMQ_SNDHWM, ZMQ_LINGER, ZMQ_IPV6, ZMQ_MECHANISM};
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++) {
        more_size = sizeof more;
        CHECK_ERR (zmq_getsockopt (sub, plain[i], &more, &more_size), EINVAL);
    }
    CHECK_OK (zmq_close (sub));
    CHECK_OK (zmq_close (pub));
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_int_options);
    RUN_TEST (test_relaxed_flags);
    RUN_TEST (test_heartbeat_ttl);
    RUN_TEST (test_ipv6_ipv4only_inverse);
    RUN_TEST (test_int64_options);
    RUN_TEST (test_routing_id);
    RUN_TEST (test_string_options);
    RUN_TEST (test_mechanism_switches);
    RUN_TEST (test_curve_key_forms);
    RUN_TEST (test_metadata);
    RUN_TEST (test_tcp_accept_filter);
    RUN_TEST (test_ipc_filters);
    RUN_TEST (test_gssapi);
    RUN_TEST (test_draft_options);
    RUN_TEST (test_not_settable);
    RUN_TEST (test_wide_int_buffers);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
