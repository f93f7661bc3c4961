/* ZMTP heartbeats (RFC 37) against a raw tcp peer that speaks just enough
 * ZMTP 3.1 by hand: a PING is answered with a PONG echoing its context;
 * with ZMQ_HEARTBEAT_IVL the socket sends PINGs carrying
 * ZMQ_HEARTBEAT_TTL in deciseconds; a peer that then stays silent is
 * dropped after ZMQ_HEARTBEAT_TIMEOUT (and a connecter reconnects); the
 * peer's PING TTL drops a silent connection too; two live sockets with
 * heartbeats stay connected while idle. */
#include "testutil.h"
#include "tcputil.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void *ctx;
static int mon_counter;

static void *make (int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_RCVTIMEO, 10000);
    set_int (s, ZMQ_SNDTIMEO, 10000);
    set_int (s, ZMQ_LINGER, 0);
    return s;
}

static void *monitor (void *s, int events)
{
    char ep[64];
    snprintf (ep, sizeof ep, "inproc://heartbeat-mon-%d", mon_counter++);
    CHECK_OK (zmq_socket_monitor (s, ep, events));
    void *m = zmq_socket (ctx, ZMQ_PAIR);
    set_int (m, ZMQ_LINGER, 0);
    CHECK_OK (zmq_connect (m, ep));
    return m;
}

/* The next event within `timeout` ms, or -1. */
static int next_event (void *mon, int timeout)
{
    zmq_pollitem_t it = {mon, 0, ZMQ_POLLIN, 0};
    if (zmq_poll (&it, 1, timeout) != 1)
        return -1;
    zmq_msg_t m;
    zmq_msg_init (&m);
    CHECK (zmq_msg_recv (&m, mon, 0) == 6);
    uint16_t ev;
    memcpy (&ev, zmq_msg_data (&m), 2);
    CHECK (zmq_msg_recv (&m, mon, 0) >= 0);
    zmq_msg_close (&m);
    return ev;
}

/* ---- a raw ZMTP 3.1 peer ------------------------------------------------ */

/* Read exactly `n` bytes within `ms`; returns 0 on success, -1 on EOF or
 * timeout. */
static int read_full (int fd, void *buf, size_t n, int ms)
{
    long end = now_ms () + ms;
    size_t got = 0;
    while (got < n) {
        long left = end - now_ms ();
        if (left <= 0)
            return -1;
        struct pollfd p = {fd, POLLIN, 0};
        if (poll (&p, 1, (int) left) != 1)
            return -1;
        ssize_t r = read (fd, (char *) buf + got, n - got);
        if (r <= 0)
            return -1;
        got += (size_t) r;
    }
    return 0;
}

static void write_full (int fd, const void *buf, size_t n)
{
    CHECK (write (fd, buf, n) == (ssize_t) n);
}

/* One frame: flags in *flags, body in buf (at most cap); returns the body
 * size or -1. */
static int read_frame (int fd, unsigned char *flags, unsigned char *buf,
                       size_t cap, int ms)
{
    if (read_full (fd, flags, 1, ms) < 0)
        return -1;
    uint64_t size = 0;
    if (*flags & 0x02) {
        unsigned char b[8];
        if (read_full (fd, b, 8, ms) < 0)
            return -1;
        int i;
        for (i = 0; i < 8; i++)
            size = (size << 8) | b[i];
    } else {
        unsigned char b;
        if (read_full (fd, &b, 1, ms) < 0)
            return -1;
        size = b;
    }
    CHECK (size <= cap);
    if (read_full (fd, buf, (size_t) size, ms) < 0)
        return -1;
    return (int) size;
}

static void send_command (int fd, const unsigned char *body, size_t n)
{
    unsigned char hdr[2] = {0x04, (unsigned char) n};
    CHECK (n < 256);
    write_full (fd, hdr, 2);
    write_full (fd, body, n);
}

