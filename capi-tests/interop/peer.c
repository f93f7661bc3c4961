/* Interop peer: one side of a ZeroMQ conversation, built twice -- against
 * libzmq-rs (peer-ours) and against Debian's libzmq (peer-libzmq) -- so that
 * scripts/interop.sh can put our library in one process and real libzmq in
 * the other. Only zmq.h and libc are used.
 *
 *   peer <role> <type> <bind|connect> <endpoint> <count> <size> [options]
 *
 * role     client  PAIR, REQ, DEALER, ROUTER: sends `count` messages and
 *                  verifies the echoes (a window of outstanding messages,
 *                  one for REQ), then sends BYE
 *          server  PAIR, REP, ROUTER: verifies and echoes every message
 *                  until BYE, which it also echoes
 *          send    PUSH, PUB, XPUB: streams `count` messages
 *          recv    PULL, SUB, XSUB: verifies the stream
 *          client/server with STREAM, or TCP (a plain POSIX socket, tcp
 *                  only): the client sends a byte stream of `count` x `size`
 *                  bytes and verifies the echo; the server echoes every chunk
 *                  and ends when the client hangs up (STREAM hears of it by
 *                  the disconnect notification)
 * options  -p TYPE   the peer's socket type (envelopes, routing ids)
 *          -m N      N frames per message: sizes size, 0, 300, size, 0, ...
 *          -H        heartbeats: HEARTBEAT_IVL 100, TIMEOUT 500, TTL 1000 ms
 *          -M        monitor the socket; any DISCONNECTED event is a failure
 *          -P MS     pause MS ms half way, with nothing in flight
 *          -T MS     per-operation timeout (RCVTIMEO/SNDTIMEO), default 10000
 *          -o FILE   (binder) write "<endpoint> <side-endpoint|->" to FILE
 *          -S EP     (connecter) the side channel endpoint the binder wrote
 *          -C        CURVE, the binder as the server (fixed zmq_curve(7) keys)
 *          -L        PLAIN, the binder as the server, the connecter as
 *                    admin/secret (a PLAIN server needs a ZAP handler: -Z)
 *          -Z        (binder) run a ZAP handler in this process that allows
 *                    admin/secret and the CURVE client key, and check that
 *                    every received frame carries its User-Id
 *
 * Content: frame f of message seq holds a byte pattern of (seq, f, offset)
 * with seq in its first four bytes (little endian, truncated for short
 * frames), so every byte is checked and loss, duplication or reordering is
 * caught. PUB/XPUB data carries topic 'D' in byte 0 (or, for size 0, as a
 * separate leading frame "D"); 'W' is a warm-up, 'N' an unsubscribed topic
 * that must never arrive, 'E' the end.
 *
 * Endings are arranged so no essential message is the last thing a process
 * sends before closing (libzmq 4.3.4 can lose the tail of an ipc stream when
 * the sender closes right after sending): the receiver confirms over the
 * main socket or a side-channel PAIR (PUSH/PULL, PUB/SUB), and the very last
 * message (BYE echo, BYE, 'E') is awaited only for a short while and its
 * loss is not a failure.
 *
 * Closing: every socket has ZMQ_LINGER 2000 ms and, once every message is
 * confirmed, zmq_close + zmq_ctx_term must return well within it even if the
 * peer already disconnected (libzmq does; with the default linger of -1 a
 * library that waits here would hang forever). The exception is an (X)SUB
 * whose publisher left first: libzmq re-queues its subscriptions for the
 * reconnection, so it closes with linger 0.
 *
 * PEER_TRACE=1 in the environment prints timestamped steps on stderr.
 *
 * Exit status 0 on success; otherwise a message on stderr and status 1. */

#include <zmq.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <pthread.h>

#define MAX_FRAMES 40
#define SOFT_WAIT_MS 2000
#define CLIENT_RID "client-rid"
#define SERVER_RID "server-rid"
#define BYE "BYE!"
/* Bytes a raw client may have in flight before it reads the echo. */
#define RAW_WINDOW (256 * 1024)

typedef struct
{
    const char *role;
    int type;
    int peer_type;
    int bind;
    const char *endpoint;
    long count;
    size_t size;
    int parts;
    int heartbeat;
    int monitor;
    int pause_ms;
    int timeout_ms;
    const char *outfile;
    const char *side_ep;
    int curve;
    int plain;
    int zap;
} cfg_t;

static cfg_t cfg;
static void *ctx;
static void *mon;
static const char *deferred_failure;
static unsigned char *scratch;
static void *main_socket;

#include "peer_common.h"

/* ------------------------------------------------------------------------ */

static int is_pub (void)
{
    return cfg.type == ZMQ_PUB || cfg.type == ZMQ_XPUB || cfg.type == ZMQ_SUB
           || cfg.type == ZMQ_XSUB;
}

/* PUSH/PULL and PUB/SUB confirm over a side-channel PAIR. */
static int needs_side (void)
{
    return cfg.type == ZMQ_PUSH || cfg.type == ZMQ_PULL || cfg.type == ZMQ_PUB
           || cfg.type == ZMQ_SUB;
}

/* ---- content ------------------------------------------------------------- */

static size_t frame_len (int f)
{
    if (f == 0)
        return cfg.size;
    switch (f % 3) {
        case 1:
            return 0;
        case 2:
            return 300;
        default:
            return cfg.size;
    }
}

static unsigned char pattern (long seq, int f, size_t i)
{
    return (unsigned char) (seq * 151 + f * 71 + i * 13 + (i >> 8) * 7);
}

/* Topic byte for PUB/XPUB data messages with content in frame 0. */
static int topic_in_frame0 (void)
{
    return is_pub () && cfg.size > 0;
}

