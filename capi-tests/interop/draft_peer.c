/* Interop peer for the draft socket types: one side of a conversation, built
 * with -DZMQ_BUILD_DRAFT_API twice -- against libzmq-rs (draft-peer-ours) and
 * against libzmq 4.3.5 built with drafts (draft-peer-ref) -- so that
 * scripts/interop.sh can put our library in one process and real libzmq in
 * the other. Only zmq.h and libc are used. The stable types have
 * capi-tests/interop/peer.c; this file shares its command line, its
 * endpoint file and peer_common.h, not its roles (the draft types are
 * single-frame, routed by id or group, and thread-safe).
 *
 *   draft_peer <role> <type> <bind|connect> <endpoint> <count> <size> [opts]
 *
 * role     client  CLIENT, CHANNEL, PEER (connects by zmq_connect_peer and
 *                  sends to the routing id it returned), DGRAM: sends `count`
 *                  messages (a window outstanding) and verifies the echoes,
 *                  then BYE
 *          server  SERVER, PEER (echo by zmq_msg_set_routing_id), CHANNEL,
 *                  DGRAM (echo to the address frame it received, verbatim):
 *                  verifies and echoes every message until BYE, echoed too
 *          send    RADIO (groups: "data"; "none", which the DISH never
 *                  joined, before every tenth; "warm" to warm up), SCATTER
 *          recv    DISH (joins "data" and "warm"), GATHER: verifies the
 *                  stream and acknowledges every window over a side-channel
 *                  PAIR (tcp), which paces udp below the socket buffers
 *          with -X, client DEALER/CLIENT and server ROUTER/SERVER (bound):
 *                  ZMQ_HELLO_MSG on both, ZMQ_HICCUP_MSG on the connecter,
 *                  ZMQ_DISCONNECT_MSG on the binder. Each must receive the
 *                  other's hello first; they exchange `count` echoes; the
 *                  binder then closes its socket and context and binds a new
 *                  one at the same endpoint: the connecter must receive its
 *                  hiccup, then the new binder's hello (and the new binder
 *                  the connecter's hello again); one more echo; the connecter
 *                  closes and the binder must receive its disconnect message
 * endpoint udp://127.0.0.1:* binds a free port picked here (LAST_ENDPOINT
 *          does not resolve udp wildcards). A DGRAM client binds a port of
 *          its own and sends to the server's endpoint.
 * options  -T MS     per-operation timeout (RCVTIMEO/SNDTIMEO), default 10000
 *          -o FILE   (binder) write "<endpoint> <side-endpoint|->" to FILE
 *          -S EP     (connecter) the side channel endpoint the binder wrote
 *          -z        (DGRAM client) destination frames end in a NUL, as a
 *                    program echoing libzmq's address frame sends them
 *          -X        the hello/hiccup/disconnect scenario above
 *          -p TYPE   the peer's type (accepted for peer.c's command line)
 *
 * A DGRAM receiver checks libzmq's exact address frame: "127.0.0.1:PORT"
 * followed by a NUL, the NUL counted in the frame size.
 *
 * Content: message seq holds seq in its first four bytes (little endian,
 * truncated for short messages) and a pattern of (seq, offset) after them.
 *
 * Closing: ZMQ_LINGER 2000 ms and, once everything is confirmed, zmq_close +
 * zmq_ctx_term must return within 1 s.
 *
 * PEER_TRACE=1 in the environment prints timestamped steps on stderr.
 * Exit status 0 on success; otherwise a message on stderr and status 1. */

#include <zmq.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#define SOFT_WAIT_MS 2000
#define BYE "BYE!"
#define HELLO_B "HELLO-from-binder"
#define HELLO_C "HELLO-from-connecter"
#define HICCUP "HICCUP"
#define DISCONNECT "DISCONNECT"
#define MAX_RID 256

static struct
{
    const char *role;
    int type;
    int bind;
    const char *endpoint;
    long count;
    size_t size;
    int timeout_ms;
    const char *outfile;
    const char *side_ep;
    int dest_nul;
    int lifecycle;
} cfg;

