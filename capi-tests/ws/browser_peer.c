/* The ZeroMQ side of the browser test (scripts/ws-browser.sh): a ROUTER or
 * a SERVER bound to a ws:// endpoint that a page in headless Chromium
 * (capi-tests/ws/browser.html) reaches through the browser's own WebSocket
 * API, speaking ZWS 2.0 written in JavaScript. Only zmq.h and libc are used,
 * so it builds against any libzmq; the SERVER needs -DZMQ_BUILD_DRAFT_API.
 *
 *   browser_peer probe
 *       prints "ws <0|1> ..." (whether this library has ws://: zmq_has
 *       says so, under libzmq's name "WS" or as "ws", or a bind to
 *       ws://127.0.0.1:* works) and "draft <0|1>"
 *   browser_peer <ROUTER|SERVER> <endpoint> <label> [big|heartbeat|close|corrupt]
 *       binds, prints "listening <last endpoint>", then runs the plan below
 *       with one page; `big` adds the plan's last message, 200,000 bytes,
 *       which Chromium sends fragmented (continuation frames: it splits
 *       what it sends at about 64 KiB), something libzmq 4.3 does not take;
 *       `heartbeat` turns on ZMQ_HEARTBEAT_IVL 100 ms and TIMEOUT 1000 ms
 *       and, after the echoes, lets nothing but heartbeats move for 1.5 s
 *       (WebSocket pings, which the browser answers with pongs on its own):
 *       the connection must stay up (libzmq 4.3 aborts right after its
 *       first ping on a connection without a mechanism, as plain ZWS2.0
 *       is: "Assertion failed: _mechanism != NULL", in pull_and_encode);
 *       `close`: after the page's ok, its closing handshake must end the
 *       connection, the monitor reporting it within 5 s (libzmq 4.3 does not
 *       end it, without a mechanism);
 *       `corrupt` (ROUTER) flips byte 1000 of echo 3, a check that the page
 *       notices (its REPORT must then say FAIL, naming echo 3)
 *
 * The subprotocol is plain ZWS2.0 (a browser cannot offer ZWS2.0/NULL: "/"
 * is not allowed in a subprotocol name), so there is no READY: the page's
 * first message is its routing id, "browser", which a ROUTER must take as
 * the peer's routing id. The page then sends the messages of router_plan
 * (multipart) or server_plan (one frame each: a SERVER takes no multipart);
 * the sizes cross the WebSocket length encodings (payload = flags byte +
 * body: 125 is the last 7-bit length, 65535 the last 16-bit one). Each is
 * checked byte for byte here and echoed back (a ROUTER puts an "echo" frame
 * first); then (`heartbeat`: after the idle pause) this side sends "bye",
 * its label and a 100,000 byte body, which the page checks too; last the
 * page sends its verdict, REPORT ok|FAIL <detail> (at once, when it finds
 * something wrong), and after an ok it closes the WebSocket (with `close`,
 * the library must then end the connection). Exit status 0 only if every
 * check here passed and the page reported ok. Each wait has a 30 s timeout
 * (BROWSER_PEER_WAIT_MS in the environment sets another, in ms), and a
 * socket monitor ends the run at once when the library drops the page's
 * connection (DISCONNECTED or a failed handshake) rather than waiting that
 * out. */

#include <zmq.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIG_SIZE 100000
#define IDLE_MS 1500
#define MAX_PARTS 4

/* A part of a message: `text` when set, else `size` bytes of pattern(seed). */
typedef struct {
    const char *text;
    size_t size;
    int seed;
} part_t;

typedef struct {
    int nparts;
    part_t parts[MAX_PARTS];
} spec_t;

static const spec_t router_plan[] = {
  {1, {{"hello from chromium", 0, 0}}},
  {3, {{"part-1", 0, 0}, {"", 0, 0}, {NULL, 256, 1}}},
  {2, {{NULL, 124, 2}, {NULL, 125, 3}}},
  {1, {{NULL, 65534, 4}}},
  {1, {{NULL, 65535, 5}}},
  {1, {{NULL, 200000, 6}}},
};

