/* One process of the soak test (scripts/soak.sh, scripts/soak.py), written
 * against zmq.h only. Every long-lived role binds a REP control socket on
 * ipc://$SOAK_RUN/ctl-<name>.ipc that answers STAT (a "key=value ..." line),
 * PAUSE (stop producing, finish what is in flight) and STOP (close
 * everything, time zmq_ctx_term, exit). Problems the checks count are logged
 * on stderr as lines starting with "CORRUPT", "DUP" or "LOST".
 *
 *   soak-node broker NAME FRONT,.. BACK,..   ROUTER(CURVE) <-zmq_proxy_steerable-> DEALER
 *   soak-node client NAME ENDPOINT           REQ, Lazy Pirate; progress in $SOAK_RUN/NAME.log
 *   soak-node worker NAME ENDPOINT           REP echo
 *   soak-node pub    NAME EP,..|EP,.. RATE   PUB bind, topic "T" (and "X", never subscribed);
 *                                            after "|": a second PUB without heartbeats
 *   soak-node sub    NAME ENDPOINT [nohb]    SUB connect, subscribes "T" (nohb: no heartbeats)
 *   soak-node vent   NAME ENDPOINT RATE      PUSH connect (CURVE client)
 *   soak-node sink   NAME ENDPOINT           PULL bind (CURVE server)
 *   soak-node ctl    ENDPOINT CMD TIMEOUT_MS prints the reply; exit 3 on timeout
 *
 * Consumers also take "NAP <ms>": stop reading for that long (a slow
 * subscriber; PUB and SUB have HWMs of 200, so the PUB drops at its HWM).
 * On STOP the PUSH queues 100 more messages for a sink that is gone, so
 * closing with them pending exercises ZMQ_LINGER.
 *
 * Every message body is "tag epoch seq " + filler + 16 hex digits of the
 * FNV-1a hash of everything before them: a receiver checks the hash, the
 * sequence (gaps, duplicates, reordering) and, for REQ, that the reply is the
 * request byte for byte.
 */
#include <zmq.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HB_IVL 500
#define HB_TIMEOUT 1500
#define LINGER_MS 500
#define REQUEST_TIMEOUT 3000
/* A gap in the sequence is "across a disconnect" when the monitor reports a
 * disconnect between DISC_BEFORE_MS before the previous message was received
 * and GAP_GRACE_MS after the gap was seen: messages the old connection had
 * queued are read after its disconnect event, and a dead link's disconnect
 * comes a heartbeat timeout after the reconnection that shows the gap. */
#define DISC_BEFORE_MS 5000
#define GAP_GRACE_MS 8000
#define MAX_BODY 2048

static const char *NAME = "?";
static const char *RUN = ".";
static void *CTX;
static int g_pause, g_stop;
static int64_t g_nap_until;
static int g_no_heartbeat; /* "nohb": a socket without ZMQ_HEARTBEAT_* */ /* NAP: a consumer stops reading for a while */

#define DIE(...)                                                                                   \
    do {                                                                                           \
        fprintf (stderr, "%s: FATAL ", NAME);                                                      \
        fprintf (stderr, __VA_ARGS__);                                                             \
        fprintf (stderr, " (%s)\n", zmq_strerror (errno));                                        \
        exit (2);                                                                                  \
    } while (0)