static unsigned char expected (long seq, int f, size_t i)
{
    size_t off = 0;
    if (f == 0 && topic_in_frame0 ()) {
        if (i == 0)
            return 'D';
        off = 1;
    }
    if (i >= off && i < off + 4)
        return (unsigned char) ((unsigned long) seq >> (8 * (i - off)));
    return pattern (seq, f, i);
}

static void fill (unsigned char *buf, size_t n, long seq, int f)
{
    size_t i;
    for (i = 0; i < n; i++)
        buf[i] = pattern (seq, f, i);
    for (i = 0; i < n && i < 5; i++)
        buf[i] = expected (seq, f, i);
}

/* Returns NULL or a description of the first difference. */
static const char *check_frame (zmq_msg_t *m, long seq, int f)
{
    static char why[200];
    const unsigned char *d = (const unsigned char *) zmq_msg_data (m);
    size_t n = zmq_msg_size (m), want = frame_len (f), i;
    if (n != want) {
        snprintf (why, sizeof why, "seq %ld frame %d: %zu bytes, expected %zu",
                  seq, f, n, want);
        return why;
    }
    for (i = 0; i < n; i++) {
        if (d[i] != expected (seq, f, i)) {
            long got_seq = -1;
            size_t off = (f == 0 && topic_in_frame0 ()) ? 1 : 0;
            if (n >= off + 4)
                got_seq = (long) d[off] | (long) d[off + 1] << 8
                          | (long) d[off + 2] << 16 | (long) d[off + 3] << 24;
            snprintf (why, sizeof why,
                      "seq %ld frame %d (%zu bytes): byte %zu is 0x%02x, "
                      "expected 0x%02x (sequence number in frame: %ld)",
                      seq, f, n, i, d[i], expected (seq, f, i), got_seq);
            return why;
        }
    }
    return NULL;
}

/* ---- sockets ------------------------------------------------------------- */

static void set_rid (void *s, const char *rid)
{
    if (zmq_setsockopt (s, ZMQ_ROUTING_ID, rid, strlen (rid)) != 0)
        die ("zmq_setsockopt(ZMQ_ROUTING_ID): %s", err ());
}

static void last_endpoint (void *s, char *buf, size_t cap)
{
    size_t len = cap;
    if (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, buf, &len) != 0)
        die ("zmq_getsockopt(ZMQ_LAST_ENDPOINT): %s", err ());
}

static void do_bind (void *s, const char *ep)
{
    wss_options (s, ep, 1);
    if (zmq_bind (s, ep) != 0)
        die ("zmq_bind(%s): %s", ep, err ());
}

static void do_connect (void *s, const char *ep)
{
    wss_options (s, ep, 0);
    if (zmq_connect (s, ep) != 0)
        die ("zmq_connect(%s): %s", ep, err ());
}

