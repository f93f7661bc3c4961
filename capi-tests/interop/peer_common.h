/* What capi-tests/interop/peer.c and draft_peer.c share: failing, time,
 * tracing, socket type names, a socket with the timeouts and linger of the
 * command line, and the binder's endpoint file. Included by each after it
 * defines `ctx` and `cfg` (with role, timeout_ms and outfile); everything
 * here is static, one copy per peer program. */

#include <zmq.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef PEER_TAG
#define PEER_TAG "peer"
#endif

/* Not a socket type: a plain POSIX tcp socket talking to a STREAM peer. */
#define PLAIN_TCP (-2)

static void die (const char *fmt, ...)
{
    va_list ap;
    fprintf (stderr, "[%s %s] FAIL: ", PEER_TAG, cfg.role ? cfg.role : "?");
    va_start (ap, fmt);
    vfprintf (stderr, fmt, ap);
    va_end (ap);
    fputc ('\n', stderr);
    fflush (stderr);
    exit (1);
}

static const char *err (void)
{
    int e = zmq_errno ();
    return e == EAGAIN ? "timeout (EAGAIN)" : zmq_strerror (e);
}

static void sleep_ms (int ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long) (ms % 1000) * 1000000L;
    while (nanosleep (&ts, &ts) == -1 && errno == EINTR) {
    }
}

static long now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* PEER_TRACE=1 in the environment: timestamped steps on stderr. */
static void trace (const char *fmt, ...)
{
    static long t0 = -1;
    static int on = -1;
    va_list ap;
    if (on < 0)
        on = getenv ("PEER_TRACE") != NULL;
    if (!on)
        return;
    if (t0 < 0)
        t0 = now_ms ();
    fprintf (stderr, "[%s %s] %5ld ms: ", PEER_TAG, cfg.role, now_ms () - t0);
    va_start (ap, fmt);
    vfprintf (stderr, fmt, ap);
    va_end (ap);
    fputc ('\n', stderr);
}

static const struct
{
    const char *name;
    int type;
} types[] = {{"PAIR", ZMQ_PAIR},     {"PUB", ZMQ_PUB},       {"SUB", ZMQ_SUB},
             {"REQ", ZMQ_REQ},       {"REP", ZMQ_REP},       {"DEALER", ZMQ_DEALER},
             {"ROUTER", ZMQ_ROUTER}, {"PULL", ZMQ_PULL},     {"PUSH", ZMQ_PUSH},
             {"XPUB", ZMQ_XPUB},     {"XSUB", ZMQ_XSUB},     {"STREAM", ZMQ_STREAM},
             {"TCP", PLAIN_TCP},
#ifdef ZMQ_BUILD_DRAFT_API
             {"SERVER", ZMQ_SERVER},   {"CLIENT", ZMQ_CLIENT},
             {"RADIO", ZMQ_RADIO},     {"DISH", ZMQ_DISH},
             {"GATHER", ZMQ_GATHER},   {"SCATTER", ZMQ_SCATTER},
             {"DGRAM", ZMQ_DGRAM},     {"PEER", ZMQ_PEER},
             {"CHANNEL", ZMQ_CHANNEL},
#endif
};

static int parse_type (const char *s)
{
    size_t i;
    for (i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp (types[i].name, s) == 0)
            return types[i].type;
    die ("unknown socket type %s", s);
    return -1;
}

static const char *type_name (int t)
{
    size_t i;
    for (i = 0; i < sizeof types / sizeof types[0]; i++)
        if (types[i].type == t)
            return types[i].name;
    return "?";
}

static void setopt_int (void *s, int opt, int v, const char *name)
{
    if (zmq_setsockopt (s, opt, &v, sizeof v) != 0)
        die ("zmq_setsockopt(%s, %d): %s", name, v, err ());
}

/* wss: the binder serves $WSS_DIR/srv.crt with srv.key, the connecter
 * trusts $WSS_DIR/ca.crt and expects the name wss.test (scripts/interop.sh
 * makes them). The option numbers are libzmq 4.3.5's draft ones, spelled
 * out for a zmq.h without them (Debian's never gets a wss endpoint). */