#ifdef ZMQ_BUILD_DRAFT_API
static const spec_t server_plan[] = {
  {1, {{"hello from chromium", 0, 0}}},
  {1, {{"", 0, 0}}},
  {1, {{NULL, 256, 1}}},
  {1, {{NULL, 124, 2}}},
  {1, {{NULL, 125, 3}}},
  {1, {{NULL, 65534, 4}}},
  {1, {{NULL, 65535, 5}}},
  {1, {{NULL, 200000, 6}}},
};
#endif

#define COUNT(a) ((int) (sizeof (a) / sizeof (a)[0]))

/* The page computes the same bytes (browser.html, pattern()). */
static void pattern (unsigned char *b, size_t n, int seed)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char) ((i * 31 + (size_t) seed * 7 + (i >> 8) * 3) & 255);
}

static void die (const char *what)
{
    printf ("FAIL %s: %s\n", what, zmq_strerror (zmq_errno ()));
    exit (1);
}

static int failures = 0;

__attribute__ ((format (printf, 1, 2))) static void fail (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    printf ("FAIL ");
    vprintf (fmt, ap);
    printf ("\n");
    va_end (ap);
    failures++;
}

/* Whether frame `m` holds exactly `p`; says where it differs if not. */
static int part_matches (zmq_msg_t *m, const part_t *p, int msg, int frame)
{
    size_t want = p->text ? strlen (p->text) : p->size;
    size_t got = zmq_msg_size (m);
    const unsigned char *d = (const unsigned char *) zmq_msg_data (m);
    if (got != want) {
        fail ("message %d frame %d: %zu bytes, expected %zu", msg, frame, got, want);
        return 0;
    }
    unsigned char *exp = malloc (want ? want : 1);
    if (!exp)
        die ("malloc");
    if (p->text)
        memcpy (exp, p->text, want);
    else
        pattern (exp, want, p->seed);
    for (size_t i = 0; i < want; i++)
        if (d[i] != exp[i]) {
            fail ("message %d frame %d: byte %zu is %u, expected %u", msg, frame, i,
                  d[i], exp[i]);
            free (exp);
            return 0;
        }
    free (exp);
    return 1;
}

static void *monitor = NULL;
static long wait_ms = 30000; /* BROWSER_PEER_WAIT_MS overrides */

enum { READABLE, TIMED_OUT, DROPPED };
static uint16_t dropped_event;

/* Waits up to ms for a message on `s`: READABLE; TIMED_OUT; or DROPPED when
 * the monitor saw the connection go first (dropped_event says how). */
static int wait_event (void *s, long ms)
{
    void *watch = zmq_stopwatch_start ();
    int result = TIMED_OUT;
    for (;;) {
        long left = ms - (long) (zmq_stopwatch_intermediate (watch) / 1000);
        if (left <= 0)
            break;
        zmq_pollitem_t items[2] = {{s, 0, ZMQ_POLLIN, 0}, {monitor, 0, ZMQ_POLLIN, 0}};
        if (zmq_poll (items, 2, left) < 0)
            die ("zmq_poll");
        if (items[0].revents & ZMQ_POLLIN) {
            result = READABLE;
            break;
        }
        if (items[1].revents & ZMQ_POLLIN) {
            zmq_msg_t ev;
            zmq_msg_init (&ev);
            if (zmq_msg_recv (&ev, monitor, 0) < 0)
                die ("zmq_msg_recv (monitor)");
            dropped_event = 0;
            if (zmq_msg_size (&ev) >= 2)
                memcpy (&dropped_event, zmq_msg_data (&ev), 2);
            while (zmq_msg_more (&ev)) /* the endpoint frame */
                if (zmq_msg_recv (&ev, monitor, 0) < 0)
                    die ("zmq_msg_recv (monitor)");
            zmq_msg_close (&ev);
            /* Data already queued is read first, so only a connection lost
             * mid-plan ends up here. */
            result = zmq_poll (items, 1, 0) > 0 && (items[0].revents & ZMQ_POLLIN) ? READABLE
                                                                                   : DROPPED;
            break;
        }
    }
    zmq_stopwatch_stop (watch);
    return result;
}

