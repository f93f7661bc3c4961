/* Hostile peers of the classes libzmq's CVEs came from, each costing only
 * its own connection while a good peer keeps being served (what
 * test_hostile_wire.c, test_hostile_flood.c and
 * test_security_curve_hostile.c do not already cover):
 *  - CVE-2019-6250's class: a frame claiming 2^62 bytes from a ZMTP 1.0 and
 *    a ZMTP 2.0 peer (the ZMTP 3 decoder's 2^63 and 2^50 claims are in
 *    test_hostile_wire.c): dropped, nothing allocated for it;
 *  - CVE-2021-20235's class: malformed ZMTP 1.0 and 2.0 frames;
 *  - CVE-2019-13132's class: CURVE metadata larger than a fixed INITIATE
 *    box (64 KiB of properties): handled, delivered intact (ZMQ_METADATA is
 *    draft API in 4.3, but Debian's 4.3.4 accepts it; a build that refuses
 *    it skips the case and says so);
 *  - a SUB that never reads: the PUB's memory stays bounded by its HWM and
 *    another subscriber gets every message.
 * Every expectation holds for Debian's libzmq 4.3.4 too. */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

static void *ctx;

#ifndef ZMQ_METADATA
#define ZMQ_METADATA 95 /* draft in 4.3's zmq.h */
#endif

static long rss_kib (void)
{
    FILE *f = fopen ("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    CHECK (f);
    while (fgets (line, sizeof line, f))
        if (sscanf (line, "VmRSS: %ld", &kib) == 1)
            break;
    fclose (f);
    return kib;
}

static int port_of (void *s)
{
    char ep[64];
    size_t len = sizeof ep;
    CHECK_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &len));
    return atoi (strrchr (ep, ':') + 1);
}

/* A raw tcp connection to 127.0.0.1:port; rcvbuf > 0 shrinks its receive
 * buffer first. */
static int raw_connect (int port, int rcvbuf)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    if (rcvbuf > 0)
        CHECK (setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf)
               == 0);
    struct sockaddr_in a;
    memset (&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons ((uint16_t) port);
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    CHECK (connect (fd, (struct sockaddr *) &a, sizeof a) == 0);
    return fd;
}

static void raw_send (int fd, const void *p, size_t n)
{
    CHECK (send (fd, p, n, MSG_NOSIGNAL) == (ssize_t) n);
}

/* The library closes the connection within `ms` (EOF or reset). */
static void expect_dropped (int fd, int ms)
{
    long deadline = now_ms () + ms;
    char b[512];
    for (;;) {
        int left = (int) (deadline - now_ms ());
        CHECK (left > 0);
        struct pollfd p = {fd, POLLIN, 0};
        if (poll (&p, 1, left) <= 0)
            continue;
        if (recv (fd, b, sizeof b, 0) <= 0)
            break;
    }
    close (fd);
}

/* ------------------------------------------------- a PULL and a good PUSH */

typedef struct
{
    void *pull, *push;
    int port, n;
} rig_t;

static void rig_up (rig_t *r)
{
    r->pull = zmq_socket (ctx, ZMQ_PULL);
    r->push = zmq_socket (ctx, ZMQ_PUSH);
    set_int (r->pull, ZMQ_RCVTIMEO, 5000);
    set_int (r->push, ZMQ_LINGER, 0);
    set_int (r->pull, ZMQ_LINGER, 0);
    CHECK_OK (zmq_bind (r->pull, "tcp://127.0.0.1:*"));
    r->port = port_of (r->pull);
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", r->port);
    CHECK_OK (zmq_connect (r->push, ep));
    r->n = 0;
}

/* The good peer's next message arrives, and nothing else. */
static void good_roundtrip (rig_t *r)
{
    char out[32], in[32];
    int len = snprintf (out, sizeof out, "good %d", r->n++);
    CHECK (zmq_send (r->push, out, (size_t) len, 0) == len);
    CHECK (zmq_recv (r->pull, in, sizeof in, 0) == len);
    CHECK (memcmp (in, out, (size_t) len) == 0);
}

static void rig_down (rig_t *r)
{
    CHECK_OK (zmq_close (r->push));
    CHECK_OK (zmq_close (r->pull));
}

/* A ZMTP 1.0 peer: no signature, its first frame is its identity (here
 * empty: length 1, flags 0). */
static const unsigned char v1_identity[2] = {0x01, 0x00};

/* A ZMTP 2.0 PUSH peer: signature, revision 1, socket type PUSH (8), then
 * its identity frame (flags 0, length 0). */
static const unsigned char v2_greeting[14] = {0xff, 0, 0, 0, 0, 0, 0, 0, 1,
                                              0x7f, 1, 8, 0, 0};

/* A ZMTP 1.0 or 2.0 peer sends its greeting, then `bad`: the library drops
 * the connection, nothing reaches the PULL, the good peer is served. */
static void legacy_peer_dropped (rig_t *r, int v2, const void *bad, size_t n)
{
    int fd = raw_connect (r->port, 0);
    if (v2) {
        raw_send (fd, v2_greeting, 12);
        /* Read the library's greeting as it comes, then our identity. */
        raw_send (fd, v2_greeting + 12, 2);
    } else
        raw_send (fd, v1_identity, sizeof v1_identity);
    raw_send (fd, bad, n);
    expect_dropped (fd, 5000);
    good_roundtrip (r);
}