static void *ctx;
static unsigned char *scratch;
static uint32_t peer_rid;  /* PEER client: from zmq_connect_peer */
static char dgram_dest[64]; /* DGRAM client: "127.0.0.1:PORT" */

#include "peer_common.h"

/* ------------------------------------------------------------------------ */

/* Text of a frame for messages: printable bytes as is, others as \xNN. */
static const char *show (const void *data, size_t n)
{
    static char buf[4][200];
    static int k;
    char *b = buf[k++ & 3];
    const unsigned char *d = (const unsigned char *) data;
    size_t i, used = 0;
    used += snprintf (b, 200, "[%zu]\"", n);
    for (i = 0; i < n && used < 180; i++)
        used += snprintf (b + used, 200 - used,
                          d[i] >= 32 && d[i] < 127 && d[i] != '"' ? "%c" : "\\x%02x",
                          d[i]);
    snprintf (b + used, 200 - used, "%s\"", i < n ? ".." : "");
    return b;
}

static const char *show_msg (zmq_msg_t *m)
{
    return show (zmq_msg_data (m), zmq_msg_size (m));
}

/* ---- content ------------------------------------------------------------- */

static unsigned char expected (long seq, size_t i)
{
    if (i < 4)
        return (unsigned char) ((unsigned long) seq >> (8 * i));
    return (unsigned char) (seq * 151 + i * 13 + (i >> 8) * 7);
}

static void fill (long seq)
{
    size_t i;
    for (i = 0; i < cfg.size; i++)
        scratch[i] = expected (seq, i);
}

static void check_body (zmq_msg_t *m, long seq, const char *who)
{
    const unsigned char *d = (const unsigned char *) zmq_msg_data (m);
    size_t n = zmq_msg_size (m), i;
    if (n != cfg.size)
        die ("%s: message %ld has %zu bytes, expected %zu: %s", who, seq, n,
             cfg.size, show_msg (m));
    for (i = 0; i < n; i++)
        if (d[i] != expected (seq, i))
            die ("%s: message %ld (%zu bytes): byte %zu is 0x%02x, expected "
                 "0x%02x",
                 who, seq, n, i, d[i], expected (seq, i));
}

static int msg_is (zmq_msg_t *m, const char *s)
{
    return zmq_msg_size (m) == strlen (s)
           && memcmp (zmq_msg_data (m), s, strlen (s)) == 0;
}

/* Messages a sender may have in flight: few enough for udp socket buffers. */
static long window (void)
{
    long w = 32768 / (long) (cfg.size + 64);
    return w < 1 ? 1 : w > 64 ? 64 : w;
}

/* ---- sockets ------------------------------------------------------------- */

static void setopt_str (void *s, int opt, const char *v, const char *name)
{
    if (zmq_setsockopt (s, opt, v, strlen (v)) != 0)
        die ("zmq_setsockopt(%s, \"%s\"): %s", name, v, err ());
}

/* A free udp port on 127.0.0.1 (the kernel's pick, released for zmq_bind). */
static int free_udp_port (void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int port, fd = socket (AF_INET, SOCK_DGRAM, 0);
    memset (&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    if (fd < 0 || bind (fd, (struct sockaddr *) &a, sizeof a) != 0
        || getsockname (fd, (struct sockaddr *) &a, &len) != 0)
        die ("picking a udp port: %s", strerror (errno));
    port = ntohs (a.sin_port);
    close (fd);
    return port;
}

/* Binds `ep`; udp://127.0.0.1:* gets a free port. Writes the endpoint bound. */
static void do_bind (void *s, const char *ep, char *out, size_t cap)
{
    int tries;
    size_t len = cap;
    wss_options (s, ep, 1);
    if (strcmp (ep, "udp://127.0.0.1:*") != 0) {
        if (zmq_bind (s, ep) != 0)
            die ("zmq_bind(%s): %s", ep, err ());
        if (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, out, &len) != 0)
            die ("zmq_getsockopt(ZMQ_LAST_ENDPOINT): %s", err ());
        return;
    }
    for (tries = 0;; tries++) {
        snprintf (out, cap, "udp://127.0.0.1:%d", free_udp_port ());
        if (zmq_bind (s, out) == 0)
            return;
        if (zmq_errno () != EADDRINUSE || tries == 20)
            die ("zmq_bind(%s): %s", out, err ());
    }
}