static const char *event_name (uint16_t e)
{
    switch (e) {
        case ZMQ_EVENT_DISCONNECTED:
            return "DISCONNECTED";
        case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
            return "HANDSHAKE_FAILED_NO_DETAIL";
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
            return "HANDSHAKE_FAILED_PROTOCOL";
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
            return "HANDSHAKE_FAILED_AUTH";
        default:
            return "another event";
    }
}

static void report_dropped (const char *what)
{
    fail ("%s: the library dropped the page's connection (%s)", what, event_name (dropped_event));
}

/* Waits until `s` has a message: 1; or reports why not and returns 0. */
static int wait_readable (void *s, const char *what)
{
    switch (wait_event (s, wait_ms)) {
        case READABLE:
            return 1;
        case TIMED_OUT:
            fail ("waiting for %s: nothing within %ld ms", what, wait_ms);
            return 0;
        default:
            report_dropped (what);
            return 0;
    }
}

/* The idle pause: ms milliseconds in which only heartbeats move and the
 * connection must stay up: TIMED_OUT is the good outcome; DROPPED is
 * reported; READABLE means the page sent something after all, which can
 * only be its verdict, early (the caller reads it as the REPORT). */
static int idle (void *s, long ms)
{
    int r = wait_event (s, ms);
    if (r == TIMED_OUT)
        printf ("ok   the connection stayed up through %ld ms of heartbeats only\n", ms);
    else if (r == DROPPED)
        report_dropped ("the idle pause");
    return r;
}

/* Receives one whole message into parts[] (at most max); returns the count,
 * or -1 on timeout/error (reported). */
static int recv_multipart (void *s, zmq_msg_t *parts, int max, const char *what)
{
    int n = 0;
    if (!wait_readable (s, what))
        return -1;
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init (&m);
        if (zmq_msg_recv (&m, s, 0) < 0) {
            printf ("FAIL receiving %s: %s\n", what, zmq_strerror (zmq_errno ()));
            zmq_msg_close (&m);
            failures++;
            return -1;
        }
        int more = zmq_msg_more (&m);
        if (n < max)
            parts[n] = m;
        else
            zmq_msg_close (&m);
        n++;
        if (!more)
            return n;
    }
}

static void send_text (void *s, const char *t, int flags)
{
    if (zmq_send (s, t, strlen (t), flags) < 0)
        die ("zmq_send");
}

static void send_big (void *s)
{
    static unsigned char big[BIG_SIZE];
    pattern (big, BIG_SIZE, 9);
    if (zmq_send (s, big, BIG_SIZE, 0) < 0)
        die ("zmq_send (100,000 bytes)");
}

static void *the_socket;
static int check_close;

static void print_report (const char *status, size_t slen, const char *detail, size_t dlen)
{
    printf ("browser: REPORT %.*s %.*s\n", (int) slen, status, (int) dlen, detail);
    if (slen != 2 || memcmp (status, "ok", 2) != 0) {
        failures++;
        return;
    }
    /* The page closes the WebSocket after an ok. */
    if (!check_close)
        return;
    /* The connection's end, whichever event the library reports it with
     * (libzmq 4.3 never leaves the handshake state without a mechanism, so
     * it would report HANDSHAKE_FAILED_NO_DETAIL rather than DISCONNECTED). */
    int r = wait_event (the_socket, 5000);
    if (r == DROPPED)
        printf ("ok   the browser's close ended the connection (%s)\n", event_name (dropped_event));
    else
        fail ("the browser closed the WebSocket: %s",
              r == TIMED_OUT ? "the connection did not end within 5 s" : "a message came instead");
}

/* [routing id, REPORT, status, detail]: the page's verdict, printed. */
static int router_report (zmq_msg_t *parts, int n)
{
    if (n != 4 || zmq_msg_size (&parts[1]) != 6 || memcmp (zmq_msg_data (&parts[1]), "REPORT", 6) != 0)
        return 0;
    print_report ((const char *) zmq_msg_data (&parts[2]), zmq_msg_size (&parts[2]),
                  (const char *) zmq_msg_data (&parts[3]), zmq_msg_size (&parts[3]));
    return 1;
}