/* 2^62 (and 2^62 + 1, as ZMTP 1.0 counts the flags byte in the length) in
 * both legacy framings. */
static void test_cve_2019_6250_class_frame_claims_2_62 (void)
{
    rig_t r;
    rig_up (&r);
    good_roundtrip (&r);
    long rss0 = rss_kib ();
    unsigned char v1[10] = {0xff, 0x40, 0, 0, 0, 0, 0, 0, 1, 0};
    unsigned char v2[9] = {0x02, 0x40, 0, 0, 0, 0, 0, 0, 0};
    int i;
    for (i = 0; i < 4; i++) {
        legacy_peer_dropped (&r, 0, v1, sizeof v1);
        legacy_peer_dropped (&r, 1, v2, sizeof v2);
    }
    /* Nothing of the claims was allocated. */
    CHECK (rss_kib () - rss0 < 16 * 1024);
    good_roundtrip (&r);
    rig_down (&r);
}

/* Malformed ZMTP 1.0 frames: a zero length (no room for the flags byte),
 * an 8-byte length of 0, a claim far past what follows, and truncated
 * headers followed by the peer's close. */
static void test_cve_2021_20235_class_malformed_zmtp1 (void)
{
    rig_t r;
    rig_up (&r);
    good_roundtrip (&r);
    unsigned char zero_len[2] = {0x00, 0x00};
    unsigned char long_zero[10] = {0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    unsigned char long_huge[12] = {0xff, 0x7f, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0x00, 'a', 'b'};
    legacy_peer_dropped (&r, 0, zero_len, sizeof zero_len);
    legacy_peer_dropped (&r, 0, long_zero, sizeof long_zero);
    legacy_peer_dropped (&r, 0, long_huge, sizeof long_huge);
    /* A zero-length identity itself. */
    int fd = raw_connect (r.port, 0);
    raw_send (fd, zero_len, sizeof zero_len);
    expect_dropped (fd, 5000);
    /* Truncated: half a long header, then gone. */
    fd = raw_connect (r.port, 0);
    raw_send (fd, v1_identity, sizeof v1_identity);
    raw_send (fd, long_huge, 5);
    close (fd);
    good_roundtrip (&r);
    rig_down (&r);
}

/* Malformed ZMTP 2.0 frames: a 2^64 - 1 claim, a long frame of 2^62 with
 * MORE. (A 2.0 greeting naming an incompatible socket type is not refused
 * by libzmq 4.3, which checks types only in ZMTP 3's READY.) */
static void test_cve_2021_20235_class_malformed_zmtp2 (void)
{
    rig_t r;
    rig_up (&r);
    good_roundtrip (&r);
    unsigned char max[9] = {0x02, 0xff, 0xff, 0xff, 0xff,
                            0xff, 0xff, 0xff, 0xff};
    unsigned char more[9] = {0x03, 0x40, 0, 0, 0, 0, 0, 0, 0};
    legacy_peer_dropped (&r, 1, max, sizeof max);
    legacy_peer_dropped (&r, 1, more, sizeof more);
    rig_down (&r);
}

/* ------------------------------------------------------------- CURVE */

/* A CURVE client whose INITIATE carries 64 KiB of metadata (CVE-2019-13132
 * overflowed a fixed-size INITIATE box on the stack): the server handles
 * it, the property arrives whole, and a plain CURVE client is unaffected. */
static void test_cve_2019_13132_class_curve_metadata_oversized (void)
{
    char spub[41], ssec[41], cpub[41], csec[41];
    CHECK_OK (zmq_curve_keypair (spub, ssec));
    CHECK_OK (zmq_curve_keypair (cpub, csec));
    void *server = zmq_socket (ctx, ZMQ_PULL);
    set_int (server, ZMQ_CURVE_SERVER, 1);
    set_int (server, ZMQ_RCVTIMEO, 10000);
    set_int (server, ZMQ_LINGER, 0);
    CHECK_OK (zmq_setsockopt (server, ZMQ_CURVE_SECRETKEY, ssec, 40));
    CHECK_OK (zmq_bind (server, "tcp://127.0.0.1:*"));
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port_of (server));

    const size_t big = 64 * 1024;
    char *meta = (char *) malloc (big + 16);
    CHECK (meta);
    memcpy (meta, "X-Big:", 6);
    memset (meta + 6, 'm', big);
    meta[6 + big] = 0;
    void *clients[2];
    int i;
    for (i = 0; i < 2; i++) {
        clients[i] = zmq_socket (ctx, ZMQ_PUSH);
        set_int (clients[i], ZMQ_LINGER, 0);
        CHECK_OK (zmq_setsockopt (clients[i], ZMQ_CURVE_SERVERKEY, spub, 40));
        CHECK_OK (zmq_setsockopt (clients[i], ZMQ_CURVE_PUBLICKEY, cpub, 40));
        CHECK_OK (zmq_setsockopt (clients[i], ZMQ_CURVE_SECRETKEY, csec, 40));
        if (i == 0
            && zmq_setsockopt (clients[i], ZMQ_METADATA, meta, strlen (meta))
                 != 0) {
            CHECK (zmq_errno () == EINVAL);
            printf ("# ZMQ_METADATA is draft API, not in this build: the "
                    "oversized INITIATE case cannot be made here\n");
            free (meta);
            CHECK_OK (zmq_close (clients[0]));
            CHECK_OK (zmq_close (server));
            return;
        }
        CHECK_OK (zmq_connect (clients[i], ep));
    }
    int seen_big = 0, seen_plain = 0;
    for (i = 0; i < 2; i++)
        CHECK (zmq_send (clients[i], i ? "plain" : "big", i ? 5 : 3, 0) >= 0);
    for (i = 0; i < 2; i++) {
        zmq_msg_t m;
        CHECK_OK (zmq_msg_init (&m));
        CHECK (zmq_msg_recv (&m, server, 0) >= 0);
        const char *v = zmq_msg_gets (&m, "X-Big");
        if (zmq_msg_size (&m) == 3) {
            CHECK (v && strlen (v) == big && v[0] == 'm' && v[big - 1] == 'm');
            seen_big++;
        } else {
            CHECK (zmq_msg_size (&m) == 5 && v == NULL);
            seen_plain++;
        }
        CHECK_OK (zmq_msg_close (&m));
    }
    CHECK (seen_big == 1 && seen_plain == 1);
    free (meta);
    for (i = 0; i < 2; i++)
        CHECK_OK (zmq_close (clients[i]));
    CHECK_OK (zmq_close (server));
}