/* Greeting and READY both ways, NULL mechanism, as `socket_type`. */
static void raw_handshake (int fd, const char *socket_type)
{
    unsigned char g[64];
    memset (g, 0, sizeof g);
    g[0] = 0xff;
    g[8] = 1;
    g[9] = 0x7f;
    g[10] = 3;
    g[11] = 1;
    memcpy (g + 12, "NULL", 4);
    write_full (fd, g, sizeof g);
    unsigned char ready[64];
    size_t tl = strlen (socket_type), n = 0;
    ready[n++] = 5;
    memcpy (ready + n, "READY", 5);
    n += 5;
    ready[n++] = 11;
    memcpy (ready + n, "Socket-Type", 11);
    n += 11;
    ready[n++] = 0;
    ready[n++] = 0;
    ready[n++] = 0;
    ready[n++] = (unsigned char) tl;
    memcpy (ready + n, socket_type, tl);
    n += tl;
    send_command (fd, ready, n);

    unsigned char peer[64];
    CHECK (read_full (fd, peer, 64, 10000) == 0);
    CHECK (peer[0] == 0xff && peer[9] == 0x7f && peer[10] == 3);
    CHECK (memcmp (peer + 12, "NULL", 5) == 0);
    unsigned char flags, body[512];
    int len = read_frame (fd, &flags, body, sizeof body, 10000);
    CHECK (len >= 6 && (flags & 0x04) && memcmp (body, "\x05READY", 6) == 0);
}

static int tcp_connect (const char *ep)
{
    return raw_connect_port (atoi (strrchr (ep, ':') + 1));
}

/* Wait for the peer to hang up, skipping whatever it sends (PINGs). */
static int wait_eof (int fd, int ms)
{
    long end = now_ms () + ms;
    char buf[256];
    for (;;) {
        long left = end - now_ms ();
        if (left <= 0)
            return -1;
        struct pollfd p = {fd, POLLIN, 0};
        if (poll (&p, 1, (int) left) != 1)
            return -1;
        ssize_t r = read (fd, buf, sizeof buf);
        if (r <= 0)
            return 0;
    }
}

static void bind_tcp (void *s, char *ep, size_t len)
{
    CHECK_OK (zmq_bind (s, "tcp://127.0.0.1:*"));
    CHECK_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &len));
}

/* ---- tests ------------------------------------------------------------- */

/* A PING gets a PONG with the same context, heartbeats configured or not. */
static void test_ping_pong (void)
{
    void *pull = make (ZMQ_PULL);
    char ep[256];
    bind_tcp (pull, ep, sizeof ep);
    int fd = tcp_connect (ep);
    raw_handshake (fd, "PUSH");
    unsigned char ping[] = {4, 'P', 'I', 'N', 'G', 0, 0, 'c', 't', 'x', '4', '2'};
    send_command (fd, ping, sizeof ping);
    unsigned char flags, body[64];
    int n = read_frame (fd, &flags, body, sizeof body, 10000);
    CHECK (n == 10 && flags == 0x04);
    CHECK (memcmp (body, "\x04PONGctx42", 10) == 0);
    /* Without a context the PONG is bare. */
    send_command (fd, ping, 7);
    n = read_frame (fd, &flags, body, sizeof body, 10000);
    CHECK (n == 5 && memcmp (body, "\x04PONG", 5) == 0);
    /* The connection still carries messages. */
    unsigned char msg[] = {0x00, 3, 'a', 'b', 'c'};
    write_full (fd, msg, sizeof msg);
    char buf[8];
    CHECK (zmq_recv (pull, buf, sizeof buf, 0) == 3);
    CHECK (memcmp (buf, "abc", 3) == 0);
    close (fd);
    zmq_close (pull);
}

/* Our PINGs come every HEARTBEAT_IVL with HEARTBEAT_TTL in deciseconds; a
 * peer that never answers is dropped after HEARTBEAT_TIMEOUT. */
static void test_silent_peer_dropped (void)
{
    void *pull = make (ZMQ_PULL);
    set_int (pull, ZMQ_HEARTBEAT_IVL, 100);
    set_int (pull, ZMQ_HEARTBEAT_TIMEOUT, 400);
    set_int (pull, ZMQ_HEARTBEAT_TTL, 2500);
    void *mon = monitor (pull, ZMQ_EVENT_DISCONNECTED);
    char ep[256];
    bind_tcp (pull, ep, sizeof ep);
    int fd = tcp_connect (ep);
    long t0 = now_ms ();
    raw_handshake (fd, "PUSH");
    unsigned char flags, body[64];
    int n = read_frame (fd, &flags, body, sizeof body, 10000);
    CHECK (n == 7 && flags == 0x04 && memcmp (body, "\x04PING", 5) == 0);
    CHECK (body[5] == 0 && body[6] == 25);
    /* Silence from here: the socket hangs up. */
    CHECK (wait_eof (fd, 10000) == 0);
    CHECK (now_ms () - t0 >= 300);
    long end = now_ms () + 10000;
    int ev;
    while ((ev = next_event (mon, (int) (end - now_ms ()))) != ZMQ_EVENT_DISCONNECTED)
        CHECK (ev != -1);
    close (fd);
    monitor_close (pull, mon);
    zmq_close (pull);
}