#define CHK(x)                                                                                     \
    do {                                                                                           \
        if ((x) != 0)                                                                              \
            DIE ("%s:%d %s", __FILE__, __LINE__, #x);                                              \
    } while (0)

static int64_t now_ms (void)
{
    struct timespec t;
    clock_gettime (CLOCK_MONOTONIC, &t);
    return (int64_t) t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static uint64_t fnv1a (const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

/* ---- message bodies ------------------------------------------------------ */

static size_t build_body (char *buf, const char *tag, uint64_t epoch, uint64_t seq, size_t size)
{
    int n = snprintf (buf, MAX_BODY, "%s %" PRIu64 " %" PRIu64 " ", tag, epoch, seq);
    if (size < (size_t) n + 16)
        size = (size_t) n + 16;
    if (size > MAX_BODY - 1)
        size = MAX_BODY - 1;
    uint64_t x = seq * 0x9e3779b97f4a7c15ULL + epoch;
    for (size_t i = (size_t) n; i < size - 16; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        buf[i] = (char) ('a' + x % 26);
    }
    char hex[17];
    snprintf (hex, sizeof hex, "%016" PRIx64, fnv1a (buf, size - 16));
    memcpy (buf + size - 16, hex, 16);
    return size;
}

/* 0 when intact; fills tag (<= 15 chars), epoch and seq. */
static int check_body (const void *data, size_t size, char *tag, uint64_t *epoch, uint64_t *seq)
{
    char buf[MAX_BODY + 1];
    if (size < 17 || size > MAX_BODY)
        return -1;
    memcpy (buf, data, size);
    buf[size] = 0;
    char *end;
    uint64_t h = strtoull (buf + size - 16, &end, 16);
    if (end != buf + size || h != fnv1a (buf, size - 16))
        return -1;
    buf[size - 16] = 0;
    if (sscanf (buf, "%15s %" SCNu64 " %" SCNu64, tag, epoch, seq) != 3)
        return -1;
    return 0;
}

/* ---- sockets ------------------------------------------------------------- */

static void setint (void *s, int opt, int v)
{
    if (zmq_setsockopt (s, opt, &v, sizeof v) != 0)
        DIE ("setsockopt %d", opt);
}

static void *sock (int type)
{
    void *s = zmq_socket (CTX, type);
    if (!s)
        DIE ("zmq_socket");
    setint (s, ZMQ_LINGER, LINGER_MS);
    setint (s, ZMQ_IPV6, 1);
    if (!g_no_heartbeat) {
        setint (s, ZMQ_HEARTBEAT_IVL, HB_IVL);
        setint (s, ZMQ_HEARTBEAT_TIMEOUT, HB_TIMEOUT);
        setint (s, ZMQ_HEARTBEAT_TTL, HB_TIMEOUT);
    }
    setint (s, ZMQ_RECONNECT_IVL, 100);
    setint (s, ZMQ_RECONNECT_IVL_MAX, 1000);
    setint (s, ZMQ_CONNECT_TIMEOUT, 1000);
    /* A garbled length must fail the connection, not wait for 2^60 bytes. */
    int64_t max = 65536;
    CHK (zmq_setsockopt (s, ZMQ_MAXMSGSIZE, &max, sizeof max));
    return s;
}

/* CURVE: one fixed server key (derived from fixed secret bytes), fresh client keys. */
static void server_secret (char *z85)
{
    uint8_t sec[32];
    for (int i = 0; i < 32; i++)
        sec[i] = (uint8_t) (i * 37 + 11);
    zmq_z85_encode (z85, sec, 32);
}

static void curve_server (void *s)
{
    char sec[41];
    server_secret (sec);
    setint (s, ZMQ_CURVE_SERVER, 1);
    CHK (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, sec, 40));
}

static void curve_client (void *s)
{
    char sec[41], pub[41], spub[41], ssec[41];
    server_secret (ssec);
    CHK (zmq_curve_public (spub, ssec));
    CHK (zmq_curve_keypair (pub, sec));
    CHK (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, spub, 40));
    CHK (zmq_setsockopt (s, ZMQ_CURVE_PUBLICKEY, pub, 40));
    CHK (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, sec, 40));
}

/* Bind, retrying while a killed predecessor's port is still taken. */
static void bind_retry (void *s, const char *ep)
{
    int64_t until = now_ms () + 20000;
    while (zmq_bind (s, ep) != 0) {
        if (now_ms () > until)
            DIE ("bind %s", ep);
        usleep (100000);
    }
}