/* ---- messages ------------------------------------------------------------ */

static void send_buf (void *s, const void *d, size_t n, int flags,
                      uint32_t rid, const char *group, const char *what)
{
    zmq_msg_t m;
    long deadline = now_ms () + cfg.timeout_ms;
    if (zmq_msg_init_size (&m, n) != 0)
        die ("zmq_msg_init_size(%zu): %s", n, err ());
    if (n)
        memcpy (zmq_msg_data (&m), d, n);
    if (rid && zmq_msg_set_routing_id (&m, rid) != 0)
        die ("zmq_msg_set_routing_id(%u): %s", rid, err ());
    if (group && zmq_msg_set_group (&m, group) != 0)
        die ("zmq_msg_set_group(%s): %s", group, err ());
    while (zmq_msg_send (&m, s, flags) < 0) {
        /* A PEER sending to a connection whose handshake is not done yet. */
        if (zmq_errno () == EHOSTUNREACH && now_ms () < deadline) {
            sleep_ms (5);
            continue;
        }
        die ("send %s: %s", what, err ());
    }
}

static void send_str (void *s, const char *str, const char *what)
{
    send_buf (s, str, strlen (str), 0, 0, NULL, what);
}

static int recv_one (void *s, zmq_msg_t *m)
{
    zmq_msg_init (m);
    if (zmq_msg_recv (m, s, 0) >= 0)
        return 0;
    int e = zmq_errno ();
    zmq_msg_close (m);
    errno = e;
    return -1;
}

static void recv_str (void *s, const char *want, const char *what)
{
    zmq_msg_t m;
    trace ("waiting for %s", what);
    if (recv_one (s, &m) != 0)
        die ("waiting for %s: %s", what, err ());
    if (!msg_is (&m, want))
        die ("waiting for %s (\"%s\"), got %s", what, want, show_msg (&m));
    zmq_msg_close (&m);
}

/* DGRAM: the address frame libzmq delivers is "127.0.0.1:PORT" and a NUL,
 * the NUL counted in the size; `exact` is the address expected, or NULL for
 * any port. */
static void check_dgram_addr (const unsigned char *d, size_t n,
                              const char *exact, const char *what)
{
    static const char prefix[] = "127.0.0.1:";
    size_t p = sizeof prefix - 1, i;
    int ok;
    if (exact)
        ok = n == strlen (exact) + 1 && memcmp (d, exact, n) == 0;
    else
        ok = n > p + 1 && memcmp (d, prefix, p) == 0 && d[n - 1] == 0;
    for (i = p; ok && !exact && i + 1 < n; i++)
        ok = d[i] >= '0' && d[i] <= '9';
    if (!ok)
        die ("%s: address frame %s, expected \"%s\\x00\" (libzmq's form: the "
             "address and a NUL, counted in the frame size)",
             what, show (d, n), exact ? exact : "127.0.0.1:<port>");
}

/* One routed message: the body, and who sent it (CLIENT/SERVER/PEER: the
 * routing id; ROUTER: the identity frame; DGRAM: the address frame). */
typedef struct
{
    zmq_msg_t body;
    uint32_t rid;
    unsigned char from[MAX_RID];
    size_t from_len;
} routed_t;

static int recv_routed (void *s, routed_t *r)
{
    r->rid = 0;
    r->from_len = 0;
    if (cfg.type == ZMQ_ROUTER || cfg.type == ZMQ_DGRAM) {
        zmq_msg_t f;
        if (recv_one (s, &f) != 0)
            return -1;
        if (!zmq_msg_more (&f))
            die ("a one-frame message on %s: %s", type_name (cfg.type),
                 show_msg (&f));
        if (zmq_msg_size (&f) > MAX_RID)
            die ("a %zu-byte envelope", zmq_msg_size (&f));
        r->from_len = zmq_msg_size (&f);
        memcpy (r->from, zmq_msg_data (&f), r->from_len);
        zmq_msg_close (&f);
        if (recv_one (s, &r->body) != 0)
            die ("the body after envelope %s: %s", show (r->from, r->from_len),
                 err ());
    } else if (recv_one (s, &r->body) != 0) {
        return -1;
    } else if (cfg.type == ZMQ_SERVER || cfg.type == ZMQ_PEER) {
        r->rid = zmq_msg_routing_id (&r->body);
        if (r->rid == 0)
            die ("%s delivered a message without a routing id",
                 type_name (cfg.type));
    }
    if (zmq_msg_more (&r->body))
        die ("a message of more than %d frame(s) on %s",
             r->from_len ? 2 : 1, type_name (cfg.type));
    return 0;
}

