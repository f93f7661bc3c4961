/* The tcp socket options, checked by their effect on the kernel sockets
 * (read back from the descriptors the monitor names: LISTENING, ACCEPTED,
 * CONNECTED) rather than by a set/get round trip:
 * - ZMQ_SNDBUF / ZMQ_RCVBUF: SO_SNDBUF / SO_RCVBUF (the kernel doubles them)
 *   on the listening socket (the accepted ones inherit them) and on the
 *   connecting one;
 * - ZMQ_TOS: IP_TOS, and IPV6_TCLASS over IPv6, on all three;
 * - ZMQ_TCP_KEEPALIVE, _IDLE, _INTVL, _CNT: SO_KEEPALIVE, TCP_KEEPIDLE,
 *   TCP_KEEPINTVL, TCP_KEEPCNT on accepted and connecting sockets; -1 leaves
 *   the kernel's defaults, 0 turns keepalive off;
 * - ZMQ_TCP_MAXRT: TCP_USER_TIMEOUT on accepted and connecting sockets;
 * - ZMQ_BACKLOG: the listen(2) backlog, as ss(8) reports it;
 * - ZMQ_IPV6 / ZMQ_IPV4ONLY: which addresses a socket may bind and reach. */
#include "fdutil.h"
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>

/* A bound PULL (options set by `tune_b`) and a PUSH connected to it (options
 * set by `tune_c`), both monitored; returns the three descriptors. */
typedef struct
{
    void *sb, *sc, *mb, *mc;
    int listening, accepted, connected;
} conn_t;

static conn_t open_conn (const char *bind_ep, void (*tune_b) (void *),
                         void (*tune_c) (void *))
{
    conn_t c;
    c.sb = fd_make (ZMQ_PULL);
    c.sc = fd_make (ZMQ_PUSH);
    if (tune_b)
        tune_b (c.sb);
    if (tune_c)
        tune_c (c.sc);
    c.mb = fd_monitor (c.sb);
    c.mc = fd_monitor (c.sc);
    CHECK_OK (zmq_bind (c.sb, bind_ep));
    char ep[256];
    fd_last_endpoint (c.sb, ep, sizeof ep);
    c.listening = fd_of_event (c.mb, ZMQ_EVENT_LISTENING);
    CHECK_OK (zmq_connect (c.sc, ep));
    fd_bounce (c.sb, c.sc);
    c.accepted = fd_of_event (c.mb, ZMQ_EVENT_ACCEPTED);
    c.connected = fd_of_event (c.mc, ZMQ_EVENT_CONNECTED);
    return c;
}

static void close_conn (conn_t *c)
{
    monitor_close (c->sb, c->mb);
    monitor_close (c->sc, c->mc);
    zmq_close (c->sc);
    zmq_close (c->sb);
}

static void buffers_b (void *s)
{
    set_int (s, ZMQ_SNDBUF, 32768);
    set_int (s, ZMQ_RCVBUF, 24576);
}

static void buffers_c (void *s)
{
    set_int (s, ZMQ_SNDBUF, 16384);
    set_int (s, ZMQ_RCVBUF, 20480);
}

static void test_sndbuf_rcvbuf (void)
{
    conn_t c = open_conn ("tcp://127.0.0.1:*", buffers_b, buffers_c);
    CHECK (fd_sockopt (c.listening, SOL_SOCKET, SO_SNDBUF) == 2 * 32768);
    CHECK (fd_sockopt (c.listening, SOL_SOCKET, SO_RCVBUF) == 2 * 24576);
    CHECK (fd_sockopt (c.accepted, SOL_SOCKET, SO_SNDBUF) == 2 * 32768);
    CHECK (fd_sockopt (c.accepted, SOL_SOCKET, SO_RCVBUF) == 2 * 24576);
    CHECK (fd_sockopt (c.connected, SOL_SOCKET, SO_SNDBUF) == 2 * 16384);
    CHECK (fd_sockopt (c.connected, SOL_SOCKET, SO_RCVBUF) == 2 * 20480);
    close_conn (&c);
}

static void tos_b (void *s)
{
    set_int (s, ZMQ_TOS, 0x28);
}

static void tos_c (void *s)
{
    set_int (s, ZMQ_TOS, 0x10);
}

static void test_tos (void)
{
    conn_t c = open_conn ("tcp://127.0.0.1:*", tos_b, tos_c);
    CHECK (fd_sockopt (c.listening, IPPROTO_IP, IP_TOS) == 0x28);
    CHECK (fd_sockopt (c.accepted, IPPROTO_IP, IP_TOS) == 0x28);
    CHECK (fd_sockopt (c.connected, IPPROTO_IP, IP_TOS) == 0x10);
    close_conn (&c);
}