static void bind_list (void *s, char *list)
{
    for (char *ep = strtok (list, ","); ep; ep = strtok (NULL, ","))
        bind_retry (s, ep);
}

/* ---- socket monitor: counts connections made and lost -------------------- */

typedef struct {
    void *pair;
    long handshakes, disconnects, hs_failed;
    int64_t last_disconnect_ms, last_handshake_ms;
} mon_t;

static void mon_start (mon_t *m, void *s)
{
    static int n;
    char ep[64];
    snprintf (ep, sizeof ep, "inproc://mon-%d", n++);
    memset (m, 0, sizeof *m);
    CHK (zmq_socket_monitor (s, ep, ZMQ_EVENT_ALL));
    m->pair = zmq_socket (CTX, ZMQ_PAIR);
    CHK (zmq_connect (m->pair, ep));
}

static void mon_drain (mon_t *m)
{
    zmq_msg_t a, b;
    for (;;) {
        zmq_msg_init (&a);
        if (zmq_msg_recv (&a, m->pair, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close (&a);
            return;
        }
        uint16_t ev = 0;
        if (zmq_msg_size (&a) >= 2)
            memcpy (&ev, zmq_msg_data (&a), 2);
        zmq_msg_close (&a);
        zmq_msg_init (&b);
        zmq_msg_recv (&b, m->pair, 0); /* the endpoint */
        zmq_msg_close (&b);
        if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
            m->handshakes++;
            m->last_handshake_ms = now_ms ();
        }
        else if (ev == ZMQ_EVENT_DISCONNECTED) {
            m->disconnects++;
            m->last_disconnect_ms = now_ms ();
        }
        else if (ev & (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                       | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH))
            m->hs_failed++;
    }
}

/* Connected, for a socket with one peer: a handshake since the last disconnect. */
static int mon_up (const mon_t *m)
{
    return m->handshakes > 0 && m->last_handshake_ms >= m->last_disconnect_ms;
}

static void mon_stop (void *s, mon_t *m)
{
    zmq_socket_monitor (s, NULL, 0);
    mon_drain (m);
    zmq_close (m->pair);
}

/* ---- control socket ------------------------------------------------------ */

static void *ctl_open (void)
{
    char ep[512];
    snprintf (ep, sizeof ep, "ipc://%s/ctl-%s.ipc", RUN, NAME);
    void *s = zmq_socket (CTX, ZMQ_REP);
    setint (s, ZMQ_LINGER, 0);
    bind_retry (s, ep);
    return s;
}

/* Answers one request; stat is the role's "key=value ..." line. */
static void ctl_serve (void *ctl, const char *stat)
{
    char cmd[32] = {0};
    int n = zmq_recv (ctl, cmd, sizeof cmd - 1, ZMQ_DONTWAIT);
    if (n < 0)
        return;
    if (strncmp (cmd, "PAUSE", 5) == 0)
        g_pause = 1;
    else if (strncmp (cmd, "STOP", 4) == 0)
        g_stop = 1;
    else if (strncmp (cmd, "NAP ", 4) == 0)
        g_nap_until = now_ms () + atoi (cmd + 4);
    zmq_send (ctl, stat, strlen (stat), 0);
}

/* Close is done by the caller; this times zmq_ctx_term against the linger. */
static int finish (void)
{
    int64_t t0 = now_ms ();
    zmq_ctx_term (CTX);
    long dt = (long) (now_ms () - t0);
    fprintf (stderr, "%s: term_ms=%ld linger_ms=%d\n", NAME, dt, LINGER_MS);
    return 0;
}

/* ---- sequence tracking (sub, sink) --------------------------------------- */

/* A gap in the sequence: seqs start..end were skipped; n of them are still
 * missing. A message of a gap may still arrive late: through a connection
 * that went stale (a stalled relay) while the producer reconnected, behind
 * newer messages of the new connection. ZeroMQ keeps order per connection
 * only, so that is a reordering across a reconnect, counted, not an error;
 * a message that arrives twice is a duplicate. */