/* Sends to where r came from: routing id, identity frame, or address. */
static void send_back (void *s, routed_t *r, const void *d, size_t n,
                       const char *what)
{
    if (r->from_len)
        send_buf (s, r->from, r->from_len, ZMQ_SNDMORE, 0, NULL, what);
    send_buf (s, d, n, 0, r->rid, NULL, what);
}

static int same_sender (routed_t *a, routed_t *b)
{
    return a->rid == b->rid && a->from_len == b->from_len
           && memcmp (a->from, b->from, a->from_len) == 0;
}

static const char *sender_name (routed_t *r)
{
    static char b[300];
    if (r->from_len)
        return show (r->from, r->from_len);
    snprintf (b, sizeof b, "routing id %u", r->rid);
    return b;
}

/* ---- echo: CLIENT/SERVER, PEER, CHANNEL, DGRAM; DEALER/ROUTER with -X ----- */

static void client_send (void *s, const void *d, size_t n, const char *what)
{
    if (cfg.type == ZMQ_DGRAM)
        send_buf (s, dgram_dest, strlen (dgram_dest) + (cfg.dest_nul ? 1 : 0),
                  ZMQ_SNDMORE, 0, NULL, what);
    send_buf (s, d, n, 0, cfg.type == ZMQ_PEER ? peer_rid : 0, NULL, what);
}

/* Receives an echo (body in *m) and checks where it says it came from. */
static int client_recv (void *s, zmq_msg_t *m, const char *what)
{
    routed_t r;
    if (recv_routed (s, &r) != 0)
        return -1;
    if (cfg.type == ZMQ_DGRAM)
        check_dgram_addr (r.from, r.from_len, dgram_dest, what);
    if (cfg.type == ZMQ_PEER && r.rid != peer_rid)
        die ("%s came from routing id %u, zmq_connect_peer returned %u", what,
             r.rid, peer_rid);
    *m = r.body;
    return 0;
}

static void echo_client (void *s, int bye)
{
    long sent = 0, got = 0, win = window ();
    zmq_msg_t m;
    while (got < cfg.count) {
        if (sent < cfg.count && sent - got < win) {
            fill (sent);
            client_send (s, scratch, cfg.size, "data");
            sent++;
            continue;
        }
        if (client_recv (s, &m, "echo") != 0)
            die ("client: waiting for echo %ld (sent %ld of %ld): %s", got,
                 sent, cfg.count, err ());
        check_body (&m, got, "client (echo)");
        zmq_msg_close (&m);
        got++;
    }
    if (!bye)
        return;
    client_send (s, BYE, strlen (BYE), "BYE");
    /* Its echo tells that the server has everything; its loss is no failure. */
    setopt_int (s, ZMQ_RCVTIMEO, SOFT_WAIT_MS, "ZMQ_RCVTIMEO");
    if (client_recv (s, &m, "BYE echo") == 0) {
        if (!msg_is (&m, BYE))
            die ("client: expected the BYE echo, got %s", show_msg (&m));
        zmq_msg_close (&m);
        all_delivered = 1;
    } else {
        fprintf (stderr, "[%s %s] note: no BYE echo within %d ms (not a failure)\n",
                 PEER_TAG, cfg.role, SOFT_WAIT_MS);
    }
}