static void start_monitor (void *s)
{
    if (zmq_socket_monitor (s, "inproc://peer-monitor",
                            ZMQ_EVENT_DISCONNECTED
                              | ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
        != 0)
        die ("zmq_socket_monitor: %s", err ());
    mon = zmq_socket (ctx, ZMQ_PAIR);
    if (!mon || zmq_connect (mon, "inproc://peer-monitor") != 0)
        die ("monitor PAIR: %s", err ());
}

/* Fails if the monitored connection dropped at any time so far: a
 * DISCONNECTED event, or more than one handshake. No handshake event at all
 * means the monitor cannot vouch for anything, which fails too. */
static void check_monitor (void)
{
    int drops = 0, handshakes = 0;
    zmq_msg_t m;
    if (!mon)
        return;
    zmq_msg_init (&m);
    while (zmq_msg_recv (&m, mon, ZMQ_DONTWAIT) >= 0) {
        if (zmq_msg_size (&m) >= 2) {
            uint16_t ev;
            memcpy (&ev, zmq_msg_data (&m), 2);
            if (ev == ZMQ_EVENT_DISCONNECTED)
                drops++;
            if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
                handshakes++;
        }
        while (zmq_msg_more (&m))
            if (zmq_msg_recv (&m, mon, ZMQ_DONTWAIT) < 0)
                break;
    }
    zmq_msg_close (&m);
    /* libzmq's ws engine reports the WebSocket upgrade as a handshake and
     * the mechanism's end as another. */
    if (strncmp (cfg.endpoint, "ws://", 5) == 0 && handshakes >= 2)
        handshakes -= 1;
    if (drops)
        die ("the connection was dropped %d time(s) (monitor reported "
             "ZMQ_EVENT_DISCONNECTED)",
             drops);
    if (handshakes > 1)
        die ("the connection was re-established: %d handshakes (monitor "
             "reported ZMQ_EVENT_HANDSHAKE_SUCCEEDED %d times)",
             handshakes, handshakes);
    /* Reported at the very end, so the peer still completes its own
     * checks (its monitor may be able to tell). */
    if (handshakes == 0)
        deferred_failure = "the socket monitor reported no "
                           "ZMQ_EVENT_HANDSHAKE_SUCCEEDED, so it cannot tell "
                           "whether the connection dropped (everything else "
                           "passed)";
}

static void close_monitor (void *s)
{
    if (!mon)
        return;
    zmq_socket_monitor (s, NULL, 0);
    zmq_close (mon);
    mon = NULL;
}

/* ---- messages ------------------------------------------------------------ */

static void send_frame (void *s, const void *data, size_t n, int more,
                        const char *what, long seq)
{
    int rc;
    long deadline = now_ms () + cfg.timeout_ms;
    for (;;) {
        rc = zmq_send (s, data, n, more ? ZMQ_SNDMORE : 0);
        if (rc >= 0)
            break;
        /* A ROUTER sending to a peer whose handshake is not done yet. */
        if (zmq_errno () == EHOSTUNREACH && now_ms () < deadline) {
            sleep_ms (5);
            continue;
        }
        die ("send %s (seq %ld): %s", what, seq, err ());
    }
    if ((size_t) rc != n)
        die ("send %s (seq %ld) returned %d, expected %zu", what, seq, rc, n);
}

static void send_str (void *s, const char *str, int more, const char *what)
{
    send_frame (s, str, strlen (str), more, what, -1);
}

/* The frames that go before the payload, from this side's point of view. */
static int send_envelope (void *s)
{
    if (cfg.type == ZMQ_ROUTER) {
        send_str (s, SERVER_RID, 1, "routing id");
        return 1;
    }
    if (cfg.type == ZMQ_DEALER && cfg.peer_type == ZMQ_REP) {
        send_frame (s, "", 0, 1, "empty delimiter", -1);
        return 1;
    }
    if ((cfg.type == ZMQ_PUB || cfg.type == ZMQ_XPUB) && cfg.size == 0) {
        send_str (s, "D", 1, "topic frame");
        return 1;
    }
    return 0;
}

static void send_payload (void *s, long seq)
{
    int f;
    send_envelope (s);
    for (f = 0; f < cfg.parts; f++) {
        size_t n = frame_len (f);
        fill (scratch, n, seq, f);
        send_frame (s, scratch, n, f + 1 < cfg.parts, "data", seq);
    }
}

/* Receives one whole message; returns the number of frames or -1. */
static int recv_msg (void *s, zmq_msg_t *fr, int flags)
{
    int n = 0;
    for (;;) {
        if (n == MAX_FRAMES)
            die ("a message with more than %d frames", MAX_FRAMES);
        zmq_msg_init (&fr[n]);
        if (zmq_msg_recv (&fr[n], s, n ? 0 : flags) < 0) {
            int e = zmq_errno ();
            int i;
            for (i = 0; i <= n; i++)
                zmq_msg_close (&fr[i]);
            if (n)
                die ("frame %d of a message: %s", n, zmq_strerror (e));
            errno = e;
            return -1;
        }
        if (s == main_socket && cfg.zap && cfg.bind) {
            const char *user = zmq_msg_gets (&fr[n], "User-Id");
            const char *want = cfg.curve ? "curve-client" : "admin";
            if (!user || strcmp (user, want) != 0)
                die ("frame %d: User-Id is %s, expected %s", n,
                     user ? user : "(none)", want);
        }
        if (!zmq_msg_more (&fr[n++]))
            return n;
    }
}

static void close_frames (zmq_msg_t *fr, int n)
{
    int i;
    for (i = 0; i < n; i++)
        zmq_msg_close (&fr[i]);
}

static int frame_eq (zmq_msg_t *m, const char *s, size_t n)
{
    return zmq_msg_size (m) == n && memcmp (zmq_msg_data (m), s, n) == 0;
}

static int frame_is (zmq_msg_t *m, const char *s)
{
    return frame_eq (m, s, strlen (s));
}

static void describe (zmq_msg_t *fr, int n, char *buf, size_t cap)
{
    int i;
    size_t used = 0;
    buf[0] = 0;
    for (i = 0; i < n && used + 40 < cap; i++) {
        size_t sz = zmq_msg_size (&fr[i]), j;
        const unsigned char *d = (const unsigned char *) zmq_msg_data (&fr[i]);
        used += snprintf (buf + used, cap - used, "%s[%zu:", i ? " " : "", sz);
        for (j = 0; j < sz && j < 8 && used + 8 < cap; j++)
            used += snprintf (buf + used, cap - used, "%02x", d[j]);
        used += snprintf (buf + used, cap - used, "%s]", sz > 8 ? ".." : "");
    }
}

/* Checks the payload frames fr[env..n) of message seq. */
static void check_payload (zmq_msg_t *fr, int n, int env, long seq,
                           const char *who)
{
    int f;
    if (n != env + cfg.parts) {
        char d[400];
        describe (fr, n, d, sizeof d);
        die ("%s: message %ld has %d frames, expected %d envelope + %d "
             "payload: %s",
             who, seq, n, env, cfg.parts, d);
    }
    for (f = 0; f < cfg.parts; f++) {
        const char *why = check_frame (&fr[env + f], seq, f);
        if (why)
            die ("%s: %s", who, why);
    }
}

/* Waits a short while for a final courtesy message; its loss is no failure. */
static void soft_wait (void *s, const char *what)
{
    zmq_pollitem_t it;
    zmq_msg_t fr[MAX_FRAMES];
    int n;
    trace ("waiting for %s", what);
    memset (&it, 0, sizeof it);
    it.socket = s;
    it.events = ZMQ_POLLIN;
    if (zmq_poll (&it, 1, SOFT_WAIT_MS) > 0) {
        n = recv_msg (s, fr, ZMQ_DONTWAIT);
        if (n > 0)
            close_frames (fr, n);
        trace ("got %s", what);
        all_delivered = 1;
    } else {
        fprintf (stderr, "[%s %s] note: no %s within %d ms (not a failure)\n",
                 PEER_TAG, cfg.role, what, SOFT_WAIT_MS);
    }
}

static void recv_exact (void *s, const char *want, size_t len,
                        const char *what)
{
    zmq_msg_t fr[MAX_FRAMES];
    int n;
    trace ("waiting for %s", what);
    n = recv_msg (s, fr, 0);
    if (n < 0)
        die ("waiting for %s: %s", what, err ());
    trace ("got %s", what);
    if (n != 1 || !frame_eq (&fr[0], want, len)) {
        char d[400];
        describe (fr, n, d, sizeof d);
        die ("waiting for %s, got %s", what, d);
    }
    close_frames (fr, n);
}

/* ---- roles --------------------------------------------------------------- */

static int window (void)
{
    size_t bytes = cfg.size * (size_t) cfg.parts + 300;
    size_t w = (8u << 20) / bytes;
    if (cfg.type == ZMQ_REQ)
        return 1;
    if (w < 1)
        w = 1;
    if (w > 100)
        w = 100;
    return (int) w;
}

static void client (void *s)
{
    long sent = 0, got = 0;
    int paused = cfg.pause_ms <= 0;
    int win = window ();
    zmq_msg_t fr[MAX_FRAMES];
    int env_in = 0;
    if (cfg.type == ZMQ_DEALER && cfg.peer_type == ZMQ_REP)
        env_in = 1;
    if (cfg.type == ZMQ_ROUTER)
        env_in = 1;

    while (got < cfg.count) {
        if (!paused && sent >= cfg.count / 2 && got == sent) {
            sleep_ms (cfg.pause_ms);
            paused = 1;
        }
        if (sent < cfg.count && sent - got < win
            && (paused || sent < cfg.count / 2)) {
            send_payload (s, sent++);
            continue;
        }
        int n = recv_msg (s, fr, 0);
        if (n < 0)
            die ("client: waiting for echo %ld (sent %ld of %ld): %s", got,
                 sent, cfg.count, err ());
        if (env_in) {
            const char *want = cfg.type == ZMQ_ROUTER ? SERVER_RID : "";
            if (n < 1 || !frame_is (&fr[0], want)) {
                char d[400];
                describe (fr, n, d, sizeof d);
                die ("client: echo %ld has a bad envelope (want \"%s\"): %s",
                     got, want, d);
            }
        }
        check_payload (fr, n, env_in, got, "client (echo)");
        close_frames (fr, n);
        got++;
    }
    check_monitor ();
    /* BYE, and wait for its echo so the server has it before we close. */
    send_envelope (s);
    send_str (s, BYE, 0, "BYE");
    soft_wait (s, "BYE echo");
}

static void server (void *s)
{
    long got = 0;
    zmq_msg_t fr[MAX_FRAMES];
    int env = 0, i;
    if (cfg.type == ZMQ_ROUTER)
        env = cfg.peer_type == ZMQ_REQ ? 2 : 1;

    for (;;) {
        int n = recv_msg (s, fr, 0);
        if (n < 0 && got == cfg.count)
            die ("server: waiting for BYE after all %ld messages: %s", got,
                 err ());
        if (n < 0)
            die ("server: waiting for message %ld of %ld: %s", got, cfg.count,
                 err ());
        if (cfg.type == ZMQ_ROUTER) {
            char d[400];
            describe (fr, n, d, sizeof d);
            if (n < env)
                die ("server: message %ld lacks its envelope: %s", got, d);
            if (cfg.peer_type == ZMQ_REQ) {
                if (zmq_msg_size (&fr[0]) == 0 || zmq_msg_size (&fr[1]) != 0)
                    die ("server: message %ld from REQ: bad envelope: %s", got,
                         d);
            } else if (!frame_is (&fr[0], CLIENT_RID)) {
                die ("server: message %ld: routing id is not \"%s\": %s", got,
                     CLIENT_RID, d);
            }
        }
        int bye = n == env + 1 && frame_is (&fr[env], BYE);
        if (bye) {
            if (got != cfg.count)
                die ("server: BYE after %ld messages, expected %ld", got,
                     cfg.count);
            check_monitor ();
        } else {
            if (got >= cfg.count)
                die ("server: more than %ld messages", cfg.count);
            check_payload (fr, n, env, got, "server");
            got++;
        }
        for (i = 0; i < n; i++) {
            if (zmq_msg_send (&fr[i], s, i + 1 < n ? ZMQ_SNDMORE : 0) < 0)
                die ("server: echo of message %ld frame %d: %s", got - 1, i,
                     err ());
        }
        close_frames (fr, n);
        if (bye)
            return;
    }
}

/* PUB: warm up until the SUB says READY on the side channel. */
static void pub_warmup (void *s, void *side)
{
    long deadline = now_ms () + cfg.timeout_ms;
    zmq_pollitem_t it;
    memset (&it, 0, sizeof it);
    it.socket = side;
    it.events = ZMQ_POLLIN;
    for (;;) {
        send_str (s, "W", 0, "warm-up");
        if (zmq_poll (&it, 1, 10) > 0)
            break;
        if (now_ms () > deadline)
            die ("publisher: no READY from the subscriber within %d ms",
                 cfg.timeout_ms);
    }
    recv_exact (side, "READY", 5, "READY on the side channel");
}

/* XPUB: wait until both subscriptions (D and E) have arrived. */
static void xpub_wait_subscriptions (void *s)
{
    int have_d = 0, have_e = 0;
    zmq_msg_t fr[MAX_FRAMES];
    while (!have_d || !have_e) {
        int n = recv_msg (s, fr, 0);
        char d[400];
        if (n < 0)
            die ("XPUB: waiting for subscriptions: %s", err ());
        describe (fr, n, d, sizeof d);
        if (n == 1 && frame_is (&fr[0], "\001D"))
            have_d = 1;
        else if (n == 1 && frame_is (&fr[0], "\001E"))
            have_e = 1;
        else
            die ("XPUB: expected subscriptions \\x01D and \\x01E, got %s", d);
        close_frames (fr, n);
    }
}

static void sender (void *s, void *side)
{
    long seq;
    if (cfg.type == ZMQ_PUB)
        pub_warmup (s, side);
    else if (cfg.type == ZMQ_XPUB)
        xpub_wait_subscriptions (s);

    for (seq = 0; seq < cfg.count; seq++) {
        if (cfg.pause_ms > 0 && seq == cfg.count / 2)
            sleep_ms (cfg.pause_ms);
        if (cfg.type != ZMQ_PUSH && seq % 16 == 5)
            send_str (s, "N", 0, "unsubscribed topic");
        send_payload (s, seq);
    }

    if (cfg.type == ZMQ_PUSH) {
        recv_exact (side, "DONE", 4, "DONE on the side channel");
        check_monitor ();
        send_str (side, BYE, 0, "BYE on the side channel");
    } else if (cfg.type == ZMQ_PUB) {
        recv_exact (side, "DONE", 4, "DONE on the side channel");
        check_monitor ();
        send_str (s, "E", 0, "end");
    } else {
        recv_exact (s, "\000D", 2, "the cancel \\x00D");
        check_monitor ();
        send_str (s, "E", 0, "end");
    }
}

static void subscribe (void *s, const char *topic)
{
    if (cfg.type == ZMQ_SUB) {
        if (zmq_setsockopt (s, ZMQ_SUBSCRIBE, topic, strlen (topic)) != 0)
            die ("ZMQ_SUBSCRIBE %s: %s", topic, err ());
    } else {
        char buf[8];
        buf[0] = 1;
        strcpy (buf + 1, topic);
        send_frame (s, buf, 1 + strlen (topic), 0, "subscription", -1);
    }
}

static void receiver (void *s, void *side)
{
    long got = 0;
    int warm = 0, env = 0;
    zmq_msg_t fr[MAX_FRAMES];
    if (is_pub () && cfg.size == 0)
        env = 1;
    if (is_pub ()) {
        subscribe (s, "D");
        subscribe (s, "E");
        /* Last: when a W arrives, D and E are in place at the publisher. */
        if (cfg.type == ZMQ_SUB)
            subscribe (s, "W");
    }

    while (got < cfg.count) {
        int n = recv_msg (s, fr, 0);
        if (n < 0)
            die ("receiver: waiting for message %ld of %ld: %s", got,
                 cfg.count, err ());
        if (is_pub () && n == 1 && zmq_msg_size (&fr[0]) == 1) {
            char c = *(const char *) zmq_msg_data (&fr[0]);
            if (c == 'W') {
                if (cfg.type != ZMQ_SUB || got > 0)
                    die ("receiver: warm-up W after %ld data messages", got);
                if (!warm)
                    send_str (side, "READY", 0, "READY");
                warm = 1;
                close_frames (fr, n);
                continue;
            }
            if (c == 'N')
                die ("receiver: got the unsubscribed topic N (after %ld "
                     "messages)",
                     got);
            if (c == 'E')
                die ("receiver: got the end E after %ld of %ld messages", got,
                     cfg.count);
        }
        if (env && (n < 1 || !frame_is (&fr[0], "D"))) {
            char d[400];
            describe (fr, n, d, sizeof d);
            die ("receiver: message %ld lacks the topic frame D: %s", got, d);
        }
        check_payload (fr, n, env, got, "receiver");
        close_frames (fr, n);
        got++;
    }
    check_monitor ();
    if (cfg.type == ZMQ_PULL) {
        send_str (side, "DONE", 0, "DONE");
        soft_wait (side, "BYE on the side channel");
    } else if (cfg.type == ZMQ_SUB) {
        send_str (side, "DONE", 0, "DONE");
        soft_wait (s, "end E");
    } else {
        send_frame (s, "\000D", 2, 0, "cancel", -1);
        soft_wait (s, "end E");
    }
    /* When the publisher goes away first, libzmq's (X)SUB queues its
     * subscriptions again for the reconnection, and ZMQ_LINGER would keep
     * them (and zmq_ctx_term) waiting for a peer that is gone. */
    if (all_delivered && cfg.type != ZMQ_PULL)
        setopt_int (s, ZMQ_LINGER, 0, "ZMQ_LINGER");
}

/* ---- security ------------------------------------------------------------ */

/* The example key pairs of zmq_curve(7); public halves derived. */
static const char *server_secret = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";
static const char *client_secret = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";

static void zap_send (void *h, const char *str, int more)
{
    if (zmq_send (h, str, strlen (str), more ? ZMQ_SNDMORE : 0) < 0)
        die ("ZAP handler send: %s", err ());
}

/* A ZAP handler (REP): PLAIN admin/secret and the CURVE client key are let
 * in with a User-Id, everyone else gets 400. Ends with the context. */
static void *zap_handler (void *arg)
{
    void *h = arg;
    char client_public[41];
    uint8_t client_key[32];
    if (zmq_curve_public (client_public, client_secret) != 0
        || !zmq_z85_decode (client_key, client_public))
        die ("zmq_curve_public: %s", err ());
    for (;;) {
        zmq_msg_t fr[MAX_FRAMES];
        int n = 0, more = 1;
        while (more) {
            zmq_msg_init (&fr[n]);
            if (zmq_msg_recv (&fr[n], h, 0) < 0) {
                zmq_msg_close (&fr[n]);
                for (int i = 0; i < n; i++)
                    zmq_msg_close (&fr[i]);
                zmq_close (h);
                return NULL;
            }
            more = zmq_msg_more (&fr[n]);
            if (n < MAX_FRAMES - 1)
                n++;
            else
                zmq_msg_close (&fr[n]);
        }
        /* version, request id, domain, address, routing id, mechanism, ... */
        const char *user = NULL;
        if (n == 8 && frame_eq (&fr[5], "PLAIN", 5) && frame_eq (&fr[6], "admin", 5)
            && frame_eq (&fr[7], "secret", 6))
            user = "admin";
        if (n == 7 && frame_eq (&fr[5], "CURVE", 5)
            && frame_eq (&fr[6], (const char *) client_key, 32))
            user = "curve-client";
        int ok = n >= 2 && frame_eq (&fr[0], "1.0", 3);
        zap_send (h, "1.0", 1);
        if (zmq_send (h, zmq_msg_data (&fr[1]), ok ? zmq_msg_size (&fr[1]) : 0,
                      ZMQ_SNDMORE)
            < 0)
            die ("ZAP handler send: %s", err ());
        zap_send (h, user ? "200" : "400", 1);
        zap_send (h, user ? "OK" : "denied", 1);
        zap_send (h, user ? user : "", 1);
        zap_send (h, "", 0);
        for (int i = 0; i < n; i++)
            zmq_msg_close (&fr[i]);
    }
}

static void start_zap_handler (void)
{
    void *h = zmq_socket (ctx, ZMQ_REP);
    pthread_t t;
    if (!h)
        die ("zmq_socket(ZAP handler): %s", err ());
    setopt_int (h, ZMQ_LINGER, 0, "ZMQ_LINGER");
    if (zmq_bind (h, "inproc://zeromq.zap.01") != 0)
        die ("zmq_bind(inproc://zeromq.zap.01): %s", err ());
    if (pthread_create (&t, NULL, zap_handler, h) != 0)
        die ("pthread_create");
    pthread_detach (t);
}

static void set_security (void *s)
{
    char server_public[41], client_public[41];
    if (cfg.curve) {
        if (zmq_curve_public (server_public, server_secret) != 0
            || zmq_curve_public (client_public, client_secret) != 0)
            die ("zmq_curve_public: %s", err ());
        if (cfg.bind) {
            setopt_int (s, ZMQ_CURVE_SERVER, 1, "ZMQ_CURVE_SERVER");
            if (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, server_secret, 40) != 0)
                die ("ZMQ_CURVE_SECRETKEY: %s", err ());
        } else if (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, server_public, 40) != 0
                   || zmq_setsockopt (s, ZMQ_CURVE_PUBLICKEY, client_public, 40) != 0
                   || zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, client_secret, 40) != 0)
            die ("CURVE client keys: %s", err ());
    }
    if (cfg.plain) {
        if (cfg.bind)
            setopt_int (s, ZMQ_PLAIN_SERVER, 1, "ZMQ_PLAIN_SERVER");
        else if (zmq_setsockopt (s, ZMQ_PLAIN_USERNAME, "admin", 5) != 0
                 || zmq_setsockopt (s, ZMQ_PLAIN_PASSWORD, "secret", 6) != 0)
            die ("PLAIN credentials: %s", err ());
    }
    if (cfg.zap && cfg.bind)
        start_zap_handler ();
}