enum { GAP_PENDING, GAP_DISC, GAP_HWM, GAP_LOST };
typedef struct {
    uint64_t start, end, n;
    int cls;
    int64_t prev_ms, deadline;
    unsigned char *seen; /* late arrivals, a bit per seq, made on the first */
} gap_t;

typedef struct {
    uint64_t epoch, last;  /* last seq seen in this epoch */
    uint64_t first, recv;  /* first seq seen, distinct messages delivered */
    uint64_t late;         /* delivered after newer ones, across a reconnect */
    long dups, corrupt;
    gap_t *gaps;
    size_t ngaps;
    int64_t last_ms; /* when the previous in-order message was received */
} seq_t;

/* A gap with no disconnect on record: for PUB/SUB a drop at the HWM, for
 * PUSH/PULL a lost message (the pattern blocks at the HWM instead). */
static void seq_resolve (seq_t *q, const mon_t *m, int hwm_allowed, int force)
{
    int64_t now = now_ms ();
    for (size_t i = 0; i < q->ngaps; i++) {
        gap_t *g = &q->gaps[i];
        if (g->cls != GAP_PENDING)
            continue;
        if (m->disconnects && m->last_disconnect_ms >= g->prev_ms - DISC_BEFORE_MS)
            g->cls = GAP_DISC;
        else if (force || now > g->deadline) {
            g->cls = hwm_allowed ? GAP_HWM : GAP_LOST;
            if (!hwm_allowed)
                fprintf (stderr, "LOST %s: seqs %" PRIu64 "-%" PRIu64 " with no disconnect\n",
                         NAME, g->start, g->end);
        }
    }
}

static uint64_t seq_gaps (const seq_t *q, int cls)
{
    uint64_t n = 0;
    for (size_t i = 0; i < q->ngaps; i++)
        if (q->gaps[i].cls == cls)
            n += q->gaps[i].n;
    return n;
}

static void seq_late (seq_t *q, uint64_t seq)
{
    for (size_t i = q->ngaps; i-- > 0;) {
        gap_t *g = &q->gaps[i];
        if (seq < g->start || seq > g->end)
            continue;
        uint64_t k = seq - g->start;
        if (!g->seen && !(g->seen = calloc ((size_t) ((g->end - g->start) / 8 + 1), 1)))
            DIE ("calloc");
        if (!(g->seen[k / 8] & (1u << (k % 8)))) {
            g->seen[k / 8] |= (unsigned char) (1u << (k % 8));
            g->n--;
            q->late++;
            q->recv++;
            return;
        }
        break;
    }
    q->dups++;
    fprintf (stderr, "DUP %s: seq %" PRIu64 " again (last %" PRIu64 ")\n", NAME, seq, q->last);
}

static void seq_note (seq_t *q, const char *want_tag, zmq_msg_t *msg)
{
    char tag[16];
    uint64_t epoch, seq;
    if (check_body (zmq_msg_data (msg), zmq_msg_size (msg), tag, &epoch, &seq) != 0) {
        q->corrupt++;
        fprintf (stderr, "CORRUPT %s: bad body of %zu bytes\n", NAME, zmq_msg_size (msg));
        return;
    }
    if (strcmp (tag, want_tag) != 0) {
        q->corrupt++;
        fprintf (stderr, "CORRUPT %s: tag %s, want %s\n", NAME, tag, want_tag);
        return;
    }
    if (epoch != q->epoch) { /* first message, or the producer restarted */
        q->epoch = epoch;
        q->first = q->first ? q->first : seq;
    } else if (seq <= q->last) {
        seq_late (q, seq);
        return;
    } else if (seq > q->last + 1) {
        if (!(q->ngaps % 64) && !(q->gaps = realloc (q->gaps, (q->ngaps + 64) * sizeof *q->gaps)))
            DIE ("realloc");
        gap_t g = {q->last + 1, seq - 1, seq - q->last - 1, GAP_PENDING, q->last_ms,
                   now_ms () + GAP_GRACE_MS, NULL};
        q->gaps[q->ngaps++] = g;
    }
    q->recv++;
    q->last = seq;
    q->last_ms = now_ms ();
}