/* Echoes `count` messages, then BYE (or, with -X, returns on DROP). */
static void echo_server (void *s, routed_t *first)
{
    long got = 0;
    routed_t r;
    for (;;) {
        if (recv_routed (s, &r) != 0)
            die ("server: waiting for message %ld of %ld%s: %s", got,
                 cfg.count, got == cfg.count ? " (BYE)" : "", err ());
        if (cfg.type == ZMQ_DGRAM)
            check_dgram_addr (r.from, r.from_len, NULL, "server");
        if (got == 0 && first->from_len == 0 && first->rid == 0)
            *first = r;
        else if (!same_sender (first, &r))
            die ("server: message %ld came from %s, the first from %s", got,
                 sender_name (&r), sender_name (first));
        int end = msg_is (&r.body, cfg.lifecycle ? "DROP" : BYE);
        if (end && got != cfg.count)
            die ("server: %s after %ld messages, expected %ld",
                 show_msg (&r.body), got, cfg.count);
        if (!end) {
            if (got >= cfg.count)
                die ("server: more than %ld messages", cfg.count);
            check_body (&r.body, got, "server");
            got++;
        }
        if (end && cfg.lifecycle) {
            zmq_msg_close (&r.body);
            return;
        }
        send_back (s, &r, zmq_msg_data (&r.body), zmq_msg_size (&r.body),
                   "echo");
        zmq_msg_close (&r.body);
        if (end)
            return;
    }
}

/* ---- streams: RADIO->DISH, SCATTER->GATHER, paced over a side channel ----- */

static long side_recv_num (void *side, const char *what)
{
    char buf[64];
    int n = zmq_recv (side, buf, sizeof buf - 1, 0);
    if (n < 0)
        die ("side channel: waiting for %s: %s", what, err ());
    buf[n < (int) sizeof buf - 1 ? n : (int) sizeof buf - 1] = 0;
    return atol (buf);
}

static void side_send_num (void *side, long v)
{
    char buf[32];
    snprintf (buf, sizeof buf, "%ld", v);
    if (zmq_send (side, buf, strlen (buf), 0) < 0)
        die ("side channel: send %s: %s", buf, err ());
}

/* RADIO: "warm" until the DISH says it hears them (it has joined). */
static void radio_warmup (void *s, void *side)
{
    long deadline = now_ms () + cfg.timeout_ms;
    zmq_pollitem_t it;
    memset (&it, 0, sizeof it);
    it.socket = side;
    it.events = ZMQ_POLLIN;
    for (;;) {
        send_buf (s, "W", 1, 0, 0, "warm", "warm-up");
        if (zmq_poll (&it, 1, 20) > 0)
            break;
        if (now_ms () > deadline)
            die ("radio: the DISH never heard a \"warm\" message in %d ms",
                 cfg.timeout_ms);
    }
    if (side_recv_num (side, "READY") != -1)
        die ("radio: the side channel did not say READY");
}

static void sender (void *s, void *side)
{
    long seq, win = window ();
    if (cfg.type == ZMQ_RADIO)
        radio_warmup (s, side);
    for (seq = 0; seq < cfg.count; seq++) {
        const char *group = cfg.type == ZMQ_RADIO ? "data" : NULL;
        if (group && seq % 10 == 0)
            send_buf (s, "N", 1, 0, 0, "none", "to group none");
        fill (seq);
        send_buf (s, scratch, cfg.size, 0, 0, group, "data");
        if ((seq + 1) % win == 0 || seq + 1 == cfg.count) {
            long acked = side_recv_num (side, "an acknowledgement");
            if (acked != seq + 1)
                die ("sender: the receiver acknowledged %ld, %ld were sent",
                     acked, seq + 1);
        }
    }
    all_delivered = 1;
    side_send_num (side, 0); /* bye */
}