#define PEER_WSS_KEY_PEM 103
#define PEER_WSS_CERT_PEM 104
#define PEER_WSS_TRUST_PEM 105
#define PEER_WSS_HOSTNAME 106

static void wss_setopt_file (void *s, int opt, const char *name)
{
    char path[1024], buf[16384];
    size_t n;
    FILE *f;
    snprintf (path, sizeof path, "%s/%s", getenv ("WSS_DIR") ? getenv ("WSS_DIR") : ".",
              name);
    f = fopen (path, "rb");
    if (!f)
        die ("wss: cannot read %s", path);
    n = fread (buf, 1, sizeof buf, f);
    fclose (f);
    if (zmq_setsockopt (s, opt, buf, n) != 0)
        die ("zmq_setsockopt(wss %s): %s", name, err ());
}

static void wss_options (void *s, const char *ep, int bind)
{
    if (strncmp (ep, "wss://", 6) != 0)
        return;
    if (bind) {
        wss_setopt_file (s, PEER_WSS_CERT_PEM, "srv.crt");
        wss_setopt_file (s, PEER_WSS_KEY_PEM, "srv.key");
    } else {
        wss_setopt_file (s, PEER_WSS_TRUST_PEM, "ca.crt");
        if (zmq_setsockopt (s, PEER_WSS_HOSTNAME, "wss.test", 8) != 0)
            die ("zmq_setsockopt(ZMQ_WSS_HOSTNAME): %s", err ());
    }
}

static void *make_socket (int type)
{
    void *s = zmq_socket (ctx, type);
    if (!s)
        die ("zmq_socket(%s): %s", type_name (type), err ());
    setopt_int (s, ZMQ_RCVTIMEO, cfg.timeout_ms, "ZMQ_RCVTIMEO");
    setopt_int (s, ZMQ_SNDTIMEO, cfg.timeout_ms, "ZMQ_SNDTIMEO");
    setopt_int (s, ZMQ_LINGER, 2000, "ZMQ_LINGER");
    return s;
}

static void write_endpoints (const char *main_ep, const char *side_ep)
{
    char tmp[4096];
    FILE *f;
    if (!cfg.outfile) {
        printf ("%s %s\n", main_ep, side_ep);
        fflush (stdout);
        return;
    }
    snprintf (tmp, sizeof tmp, "%s.tmp", cfg.outfile);
    f = fopen (tmp, "w");
    if (!f || fprintf (f, "%s %s\n", main_ep, side_ep) < 0 || fclose (f) != 0
        || rename (tmp, cfg.outfile) != 0)
        die ("cannot write %s", cfg.outfile);
}

/* Set when the peer confirmed everything this side sent (nothing of ours is
 * still in flight). */
static int all_delivered;

/* Closes the sockets (side may be NULL) and terminates the context.
 * Everything this side sent has been confirmed (or, for the last message,
 * is being written to a live peer): closing must not wait for the linger,
 * even if the peer already disconnected. libzmq returns at once; a library
 * that waits here hangs forever with the default ZMQ_LINGER of -1. */
static void close_and_term (void *s, void *side)
{
    long t_close = now_ms ();
    trace ("closing");
    if (side && zmq_close (side) != 0)
        die ("zmq_close(side): %s", err ());
    if (s && zmq_close (s) != 0)
        die ("zmq_close: %s", err ());
    trace ("sockets closed, terminating the context");
    if (zmq_ctx_term (ctx) != 0)
        die ("zmq_ctx_term: %s", err ());
    trace ("context terminated");
    if (now_ms () - t_close > 1000)
        die ("zmq_close + zmq_ctx_term took %ld ms (ZMQ_LINGER is 2000 ms) "
             "although %s",
             now_ms () - t_close,
             all_delivered ? "the peer confirmed every message"
                           : "only the last message was in flight");
}