static void seq_stat (char *out, size_t n, const seq_t *q, const mon_t *m)
{
    snprintf (out, n,
              "recv=%" PRIu64 " first=%" PRIu64 " last=%" PRIu64 " late=%" PRIu64
              " dups=%ld corrupt=%ld gap_disc=%" PRIu64 " gap_hwm=%" PRIu64 " gap_lost=%" PRIu64
              " gap_pending=%" PRIu64 " handshakes=%ld disconnects=%ld hs_failed=%ld up=%d",
              q->recv, q->first, q->last, q->late, q->dups, q->corrupt, seq_gaps (q, GAP_DISC),
              seq_gaps (q, GAP_HWM), seq_gaps (q, GAP_LOST), seq_gaps (q, GAP_PENDING),
              m->handshakes, m->disconnects, m->hs_failed, mon_up (m));
}

/* ---- roles --------------------------------------------------------------- */

static int role_broker (char *front_eps, char *back_eps)
{
    void *front = sock (ZMQ_ROUTER), *back = sock (ZMQ_DEALER);
    curve_server (front);
    bind_list (front, front_eps);
    bind_list (back, back_eps);
    char ep[512];
    snprintf (ep, sizeof ep, "ipc://%s/ctl-%s.ipc", RUN, NAME);
    void *ctl = zmq_socket (CTX, ZMQ_REP);
    setint (ctl, ZMQ_LINGER, 0);
    bind_retry (ctl, ep);
    fprintf (stderr, "%s: up\n", NAME);
    int rc = zmq_proxy_steerable (front, back, NULL, ctl);
    fprintf (stderr, "%s: proxy returned %d\n", NAME, rc);
    zmq_close (front);
    zmq_close (back);
    zmq_close (ctl);
    return finish ();
}

static void *client_socket (const char *ep)
{
    void *s = sock (ZMQ_REQ);
    curve_client (s);
    CHK (zmq_connect (s, ep));
    return s;
}