static void receiver (void *s, void *side)
{
    long got = 0, win = window ();
    int ready = cfg.type != ZMQ_DISH;
    zmq_msg_t m;
    if (cfg.type == ZMQ_DISH) {
        if (zmq_join (s, "data") != 0 || zmq_join (s, "warm") != 0)
            die ("zmq_join: %s", err ());
    }
    while (got < cfg.count) {
        if (recv_one (s, &m) != 0)
            die ("receiver: waiting for message %ld of %ld: %s", got,
                 cfg.count, err ());
        if (zmq_msg_more (&m))
            die ("receiver: a multi-frame message");
        if (cfg.type == ZMQ_DISH) {
            const char *g = zmq_msg_group (&m);
            if (!g)
                die ("dish: message %ld has no group", got);
            if (strcmp (g, "warm") == 0) {
                if (!ready)
                    side_send_num (side, -1);
                ready = 1;
                zmq_msg_close (&m);
                continue;
            }
            if (strcmp (g, "data") != 0)
                die ("dish: message %ld came in group \"%s\" (joined: data, "
                     "warm): %s",
                     got, g, show_msg (&m));
            if (!ready)
                die ("dish: data before any warm-up message");
        }
        check_body (&m, got, "receiver");
        zmq_msg_close (&m);
        got++;
        if (got % win == 0 || got == cfg.count)
            side_send_num (side, got);
    }
    /* Anything after the last message (a "none", a duplicate) fails too. */
    setopt_int (s, ZMQ_RCVTIMEO, 100, "ZMQ_RCVTIMEO");
    while (recv_one (s, &m) == 0) {
        const char *g = cfg.type == ZMQ_DISH ? zmq_msg_group (&m) : NULL;
        if (!g || strcmp (g, "warm") != 0)
            die ("receiver: a message after the last one: group %s, %s",
                 g ? g : "-", show_msg (&m));
        zmq_msg_close (&m);
    }
    setopt_int (side, ZMQ_RCVTIMEO, SOFT_WAIT_MS, "ZMQ_RCVTIMEO");
    if (zmq_recv (side, NULL, 0, 0) >= 0)
        all_delivered = 1;
    /* libzmq re-queues a DISH's joins for the reconnection once the RADIO
     * has left, and would linger on them: nothing else is pending. */
    if (cfg.type == ZMQ_DISH)
        setopt_int (s, ZMQ_LINGER, 0, "ZMQ_LINGER");
}

/* ---- -X: ZMQ_HELLO_MSG, ZMQ_HICCUP_MSG, ZMQ_DISCONNECT_MSG ---------------- */

static void *lifecycle_socket (void)
{
    void *s = make_socket (cfg.type);
    if (cfg.bind) {
        setopt_str (s, ZMQ_HELLO_MSG, HELLO_B, "ZMQ_HELLO_MSG");
        setopt_str (s, ZMQ_DISCONNECT_MSG, DISCONNECT, "ZMQ_DISCONNECT_MSG");
        if (cfg.type == ZMQ_ROUTER)
            setopt_int (s, ZMQ_ROUTER_MANDATORY, 1, "ZMQ_ROUTER_MANDATORY");
    } else {
        setopt_str (s, ZMQ_HELLO_MSG, HELLO_C, "ZMQ_HELLO_MSG");
        setopt_str (s, ZMQ_HICCUP_MSG, HICCUP, "ZMQ_HICCUP_MSG");
        setopt_int (s, ZMQ_RECONNECT_IVL, 100, "ZMQ_RECONNECT_IVL");
    }
    return s;
}

static void expect_hello (void *s, routed_t *r, const char *when)
{
    trace ("waiting for the connecter's hello (%s)", when);
    if (recv_routed (s, r) != 0)
        die ("binder: waiting for the connecter's ZMQ_HELLO_MSG (%s): %s", when,
             err ());
    if (!msg_is (&r->body, HELLO_C))
        die ("binder: the first message (%s) is %s from %s, expected the "
             "connecter's ZMQ_HELLO_MSG \"%s\"",
             when, show_msg (&r->body), sender_name (r), HELLO_C);
    zmq_msg_close (&r->body);
}