/* ---- main ---------------------------------------------------------------- */

static void usage (void)
{
    fprintf (stderr, "usage: peer <client|server|send|recv> <type> "
                     "<bind|connect> <endpoint> <count> <size> [-p type] "
                     "[-m parts] [-H] [-M] [-P ms] [-T ms] [-o file] [-S ep] "
                     "[-C] [-L] [-Z]\n");
    exit (2);
}

/* ---- raw byte streams (STREAM, TCP) --------------------------------------- */

/* Byte k of a raw stream: no period a lost or repeated chunk could hide in. */
static unsigned char raw_byte (size_t k)
{
    return (unsigned char) (k * 131u + (k >> 9) + 7u);
}

static void raw_check (const unsigned char *d, size_t n, size_t off, const char *who)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (d[i] != raw_byte (off + i))
            die ("%s: byte %zu of the stream is %u, expected %u", who, off + i,
                 d[i], raw_byte (off + i));
}

/* A chunk of the client's stream: message `seq` of `size` bytes. */
static void raw_fill (unsigned char *buf, long seq)
{
    size_t i;
    for (i = 0; i < cfg.size; i++)
        buf[i] = raw_byte ((size_t) seq * cfg.size + i);
}

/* STREAM: receive [id, data]; returns the data size (0: a notification). */
static size_t stream_recv (void *s, zmq_msg_t *id, zmq_msg_t *data, int flags)
{
    zmq_msg_init (id);
    zmq_msg_init (data);
    if (zmq_msg_recv (id, s, flags) < 0) {
        int e = zmq_errno ();
        zmq_msg_close (id);
        zmq_msg_close (data);
        errno = e;
        return (size_t) -1;
    }
    if (!zmq_msg_more (id) || zmq_msg_size (id) == 0)
        die ("STREAM: a routing id frame expected");
    if (zmq_msg_recv (data, s, 0) < 0)
        die ("STREAM: the data frame after the id: %s", err ());
    if (zmq_msg_more (data))
        die ("STREAM: the data frame has MORE");
    return zmq_msg_size (data);
}