static int role_client (const char *ep)
{
    char path[512];
    snprintf (path, sizeof path, "%s/%s.log", RUN, NAME);
    uint64_t seq = 1;
    FILE *f = fopen (path, "r");
    if (f) { /* resume after the last answered request */
        char line[64];
        while (fgets (line, sizeof line, f))
            if (line[0] == 'A')
                seq = strtoull (line + 2, NULL, 10) + 1;
        fclose (f);
    }
    int logfd = fileno (fopen (path, "a"));
    void *ctl = ctl_open ();
    void *req = client_socket (ep);
    char body[MAX_BODY];
    size_t len = 0;
    int busy = 0;
    long answered = 0, retries = 0, corrupt = 0;
    int64_t deadline = 0, next_at = 0;
    unsigned r = (unsigned) seq * 2654435761u;
    fprintf (stderr, "%s: up at seq %" PRIu64 "\n", NAME, seq);
    while (!g_stop) {
        if (!busy && !g_pause && now_ms () >= next_at) {
            r = r * 1103515245u + 12345u;
            len = build_body (body, NAME, 1, seq, 40 + (r >> 8) % 1500);
            if (zmq_send (req, body, len, 0) < 0)
                DIE ("send");
            busy = 1;
            deadline = now_ms () + REQUEST_TIMEOUT;
        }
        zmq_pollitem_t it[] = {{req, 0, ZMQ_POLLIN, 0}, {ctl, 0, ZMQ_POLLIN, 0}};
        int64_t wait = busy ? deadline - now_ms () : (g_pause ? 100 : next_at - now_ms ());
        if (wait < 0)
            wait = 0;
        if (zmq_poll (it, 2, (long) wait) < 0)
            DIE ("poll");
        if (it[1].revents) {
            char st[256];
            snprintf (st, sizeof st, "seq=%" PRIu64 " answered=%ld retries=%ld corrupt=%ld idle=%d",
                      seq, answered, retries, corrupt, !busy && g_pause);
            ctl_serve (ctl, st);
        }
        if (busy && it[0].revents) {
            char rep[MAX_BODY + 1];
            int n = zmq_recv (req, rep, sizeof rep, 0);
            if (n < 0)
                DIE ("recv");
            if ((size_t) n != len || memcmp (rep, body, len) != 0) {
                corrupt++;
                fprintf (stderr, "CORRUPT %s: reply of %d bytes to seq %" PRIu64 " differs\n",
                         NAME, n, seq);
            } else {
                char line[64];
                int k = snprintf (line, sizeof line, "A %" PRIu64 "\n", seq);
                if (write (logfd, line, (size_t) k) != k)
                    DIE ("log");
                answered++;
                seq++;
                busy = 0;
                next_at = now_ms () + 20;
            }
        } else if (busy && now_ms () >= deadline) { /* Lazy Pirate: new socket, same request */
            retries++;
            char line[64];
            int k = snprintf (line, sizeof line, "R %" PRIu64 "\n", seq);
            if (write (logfd, line, (size_t) k) != k)
                DIE ("log");
            setint (req, ZMQ_LINGER, 0);
            zmq_close (req);
            req = client_socket (ep);
            busy = 0;
            next_at = 0;
        }
    }
    zmq_close (req);
    zmq_close (ctl);
    return finish ();
}

static int role_worker (const char *ep)
{
    void *ctl = ctl_open ();
    void *rep = sock (ZMQ_REP);
    mon_t m;
    mon_start (&m, rep);
    CHK (zmq_connect (rep, ep));
    long served = 0, corrupt = 0;
    fprintf (stderr, "%s: up\n", NAME);
    while (!g_stop) {
        zmq_pollitem_t it[] = {{rep, 0, ZMQ_POLLIN, 0}, {ctl, 0, ZMQ_POLLIN, 0}};
        if (zmq_poll (it, 2, 200) < 0)
            DIE ("poll");
        mon_drain (&m);
        if (it[1].revents) {
            char st[256];
            snprintf (st, sizeof st, "served=%ld corrupt=%ld handshakes=%ld disconnects=%ld up=%d",
                      served, corrupt, m.handshakes, m.disconnects, mon_up (&m));
            ctl_serve (ctl, st);
        }
        if (it[0].revents) {
            zmq_msg_t msg;
            zmq_msg_init (&msg);
            if (zmq_msg_recv (&msg, rep, 0) < 0)
                DIE ("recv");
            char tag[16];
            uint64_t e, s;
            if (check_body (zmq_msg_data (&msg), zmq_msg_size (&msg), tag, &e, &s) != 0) {
                corrupt++;
                fprintf (stderr, "CORRUPT %s: request of %zu bytes\n", NAME, zmq_msg_size (&msg));
            }
            if (zmq_msg_send (&msg, rep, 0) < 0) /* echo, corrupt or not: the client judges */
                DIE ("send");
            served++;
        }
    }
    mon_stop (rep, &m);
    zmq_close (rep);
    zmq_close (ctl);
    return finish ();
}

