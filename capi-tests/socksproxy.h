/* A SOCKS5 proxy (RFC 1928, RFC 1929 basic auth) on a thread of a C test:
 * it relays to 127.0.0.1 from 127.0.0.2, so the destination can tell the
 * proxy's connections from direct ones, and records what it was asked. */
#ifndef CAPI_SOCKSPROXY_H
#define CAPI_SOCKSPROXY_H

#include "testutil.h"
#include "tcputil.h"
#include <pthread.h>

#define OPT_SOCKS_USERNAME 99
#define OPT_SOCKS_PASSWORD 100

typedef struct
{
    int lfd, port;
    const char *user, *pass; /* NULL user: no authentication */
    int refusals;            /* refuse this many first attempts... */
    int refuse_auth;         /* ...by the auth reply (else the CONNECT's) */
    int silent;              /* accept, then never answer */
    const char *domain;      /* a host name the proxy maps to 127.0.0.1 */
    volatile int stop;
    /* What the proxy saw. */
    volatile int attempts, relayed, atype;
    char host[256];
} proxy_t;

static inline int read_full (int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll (&p, 1, 2000) != 1)
            return -1;
        ssize_t r = recv (fd, (char *) buf + got, n - got, 0);
        if (r <= 0)
            return -1;
        got += (size_t) r;
    }
    return 0;
}

static inline int write_full (int fd, const void *buf, size_t n)
{
    return send (fd, buf, n, MSG_NOSIGNAL) == (ssize_t) n ? 0 : -1;
}

/* Connect to 127.0.0.1:port from 127.0.0.2, so the destination can tell
 * the proxy's connections from direct ones. */
static inline int connect_from_proxy (int port)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    struct sockaddr_in src = loopback (0);
    src.sin_addr.s_addr = htonl (0x7f000002);
    CHECK (bind (fd, (struct sockaddr *) &src, sizeof src) == 0);
    struct sockaddr_in dst = loopback (port);
    if (connect (fd, (struct sockaddr *) &dst, sizeof dst) != 0) {
        close (fd);
        return -1;
    }
    return fd;
}

static inline void relay (proxy_t *p, int a, int b)
{
    char buf[4096];
    while (!p->stop) {
        struct pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
        if (poll (fds, 2, 50) <= 0)
            continue;
        for (int i = 0; i < 2; i++) {
            if (!fds[i].revents)
                continue;
            ssize_t n = recv (fds[i].fd, buf, sizeof buf, 0);
            if (n <= 0 || write_full (fds[1 - i].fd, buf, (size_t) n) != 0)
                return;
            p->relayed += (int) n;
        }
    }
}

/* One client: the exchange, then the relay. */
static inline void serve (proxy_t *p, int c)
{
    unsigned char b[512];
    if (read_full (c, b, 2) || b[0] != 5 || read_full (c, b + 2, b[1]))
        return;
    int want = p->user ? 2 : 0, method = 0xff;
    for (int i = 0; i < b[1]; i++)
        if (b[2 + i] == want)
            method = want;
    unsigned char choice[2] = {5, (unsigned char) method};
    if (write_full (c, choice, 2) || method == 0xff)
        return;
    if (method == 2) {
        char user[256], pass[256];
        if (read_full (c, b, 2) || b[0] != 1 || read_full (c, user, b[1]))
            return;
        user[b[1]] = 0;
        if (read_full (c, b, 1) || read_full (c, pass, b[0]))
            return;
        pass[b[0]] = 0;
        int ok = !strcmp (user, p->user) && !strcmp (pass, p->pass)
                 && !(p->refuse_auth && p->attempts <= p->refusals);
        unsigned char r[2] = {1, (unsigned char) (ok ? 0 : 1)};
        if (write_full (c, r, 2) || !ok)
            return;
    }
    if (read_full (c, b, 4) || b[0] != 5 || b[1] != 1 || b[2] != 0)
        return;
    p->atype = b[3];
    int code = !p->refuse_auth && p->attempts <= p->refusals ? 5 : 0;
    int known = 0;
    if (b[3] == 1) {
        if (read_full (c, b, 4))
            return;
        known = b[0] == 127 && b[1] == 0 && b[2] == 0 && b[3] == 1;
    } else if (b[3] == 3) {
        if (read_full (c, b, 1) || read_full (c, p->host, b[0]))
            return;
        p->host[b[0]] = 0;
        known = p->domain && !strcmp (p->host, p->domain);
    } else
        return;
    unsigned char port[2];
    if (read_full (c, port, 2))
        return;
    int remote = -1;
    if (code == 0 && !known)
        code = 4; /* host unreachable */
    if (code == 0) {
        remote = connect_from_proxy (port[0] << 8 | port[1]);
        if (remote < 0)
            code = 5;
    }
    unsigned char reply[10] = {5, (unsigned char) code, 0, 1, 127, 0, 0, 2, 0, 0};
    if (write_full (c, reply, sizeof reply) == 0 && code == 0)
        relay (p, c, remote);
    if (remote >= 0)
        close (remote);
}