static void run_router (void *s, const char *label, int big, int heartbeat, int corrupt)
{
    const char *rid = "browser";
    zmq_msg_t parts[MAX_PARTS + 1];
    for (int i = 0; i < COUNT (router_plan) - !big; i++) {
        const spec_t *sp = &router_plan[i];
        int n = recv_multipart (s, parts, MAX_PARTS + 1, "a message from the page");
        if (n < 0)
            return;
        int kept = n < MAX_PARTS + 1 ? n : MAX_PARTS + 1;
        int ok = 1;
        if (router_report (parts, n)) {
            fail ("the page gave its verdict after %d of %d messages", i,
                  COUNT (router_plan) - !big);
            ok = 0;
        } else if (zmq_msg_size (&parts[0]) != strlen (rid)
            || memcmp (zmq_msg_data (&parts[0]), rid, strlen (rid)) != 0) {
            fail ("message %d: routing id \"%.*s\", not the page's \"%s\"", i,
                  (int) zmq_msg_size (&parts[0]), (const char *) zmq_msg_data (&parts[0]), rid);
            ok = 0;
        }
        if (ok && n - 1 != sp->nparts) {
            fail ("message %d: %d frames after the routing id, expected %d", i, n - 1,
                  sp->nparts);
            ok = 0;
        }
        for (int f = 0; ok && f < sp->nparts; f++)
            ok = part_matches (&parts[f + 1], &sp->parts[f], i, f);
        if (ok) {
            printf ("ok   message %d from the page (%d frames, routing id %s)\n", i, sp->nparts, rid);
            /* The echo: routing id, "echo", then the very frames received. */
            if (zmq_msg_send (&parts[0], s, ZMQ_SNDMORE) < 0)
                die ("zmq_msg_send (routing id)");
            send_text (s, "echo", ZMQ_SNDMORE);
            if (corrupt && i == 3)
                ((unsigned char *) zmq_msg_data (&parts[1]))[1000] ^= 0x55;
            for (int f = 1; f < n; f++)
                if (zmq_msg_send (&parts[f], s, f + 1 < n ? ZMQ_SNDMORE : 0) < 0)
                    die ("zmq_msg_send (echo)");
        } else {
            for (int f = 0; f < kept; f++)
                zmq_msg_close (&parts[f]);
            return;
        }
    }
    int r = heartbeat ? idle (s, IDLE_MS) : TIMED_OUT;
    if (r == DROPPED)
        return;
    if (r == TIMED_OUT) {
        send_text (s, rid, ZMQ_SNDMORE);
        send_text (s, "bye", ZMQ_SNDMORE);
        send_text (s, label, ZMQ_SNDMORE);
        send_big (s);
    }
    int n = recv_multipart (s, parts, MAX_PARTS + 1, "the page's REPORT");
    if (n < 0)
        return;
    if (!router_report (parts, n))
        fail ("the page's last message has %d frames, not [routing id, REPORT, status, detail]", n);
    for (int f = 0; f < (n < MAX_PARTS + 1 ? n : MAX_PARTS + 1); f++)
        zmq_msg_close (&parts[f]);
}

#ifdef ZMQ_BUILD_DRAFT_API
/* "REPORT <status> <detail>" in one frame (a CLIENT sends no multipart):
 * the page's verdict, printed. */
static int server_report (zmq_msg_t *m)
{
    const char *d = (const char *) zmq_msg_data (m);
    size_t n = zmq_msg_size (m);
    if (n <= 7 || memcmp (d, "REPORT ", 7) != 0)
        return 0;
    const char *st = d + 7;
    const char *sp = memchr (st, ' ', n - 7);
    size_t slen = sp ? (size_t) (sp - st) : n - 7;
    print_report (st, slen, sp ? sp + 1 : "", sp ? n - 7 - slen - 1 : 0);
    return 1;
}