static void lifecycle_server (void *s, const char *ep)
{
    routed_t first, r;
    long deadline;
    expect_hello (s, &first, "first connection");
    echo_server (s, &first);
    /* DROP: close this socket and context, bind anew at the same endpoint. */
    trace ("dropping the connection");
    setopt_int (s, ZMQ_LINGER, 0, "ZMQ_LINGER");
    if (zmq_close (s) != 0 || zmq_ctx_term (ctx) != 0)
        die ("closing the first socket: %s", err ());
    ctx = zmq_ctx_new ();
    s = lifecycle_socket ();
    deadline = now_ms () + cfg.timeout_ms;
    while (zmq_bind (s, ep) != 0) {
        if (zmq_errno () != EADDRINUSE || now_ms () > deadline)
            die ("binding %s again: %s", ep, err ());
        sleep_ms (10);
    }
    expect_hello (s, &first, "after the reconnection");
    trace ("waiting for PING2");
    if (recv_routed (s, &r) != 0)
        die ("binder: waiting for PING2: %s", err ());
    if (!msg_is (&r.body, "PING2") || !same_sender (&first, &r))
        die ("binder: expected PING2 from %s, got %s from %s",
             sender_name (&first), show_msg (&r.body), sender_name (&r));
    send_back (s, &r, "PING2", 5, "PING2 echo");
    zmq_msg_close (&r.body);
    trace ("waiting for the disconnect message");
    if (recv_routed (s, &r) != 0)
        die ("binder: waiting for ZMQ_DISCONNECT_MSG \"%s\" after the "
             "connecter closed: %s",
             DISCONNECT, err ());
    if (!msg_is (&r.body, DISCONNECT) || !same_sender (&first, &r))
        die ("binder: expected ZMQ_DISCONNECT_MSG \"%s\" from %s, got %s from "
             "%s",
             DISCONNECT, sender_name (&first), show_msg (&r.body),
             sender_name (&r));
    zmq_msg_close (&r.body);
    all_delivered = 1;
    if (zmq_close (s) != 0)
        die ("zmq_close: %s", err ());
}

static void lifecycle_client (void *s)
{
    recv_str (s, HELLO_B, "the binder's ZMQ_HELLO_MSG (first message)");
    echo_client (s, 0);
    send_str (s, "DROP", "DROP");
    recv_str (s, HICCUP, "ZMQ_HICCUP_MSG after the binder closed");
    recv_str (s, HELLO_B, "the new binder's ZMQ_HELLO_MSG after the hiccup");
    send_str (s, "PING2", "PING2");
    recv_str (s, "PING2", "the PING2 echo");
    all_delivered = 1;
}

/* ---- main ---------------------------------------------------------------- */

static void usage (void)
{
    fprintf (stderr, "usage: draft_peer <client|server|send|recv> <type> "
                     "<bind|connect> <endpoint> <count> <size> [-T ms] "
                     "[-o file] [-S ep] [-z] [-X] [-p type]\n");
    exit (2);
}