/* ---------------------------------------------------- a SUB never reading */

/* A raw ZMTP 3.0 SUB subscribes to everything and never reads (with a
 * small receive buffer): the PUB (SNDHWM 1000) drops what does not fit its
 * pipe, so its RSS grows by far less than what it publishes, and a good
 * SUB receives every message, in lockstep bursts. */
static void test_slow_subscriber_bounded_by_hwm (void)
{
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    set_int (pub, ZMQ_SNDHWM, 1000);
    set_int (pub, ZMQ_LINGER, 0);
    CHECK_OK (zmq_bind (pub, "tcp://127.0.0.1:*"));
    int port = port_of (pub);
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    void *good = zmq_socket (ctx, ZMQ_SUB);
    set_int (good, ZMQ_RCVTIMEO, 5000);
    set_int (good, ZMQ_RCVHWM, 0);
    CHECK_OK (zmq_setsockopt (good, ZMQ_SUBSCRIBE, "", 0));
    CHECK_OK (zmq_connect (good, ep));

    int fd = raw_connect (port, 4096);
    unsigned char g[64];
    memset (g, 0, sizeof g);
    g[0] = 0xff;
    g[8] = 1;
    g[9] = 0x7f;
    g[10] = 3;
    memcpy (g + 12, "NULL", 4);
    raw_send (fd, g, sizeof g);
    static const unsigned char ready[] =
      "\x04\x19\x05READY\x0bSocket-Type\x00\x00\x00\x03SUB";
    raw_send (fd, ready, sizeof ready - 1);
    raw_send (fd, "\x00\x01\x01", 3); /* subscribe to everything */

    /* Both subscriptions in place: probes until the good SUB sees one. */
    char buf[2048];
    set_int (good, ZMQ_RCVTIMEO, 100);
    for (;;) {
        CHECK (zmq_send (pub, "probe", 5, 0) == 5);
        if (zmq_recv (good, buf, sizeof buf, 0) == 5)
            break;
    }
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep (&ts, NULL);
    while (zmq_recv (good, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
        ;
    set_int (good, ZMQ_RCVTIMEO, 5000);

    long rss0 = rss_kib ();
    const int bursts = 200, per = 100, size = 2048;
    memset (buf, 'p', sizeof buf);
    int b, i;
    for (b = 0; b < bursts; b++) {
        for (i = 0; i < per; i++)
            CHECK (zmq_send (pub, buf, (size_t) size, 0) == size);
        for (i = 0; i < per; i++)
            CHECK (zmq_recv (good, buf, sizeof buf, 0) == size);
    }
    long grown = rss_kib () - rss0;
    long published = (long) bursts * per * size / 1024;
    printf ("# published %ld KiB; RSS +%ld KiB with a SUB that never reads\n",
            published, grown);
    /* HWM 1000 x 2 KiB is 2 MiB queued for the slow SUB; allow for batch
     * buffers and allocator slack, far below the 40 MiB published. */
    CHECK (grown < 12 * 1024);
    close (fd);
    CHECK_OK (zmq_close (good));
    CHECK_OK (zmq_close (pub));
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_cve_2019_6250_class_frame_claims_2_62);
    RUN_TEST (test_cve_2021_20235_class_malformed_zmtp1);
    RUN_TEST (test_cve_2021_20235_class_malformed_zmtp2);
    RUN_TEST (test_cve_2019_13132_class_curve_metadata_oversized);
    RUN_TEST (test_slow_subscriber_bounded_by_hwm);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