/* PUB or PUSH at `rate` messages a second; PUSH never drops (waits at the HWM). */
static int role_producer (int type, char *ep, int rate)
{
    void *ctl = ctl_open ();
    void *s = sock (type), *quiet = NULL;
    uint64_t epoch = (uint64_t) time (NULL) * 1000 + (uint64_t) getpid () % 1000;
    if (type == ZMQ_PUB) {
        setint (s, ZMQ_SNDHWM, 200);
        setint (s, ZMQ_SNDBUF, 65536);
        char *bar = strchr (ep, '|');
        if (bar) { /* a second PUB, without heartbeats, for the same feed */
            *bar = 0;
            g_no_heartbeat = 1;
            quiet = sock (type);
            g_no_heartbeat = 0;
            setint (quiet, ZMQ_SNDHWM, 200);
            setint (quiet, ZMQ_SNDBUF, 65536);
            bind_list (quiet, bar + 1);
        }
        bind_list (s, ep);
    }
    else {
        curve_client (s);
        CHK (zmq_connect (s, ep));
    }
    uint64_t seq = 1, sent = 0, stalls = 0, other = 0;
    int64_t start = now_ms ();
    fprintf (stderr, "%s: up\n", NAME);
    while (!g_stop) {
        zmq_pollitem_t it[] = {{ctl, 0, ZMQ_POLLIN, 0}};
        if (zmq_poll (it, 1, 10) < 0)
            DIE ("poll");
        if (it[0].revents) {
            char st[256];
            snprintf (st, sizeof st, "sent=%" PRIu64 " waits=%" PRIu64 " other=%" PRIu64, sent,
                      stalls, other);
            ctl_serve (ctl, st);
        }
        uint64_t due = (uint64_t) (now_ms () - start) * (uint64_t) rate / 1000;
        while (!g_pause && sent < due) {
            char body[MAX_BODY];
            size_t len = build_body (body, type == ZMQ_PUB ? "T" : "V", epoch, seq,
                                     20 + (seq * 7919) % 1000);
            if (zmq_send (s, body, len, ZMQ_DONTWAIT) < 0) {
                if (errno != EAGAIN)
                    DIE ("send");
                stalls++; /* PUSH at its HWM: try again later, same seq */
                start += 10; /* do not build up a burst while blocked */
                break;
            }
            if (quiet && zmq_send (quiet, body, len, ZMQ_DONTWAIT) < 0)
                DIE ("send");
            seq++;
            sent++;
            if (type == ZMQ_PUB && seq % 50 == 0) { /* a topic nobody subscribed to */
                len = build_body (body, "X", epoch, seq, 30);
                if (zmq_send (s, body, len, ZMQ_DONTWAIT) == 0)
                    other++;
            }
        }
    }
    if (type == ZMQ_PUSH) {
        /* The sink is gone by now: these stay queued, and zmq_ctx_term must
         * still return once the linger has expired. */
        char body[MAX_BODY];
        for (int i = 0; i < 100; i++) {
            size_t len = build_body (body, "Z", epoch, seq + (uint64_t) i, 100);
            zmq_send (s, body, len, ZMQ_DONTWAIT);
        }
    }
    zmq_close (s);
    if (quiet)
        zmq_close (quiet);
    zmq_close (ctl);
    return finish ();
}