static void ipv6_tos_b (void *s)
{
    set_int (s, ZMQ_IPV6, 1);
    tos_b (s);
}

static void ipv6_tos_c (void *s)
{
    set_int (s, ZMQ_IPV6, 1);
    tos_c (s);
}

/* Over IPv6 the traffic class carries it (libzmq sets IPV6_TCLASS too). */
static void test_tos_ipv6 (void)
{
    conn_t c = open_conn ("tcp://[::1]:*", ipv6_tos_b, ipv6_tos_c);
    CHECK (fd_sockopt (c.accepted, IPPROTO_IPV6, IPV6_TCLASS) == 0x28);
    CHECK (fd_sockopt (c.connected, IPPROTO_IPV6, IPV6_TCLASS) == 0x10);
    close_conn (&c);
}

static void keepalive_b (void *s)
{
    set_int (s, ZMQ_TCP_KEEPALIVE, 1);
    set_int (s, ZMQ_TCP_KEEPALIVE_IDLE, 40);
    set_int (s, ZMQ_TCP_KEEPALIVE_INTVL, 6);
    set_int (s, ZMQ_TCP_KEEPALIVE_CNT, 4);
}

static void keepalive_c (void *s)
{
    set_int (s, ZMQ_TCP_KEEPALIVE, 1);
    set_int (s, ZMQ_TCP_KEEPALIVE_IDLE, 30);
    set_int (s, ZMQ_TCP_KEEPALIVE_INTVL, 5);
    set_int (s, ZMQ_TCP_KEEPALIVE_CNT, 3);
}

static void test_keepalive_on (void)
{
    conn_t c = open_conn ("tcp://127.0.0.1:*", keepalive_b, keepalive_c);
    CHECK (fd_sockopt (c.accepted, SOL_SOCKET, SO_KEEPALIVE) == 1);
    CHECK (fd_sockopt (c.accepted, IPPROTO_TCP, TCP_KEEPIDLE) == 40);
    CHECK (fd_sockopt (c.accepted, IPPROTO_TCP, TCP_KEEPINTVL) == 6);
    CHECK (fd_sockopt (c.accepted, IPPROTO_TCP, TCP_KEEPCNT) == 4);
    CHECK (fd_sockopt (c.connected, SOL_SOCKET, SO_KEEPALIVE) == 1);
    CHECK (fd_sockopt (c.connected, IPPROTO_TCP, TCP_KEEPIDLE) == 30);
    CHECK (fd_sockopt (c.connected, IPPROTO_TCP, TCP_KEEPINTVL) == 5);
    CHECK (fd_sockopt (c.connected, IPPROTO_TCP, TCP_KEEPCNT) == 3);
    close_conn (&c);
}

/* The tuning values alone (ZMQ_TCP_KEEPALIVE left at -1) change nothing. */
static void keepalive_default_c (void *s)
{
    set_int (s, ZMQ_TCP_KEEPALIVE_IDLE, 30);
    set_int (s, ZMQ_TCP_KEEPALIVE_INTVL, 5);
    set_int (s, ZMQ_TCP_KEEPALIVE_CNT, 3);
}

static void keepalive_off_b (void *s)
{
    set_int (s, ZMQ_TCP_KEEPALIVE, 0);
    set_int (s, ZMQ_TCP_KEEPALIVE_IDLE, 40);
}

static void test_keepalive_default_and_off (void)
{
    /* The kernel's defaults, read from a fresh socket. */
    int raw = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (raw >= 0);
    int idle = fd_sockopt (raw, IPPROTO_TCP, TCP_KEEPIDLE);
    int intvl = fd_sockopt (raw, IPPROTO_TCP, TCP_KEEPINTVL);
    int cnt = fd_sockopt (raw, IPPROTO_TCP, TCP_KEEPCNT);
    close (raw);
    CHECK (idle != 30 && intvl != 5 && cnt != 3);

    conn_t c = open_conn ("tcp://127.0.0.1:*", keepalive_off_b, keepalive_default_c);
    CHECK (fd_sockopt (c.accepted, SOL_SOCKET, SO_KEEPALIVE) == 0);
    CHECK (fd_sockopt (c.connected, SOL_SOCKET, SO_KEEPALIVE) == 0);
    CHECK (fd_sockopt (c.connected, IPPROTO_TCP, TCP_KEEPIDLE) == idle);
    CHECK (fd_sockopt (c.connected, IPPROTO_TCP, TCP_KEEPINTVL) == intvl);
    CHECK (fd_sockopt (c.connected, IPPROTO_TCP, TCP_KEEPCNT) == cnt);
    close_conn (&c);
}

static void maxrt_b (void *s)
{
    set_int (s, ZMQ_TCP_MAXRT, 2500);
}

static void maxrt_c (void *s)
{
    set_int (s, ZMQ_TCP_MAXRT, 1500);
}