static void run_server (void *s, const char *label, int big, int heartbeat)
{
    uint32_t peer = 0;
    for (int i = 0; i < COUNT (server_plan) - !big; i++) {
        zmq_msg_t m;
        zmq_msg_init (&m);
        if (!wait_readable (s, "a message from the page"))
            return;
        if (zmq_msg_recv (&m, s, 0) < 0) {
            printf ("FAIL receiving message %d from the page: %s\n", i, zmq_strerror (zmq_errno ()));
            failures++;
            return;
        }
        uint32_t id = zmq_msg_routing_id (&m);
        if (server_report (&m)) {
            fail ("the page gave its verdict after %d of %d messages", i,
                  COUNT (server_plan) - !big);
            zmq_msg_close (&m);
            return;
        }
        if (i == 0)
            peer = id;
        else if (id != peer) {
            fail ("message %d: routing id %u, the first was %u", i, (unsigned) id, (unsigned) peer);
            zmq_msg_close (&m);
            return;
        }
        if (!part_matches (&m, &server_plan[i].parts[0], i, 0)) {
            zmq_msg_close (&m);
            return;
        }
        printf ("ok   message %d from the page (routing id %u)\n", i, (unsigned) id);
        if (zmq_msg_set_routing_id (&m, peer) != 0 || zmq_msg_send (&m, s, 0) < 0)
            die ("zmq_msg_send (echo)");
    }
    int r = heartbeat ? idle (s, IDLE_MS) : TIMED_OUT;
    if (r == DROPPED)
        return;
    zmq_msg_t m;
    if (r == TIMED_OUT) {
        char bye[200];
        snprintf (bye, sizeof bye, "bye %s", label);
        zmq_msg_init_size (&m, strlen (bye));
        memcpy (zmq_msg_data (&m), bye, strlen (bye));
        if (zmq_msg_set_routing_id (&m, peer) != 0 || zmq_msg_send (&m, s, 0) < 0)
            die ("zmq_msg_send (bye)");
        zmq_msg_init_size (&m, BIG_SIZE);
        pattern ((unsigned char *) zmq_msg_data (&m), BIG_SIZE, 9);
        if (zmq_msg_set_routing_id (&m, peer) != 0 || zmq_msg_send (&m, s, 0) < 0)
            die ("zmq_msg_send (100,000 bytes)");
    }
    zmq_msg_init (&m);
    if (!wait_readable (s, "the page's REPORT"))
        return;
    if (zmq_msg_recv (&m, s, 0) < 0) {
        printf ("FAIL receiving the page's REPORT: %s\n", zmq_strerror (zmq_errno ()));
        failures++;
        return;
    }
    if (!server_report (&m))
        fail ("the page's last message is not a REPORT");
    zmq_msg_close (&m);
}
#endif

static int probe (void)
{
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_ROUTER);
    if (!ctx || !s)
        die ("zmq_socket");
    int linger = 0;
    zmq_setsockopt (s, ZMQ_LINGER, &linger, sizeof linger);
    /* libzmq 4.3's zmq_has knows the capability as "WS" (upper case). */
    int lower = zmq_has ("ws"), upper = zmq_has ("WS");
    int bound = zmq_bind (s, "ws://127.0.0.1:*") == 0;
    const char *err = bound ? "ok" : zmq_strerror (zmq_errno ());
    printf ("ws %d zmq_has(\"ws\")=%d zmq_has(\"WS\")=%d bind ws://127.0.0.1:*: %s\n",
            lower || upper || bound, lower, upper, err);
    printf ("draft %d\n", zmq_has ("draft") ? 1 : 0);
    zmq_close (s);
    zmq_ctx_term (ctx);
    return 0;
}