int main (int argc, char **argv)
{
    void *s, *side = NULL;
    char ep[1024], side_ep[1024] = "-";
    int i, is_client, stream;

    if (argc < 7)
        usage ();
    cfg.role = argv[1];
    cfg.type = parse_type (argv[2]);
    if (strcmp (argv[3], "bind") == 0)
        cfg.bind = 1;
    else if (strcmp (argv[3], "connect") != 0)
        usage ();
    cfg.endpoint = argv[4];
    cfg.count = atol (argv[5]);
    cfg.size = (size_t) atol (argv[6]);
    cfg.timeout_ms = 10000;
    for (i = 7; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp (a, "-z") == 0)
            cfg.dest_nul = 1;
        else if (strcmp (a, "-X") == 0)
            cfg.lifecycle = 1;
        else if (!v)
            usage ();
        else if (strcmp (a, "-T") == 0)
            cfg.timeout_ms = atoi (v), i++;
        else if (strcmp (a, "-o") == 0)
            cfg.outfile = v, i++;
        else if (strcmp (a, "-S") == 0)
            cfg.side_ep = v, i++;
        else if (strcmp (a, "-p") == 0)
            i++;
        else
            usage ();
    }
    scratch = (unsigned char *) malloc (cfg.size ? cfg.size : 1);
    if (!scratch)
        die ("out of memory");
    is_client = strcmp (cfg.role, "client") == 0;
    stream = strcmp (cfg.role, "send") == 0 || strcmp (cfg.role, "recv") == 0;
    if (cfg.lifecycle && cfg.bind == is_client)
        die ("-X: the server binds and the client connects");
    if (cfg.type == ZMQ_PEER && is_client && cfg.bind)
        die ("a PEER client connects (zmq_connect_peer)");

    ctx = zmq_ctx_new ();
    if (!ctx)
        die ("zmq_ctx_new: %s", err ());
    s = cfg.lifecycle ? lifecycle_socket () : make_socket (cfg.type);
    /* A RADIO drops what does not fit under the high-water mark (libzmq
     * loses a message now and then at the default 1000 when its credit
     * comes late): no limits. */
    if (cfg.type == ZMQ_RADIO)
        setopt_int (s, ZMQ_SNDHWM, 0, "ZMQ_SNDHWM");
    if (cfg.type == ZMQ_DISH)
        setopt_int (s, ZMQ_RCVHWM, 0, "ZMQ_RCVHWM");
    if (stream)
        side = make_socket (ZMQ_PAIR);

    if (cfg.bind) {
        do_bind (s, cfg.endpoint, ep, sizeof ep);
        if (side)
            do_bind (side, "tcp://127.0.0.1:*", side_ep, sizeof side_ep);
        write_endpoints (ep, side_ep);
    } else if (cfg.type == ZMQ_DGRAM) {
        /* DGRAM does not connect: it binds and sends to an address. */
        const char *host = strstr (cfg.endpoint, "://");
        do_bind (s, "udp://127.0.0.1:*", ep, sizeof ep);
        snprintf (dgram_dest, sizeof dgram_dest, "%s",
                  host ? host + 3 : cfg.endpoint);
    } else if (cfg.type == ZMQ_PEER) {
        wss_options (s, cfg.endpoint, 0);
        peer_rid = zmq_connect_peer (s, cfg.endpoint);
        if (peer_rid == 0)
            die ("zmq_connect_peer(%s): %s", cfg.endpoint, err ());
    } else if (wss_options (s, cfg.endpoint, 0), zmq_connect (s, cfg.endpoint) != 0) {
        die ("zmq_connect(%s): %s", cfg.endpoint, err ());
    }
    if (side && !cfg.bind) {
        if (!cfg.side_ep || strcmp (cfg.side_ep, "-") == 0)
            die ("%s needs the side channel endpoint (-S)", type_name (cfg.type));
        if (zmq_connect (side, cfg.side_ep) != 0)
            die ("zmq_connect(%s): %s", cfg.side_ep, err ());
    }
    trace ("%s %s %s", type_name (cfg.type), cfg.bind ? "bound" : "connected",
           cfg.endpoint);

    if (cfg.lifecycle && is_client)
        lifecycle_client (s);
    else if (cfg.lifecycle) {
        lifecycle_server (s, ep);
        s = NULL;
    } else if (is_client
             && (cfg.type == ZMQ_CLIENT || cfg.type == ZMQ_PEER
                 || cfg.type == ZMQ_CHANNEL || cfg.type == ZMQ_DGRAM))
        echo_client (s, 1);
    else if (strcmp (cfg.role, "server") == 0
             && (cfg.type == ZMQ_SERVER || cfg.type == ZMQ_PEER
                 || cfg.type == ZMQ_CHANNEL || cfg.type == ZMQ_DGRAM)) {
        routed_t first;
        memset (&first, 0, sizeof first);
        echo_server (s, &first);
    } else if (strcmp (cfg.role, "send") == 0
               && (cfg.type == ZMQ_RADIO || cfg.type == ZMQ_SCATTER))
        sender (s, side);
    else if (strcmp (cfg.role, "recv") == 0
             && (cfg.type == ZMQ_DISH || cfg.type == ZMQ_GATHER))
        receiver (s, side);
    else
        die ("role %s does not fit socket type %s", cfg.role,
             type_name (cfg.type));

    close_and_term (s, side);
    free (scratch);
    printf ("[%s %s] ok: %s %s %ld x %zu bytes%s\n", PEER_TAG, cfg.role,
            type_name (cfg.type), cfg.bind ? "bind" : "connect", cfg.count,
            cfg.size, cfg.lifecycle ? " (hello, hiccup, disconnect)" : "");
    return 0;
}
