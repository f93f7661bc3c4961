/* capi-test: valgrind
 * Hostile peers over tcp: a raw POSIX socket plays a malicious or broken
 * ZMTP peer against a real PULL socket while a well-behaved PUSH is
 * connected to the same PULL. Each case checks that the bad connection (and
 * only it) is dropped or contained, that nothing it sent reaches the
 * application, what the monitor reports, and that the good peer keeps
 * getting served. Every expectation holds for Debian's libzmq 4.3.4 too.
 * `test_hostile_wire <name-part>` runs matching cases only; with
 * HOSTILE_VERBOSE=1 set, monitor events and drop times are printed. */
#include "testutil.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void *ctx;

/* ------------------------------------------------------------ the server */

typedef struct
{
    void *pull, *push, *mon;
    int port;
    char ep[256];
    int good_seq;
} server_t;

/* A PULL bound on an ephemeral port with a monitor, and a good PUSH peer
 * connected and proven to work. handshake_ivl/maxmsgsize/heartbeat_ivl: 0 or
 * -1 for the defaults. */
static void server_start (server_t *s,
                          int handshake_ivl,
                          int64_t maxmsgsize,
                          int heartbeat_ivl)
{
    static int mon_n;
    memset (s, 0, sizeof *s);
    s->pull = zmq_socket (ctx, ZMQ_PULL);
    CHECK (s->pull);
    int to = 10000, zero = 0;
    CHECK_OK (zmq_setsockopt (s->pull, ZMQ_RCVTIMEO, &to, sizeof to));
    CHECK_OK (zmq_setsockopt (s->pull, ZMQ_LINGER, &zero, sizeof zero));
    if (handshake_ivl > 0)
        CHECK_OK (zmq_setsockopt (s->pull, ZMQ_HANDSHAKE_IVL, &handshake_ivl,
                                  sizeof handshake_ivl));
    if (maxmsgsize >= 0)
        CHECK_OK (zmq_setsockopt (s->pull, ZMQ_MAXMSGSIZE, &maxmsgsize,
                                  sizeof maxmsgsize));
    if (heartbeat_ivl > 0) {
        int timeout = heartbeat_ivl * 3;
        CHECK_OK (zmq_setsockopt (s->pull, ZMQ_HEARTBEAT_IVL, &heartbeat_ivl,
                                  sizeof heartbeat_ivl));
        CHECK_OK (zmq_setsockopt (s->pull, ZMQ_HEARTBEAT_TIMEOUT, &timeout,
                                  sizeof timeout));
    }
    char mon_ep[64];
    snprintf (mon_ep, sizeof mon_ep, "inproc://hostile-mon-%d", mon_n++);
    CHECK_OK (zmq_socket_monitor (s->pull, mon_ep, ZMQ_EVENT_ALL));
    s->mon = zmq_socket (ctx, ZMQ_PAIR);
    CHECK (s->mon);
    CHECK_OK (zmq_setsockopt (s->mon, ZMQ_LINGER, &zero, sizeof zero));
    CHECK_OK (zmq_connect (s->mon, mon_ep));

    CHECK_OK (zmq_bind (s->pull, "tcp://127.0.0.1:*"));
    size_t len = sizeof s->ep;
    CHECK_OK (zmq_getsockopt (s->pull, ZMQ_LAST_ENDPOINT, s->ep, &len));
    const char *colon = strrchr (s->ep, ':');
    CHECK (colon);
    s->port = atoi (colon + 1);

    s->push = zmq_socket (ctx, ZMQ_PUSH);
    CHECK (s->push);
    CHECK_OK (zmq_setsockopt (s->push, ZMQ_SNDTIMEO, &to, sizeof to));
    CHECK_OK (zmq_setsockopt (s->push, ZMQ_LINGER, &zero, sizeof zero));
    CHECK_OK (zmq_connect (s->push, s->ep));
}

static uint32_t expect_next (server_t *s, int event);

