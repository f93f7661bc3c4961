/* Thousands of half-open connections against one PULL socket: raw TCP
 * connects that send nothing, only the 10-byte signature, or a greeting and
 * half a READY, and never more. The socket must keep serving a good peer
 * (one connected before the flood and one connecting during it), keep its
 * memory bounded, release every connection when the peers go, and, with
 * ZMQ_HANDSHAKE_IVL set, drop all of them by itself. */
#include "testutil.h"
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void *ctx;
static int flood_n;

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

/* Open file descriptors of this process (both ends of every connection
 * live here: the raw peers' and the ones the library accepted). */
static int open_fds (void)
{
    DIR *d = opendir ("/proc/self/fd");
    CHECK (d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir (d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir (d);
    return n - 1; /* the directory's own fd */
}

/* Wait until at least (or, with at_most, at most) `want` fds are open. */
static void wait_fds (int want, int at_most, int timeout_ms)
{
    long deadline = now_ms () + timeout_ms;
    for (;;) {
        int n = open_fds ();
        if (at_most ? n <= want : n >= want)
            return;
        if (now_ms () > deadline) {
            fprintf (stderr, "open fds: %d, waited for %s %d\n", n,
                     at_most ? "at most" : "at least", want);
            exit (1);
        }
        usleep (5000);
    }
}

typedef struct
{
    void *pull, *push;
    char ep[256];
    int port, seq;
} server_t;

static void server_start (server_t *s, int handshake_ivl)
{
    memset (s, 0, sizeof *s);
    s->pull = zmq_socket (ctx, ZMQ_PULL);
    CHECK (s->pull);
    int to = 10000, zero = 0, backlog = 4096;
    CHECK_OK (zmq_setsockopt (s->pull, ZMQ_RCVTIMEO, &to, sizeof to));
    CHECK_OK (zmq_setsockopt (s->pull, ZMQ_LINGER, &zero, sizeof zero));
    CHECK_OK (zmq_setsockopt (s->pull, ZMQ_BACKLOG, &backlog, sizeof backlog));
    if (handshake_ivl > 0)
        CHECK_OK (zmq_setsockopt (s->pull, ZMQ_HANDSHAKE_IVL, &handshake_ivl,
                                  sizeof handshake_ivl));
    CHECK_OK (zmq_bind (s->pull, "tcp://127.0.0.1:*"));
    size_t len = sizeof s->ep;
    CHECK_OK (zmq_getsockopt (s->pull, ZMQ_LAST_ENDPOINT, s->ep, &len));
    s->port = atoi (strrchr (s->ep, ':') + 1);
    s->push = zmq_socket (ctx, ZMQ_PUSH);
    CHECK (s->push);
    CHECK_OK (zmq_setsockopt (s->push, ZMQ_SNDTIMEO, &to, sizeof to));
    CHECK_OK (zmq_setsockopt (s->push, ZMQ_LINGER, &zero, sizeof zero));
    CHECK_OK (zmq_connect (s->push, s->ep));
}

static void good_roundtrip (server_t *s, void *push)
{
    char out[32], in[64];
    int n = snprintf (out, sizeof out, "good-%d", s->seq++);
    CHECK (zmq_send (push, out, n, 0) == n);
    int r = zmq_recv (s->pull, in, sizeof in, 0);
    CHECK (r == n && memcmp (in, out, n) == 0);
}

static void server_stop (server_t *s)
{
    char in[16];
    CHECK_ERR (zmq_recv (s->pull, in, sizeof in, ZMQ_DONTWAIT), EAGAIN);
    CHECK_OK (zmq_close (s->push));
    CHECK_OK (zmq_close (s->pull));
}

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
    return fd;
}

/* What half-open peer i sends: nothing, the signature, or the greeting and
 * half a READY. */
static void half_open_bytes (int fd, int i)
{
    static unsigned char g[64 + 10];
    memset (g, 0, sizeof g);
    g[0] = 0xff;
    g[8] = 1;
    g[9] = 0x7f;
    g[10] = 3;
    g[11] = 1;
    memcpy (g + 12, "NULL", 4);
    memcpy (g + 64, "\x04\x1a\x05READY\x0bS", 10);
    size_t len = i % 3 == 0 ? 0 : i % 3 == 1 ? 10 : sizeof g;
    if (len)
        CHECK (send (fd, g, len, MSG_NOSIGNAL) == (ssize_t) len);
}

/* Open `n` half-open connections. With `paced`, in batches, waiting for
 * the library to accept each batch (so the listen backlog never overflows
 * into SYN retries); the library must not drop any of them meanwhile. */
static void flood (server_t *s, int *fds, int n, int paced)
{
    int base = open_fds (), i;
    for (i = 0; i < n; i++) {
        fds[i] = raw_connect (s);
        half_open_bytes (fds[i], i);
        if (paced && (i % 50 == 49 || i == n - 1))
            wait_fds (base + 2 * (i + 1), 0, 20000);
    }
}

/* The flood stays connected: the good peer connected before it and a new
 * peer connecting after it are both served; memory stays bounded; when the
 * flood closes, every accepted connection is released. */
static void test_half_open_flood (void)
{
    server_t s;
    server_start (&s, 0);
    good_roundtrip (&s, s.push);
    long rss0 = rss_kib ();

    int *fds = (int *) malloc (sizeof (int) * (size_t) flood_n);
    CHECK (fds);
    long t0 = now_ms ();
    flood (&s, fds, flood_n, 1);
    long t_flood = now_ms () - t0;
    good_roundtrip (&s, s.push);

    void *late = zmq_socket (ctx, ZMQ_PUSH);
    int to = 10000, zero = 0;
    CHECK_OK (zmq_setsockopt (late, ZMQ_SNDTIMEO, &to, sizeof to));
    CHECK_OK (zmq_setsockopt (late, ZMQ_LINGER, &zero, sizeof zero));
    CHECK_OK (zmq_connect (late, s.ep));
    good_roundtrip (&s, late);
    good_roundtrip (&s, s.push);

    /* Still all open: nothing dropped them without a handshake interval. */
    int i;
    for (i = 0; i < flood_n; i += 97) {
        struct pollfd p = {fds[i], POLLIN, 0};
        CHECK (poll (&p, 1, 0) == 0 || (p.revents & POLLIN));
        char b[256];
        if (p.revents & POLLIN)
            CHECK (recv (fds[i], b, sizeof b, MSG_DONTWAIT) > 0);
    }

    long grown = rss_kib () - rss0;
    printf ("# %d half-open connections accepted in %ld ms; RSS +%ld KiB "
            "(%ld bytes each)\n",
            flood_n, t_flood, grown, grown * 1024 / flood_n);
    /* Generous: libzmq 4.3.4 needs ~7 KiB per half-open connection, we
     * ~3 KiB (the full receive buffer comes with the handshake's end). */
    CHECK (grown < (long) flood_n * 32 + 16 * 1024);

    /* Every accepted connection is released when its peer goes. */
    int before_close = open_fds ();
    for (i = 0; i < flood_n; i++)
        close (fds[i]);
    free (fds);
    wait_fds (before_close - 2 * flood_n, 1, 20000);
    good_roundtrip (&s, s.push);
    good_roundtrip (&s, late);
    CHECK_OK (zmq_close (late));
    server_stop (&s);
}

/* With ZMQ_HANDSHAKE_IVL 500 the library drops every half-open connection
 * by itself, each raw peer sees its connection closed, and the good peer is
 * served throughout. */
static void test_half_open_flood_timed_out (void)
{
    server_t s;
    server_start (&s, 500);
    good_roundtrip (&s, s.push);
    int n = flood_n / 2, i;
    int *fds = (int *) malloc (sizeof (int) * (size_t) n);
    CHECK (fds);
    /* Not paced: the first may time out before the last connect. The
     * backlog (ZMQ_BACKLOG 4096) holds them all. */
    flood (&s, fds, n, 0);
    good_roundtrip (&s, s.push);
    long deadline = now_ms () + 30000;
    for (i = 0; i < n; i++) {
        char b[256];
        for (;;) {
            int left = (int) (deadline - now_ms ());
            CHECK (left > 0);
            struct pollfd p = {fds[i], POLLIN, 0};
            if (poll (&p, 1, left) <= 0)
                continue;
            ssize_t r = recv (fds[i], b, sizeof b, 0);
            if (r <= 0)
                break; /* closed by the library */
        }
        close (fds[i]);
    }
    free (fds);
    good_roundtrip (&s, s.push);
    server_stop (&s);
}

/* A peer that completes the handshake, then sends PINGs (each asks for a
 * PONG) as fast as it can and never reads: what the library queues for it
 * must stay bounded (libzmq keeps at most one PONG pending), and the good
 * peer is served meanwhile. */
static void test_ping_flood_never_reading (void)
{
    server_t s;
    server_start (&s, 0);
    good_roundtrip (&s, s.push);
    int fd = raw_connect (&s);
    int small = 4096;
    setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    unsigned char g[64 + 28];
    memset (g, 0, sizeof g);
    g[0] = 0xff;
    g[8] = 1;
    g[9] = 0x7f;
    g[10] = 3;
    g[11] = 1;
    memcpy (g + 12, "NULL", 4);
    memcpy (g + 64, "\x04\x1a\x05READY\x0bSocket-Type\0\0\0\x04PUSH", 28);
    CHECK (send (fd, g, sizeof g, MSG_NOSIGNAL) == (ssize_t) sizeof g);
    /* Wait for the library's greeting and READY: libzmq takes commands
     * that arrive before it has sent its READY for handshake commands. */
    unsigned char in[64 + 2 + 255];
    size_t got = 0, want = 64 + 2;
    while (got < want) {
        struct pollfd p = {fd, POLLIN, 0};
        CHECK (poll (&p, 1, 10000) == 1);
        ssize_t n = recv (fd, in + got, want - got, 0);
        CHECK (n > 0);
        got += (size_t) n;
        if (got == 64 + 2 && want == 64 + 2)
            want += in[65];
    }
    CHECK (in[64] == 0x04 && memcmp (in + 66, "\x05READY", 6) == 0);
    /* 24-byte PINGs with a 16-byte context, 32 MiB of them. */
    static unsigned char pings[24 * 1024];
    size_t i;
    for (i = 0; i < sizeof pings; i += 24)
        memcpy (pings + i, "\x04\x16\x04PING\0\0" "0123456789abcdef", 24);
    long rss0 = rss_kib ();
    /* Until 32 MiB are sent, or the library stops reading for a second
     * (libzmq stalls its input while a PONG cannot be written: that bounds
     * it too). */
    size_t total = 0, rounds = 0;
    while (total < 32u << 20) {
        struct pollfd p = {fd, POLLOUT, 0};
        if (poll (&p, 1, 1000) == 0)
            break;
        ssize_t n = send (fd, pings, sizeof pings, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            continue;
        CHECK (n > 0);
        total += (size_t) n;
        if (++rounds % 64 == 0)
            good_roundtrip (&s, s.push);
    }
    good_roundtrip (&s, s.push);
    long grown = rss_kib () - rss0;
    printf ("# %zu KiB of PINGs never read: RSS +%ld KiB\n", total >> 10,
            grown);
    CHECK (grown < 8 * 1024);
    close (fd);
    good_roundtrip (&s, s.push);
    server_stop (&s);
}

int main (void)
{
    /* Both ends of every connection are in this process: two fds each. */
    struct rlimit rl;
    CHECK (getrlimit (RLIMIT_NOFILE, &rl) == 0);
    rlim_t want = 2 * 2000 + 256;
    if (rl.rlim_cur < want) {
        struct rlimit up = rl;
        up.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want
                        ? want
                        : rl.rlim_max;
        if (setrlimit (RLIMIT_NOFILE, &up) == 0)
            rl = up;
    }
    flood_n = (int) ((rl.rlim_cur - 256) / 2);
    if (flood_n > 2000)
        flood_n = 2000;
    if (flood_n < 200) {
        printf ("# RLIMIT_NOFILE %lu is too low for a flood: skipped\n",
                (unsigned long) rl.rlim_cur);
        return 0;
    }
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_half_open_flood);
    RUN_TEST (test_half_open_flood_timed_out);
    RUN_TEST (test_ping_flood_never_reading);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