static void stream_send (void *s, zmq_msg_t *id, const void *d, size_t n)
{
    if (zmq_send (s, zmq_msg_data (id), zmq_msg_size (id), ZMQ_SNDMORE) < 0
        || zmq_send (s, d, n, 0) != (int) n)
        die ("STREAM: send of %zu bytes: %s", n, err ());
}

static void stream_client (void *s)
{
    zmq_msg_t id, in, tmp;
    size_t total = (size_t) cfg.count * cfg.size, got = 0, sent = 0;
    long seq = 0;
    if (stream_recv (s, &id, &in, 0) != 0)
        die ("STREAM client: no connect notification: %s", err ());
    zmq_msg_close (&in);
    while (got < total) {
        if (sent < total && sent - got < RAW_WINDOW) {
            raw_fill (scratch, seq++);
            stream_send (s, &id, scratch, cfg.size);
            sent += cfg.size;
            continue;
        }
        size_t n = stream_recv (s, &tmp, &in, 0);
        if (n == (size_t) -1)
            die ("STREAM client: echo at byte %zu of %zu: %s", got, total, err ());
        if (zmq_msg_size (&tmp) != zmq_msg_size (&id)
            || memcmp (zmq_msg_data (&tmp), zmq_msg_data (&id), zmq_msg_size (&id)))
            die ("STREAM client: an echo from another peer");
        if (n == 0)
            die ("STREAM client: disconnected at byte %zu of %zu", got, total);
        raw_check (zmq_msg_data (&in), n, got, "STREAM client");
        got += n;
        zmq_msg_close (&tmp);
        zmq_msg_close (&in);
    }
    all_delivered = 1;
    /* Hang up: a zero-length frame closes the connection. */
    stream_send (s, &id, "", 0);
    zmq_msg_close (&id);
}