static inline void *proxy_thread (void *arg)
{
    proxy_t *p = (proxy_t *) arg;
    while (!p->stop) {
        int c = raw_accept (p->lfd, 50);
        if (c < 0)
            continue;
        p->attempts++;
        if (p->silent) {
            while (!p->stop)
                usleep (10000);
        } else
            serve (p, c);
        close (c);
    }
    return NULL;
}

static void *ctx;
static proxy_t proxy;
static pthread_t proxy_tid;

static inline void proxy_start (const char *user, const char *pass, const char *domain)
{
    memset (&proxy, 0, sizeof proxy);
    proxy.lfd = raw_listener (&proxy.port);
    proxy.user = user;
    proxy.pass = pass;
    proxy.domain = domain;
    CHECK (pthread_create (&proxy_tid, NULL, proxy_thread, &proxy) == 0);
}

static inline void proxy_stop (void)
{
    proxy.stop = 1;
    pthread_join (proxy_tid, NULL);
    close (proxy.lfd);
}

/* A REP bound to 127.0.0.1; its port in *port. */
static inline void *rep_bound (int *port)
{
    void *rep = zmq_socket (ctx, ZMQ_REP);
    CHECK_OK (zmq_bind (rep, "tcp://127.0.0.1:*"));
    char ep[64];
    size_t len = sizeof ep;
    CHECK_OK (zmq_getsockopt (rep, ZMQ_LAST_ENDPOINT, ep, &len));
    *port = atoi (strrchr (ep, ':') + 1);
    return rep;
}

/* A REQ through the proxy, watched by a monitor PAIR in *mon. */
static inline void *req_via_proxy (const char *user, const char *pass, void **mon)
{
    void *req = zmq_socket (ctx, ZMQ_REQ);
    set_int (req, ZMQ_LINGER, 0);
    set_int (req, ZMQ_RECONNECT_IVL, 100);
    char addr[64];
    snprintf (addr, sizeof addr, "127.0.0.1:%d", proxy.port);
    CHECK_OK (zmq_setsockopt (req, ZMQ_SOCKS_PROXY, addr, strlen (addr)));
    if (user) {
        CHECK_OK (zmq_setsockopt (req, OPT_SOCKS_USERNAME, user, strlen (user)));
        CHECK_OK (zmq_setsockopt (req, OPT_SOCKS_PASSWORD, pass, strlen (pass)));
    }
    static int n;
    char mep[64];
    snprintf (mep, sizeof mep, "inproc://socks-mon-%d", n++);
    CHECK_OK (zmq_socket_monitor (req, mep, ZMQ_EVENT_ALL));
    *mon = zmq_socket (ctx, ZMQ_PAIR);
    set_int (*mon, ZMQ_RCVTIMEO, 5000);
    CHECK_OK (zmq_connect (*mon, mep));
    return req;
}

/* Wait for `event` on the monitor; its endpoint in ep. */
static inline void expect_event (void *mon, int event, char *ep, size_t cap)
{
    for (;;) {
        int ev = recv_monitor_event (mon, NULL, ep, cap);
        CHECK (ev != -1);
        if (ev == event)
            return;
    }
}

/* `n` failed attempts, each CLOSED (at least `min_ms` after the last)
 * then CONNECT_RETRIED, all naming the proxy, none CONNECTED. */
static inline void expect_failed_attempts (void *mon, int n, long min_ms)
{
    char got[128], want[64];
    snprintf (want, sizeof want, "tcp://127.0.0.1:%d", proxy.port);
    for (int round = 0; round < n; round++) {
        long t0 = now_ms ();
        for (;;) {
            int ev = recv_monitor_event (mon, NULL, got, sizeof got);
            CHECK (ev != -1 && ev != ZMQ_EVENT_CONNECTED);
            CHECK (strcmp (got, want) == 0);
            if (ev == ZMQ_EVENT_CLOSED)
                break;
        }
        CHECK (now_ms () - t0 >= min_ms);
        expect_event (mon, ZMQ_EVENT_CONNECT_RETRIED, got, sizeof got);
        CHECK (strcmp (got, want) == 0);
    }
}

/* A request and its reply through the proxy; the REP sees the proxy. */
static inline void round_trip (void *req, void *rep)
{
    set_int (rep, ZMQ_RCVTIMEO, 5000);
    set_int (req, ZMQ_RCVTIMEO, 5000);
    CHECK (zmq_send (req, "hello", 5, 0) == 5);
    zmq_msg_t m;
    zmq_msg_init (&m);
    CHECK (zmq_msg_recv (&m, rep, 0) == 5);
    CHECK (memcmp (zmq_msg_data (&m), "hello", 5) == 0);
    const char *peer = zmq_msg_gets (&m, "Peer-Address");
    CHECK (peer && strcmp (peer, "127.0.0.2") == 0);
    zmq_msg_close (&m);
    CHECK (zmq_send (rep, "world", 5, 0) == 5);
    char buf[8];
    CHECK (zmq_recv (req, buf, sizeof buf, 0) == 5 && memcmp (buf, "world", 5) == 0);
    CHECK (proxy.relayed > 10);
}

#endif