/* SUB (connects) or PULL (binds, CURVE). */
static int role_consumer (int type, const char *ep)
{
    void *ctl = ctl_open ();
    void *s = sock (type);
    mon_t m;
    mon_start (&m, s);
    if (type == ZMQ_SUB) {
        setint (s, ZMQ_RCVHWM, 200); /* a NAP overflows it */
        setint (s, ZMQ_RCVBUF, 65536);
        CHK (zmq_setsockopt (s, ZMQ_SUBSCRIBE, "T ", 2));
        CHK (zmq_connect (s, ep));
    } else {
        curve_server (s);
        bind_retry (s, ep);
    }
    seq_t q;
    memset (&q, 0, sizeof q);
    const char *tag = type == ZMQ_SUB ? "T" : "V";
    fprintf (stderr, "%s: up\n", NAME);
    while (!g_stop) {
        zmq_pollitem_t it[] = {{s, 0, ZMQ_POLLIN, 0}, {ctl, 0, ZMQ_POLLIN, 0}};
        int napping = now_ms () < g_nap_until;
        if (zmq_poll (it + napping, 2 - napping, 100) < 0)
            DIE ("poll");
        mon_drain (&m);
        for (int i = 0; !napping && it[0].revents && i < 1000; i++) {
            zmq_msg_t msg;
            zmq_msg_init (&msg);
            if (zmq_msg_recv (&msg, s, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close (&msg);
                break;
            }
            mon_drain (&m);
            seq_note (&q, tag, &msg);
            zmq_msg_close (&msg);
        }
        seq_resolve (&q, &m, type == ZMQ_SUB, 0);
        if (it[1].revents) {
            char st[512];
            if (g_pause) /* the run is over: classify what is still pending */
                seq_resolve (&q, &m, type == ZMQ_SUB, 1);
            seq_stat (st, sizeof st, &q, &m);
            ctl_serve (ctl, st);
        }
    }
    mon_stop (s, &m);
    zmq_close (s);
    zmq_close (ctl);
    return finish ();
}

/* One request with a deadline: prints the reply (8-byte frames as numbers). */
static int role_ctl (const char *ep, const char *cmd, int timeout)
{
    void *s = zmq_socket (CTX, ZMQ_REQ);
    setint (s, ZMQ_LINGER, 0);
    setint (s, ZMQ_RCVTIMEO, timeout);
    setint (s, ZMQ_SNDTIMEO, timeout);
    CHK (zmq_connect (s, ep));
    int rc = 3;
    if (zmq_send (s, cmd, strlen (cmd), 0) >= 0) {
        for (;;) {
            zmq_msg_t m;
            zmq_msg_init (&m);
            if (zmq_msg_recv (&m, s, 0) < 0)
                break;
            if (zmq_msg_size (&m) == 8 && strcmp (cmd, "STATISTICS") == 0) {
                uint64_t v;
                memcpy (&v, zmq_msg_data (&m), 8);
                printf ("%" PRIu64 " ", v);
            } else
                printf ("%.*s", (int) zmq_msg_size (&m), (char *) zmq_msg_data (&m));
            int more = zmq_msg_more (&m);
            zmq_msg_close (&m);
            if (!more) {
                rc = 0;
                break;
            }
        }
    }
    printf ("\n");
    zmq_close (s);
    zmq_ctx_term (CTX);
    return rc;
}

int main (int argc, char **argv)
{
    setvbuf (stderr, NULL, _IOLBF, 0);
    if (getenv ("SOAK_RUN"))
        RUN = getenv ("SOAK_RUN");
    CTX = zmq_ctx_new ();
    if (argc == 5 && strcmp (argv[1], "ctl") == 0)
        return role_ctl (argv[2], argv[3], atoi (argv[4]));
    if (argc < 4) {
        fprintf (stderr, "usage: see the top of soak_node.c\n");
        return 2;
    }
    NAME = argv[2];
    const char *role = argv[1];
    if (strcmp (role, "broker") == 0 && argc == 5)
        return role_broker (argv[3], argv[4]);
    if (strcmp (role, "client") == 0)
        return role_client (argv[3]);
    if (strcmp (role, "worker") == 0)
        return role_worker (argv[3]);
    if (strcmp (role, "pub") == 0 && argc == 5)
        return role_producer (ZMQ_PUB, argv[3], atoi (argv[4]));
    if (strcmp (role, "vent") == 0 && argc == 5)
        return role_producer (ZMQ_PUSH, argv[3], atoi (argv[4]));
    if (strcmp (role, "sub") == 0) {
        g_no_heartbeat = argc == 5 && strcmp (argv[4], "nohb") == 0;
        return role_consumer (ZMQ_SUB, argv[3]);
    }
    if (strcmp (role, "sink") == 0)
        return role_consumer (ZMQ_PULL, argv[3]);
    fprintf (stderr, "unknown role %s\n", role);
    return 2;
}