int main (int argc, char *argv[])
{
    if (argc == 2 && strcmp (argv[1], "probe") == 0)
        return probe ();
    if (argc < 4 || argc > 5
        || (argc == 5 && strcmp (argv[4], "big") != 0 && strcmp (argv[4], "heartbeat") != 0
            && strcmp (argv[4], "close") != 0 && strcmp (argv[4], "corrupt") != 0)) {
        fprintf (stderr, "usage: browser_peer probe | browser_peer <ROUTER|SERVER> <endpoint> <label> [big|heartbeat|close|corrupt]\n");
        return 2;
    }
    const char *type = argv[1], *ep = argv[2], *label = argv[3];
    int big = argc == 5 && strcmp (argv[4], "big") == 0;
    int corrupt = argc == 5 && strcmp (argv[4], "corrupt") == 0;
    int heartbeat = argc == 5 && strcmp (argv[4], "heartbeat") == 0;
    check_close = argc == 5 && strcmp (argv[4], "close") == 0;
    if (getenv ("BROWSER_PEER_WAIT_MS"))
        wait_ms = atol (getenv ("BROWSER_PEER_WAIT_MS"));
    int server = strcmp (type, "SERVER") == 0;
#ifndef ZMQ_BUILD_DRAFT_API
    if (server) {
        printf ("FAIL a SERVER needs a build with ZMQ_BUILD_DRAFT_API\n");
        return 1;
    }
#endif
    void *ctx = zmq_ctx_new ();
    if (!ctx)
        die ("zmq_ctx_new");
#ifdef ZMQ_BUILD_DRAFT_API
    void *s = zmq_socket (ctx, server ? ZMQ_SERVER : ZMQ_ROUTER);
#else
    void *s = zmq_socket (ctx, ZMQ_ROUTER);
#endif
    if (!s)
        die ("zmq_socket");
    int timeo = 30000, linger = 1000, one = 1, hb_ivl = 100, hb_timeout = 1000;
    if (heartbeat
        && (zmq_setsockopt (s, ZMQ_HEARTBEAT_IVL, &hb_ivl, sizeof hb_ivl) != 0
            || zmq_setsockopt (s, ZMQ_HEARTBEAT_TIMEOUT, &hb_timeout, sizeof hb_timeout) != 0))
        die ("zmq_setsockopt (heartbeats)");
    if (zmq_setsockopt (s, ZMQ_RCVTIMEO, &timeo, sizeof timeo) != 0
        || zmq_setsockopt (s, ZMQ_SNDTIMEO, &timeo, sizeof timeo) != 0
        || zmq_setsockopt (s, ZMQ_LINGER, &linger, sizeof linger) != 0)
        die ("zmq_setsockopt");
    if (!server && zmq_setsockopt (s, ZMQ_ROUTER_MANDATORY, &one, sizeof one) != 0)
        die ("zmq_setsockopt (ZMQ_ROUTER_MANDATORY)");
    if (zmq_socket_monitor (s, "inproc://browser-peer-monitor",
                            ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
                              | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                              | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
        != 0)
        die ("zmq_socket_monitor");
    monitor = zmq_socket (ctx, ZMQ_PAIR);
    if (!monitor || zmq_setsockopt (monitor, ZMQ_LINGER, &linger, sizeof linger) != 0
        || zmq_connect (monitor, "inproc://browser-peer-monitor") != 0)
        die ("the monitor's PAIR");
    the_socket = s;
    if (zmq_bind (s, ep) != 0)
        die ("zmq_bind");
    char last[256];
    size_t len = sizeof last;
    if (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, last, &len) != 0)
        die ("zmq_getsockopt (ZMQ_LAST_ENDPOINT)");
    printf ("listening %s\n", last);
    fflush (stdout);

#ifdef ZMQ_BUILD_DRAFT_API
    if (server)
        run_server (s, label, big, heartbeat);
    else
#endif
        run_router (s, label, big, heartbeat, corrupt);

    zmq_close (s);
    zmq_close (monitor);
    zmq_ctx_term (ctx);
    printf ("%s %s over ZWS2.0%s (%s)\n", failures ? "FAIL" : "PASS", type,
            big         ? ", 200,000 bytes fragmented by the browser"
            : heartbeat ? ", heartbeats and an idle pause"
            : check_close ? ", the browser's close ends the connection"
            : corrupt   ? ", echo 3 corrupted on purpose"
                        : "",
            label);
    return failures ? 1 : 0;
}