/* A connecter drops its silent peer the same way, and reconnects. */
static void test_connecter_reconnects_after_timeout (void)
{
    int port;
    int lfd = raw_listener (&port);
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    void *push = make (ZMQ_PUSH);
    set_int (push, ZMQ_HEARTBEAT_IVL, 100);
    set_int (push, ZMQ_HEARTBEAT_TIMEOUT, 300);
    set_int (push, ZMQ_RECONNECT_IVL, 50);
    CHECK_OK (zmq_connect (push, ep));
    int fd = raw_accept (lfd, 10000);
    CHECK (fd >= 0);
    raw_handshake (fd, "PULL");
    CHECK (wait_eof (fd, 10000) == 0);
    close (fd);
    fd = raw_accept (lfd, 10000);
    CHECK (fd >= 0);
    close (fd);
    close (lfd);
    zmq_close (push);
}

/* The peer's PING says "drop me if silent for TTL": after a PING with a
 * TTL of 3 deciseconds and then silence, the socket hangs up, without any
 * heartbeat option of its own. */
static void test_peer_ttl (void)
{
    void *pull = make (ZMQ_PULL);
    char ep[256];
    bind_tcp (pull, ep, sizeof ep);
    int fd = tcp_connect (ep);
    raw_handshake (fd, "PUSH");
    unsigned char ping[] = {4, 'P', 'I', 'N', 'G', 0, 3};
    long t0 = now_ms ();
    send_command (fd, ping, sizeof ping);
    CHECK (wait_eof (fd, 10000) == 0);
    CHECK (now_ms () - t0 >= 250);
    close (fd);

    /* A TTL of 0 means no limit: the connection stays. */
    fd = tcp_connect (ep);
    raw_handshake (fd, "PUSH");
    ping[6] = 0;
    send_command (fd, ping, sizeof ping);
    unsigned char flags, body[16];
    CHECK (read_frame (fd, &flags, body, sizeof body, 10000) == 5);
    CHECK (wait_eof (fd, 600) == -1);
    close (fd);
    zmq_close (pull);
}

/* Two sockets with heartbeats answer each other and stay connected. */
static void test_live_peers_stay (void)
{
    void *a = make (ZMQ_PAIR), *b = make (ZMQ_PAIR);
    set_int (a, ZMQ_HEARTBEAT_IVL, 50);
    set_int (a, ZMQ_HEARTBEAT_TIMEOUT, 200);
    set_int (b, ZMQ_HEARTBEAT_IVL, 50);
    set_int (b, ZMQ_HEARTBEAT_TIMEOUT, 200);
    void *ma = monitor (a, ZMQ_EVENT_DISCONNECTED);
    void *mb = monitor (b, ZMQ_EVENT_DISCONNECTED);
    char ep[256];
    bind_tcp (a, ep, sizeof ep);
    CHECK_OK (zmq_connect (b, ep));
    char buf[8];
    CHECK (zmq_send (b, "one", 3, 0) == 3);
    CHECK (zmq_recv (a, buf, sizeof buf, 0) == 3);
    /* Idle for many timeouts. */
    CHECK (next_event (ma, 800) == -1);
    CHECK (next_event (mb, 1) == -1);
    CHECK (zmq_send (a, "two", 3, 0) == 3);
    CHECK (zmq_recv (b, buf, sizeof buf, 0) == 3);
    monitor_close (a, ma);
    monitor_close (b, mb);
    zmq_close (a);
    zmq_close (b);
}

int main (void)
{
    setvbuf (stdout, NULL, _IONBF, 0);
    ctx = zmq_ctx_new ();
    RUN_TEST (test_ping_pong);
    RUN_TEST (test_silent_peer_dropped);
    RUN_TEST (test_connecter_reconnects_after_timeout);
    RUN_TEST (test_peer_ttl);
    RUN_TEST (test_live_peers_stay);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