/* After this, the monitor reports only what the hostile peers cause. */
static void server_ready (server_t *s)
{
    expect_next (s, ZMQ_EVENT_LISTENING);
    expect_next (s, ZMQ_EVENT_ACCEPTED);
    expect_next (s, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
}

/* The good peer sends a numbered message; the PULL must receive exactly it
 * (nothing the hostile peer sent may come out instead). */
static void good_roundtrip (server_t *s)
{
    char out[32], in[64];
    int n = snprintf (out, sizeof out, "good-%d", s->good_seq++);
    CHECK (zmq_send (s->push, out, n, 0) == n);
    int r = zmq_recv (s->pull, in, sizeof in, 0);
    if (r != n || memcmp (in, out, n) != 0) {
        fprintf (stderr, "good peer: expected '%s', got %d bytes '%.*s'\n", out,
                 r, r > 0 ? r : 0, in);
        exit (1);
    }
}

/* Nothing may be waiting on the PULL. */
static void no_message (server_t *s)
{
    char in[64];
    CHECK_ERR (zmq_recv (s->pull, in, sizeof in, ZMQ_DONTWAIT), EAGAIN);
}

/* The next monitor event (0 after `timeout_ms` without one). */
static int next_event (server_t *s, uint32_t *value, int timeout_ms)
{
    long deadline = now_ms () + timeout_ms;
    for (;;) {
        int left = (int) (deadline - now_ms ());
        if (left <= 0)
            return 0;
        CHECK_OK (zmq_setsockopt (s->mon, ZMQ_RCVTIMEO, &left, sizeof left));
        zmq_msg_t m;
        zmq_msg_init (&m);
        if (zmq_msg_recv (&m, s->mon, 0) == -1) {
            zmq_msg_close (&m);
            continue;
        }
        CHECK (zmq_msg_size (&m) == 6 && zmq_msg_more (&m));
        uint16_t ev;
        memcpy (&ev, zmq_msg_data (&m), 2);
        memcpy (value, (char *) zmq_msg_data (&m) + 2, 4);
        zmq_msg_close (&m);
        char addr[256];
        CHECK (zmq_recv (s->mon, addr, sizeof addr, 0) >= 0);
        if (getenv ("HOSTILE_VERBOSE"))
            fprintf (stderr, "  event 0x%04x value %u (0x%x)\n", ev, *value,
                     *value);
        return ev;
    }
}

/* Wait for `event` on the monitor (other events are skipped); returns its
 * value. Fails after `timeout_ms`. */
static uint32_t expect_event (server_t *s, int event, int timeout_ms)
{
    long deadline = now_ms () + timeout_ms;
    for (;;) {
        uint32_t value;
        int ev = next_event (s, &value, (int) (deadline - now_ms ()));
        if (ev == 0) {
            fprintf (stderr, "monitor: no event 0x%x within %d ms\n", event,
                     timeout_ms);
            exit (1);
        }
        if (ev == event)
            return value;
    }
}

/* The very next event must be `event`; returns its value. */
static uint32_t expect_next (server_t *s, int event)
{
    uint32_t value;
    int ev = next_event (s, &value, 10000);
    if (ev != event) {
        fprintf (stderr, "monitor: expected event 0x%x, got 0x%x (%u)\n",
                 event, ev, value);
        exit (1);
    }
    return value;
}

/* The events of one hostile connection failing: ACCEPTED, then `failure`
 * (0: none) with `value` (-1: any), then DISCONNECTED. Returns the failure
 * event's value. */
static uint32_t expect_failure (server_t *s, int failure, int64_t value)
{
    uint32_t v = 0;
    expect_next (s, ZMQ_EVENT_ACCEPTED);
    if (failure) {
        v = expect_next (s, failure);
        if (value != -1 && v != (uint32_t) value) {
            fprintf (stderr, "monitor: event 0x%x value %u, expected %ld\n",
                     failure, v, (long) value);
            exit (1);
        }
    }
    expect_next (s, ZMQ_EVENT_DISCONNECTED);
    return v;
}

static void server_stop (server_t *s)
{
    if (getenv ("HOSTILE_VERBOSE")) {
        /* Show the rest of the event sequence. */
        int t = 300;
        CHECK_OK (zmq_setsockopt (s->mon, ZMQ_RCVTIMEO, &t, sizeof t));
        zmq_msg_t m;
        zmq_msg_init (&m);
        while (zmq_msg_recv (&m, s->mon, 0) == 6) {
            uint16_t ev;
            uint32_t value;
            memcpy (&ev, zmq_msg_data (&m), 2);
            memcpy (&value, (char *) zmq_msg_data (&m) + 2, 4);
            fprintf (stderr, "  (rest) event 0x%04x value %u (0x%x)\n", ev,
                     value, value);
            char addr[256];
            CHECK (zmq_recv (s->mon, addr, sizeof addr, 0) >= 0);
        }
        zmq_msg_close (&m);
    }
    CHECK_OK (zmq_close (s->push));
    CHECK_OK (zmq_socket_monitor (s->pull, NULL, 0));
    CHECK_OK (zmq_close (s->mon));
    CHECK_OK (zmq_close (s->pull));
}

/* ------------------------------------------------------- the raw peer */

static int raw_connect (server_t *s)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    struct sockaddr_in a;
    memset (&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons ((uint16_t) s->port);
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    CHECK (connect (fd, (struct sockaddr *) &a, sizeof a) == 0);
    int one = 1;
    setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void raw_send (int fd, const void *buf, size_t len)
{
    const char *p = (const char *) buf;
    while (len > 0) {
        ssize_t n = send (fd, p, len, MSG_NOSIGNAL);
        CHECK (n > 0);
        p += n;
        len -= (size_t) n;
    }
}

/* Read exactly `len` bytes (the server's side of the handshake). */
static void raw_read (int fd, void *buf, size_t len)
{
    char *p = (char *) buf;
    long deadline = now_ms () + 10000;
    while (len > 0) {
        struct pollfd pfd = {fd, POLLIN, 0};
        int left = (int) (deadline - now_ms ());
        CHECK (left > 0);
        if (poll (&pfd, 1, left) <= 0)
            continue;
        ssize_t n = recv (fd, p, len, 0);
        CHECK (n > 0);
        p += n;
        len -= (size_t) n;
    }
}

/* Wait until the server closes the connection (EOF or reset), discarding
 * what it sends. Returns the ms waited, or -1 if still open after
 * `timeout_ms`. */
static long raw_wait_closed (int fd, int timeout_ms)
{
    long start = now_ms (), deadline = start + timeout_ms;
    char buf[4096];
    for (;;) {
        int left = (int) (deadline - now_ms ());
        if (left <= 0)
            return -1;
        struct pollfd pfd = {fd, POLLIN, 0};
        int r = poll (&pfd, 1, left);
        if (r <= 0)
            continue;
        ssize_t n = recv (fd, buf, sizeof buf, 0);
        if (n <= 0)
            return now_ms () - start;
    }
}

static void raw_expect_closed (int fd, int timeout_ms)
{
    long t = raw_wait_closed (fd, timeout_ms);
    if (t < 0) {
        fprintf (stderr, "the hostile connection was not dropped in %d ms\n",
                 timeout_ms);
        exit (1);
    }
    if (getenv ("HOSTILE_VERBOSE"))
        fprintf (stderr, "  dropped after %ld ms\n", t);
}

static void raw_expect_open (int fd, int ms)
{
    CHECK (raw_wait_closed (fd, ms) == -1);
}

/* A ZMTP 3.1 greeting with the given mechanism name. */
static void greeting (unsigned char g[64], const char *mechanism)
{
    memset (g, 0, 64);
    g[0] = 0xff;
    g[8] = 1;
    g[9] = 0x7f;
    g[10] = 3;
    g[11] = 1;
    memcpy (g + 12, mechanism, strlen (mechanism));
}

/* The READY command of a PUSH peer. */
static size_t ready_push (unsigned char *b)
{
    static const unsigned char r[] = {0x04, 26,  5,   'R', 'E', 'A', 'D', 'Y',
                                      11,   'S', 'o', 'c', 'k', 'e', 't', '-',
                                      'T',  'y', 'p', 'e', 0,   0,   0,   4,
                                      'P',  'U', 'S', 'H'};
    memcpy (b, r, sizeof r);
    return sizeof r;
}

/* Connect and complete a NULL handshake as a PUSH peer: after this the
 * connection is a data connection to the PULL. */
static int raw_handshake (server_t *s)
{
    int fd = raw_connect (s);
    unsigned char g[64], buf[128];
    greeting (g, "NULL");
    raw_send (fd, g, 64);
    size_t n = ready_push (buf);
    raw_send (fd, buf, n);
    /* The server's greeting, then its READY (a short command frame). */
    raw_read (fd, buf, 64);
    CHECK (buf[0] == 0xff && buf[9] == 0x7f && buf[10] == 3);
    CHECK (memcmp (buf + 12, "NULL", 5) == 0);
    raw_read (fd, buf, 2);
    CHECK (buf[0] == 0x04);
    raw_read (fd, buf + 2, buf[1]);
    CHECK (memcmp (buf + 2, "\x05READY", 6) == 0);
    return fd;
}

/* Prove the raw data connection carries messages: one frame in, out of the
 * PULL. (Both peers are fair-queued; the good peer is idle here.) */
static void raw_message_arrives (server_t *s, int fd, const char *text)
{
    unsigned char f[258];
    size_t n = strlen (text);
    f[0] = 0;
    f[1] = (unsigned char) n;
    memcpy (f + 2, text, n);
    raw_send (fd, f, n + 2);
    char in[256];
    int r = zmq_recv (s->pull, in, sizeof in, 0);
    CHECK (r == (int) n && memcmp (in, text, n) == 0);
}

/* --------------------------------------------------------------- cases */

/* Bytes that are no greeting. libzmq (and we) take a first byte other than
 * 0xFF for an unversioned ZMTP 1.0 peer: a zero length byte is a framing
 * error, so the connection is dropped at once, reported as a plain
 * DISCONNECTED (no handshake event: the decoder, not a mechanism, failed).
 * Twenty in a row, interleaved with good traffic. */
static void test_garbage_instead_of_greeting (void)
{
    server_t s;
    server_start (&s, -1, -1, 0);
    server_ready (&s);
    good_roundtrip (&s);
    static const char junk[] = "\x00\x13garbage, not a greeting";
    int i;
    for (i = 0; i < 20; i++) {
        int fd = raw_connect (&s);
        raw_send (fd, junk, sizeof junk - 1);
        raw_expect_closed (fd, 5000);
        close (fd);
        expect_failure (&s, 0, -1);
        good_roundtrip (&s);
    }
    no_message (&s);
    server_stop (&s);
}

/* An HTTP request: to libzmq a ZMTP 1.0 peer whose 70-byte identity frame
 * never completes. With ZMQ_HANDSHAKE_IVL 300 it is dropped after the
 * interval (HANDSHAKE_FAILED_NO_DETAIL, errno EAGAIN as libzmq leaves it);
 * nothing it sent is delivered; the good peer is served meanwhile. */
static void test_http_request (void)
{
    server_t s;
    server_start (&s, 300, -1, 0);
    server_ready (&s);
    good_roundtrip (&s);
    int fd = raw_connect (&s);
    long t0 = now_ms ();
    static const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    raw_send (fd, http, sizeof http - 1);
    good_roundtrip (&s);
    raw_expect_closed (fd, 10000);
    CHECK (now_ms () - t0 >= 150);
    close (fd);
    expect_failure (&s, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, EAGAIN);
    good_roundtrip (&s);
    no_message (&s);
    server_stop (&s);
}

/* Signatures that start with 0xFF but are not ZMTP 3: byte 9 without its
 * low bit makes bytes 1-8 a ZMTP 1.0 long length, here 0 (invalid) and
 * 2^63 (more than any process can hold): both dropped at once with a plain
 * DISCONNECTED. A signature with an unknown revision is read as ZMTP 3.x,
 * and junk where the mechanism name goes fails the mechanism check
 * (HANDSHAKE_FAILED_PROTOCOL / MECHANISM_MISMATCH). */
static void test_wrong_signature (void)
{
    server_t s;
    server_start (&s, -1, -1, 0);
    server_ready (&s);
    good_roundtrip (&s);

    static const unsigned char sigs[][10] = {
      {0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x7e},
      {0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x00},
    };
    size_t i;
    for (i = 0; i < 2; i++) {
        int fd = raw_connect (&s);
        raw_send (fd, sigs[i], 10);
        raw_expect_closed (fd, 5000);
        close (fd);
        expect_failure (&s, 0, -1);
        good_roundtrip (&s);
    }

    unsigned char g[64];
    for (i = 0; i < 64; i++)
        g[i] = (unsigned char) (0xa5 ^ (i * 37));
    g[0] = 0xff;
    g[9] = 0x7f;
    g[10] = 0x7e;
    int fd = raw_connect (&s);
    raw_send (fd, g, sizeof g);
    raw_expect_closed (fd, 5000);
    close (fd);
    expect_failure (&s, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
                    ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH);
    good_roundtrip (&s);
    no_message (&s);
    server_stop (&s);
}

/* A well-formed greeting asking for a mechanism we do not run (unknown, or
 * one the PULL is not configured for, or NULL misspelt): dropped,
 * HANDSHAKE_FAILED_PROTOCOL with ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH. */
static void test_unknown_mechanism (void)
{
    server_t s;
    server_start (&s, -1, -1, 0);
    server_ready (&s);
    const char *mechs[] = {"FOOBAR", "PLAIN", "CURVE", "null", "NULLX"};
    size_t i;
    for (i = 0; i < sizeof mechs / sizeof mechs[0]; i++) {
        unsigned char g[64];
        greeting (g, mechs[i]);
        int fd = raw_connect (&s);
        raw_send (fd, g, sizeof g);
        raw_expect_closed (fd, 5000);
        close (fd);
        expect_failure (&s, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
                        ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH);
        good_roundtrip (&s);
    }
    no_message (&s);
    server_stop (&s);
}

/* A frame header claiming 2^63 bytes after the handshake (as a message,
 * with a valid message before it that is delivered) and during it (as a
 * command where READY is due): dropped at once, nothing after it delivered.
 * The same for other claims no process could hold: 2^64 - 1, 2^63 - 1 with
 * MORE, 2^50. */
static void test_frame_length_2_63 (void)
{
    server_t s;
    server_start (&s, -1, -1, 0);
    server_ready (&s);
    good_roundtrip (&s);

    int fd = raw_handshake (&s);
    expect_next (&s, ZMQ_EVENT_ACCEPTED);
    expect_next (&s, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    raw_message_arrives (&s, fd, "before");
    unsigned char huge[9] = {0x02, 0x80, 0, 0, 0, 0, 0, 0, 0};
    raw_send (fd, huge, sizeof huge);
    raw_send (fd, "\x00\x05" "after", 7);
    raw_expect_closed (fd, 5000);
    close (fd);
    expect_next (&s, ZMQ_EVENT_DISCONNECTED);
    good_roundtrip (&s);
    no_message (&s);

    fd = raw_connect (&s);
    unsigned char g[64];
    greeting (g, "NULL");
    raw_send (fd, g, sizeof g);
    unsigned char cmd[9] = {0x06, 0x80, 0, 0, 0, 0, 0, 0, 0};
    raw_send (fd, cmd, sizeof cmd);
    raw_expect_closed (fd, 5000);
    close (fd);
    expect_failure (&s, 0, -1);
    good_roundtrip (&s);

    static const unsigned char claims[][9] = {
      {0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
      {0x03, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
      {0x02, 0, 0x04, 0, 0, 0, 0, 0, 0},
    };
    size_t i;
    for (i = 0; i < 3; i++) {
        fd = raw_handshake (&s);
        expect_next (&s, ZMQ_EVENT_ACCEPTED);
        expect_next (&s, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
        raw_send (fd, claims[i], 9);
        raw_send (fd, "abc", 3);
        raw_expect_closed (fd, 5000);
        close (fd);
        expect_next (&s, ZMQ_EVENT_DISCONNECTED);
        good_roundtrip (&s);
    }
    no_message (&s);
    server_stop (&s);
}

static long rss_kib (void)
{
    FILE *f = fopen ("/proc/self/status", "r");
    CHECK (f);
    char line[256];
    long kib = -1;
    while (fgets (line, sizeof line, f))
        if (strncmp (line, "VmRSS:", 6) == 0)
            kib = atol (line + 6);
    fclose (f);
    CHECK (kib > 0);
    return kib;
}

/* Eight peers each claim a 256 MiB frame a process could hold, send 4 KiB
 * of it, then go silent: the connections stay (a slow sender is legal), the
 * good peer is served, memory is not committed for what was never sent (RSS
 * grows by far less than one claim), and when they close nothing is
 * delivered. */
static void test_large_claim_then_silence (void)
{
    server_t s;
    server_start (&s, -1, -1, 0);
    server_ready (&s);
    good_roundtrip (&s);
    long before = rss_kib ();
    int fds[8], i;
    for (i = 0; i < 8; i++) {
        fds[i] = raw_handshake (&s);
        unsigned char claim[9] = {0x02, 0, 0, 0, 0, 0x10, 0, 0, 0};
        raw_send (fds[i], claim, sizeof claim);
        char body[4096];
        memset (body, 'z', sizeof body);
        raw_send (fds[i], body, sizeof body);
    }
    good_roundtrip (&s);
    for (i = 0; i < 8; i++)
        raw_expect_open (fds[i], 50);
    long grown = rss_kib () - before;
    if (getenv ("HOSTILE_VERBOSE"))
        fprintf (stderr, "  RSS grew by %ld KiB for 8 x 256 MiB claims\n",
                 grown);
    CHECK (grown < 64 * 1024);
    for (i = 0; i < 8; i++)
        close (fds[i]);
    for (i = 0; i < 8; i++)
        expect_event (&s, ZMQ_EVENT_DISCONNECTED, 5000);
    good_roundtrip (&s);
    no_message (&s);
    server_stop (&s);
}

/* ZMQ_MAXMSGSIZE 100: a 100-byte message is delivered; then a 101-byte
 * frame (short form, long form, a long claim of 4 GiB, or as the first part
 * of a multipart message) drops the connection with a plain DISCONNECTED,
 * and none of it is delivered, not even the part that arrived. */
static void test_over_maxmsgsize (void)
{
    server_t s;
    server_start (&s, -1, 100, 0);
    server_ready (&s);
    good_roundtrip (&s);
    static const unsigned char headers[][9] = {
      {0x00, 101},
      {0x02, 0, 0, 0, 0, 0, 0, 0, 101},
      {0x02, 0, 0, 0, 1, 0, 0, 0, 0},
      {0x01, 101},
    };
    static const size_t header_len[] = {2, 9, 9, 2};
    size_t i;
    for (i = 0; i < 4; i++) {
        int fd = raw_handshake (&s);
        expect_next (&s, ZMQ_EVENT_ACCEPTED);
        expect_next (&s, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
        unsigned char f[2 + 100];
        f[0] = 0;
        f[1] = 100;
        memset (f + 2, 'x', 100);
        raw_send (fd, f, sizeof f);
        char in[200];
        CHECK (zmq_recv (s.pull, in, sizeof in, 0) == 100);
        raw_send (fd, headers[i], header_len[i]);
        unsigned char body[101];
        memset (body, 'y', sizeof body);
        /* The peer may already be gone: ignore send errors. */
        send (fd, body, sizeof body, MSG_NOSIGNAL);
        raw_expect_closed (fd, 5000);
        close (fd);
        expect_next (&s, ZMQ_EVENT_DISCONNECTED);
        good_roundtrip (&s);
        no_message (&s);
    }
    server_stop (&s);
}

/* A truncated frame, then silence.
 * - In the greeting, and in the READY command, with ZMQ_HANDSHAKE_IVL 300:
 *   dropped after the interval (not before half of it), reported as
 *   HANDSHAKE_FAILED_NO_DETAIL (EAGAIN) then DISCONNECTED.
 * - After the handshake without heartbeats: the connection stays (a slow
 *   peer is legal), the partial message is never delivered, not even when
 *   the peer then closes.
 * - After the handshake with heartbeats: the silent peer is dropped by the
 *   heartbeat timeout. */
static void test_truncated_then_silence (void)
{
    server_t s;
    server_start (&s, 300, -1, 0);
    server_ready (&s);
    good_roundtrip (&s);

    unsigned char g[64];
    greeting (g, "NULL");
    int fd = raw_connect (&s);
    long t0 = now_ms ();
    raw_send (fd, g, 20);
    raw_expect_closed (fd, 10000);
    CHECK (now_ms () - t0 >= 150);
    close (fd);
    expect_failure (&s, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, EAGAIN);
    good_roundtrip (&s);

    unsigned char r[64];
    size_t n = ready_push (r);
    fd = raw_connect (&s);
    t0 = now_ms ();
    raw_send (fd, g, 64);
    raw_send (fd, r, n - 5);
    raw_expect_closed (fd, 10000);
    CHECK (now_ms () - t0 >= 150);
    close (fd);
    expect_failure (&s, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, EAGAIN);
    good_roundtrip (&s);

    fd = raw_handshake (&s);
    expect_next (&s, ZMQ_EVENT_ACCEPTED);
    expect_next (&s, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    raw_message_arrives (&s, fd, "whole");
    raw_send (fd, "\x01\x03" "one" "\x00\x0a" "abc", 10);
    raw_expect_open (fd, 700); /* well past the handshake interval */
    good_roundtrip (&s);
    no_message (&s);
    close (fd);
    expect_next (&s, ZMQ_EVENT_DISCONNECTED);
    good_roundtrip (&s);
    no_message (&s);
    server_stop (&s);

    /* Heartbeats on: PINGs go unanswered, the peer is dropped. */
    server_start (&s, 300, -1, 100);
    server_ready (&s);
    good_roundtrip (&s);
    fd = raw_handshake (&s);
    expect_next (&s, ZMQ_EVENT_ACCEPTED);
    expect_next (&s, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    raw_send (fd, "\x00\x0a" "abc", 5);
    raw_expect_closed (fd, 10000);
    close (fd);
    expect_next (&s, ZMQ_EVENT_DISCONNECTED);
    good_roundtrip (&s);
    no_message (&s);
    server_stop (&s);
}

/* The frame header of a `size`-byte final message (long form). */
static void long_header (unsigned char h[9], size_t size)
{
    int i;
    h[0] = 0x02;
    for (i = 0; i < 8; i++)
        h[1 + i] = (unsigned char) ((uint64_t) size >> (56 - 8 * i));
}

/* Large bodies sent slowly, in pieces with pauses between them, as the last
 * thing the peer sends: each arrives whole and intact (a receiver that waits
 * for more of the stream than the peer still owes would wait forever); half
 * a body then a hang-up delivers nothing. Sizes below, at and above the
 * size a claim is trusted with (1 MiB). */
static void test_large_body_in_pieces (void)
{
    server_t s;
    server_start (&s, -1, -1, 0);
    server_ready (&s);
    good_roundtrip (&s);
    static const size_t sizes[] = {300 * 1024, 1024 * 1024, 3 * 1024 * 1024};
    size_t i, max = 3 * 1024 * 1024;
    unsigned char *body = (unsigned char *) malloc (max);
    unsigned char *in = (unsigned char *) malloc (max + 1);
    CHECK (body && in);
    for (i = 0; i < max; i++)
        body[i] = (unsigned char) (i * 7 + i / 4096);
    for (i = 0; i < 3; i++) {
        size_t size = sizes[i], piece = size / 8, sent = 0;
        int fd = raw_handshake (&s);
        expect_next (&s, ZMQ_EVENT_ACCEPTED);
        expect_next (&s, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
        unsigned char h[9];
        long_header (h, size);
        raw_send (fd, h, sizeof h);
        while (sent < size) {
            size_t n = size - sent < piece ? size - sent : piece;
            raw_send (fd, body + sent, n);
            sent += n;
            usleep (sent < size / 2 ? 20000 : 60000);
        }
        CHECK (zmq_recv (s.pull, in, max + 1, 0) == (int) size);
        CHECK (memcmp (in, body, size) == 0);
        good_roundtrip (&s);

        /* Half of the next one, then the peer hangs up. */
        raw_send (fd, h, sizeof h);
        raw_send (fd, body, size / 2);
        usleep (50000);
        close (fd);
        expect_next (&s, ZMQ_EVENT_DISCONNECTED);
        good_roundtrip (&s);
        no_message (&s);
    }
    free (body);
    free (in);
    server_stop (&s);
}

/* Commands where messages are due, and the reverse.
 * - During the handshake, a message frame or an unknown command where READY
 *   is due: HANDSHAKE_FAILED_PROTOCOL with UNEXPECTED_COMMAND.
 * - After the handshake, an unknown or repeated command (HELLO, READY) is
 *   ignored: the connection lives on and its next message is delivered.
 * - After the handshake, a malformed command is ignored. */
static void test_command_where_message_due (void)
{
    server_t s;
    server_start (&s, -1, -1, 0);
    server_ready (&s);
    good_roundtrip (&s);
    unsigned char g[64];
    greeting (g, "NULL");

    static const char *bad_ready[] = {"\x00\x05hello", "\x04\x06\x05HELLO"};
    static const size_t bad_len[] = {7, 8};
    size_t i;
    for (i = 0; i < 2; i++) {
        int fd = raw_connect (&s);
        raw_send (fd, g, 64);
        raw_send (fd, bad_ready[i], bad_len[i]);
        raw_expect_closed (fd, 5000);
        close (fd);
        expect_failure (&s, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
                        ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND);
        good_roundtrip (&s);
    }

    int fd = raw_handshake (&s);
    expect_next (&s, ZMQ_EVENT_ACCEPTED);
    expect_next (&s, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    raw_send (fd, "\x04\x06\x05HELLO", 8);
    unsigned char r[64];
    size_t n = ready_push (r);
    raw_send (fd, r, n);
    raw_message_arrives (&s, fd, "still here");
    good_roundtrip (&s);

    /* A malformed command after the handshake is ignored too (an empty one,
     * a name running past its body, a PING too short for its TTL): the
     * connection lives on and the next message is delivered. */
    raw_send (fd, "\x04\x02\x09X", 4);
    raw_send (fd, "\x04\x00", 2);
    raw_send (fd, "\x04\x05\x04PING", 7);
    raw_message_arrives (&s, fd, "next");
    close (fd);
    expect_next (&s, ZMQ_EVENT_DISCONNECTED);
    good_roundtrip (&s);
    no_message (&s);
    server_stop (&s);
}

/* Bad READY commands: a socket type PULL may not talk to (PUB), properties
 * that do not parse: dropped at once with a plain DISCONNECTED (libzmq's
 * NULL mechanism reports no protocol code for either). An ERROR instead of
 * READY: dropped (libzmq only after the handshake interval). */
static void test_bad_ready (void)
{
    server_t s;
    server_start (&s, 300, -1, 0);
    server_ready (&s);
    good_roundtrip (&s);
    unsigned char g[64];
    greeting (g, "NULL");
    static const unsigned char pub[] = {
      0x04, 25,  5,   'R', 'E', 'A', 'D', 'Y', 11, 'S', 'o', 'c', 'k', 'e',
      't',  '-', 'T', 'y', 'p', 'e', 0,   0,   0,  3,   'P', 'U', 'B'};
    static const unsigned char bad_prop[] = {0x04, 9,   5,   'R', 'E', 'A',
                                             'D',  'Y', 200, 'S', 'o'};
    static const unsigned char error[] = {0x04, 11,  5,   'E', 'R', 'R', 'O',
                                          'R',  4,   'b', 'o', 'o', 'm'};
    const unsigned char *cmds[] = {pub, bad_prop, error};
    size_t lens[] = {sizeof pub, sizeof bad_prop, sizeof error};
    size_t i;
    for (i = 0; i < 3; i++) {
        int fd = raw_connect (&s);
        raw_send (fd, g, 64);
        raw_send (fd, cmds[i], lens[i]);
        raw_expect_closed (fd, 5000);
        close (fd);
        if (i < 2)
            expect_failure (&s, 0, -1);
        else
            expect_event (&s, ZMQ_EVENT_DISCONNECTED, 5000);
        good_roundtrip (&s);
    }
    no_message (&s);
    server_stop (&s);
}

/* Peers that never finish the handshake: silent from the start, only the
 * signature, the whole greeting but no READY. With ZMQ_HANDSHAKE_IVL 300
 * each is dropped after the interval with HANDSHAKE_FAILED_NO_DETAIL; the
 * good peer, connected the whole time, is served before and after. */
static void test_never_finishes_handshake (void)
{
    server_t s;
    server_start (&s, 300, -1, 0);
    server_ready (&s);
    good_roundtrip (&s);
    unsigned char g[64];
    greeting (g, "NULL");
    size_t sent[] = {0, 10, 64};
    size_t i;
    for (i = 0; i < 3; i++) {
        int fd = raw_connect (&s);
        long t0 = now_ms ();
        if (sent[i])
            raw_send (fd, g, sent[i]);
        good_roundtrip (&s);
        raw_expect_closed (fd, 10000);
        CHECK (now_ms () - t0 >= 150);
        close (fd);
        expect_failure (&s, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, EAGAIN);
        good_roundtrip (&s);
    }
    no_message (&s);
    server_stop (&s);
}

/* Peers that leave mid-handshake: after nothing, after the signature, after
 * the greeting, after half a READY: HANDSHAKE_FAILED_NO_DETAIL with the
 * errno of the loss (EPIPE for an orderly close, ECONNRESET when our unread
 * greeting made the kernel reset), then DISCONNECTED. A ZMTP 1.0 peer,
 * whose connection never has a mechanism, reports the same when it leaves
 * after a message. */
static void test_peer_closes_during_handshake (void)
{
    server_t s;
    server_start (&s, -1, -1, 0);
    server_ready (&s);
    good_roundtrip (&s);
    unsigned char g[64];
    greeting (g, "NULL");
    size_t sent[] = {0, 10, 64, 70};
    unsigned char r[64];
    ready_push (r);
    size_t i;
    for (i = 0; i < 4; i++) {
        int fd = raw_connect (&s);
        if (sent[i])
            raw_send (fd, g, sent[i] < 64 ? sent[i] : 64);
        if (sent[i] > 64)
            raw_send (fd, r, sent[i] - 64);
        /* Wait for the server's signature so it has seen our bytes. */
        unsigned char buf[10];
        raw_read (fd, buf, 10);
        close (fd);
        uint32_t e =
          expect_failure (&s, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, -1);
        CHECK (e == EPIPE || e == ECONNRESET);
        good_roundtrip (&s);
    }
    int fd = raw_connect (&s);
    raw_send (fd, "\x01\x00\x06\x00hello", 9);
    char in[16];
    CHECK (zmq_recv (s.pull, in, sizeof in, 0) == 5);
    close (fd);
    uint32_t e = expect_failure (&s, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, -1);
    CHECK (e == EPIPE || e == ECONNRESET);
    good_roundtrip (&s);
    no_message (&s);
    server_stop (&s);
}

/* Frames RFC 23 forbids but libzmq's decoder lets through: reserved flag
 * bits are ignored (a message with bit 3, 6 or 7 set is delivered as if they
 * were clear), and an unknown command with MORE is dropped like any unknown
 * command, the message after it delivered on its own. */
static void test_reserved_bits_after_handshake (void)
{
    server_t s;
    server_start (&s, -1, -1, 0);
    server_ready (&s);
    int fd = raw_handshake (&s);
    expect_next (&s, ZMQ_EVENT_ACCEPTED);
    expect_next (&s, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    char in[16];
    int more;
    size_t ml = sizeof more;
    /* 0x08 | a short final frame; 0x41 | MORE, then 0x80 | final. */
    raw_send (fd, "\x08\x03" "one", 5);
    CHECK (zmq_recv (s.pull, in, sizeof in, 0) == 3 && memcmp (in, "one", 3) == 0);
    CHECK_OK (zmq_getsockopt (s.pull, ZMQ_RCVMORE, &more, &ml));
    CHECK (!more);
    raw_send (fd, "\x41\x01" "a" "\x80\x01" "b", 6);
    CHECK (zmq_recv (s.pull, in, sizeof in, 0) == 1 && in[0] == 'a');
    CHECK_OK (zmq_getsockopt (s.pull, ZMQ_RCVMORE, &more, &ml));
    CHECK (more);
    CHECK (zmq_recv (s.pull, in, sizeof in, 0) == 1 && in[0] == 'b');
    CHECK_OK (zmq_getsockopt (s.pull, ZMQ_RCVMORE, &more, &ml));
    CHECK (!more);
    /* A command with MORE (RFC 23 forbids it). */
    raw_send (fd, "\x05\x04\x03" "FOO", 6);
    raw_message_arrives (&s, fd, "after");
    good_roundtrip (&s);
    close (fd);
    expect_next (&s, ZMQ_EVENT_DISCONNECTED);
    no_message (&s);
    server_stop (&s);
}

/* `test_hostile_wire <part-of-a-name>` runs only the matching cases. */
static const char *only;
#define RUN(fn)                                                                \
    do {                                                                       \
        if (!only || strstr (#fn, only))                                       \
            RUN_TEST (fn);                                                     \
    } while (0)

int main (int argc, char **argv)
{
    only = argc > 1 ? argv[1] : NULL;
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN (test_garbage_instead_of_greeting);
    RUN (test_http_request);
    RUN (test_wrong_signature);
    RUN (test_unknown_mechanism);
    RUN (test_frame_length_2_63);
    RUN (test_large_claim_then_silence);
    RUN (test_over_maxmsgsize);
    RUN (test_truncated_then_silence);
    RUN (test_large_body_in_pieces);
    RUN (test_command_where_message_due);
    RUN (test_bad_ready);
    RUN (test_never_finishes_handshake);
    RUN (test_peer_closes_during_handshake);
    RUN (test_reserved_bits_after_handshake);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