static void stream_server (void *s)
{
    zmq_msg_t id, in, peer;
    size_t total = (size_t) cfg.count * cfg.size, got = 0;
    int connected = 0;
    for (;;) {
        size_t n = stream_recv (s, &id, &in, 0);
        if (n == (size_t) -1)
            die ("STREAM server: at byte %zu of %zu: %s", got, total, err ());
        if (connected
            && (zmq_msg_size (&id) != zmq_msg_size (&peer)
                || memcmp (zmq_msg_data (&id), zmq_msg_data (&peer), zmq_msg_size (&id))))
            die ("STREAM server: data from a second peer");
        if (n == 0 && !connected) {
            connected = 1;
            zmq_msg_init (&peer);
            zmq_msg_copy (&peer, &id);
        } else if (n == 0) {
            if (got != total)
                die ("STREAM server: the client left at byte %zu of %zu", got, total);
            all_delivered = 1;
            break;
        } else {
            if (!connected)
                die ("STREAM server: data before the connect notification");
            if (got + n > total)
                die ("STREAM server: more than %zu bytes", total);
            raw_check (zmq_msg_data (&in), n, got, "STREAM server");
            got += n;
            stream_send (s, &id, zmq_msg_data (&in), n);
        }
        zmq_msg_close (&id);
        zmq_msg_close (&in);
    }
    zmq_msg_close (&id);
    zmq_msg_close (&in);
    zmq_msg_close (&peer);
}