static void test_tcp_maxrt (void)
{
    conn_t c = open_conn ("tcp://127.0.0.1:*", maxrt_b, maxrt_c);
    CHECK (fd_sockopt (c.accepted, IPPROTO_TCP, TCP_USER_TIMEOUT) == 2500);
    CHECK (fd_sockopt (c.connected, IPPROTO_TCP, TCP_USER_TIMEOUT) == 1500);
    close_conn (&c);
    /* 0, the default, leaves the kernel's 0 (no user timeout). */
    c = open_conn ("tcp://127.0.0.1:*", NULL, NULL);
    CHECK (fd_sockopt (c.connected, IPPROTO_TCP, TCP_USER_TIMEOUT) == 0);
    close_conn (&c);
}

/* The backlog of the listening socket on `port`: ss(8) shows it as the
 * Send-Q of a LISTEN socket. */
static int listen_backlog (const char *ep)
{
    const char *colon = strrchr (ep, ':');
    CHECK (colon);
    char cmd[128];
    snprintf (cmd, sizeof cmd, "ss -Hltn 'sport = :%s'", colon + 1);
    FILE *p = popen (cmd, "r");
    CHECK (p);
    char state[32];
    int recvq = -1, sendq = -1;
    int n = fscanf (p, "%31s %d %d", state, &recvq, &sendq);
    pclose (p);
    CHECK (n == 3);
    return sendq;
}

static void test_backlog (void)
{
    void *s = fd_make (ZMQ_PULL);
    set_int (s, ZMQ_BACKLOG, 7);
    CHECK_OK (zmq_bind (s, "tcp://127.0.0.1:*"));
    char ep[256];
    fd_last_endpoint (s, ep, sizeof ep);
    CHECK (listen_backlog (ep) == 7);
    zmq_close (s);

    s = fd_make (ZMQ_PULL);
    CHECK_OK (zmq_bind (s, "tcp://127.0.0.1:*"));
    fd_last_endpoint (s, ep, sizeof ep);
    CHECK (listen_backlog (ep) == 100);
    zmq_close (s);
}

/* ZMQ_IPV6 0 (ZMQ_IPV4ONLY 1, the default): an IPv6 address cannot be
 * bound, and a connect to one never gets through; 1: tcp://[::1] works, and
 * a wildcard bind takes IPv4 peers as well. */
static void test_ipv6_ipv4only (void)
{
    void *s = fd_make (ZMQ_PULL);
    CHECK_ERR (zmq_bind (s, "tcp://[::1]:*"), ENODEV);
    zmq_close (s);

    void *sb = fd_make (ZMQ_PULL);
    int only = 0;
    CHECK_OK (zmq_setsockopt (sb, ZMQ_IPV4ONLY, &only, sizeof only));
    CHECK_OK (zmq_bind (sb, "tcp://*:*"));
    char ep[256];
    fd_last_endpoint (sb, ep, sizeof ep);
    const char *port = strrchr (ep, ':') + 1;
    char v6[64], v4[64];
    snprintf (v6, sizeof v6, "tcp://[::1]:%s", port);
    snprintf (v4, sizeof v4, "tcp://127.0.0.1:%s", port);

    void *c4only = fd_make (ZMQ_PUSH);
    zmq_connect (c4only, v6); /* libzmq accepts it and never connects */
    CHECK (zmq_send (c4only, "v4", 2, ZMQ_DONTWAIT) == 2);
    set_int (sb, ZMQ_RCVTIMEO, 300);
    char buf[8];
    CHECK_ERR (zmq_recv (sb, buf, sizeof buf, 0), EAGAIN);
    set_int (sb, ZMQ_RCVTIMEO, 5000);
    zmq_close (c4only);

    void *c6 = fd_make (ZMQ_PUSH);
    set_int (c6, ZMQ_IPV6, 1);
    CHECK_OK (zmq_connect (c6, v6));
    fd_bounce (sb, c6);
    void *c4 = fd_make (ZMQ_PUSH);
    CHECK_OK (zmq_connect (c4, v4));
    fd_bounce (sb, c4);
    zmq_close (c4);
    zmq_close (c6);
    zmq_close (sb);
}

int main (void)
{
    fd_ctx = zmq_ctx_new ();
    CHECK (fd_ctx);
    RUN_TEST (test_sndbuf_rcvbuf);
    RUN_TEST (test_tos);
    RUN_TEST (test_tos_ipv6);
    RUN_TEST (test_keepalive_on);
    RUN_TEST (test_keepalive_default_and_off);
    RUN_TEST (test_tcp_maxrt);
    RUN_TEST (test_backlog);
    RUN_TEST (test_ipv6_ipv4only);
    CHECK_OK (zmq_ctx_term (fd_ctx));
    return 0;
}