/* TCP: a plain socket, the binder on 127.0.0.1 (port from "tcp://...:*"). */
static int tcp_open (char *ep, size_t cap)
{
    const char *colon = strrchr (cfg.endpoint, ':');
    struct sockaddr_in a;
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || !colon || strncmp (cfg.endpoint, "tcp://", 6) != 0)
        die ("TCP: needs a tcp:// endpoint (%s)", cfg.endpoint);
    memset (&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    a.sin_port = htons ((uint16_t) atoi (colon + 1));
    if (!cfg.bind) {
        if (connect (fd, (struct sockaddr *) &a, sizeof a) != 0)
            die ("TCP: connect to %s: %s", cfg.endpoint, strerror (errno));
        return fd;
    }
    socklen_t len = sizeof a;
    if (bind (fd, (struct sockaddr *) &a, sizeof a) != 0 || listen (fd, 4) != 0
        || getsockname (fd, (struct sockaddr *) &a, &len) != 0)
        die ("TCP: listen: %s", strerror (errno));
    snprintf (ep, cap, "tcp://127.0.0.1:%d", ntohs (a.sin_port));
    return fd;
}

static void tcp_wait (int fd, short ev, const char *what)
{
    struct pollfd p = {fd, ev, 0};
    if (poll (&p, 1, cfg.timeout_ms) != 1)
        die ("TCP: timeout waiting for %s", what);
}

static void tcp_write_all (int fd, const unsigned char *d, size_t n)
{
    while (n > 0) {
        tcp_wait (fd, POLLOUT, "room to write");
        ssize_t w = write (fd, d, n);
        if (w <= 0)
            die ("TCP: write: %s", strerror (errno));
        d += w;
        n -= (size_t) w;
    }
}

/* The client writes the stream (within the window) and checks the echo; the
 * server echoes until the client hangs up. */
static void tcp_role (int fd)
{
    static unsigned char buf[65536];
    size_t total = (size_t) cfg.count * cfg.size, got = 0, sent = 0;
    long seq = 0;
    int client = strcmp (cfg.role, "client") == 0;
    for (;;) {
        if (client && got == total)
            break;
        if (client && sent < total && sent - got < RAW_WINDOW) {
            raw_fill (scratch, seq++);
            tcp_write_all (fd, scratch, cfg.size);
            sent += cfg.size;
            continue;
        }
        tcp_wait (fd, POLLIN, "data");
        ssize_t n = read (fd, buf, sizeof buf);
        if (n < 0)
            die ("TCP: read: %s", strerror (errno));
        if (n == 0) {
            if (client || got != total)
                die ("TCP %s: the peer left at byte %zu of %zu", cfg.role, got, total);
            break;
        }
        raw_check (buf, (size_t) n, got, client ? "TCP client" : "TCP server");
        got += (size_t) n;
        if (!client)
            tcp_write_all (fd, buf, (size_t) n);
    }
    all_delivered = 1;
}

static int plain_tcp_main (void)
{
    char ep[256];
    int fd = tcp_open (ep, sizeof ep);
    if (cfg.bind) {
        write_endpoints (ep, "-");
        tcp_wait (fd, POLLIN, "a connection");
        int c = accept (fd, NULL, NULL);
        if (c < 0)
            die ("TCP: accept: %s", strerror (errno));
        close (fd);
        fd = c;
    }
    tcp_role (fd);
    close (fd);
    printf ("[%s %s] ok: TCP %s %ld x %zu bytes\n", PEER_TAG, cfg.role,
            cfg.bind ? "bind" : "connect", cfg.count, cfg.size);
    return 0;
}

int main (int argc, char **argv)
{
    int i;
    void *s, *side = NULL;
    char ep[1024], side_ep[1024];

    if (argc < 7)
        usage ();
    cfg.role = argv[1];
    cfg.type = parse_type (argv[2]);
    cfg.peer_type = -1;
    if (strcmp (argv[3], "bind") == 0)
        cfg.bind = 1;
    else if (strcmp (argv[3], "connect") != 0)
        usage ();
    cfg.endpoint = argv[4];
    cfg.count = atol (argv[5]);
    cfg.size = (size_t) atol (argv[6]);
    cfg.parts = 1;
    cfg.timeout_ms = 10000;
    for (i = 7; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp (a, "-H") == 0)
            cfg.heartbeat = 1;
        else if (strcmp (a, "-C") == 0)
            cfg.curve = 1;
        else if (strcmp (a, "-L") == 0)
            cfg.plain = 1;
        else if (strcmp (a, "-Z") == 0)
            cfg.zap = 1;
        else if (strcmp (a, "-M") == 0)
            cfg.monitor = 1;
        else if (!v)
            usage ();
        else if (strcmp (a, "-p") == 0)
            cfg.peer_type = parse_type (v), i++;
        else if (strcmp (a, "-m") == 0)
            cfg.parts = atoi (v), i++;
        else if (strcmp (a, "-P") == 0)
            cfg.pause_ms = atoi (v), i++;
        else if (strcmp (a, "-T") == 0)
            cfg.timeout_ms = atoi (v), i++;
        else if (strcmp (a, "-o") == 0)
            cfg.outfile = v, i++;
        else if (strcmp (a, "-S") == 0)
            cfg.side_ep = v, i++;
        else
            usage ();
    }
    if (cfg.parts < 1 || cfg.parts > MAX_FRAMES - 4)
        die ("bad -m %d", cfg.parts);
    scratch = (unsigned char *) malloc (cfg.size > 300 ? cfg.size : 300);
    if (!scratch)
        die ("out of memory");

    if (cfg.type == PLAIN_TCP)
        return plain_tcp_main ();
    ctx = zmq_ctx_new ();
    if (!ctx)
        die ("zmq_ctx_new: %s", err ());
    s = make_socket (cfg.type);
    if (cfg.type == ZMQ_ROUTER) {
        set_rid (s, strcmp (cfg.role, "client") == 0 ? CLIENT_RID : SERVER_RID);
        setopt_int (s, ZMQ_ROUTER_MANDATORY, 1, "ZMQ_ROUTER_MANDATORY");
    } else if (cfg.type == ZMQ_DEALER) {
        set_rid (s, CLIENT_RID);
    }
    /* A PUB drops what does not fit under the high-water mark: no limits. */
    if (cfg.type == ZMQ_PUB || cfg.type == ZMQ_XPUB)
        setopt_int (s, ZMQ_SNDHWM, 0, "ZMQ_SNDHWM");
    if (cfg.type == ZMQ_SUB || cfg.type == ZMQ_XSUB)
        setopt_int (s, ZMQ_RCVHWM, 0, "ZMQ_RCVHWM");
    if (cfg.heartbeat) {
        setopt_int (s, ZMQ_HEARTBEAT_IVL, 100, "ZMQ_HEARTBEAT_IVL");
        setopt_int (s, ZMQ_HEARTBEAT_TIMEOUT, 500, "ZMQ_HEARTBEAT_TIMEOUT");
        setopt_int (s, ZMQ_HEARTBEAT_TTL, 1000, "ZMQ_HEARTBEAT_TTL");
    }
    if (cfg.monitor)
        start_monitor (s);
    main_socket = s;
    set_security (s);
    if (needs_side ())
        side = make_socket (ZMQ_PAIR);

    if (cfg.bind) {
        do_bind (s, cfg.endpoint);
        last_endpoint (s, ep, sizeof ep);
        strcpy (side_ep, "-");
        if (side) {
            if (strncmp (cfg.endpoint, "ipc://", 6) == 0)
                snprintf (side_ep, sizeof side_ep, "%s-side", cfg.endpoint);
            else
                snprintf (side_ep, sizeof side_ep, "tcp://127.0.0.1:*");
            do_bind (side, side_ep);
            last_endpoint (side, side_ep, sizeof side_ep);
        }
        write_endpoints (ep, side_ep);
    } else {
        do_connect (s, cfg.endpoint);
        if (side) {
            if (!cfg.side_ep || strcmp (cfg.side_ep, "-") == 0)
                die ("%s needs the side channel endpoint (-S)",
                     type_name (cfg.type));
            do_connect (side, cfg.side_ep);
        }
    }

    trace ("%s %s %s", type_name (cfg.type), cfg.bind ? "bound" : "connected",
           cfg.endpoint);
    if (cfg.type == ZMQ_STREAM && strcmp (cfg.role, "client") == 0)
        stream_client (s);
    else if (cfg.type == ZMQ_STREAM && strcmp (cfg.role, "server") == 0)
        stream_server (s);
    else if (strcmp (cfg.role, "client") == 0 && (cfg.type == ZMQ_PAIR || cfg.type == ZMQ_REQ
                                             || cfg.type == ZMQ_DEALER
                                             || cfg.type == ZMQ_ROUTER))
        client (s);
    else if (strcmp (cfg.role, "server") == 0
             && (cfg.type == ZMQ_PAIR || cfg.type == ZMQ_REP
                 || cfg.type == ZMQ_ROUTER))
        server (s);
    else if (strcmp (cfg.role, "send") == 0
             && (cfg.type == ZMQ_PUSH || cfg.type == ZMQ_PUB
                 || cfg.type == ZMQ_XPUB))
        sender (s, side);
    else if (strcmp (cfg.role, "recv") == 0
             && (cfg.type == ZMQ_PULL || cfg.type == ZMQ_SUB
                 || cfg.type == ZMQ_XSUB))
        receiver (s, side);
    else
        die ("role %s does not fit socket type %s", cfg.role,
             type_name (cfg.type));

    close_monitor (s);
    close_and_term (s, side);
    free (scratch);
    if (deferred_failure)
        die ("%s", deferred_failure);
    printf ("[%s %s] ok: %s %s %ld x %zu bytes x %d frames\n", PEER_TAG,
            cfg.role, type_name (cfg.type), cfg.bind ? "bind" : "connect",
            cfg.count, cfg.size, cfg.parts);
    return 0;
}
