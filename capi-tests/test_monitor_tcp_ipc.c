/* The socket monitor over tcp and ipc: the exact event sequence (event,
 * value, endpoint) libzmq 4.3 produces, from the binding and from the
 * connecting socket, for bind -> connect -> handshake -> peer close ->
 * reconnect attempts -> rebind -> unbind/close; bind failures; connects that
 * fail from the start (with the reconnect back-off); handshake failures
 * (mechanism mismatch, timeout, peer gone, socket-type mismatch). (ACCEPT_FAILED
 * is in test_monitor_v2.c: libzmq's listener retries a failed accept in a
 * tight loop and its I/O thread blocks on the full monitor pipe.) Values: fds must be plausible descriptors, intervals
 * must lie in libzmq's [ivl, 2 ivl) jitter window, errnos and protocol codes
 * exact. */
#include "testutil.h"
#include <stdint.h>
#include <unistd.h>
#include <time.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#define IVL 50 /* ZMQ_RECONNECT_IVL for the connecters here */
#define WAIT_MS 5000

static void *ctx;
void *debug_mon;

static int monitor_seq;

/* Sockets whose commands must be processed while we wait: libzmq finishes
 * some transitions (unbind ending accepted connections) only when the
 * application calls into the socket, so the waits below keep calling. */
static void *pumped[4];

static void pump_add (void *s)
{
    for (int i = 0; i < 4; i++)
        if (!pumped[i]) {
            pumped[i] = s;
            return;
        }
    CHECK (0);
}

static void pump_del (void *s)
{
    for (int i = 0; i < 4; i++)
        if (pumped[i] == s)
            pumped[i] = NULL;
}

typedef struct
{
    int event;
    uint32_t value;
    char endpoint[256];
} event_t;

static const char *event_name (int e)
{
    switch (e) {
        case ZMQ_EVENT_CONNECTED: return "CONNECTED";
        case ZMQ_EVENT_CONNECT_DELAYED: return "CONNECT_DELAYED";
        case ZMQ_EVENT_CONNECT_RETRIED: return "CONNECT_RETRIED";
        case ZMQ_EVENT_LISTENING: return "LISTENING";
        case ZMQ_EVENT_BIND_FAILED: return "BIND_FAILED";
        case ZMQ_EVENT_ACCEPTED: return "ACCEPTED";
        case ZMQ_EVENT_ACCEPT_FAILED: return "ACCEPT_FAILED";
        case ZMQ_EVENT_CLOSED: return "CLOSED";
        case ZMQ_EVENT_CLOSE_FAILED: return "CLOSE_FAILED";
        case ZMQ_EVENT_DISCONNECTED: return "DISCONNECTED";
        case ZMQ_EVENT_MONITOR_STOPPED: return "MONITOR_STOPPED";
        case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: return "HANDSHAKE_FAILED_NO_DETAIL";
        case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: return "HANDSHAKE_SUCCEEDED";
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL: return "HANDSHAKE_FAILED_PROTOCOL";
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: return "HANDSHAKE_FAILED_AUTH";
        case 0: return "(none)";
    }
    return "?";
}

/* Monitor `s` (all events) and return the connected reading end. */
static void *monitor (void *s)
{
    char addr[64];
    snprintf (addr, sizeof addr, "inproc://monitor-tcp-ipc-%d", monitor_seq++);
    CHECK_OK (zmq_socket_monitor (s, addr, ZMQ_EVENT_ALL));
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    CHECK (mon);
    CHECK_OK (zmq_connect (mon, addr));
    return mon;
}

/* The next event within `timeout_ms` (event 0 if none). */
static event_t next_event (void *mon, int timeout_ms)
{
    event_t ev;
    memset (&ev, 0, sizeof ev);
    zmq_pollitem_t item = {mon, 0, ZMQ_POLLIN, 0};
    int64_t end = now_ms () + timeout_ms;
    for (;;) {
        for (int i = 0; i < 4; i++)
            if (pumped[i]) {
                int events;
                size_t len = sizeof events;
                zmq_getsockopt (pumped[i], ZMQ_EVENTS, &events, &len);
            }
        int rc = zmq_poll (&item, 1, 10);
        CHECK (rc >= 0);
        if (rc == 1)
            break;
        if (now_ms () >= end)
            return ev;
    }
    zmq_msg_t m;
    CHECK_OK (zmq_msg_init (&m));
    CHECK (zmq_msg_recv (&m, mon, 0) == 6);
    CHECK (zmq_msg_more (&m));
    uint16_t e;
    memcpy (&e, zmq_msg_data (&m), 2);
    memcpy (&ev.value, (char *) zmq_msg_data (&m) + 2, 4);
    ev.event = e;
    CHECK_OK (zmq_msg_close (&m));
    CHECK_OK (zmq_msg_init (&m));
    int n = zmq_msg_recv (&m, mon, 0);
    CHECK (n >= 0 && n < (int) sizeof ev.endpoint);
    CHECK (!zmq_msg_more (&m));
    memcpy (ev.endpoint, zmq_msg_data (&m), n);
    CHECK_OK (zmq_msg_close (&m));
    return ev;
}

static void fail_event (int line, const event_t *ev, int want, const char *ep)
{
    fprintf (stderr, "line %d: expected %s '%s', got %s (value %u) '%s'\n",
             line, event_name (want), ep, event_name (ev->event), ev->value,
             ev->endpoint);
    if (getenv ("MONITOR_DEBUG")) {
        extern void *debug_mon;
        for (int i = 0; i < 8; i++) {
            event_t e = next_event (debug_mon, 500);
            fprintf (stderr, "  then %s %u '%s'\n", event_name (e.event), e.value, e.endpoint);
        }
    }
    exit (1);
}

/* The next event must be `want` on endpoint `ep`; returns its value. */
#define EXPECT(mon, want, ep) expect_ (__LINE__, mon, want, ep)
static uint32_t expect_ (int line, void *mon, int want, const char *ep)
{
    event_t ev = next_event (mon, WAIT_MS);
    debug_mon = mon;
    if (ev.event != want || strcmp (ev.endpoint, ep) != 0)
        fail_event (line, &ev, want, ep);
    return ev.value;
}

/* A value that can be a descriptor of this process. */
#define CHECK_FD(v) check_fd_ (__LINE__, v)
static void check_fd_ (int line, uint32_t v)
{
    if (v <= 2 || v >= 65536) {
        fprintf (stderr, "line %d: %u is no plausible descriptor\n", line, v);
        exit (1);
    }
}

/* A reconnect interval drawn from libzmq's [base, base + IVL). */
#define CHECK_IVL(v, base) check_ivl_ (__LINE__, v, base)
static void check_ivl_ (int line, uint32_t v, int base)
{
    if ((int) v < base || (int) v >= base + IVL) {
        fprintf (stderr, "line %d: interval %u not in [%d, %d)\n", line, v, base,
                 base + IVL);
        exit (1);
    }
}

/* One failed reconnect attempt after CONNECT_RETRIED: tcp reports
 * CONNECT_DELAYED (EINPROGRESS) then CLOSED; ipc fails at once: CLOSED. */
#define EXPECT_FAILED_ATTEMPT(mon, tcp, ep)                                    \
    do {                                                                       \
        if (tcp)                                                               \
            CHECK (EXPECT (mon, ZMQ_EVENT_CONNECT_DELAYED, ep) == EINPROGRESS);\
        CHECK_FD (EXPECT (mon, ZMQ_EVENT_CLOSED, ep));                         \
    } while (0)

/* Skip failed reconnect attempts (CONNECT_DELAYED, CLOSED, CONNECT_RETRIED
 * on `retry_ep`) until `want` arrives on `ep`; returns its value. */
#define SKIP_RETRIES_UNTIL(mon, want, ep, retry_ep)                            \
    skip_until_ (__LINE__, mon, want, ep, retry_ep)
static uint32_t
skip_until_ (int line, void *mon, int want, const char *ep, const char *retry_ep)
{
    for (;;) {
        event_t ev = next_event (mon, WAIT_MS);
        if (ev.event == want && strcmp (ev.endpoint, ep) == 0)
            return ev.value;
        int retry = ev.event == ZMQ_EVENT_CONNECT_DELAYED
                    || ev.event == ZMQ_EVENT_CLOSED
                    || ev.event == ZMQ_EVENT_CONNECT_RETRIED;
        if (!retry || strcmp (ev.endpoint, retry_ep) != 0)
            fail_event (line, &ev, want, ep);
        if (ev.event == ZMQ_EVENT_CONNECT_RETRIED)
            CHECK_IVL (ev.value, IVL);
    }
}

/* No event at all for `ms`. */
static void expect_silence (void *mon, int ms)
{
    event_t ev = next_event (mon, ms);
    if (ev.event != 0)
        fail_event (__LINE__, &ev, 0, "");
}

static void *new_socket (int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    int zero = 0, ivl = IVL;
    CHECK_OK (zmq_setsockopt (s, ZMQ_LINGER, &zero, sizeof zero));
    CHECK_OK (zmq_setsockopt (s, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl));
    return s;
}

static void close_socket (void *s)
{
    pump_del (s);
    CHECK_OK (zmq_close (s));
}

static void last_endpoint (void *s, char *buf)
{
    size_t len = 256;
    CHECK_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, buf, &len));
}

static void bounce (void *push, void *pull)
{
    CHECK (zmq_send (push, "hello", 5, 0) == 5);
    char buf[8];
    CHECK (zmq_recv (pull, buf, sizeof buf, 0) == 5);
}

/* Connect `cli` (monitored by `mon`) to `ep` and see both handshakes. */
static void connect_and_handshake (void *cli, void *cmon, void *srv, void *smon,
                                   const char *ep, int tcp, uint32_t *cfd,
                                   uint32_t *afd)
{
    CHECK_OK (zmq_connect (cli, ep));
    if (tcp)
        CHECK (EXPECT (cmon, ZMQ_EVENT_CONNECT_DELAYED, ep) == EINPROGRESS);
    *cfd = EXPECT (cmon, ZMQ_EVENT_CONNECTED, ep);
    CHECK_FD (*cfd);
    CHECK (EXPECT (cmon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, ep) == 0);
    *afd = EXPECT (smon, ZMQ_EVENT_ACCEPTED, ep);
    CHECK_FD (*afd);
    CHECK (EXPECT (smon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, ep) == 0);
    bounce (cli, srv);
}

static void lifecycle (const char *bind_to, int tcp)
{
    char ep[256];
    void *srv = new_socket (ZMQ_PULL);
    void *smon = monitor (srv);
    pump_add (srv);
    CHECK_OK (zmq_bind (srv, bind_to));
    last_endpoint (srv, ep);
    uint32_t lfd = EXPECT (smon, ZMQ_EVENT_LISTENING, ep);
    CHECK_FD (lfd);

    /* A client comes and goes: the server sees DISCONNECTED on the fd it
     * accepted; the client's monitor stops when it closes. */
    void *cli = new_socket (ZMQ_PUSH);
    void *cmon = monitor (cli);
    uint32_t cfd, afd;
    connect_and_handshake (cli, cmon, srv, smon, ep, tcp, &cfd, &afd);
    close_socket (cli);
    EXPECT (cmon, ZMQ_EVENT_MONITOR_STOPPED, "");
    CHECK_OK (zmq_close (cmon));
    CHECK (EXPECT (smon, ZMQ_EVENT_DISCONNECTED, ep) == afd);

    /* A second client; the server unbinds: CLOSED for the listener (its
     * accepted connection ends without an event of its own), and the
     * client loses the connection and retries. */
    cli = new_socket (ZMQ_PUSH);
    cmon = monitor (cli);
    pump_add (cli);
    connect_and_handshake (cli, cmon, srv, smon, ep, tcp, &cfd, &afd);
    CHECK_OK (zmq_unbind (srv, ep));
    CHECK (EXPECT (smon, ZMQ_EVENT_CLOSED, ep) == lfd);
    CHECK (EXPECT (cmon, ZMQ_EVENT_DISCONNECTED, ep) == cfd);
    CHECK_IVL (EXPECT (cmon, ZMQ_EVENT_CONNECT_RETRIED, ep), IVL);
    for (int i = 0; i < 2; i++) {
        EXPECT_FAILED_ATTEMPT (cmon, tcp, ep);
        CHECK_IVL (EXPECT (cmon, ZMQ_EVENT_CONNECT_RETRIED, ep), IVL);
    }

    /* Bound again: the client gets back in after its failed attempts. */
    CHECK_OK (zmq_bind (srv, ep));
    lfd = EXPECT (smon, ZMQ_EVENT_LISTENING, ep);
    CHECK_FD (lfd);
    cfd = SKIP_RETRIES_UNTIL (cmon, ZMQ_EVENT_CONNECTED, ep, ep);
    CHECK_FD (cfd);
    CHECK (EXPECT (cmon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, ep) == 0);
    afd = EXPECT (smon, ZMQ_EVENT_ACCEPTED, ep);
    CHECK_FD (afd);
    CHECK (EXPECT (smon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, ep) == 0);
    bounce (cli, srv);

    /* The server closes: its listener's CLOSED comes before
     * MONITOR_STOPPED; the client is disconnected and retries. */
    close_socket (srv);
    CHECK (EXPECT (smon, ZMQ_EVENT_CLOSED, ep) == lfd);
    EXPECT (smon, ZMQ_EVENT_MONITOR_STOPPED, "");
    expect_silence (smon, 100);
    CHECK (EXPECT (cmon, ZMQ_EVENT_DISCONNECTED, ep) == cfd);
    CHECK_IVL (EXPECT (cmon, ZMQ_EVENT_CONNECT_RETRIED, ep), IVL);
    EXPECT_FAILED_ATTEMPT (cmon, tcp, ep);
    CHECK_IVL (EXPECT (cmon, ZMQ_EVENT_CONNECT_RETRIED, ep), IVL);

    /* The client closes while retrying. */
    close_socket (cli);
    SKIP_RETRIES_UNTIL (cmon, ZMQ_EVENT_MONITOR_STOPPED, "", ep);
    expect_silence (cmon, 100);
    CHECK_OK (zmq_close (cmon));
    CHECK_OK (zmq_close (smon));
}

static void test_lifecycle_tcp (void)
{
    lifecycle ("tcp://127.0.0.1:*", 1);
}

static void test_lifecycle_ipc (void)
{
    char path[64];
    snprintf (path, sizeof path, "ipc:///tmp/test_monitor_tcp_ipc_%d", (int) getpid ());
    lifecycle (path, 0);
}

/* Which names the events carry: a wildcard listener reports its own
 * address, its connections their real local address; a connecter reports
 * its endpoint as given until a connection was made and lost, then the
 * address it resolved to. */
static void test_endpoint_names (void)
{
    char ep[256], local[256], given[256], resolved[256];
    void *srv = new_socket (ZMQ_PULL);
    void *smon = monitor (srv);
    pump_add (srv);
    CHECK_OK (zmq_bind (srv, "tcp://*:*"));
    last_endpoint (srv, ep);
    CHECK (strncmp (ep, "tcp://0.0.0.0:", 14) == 0);
    CHECK_FD (EXPECT (smon, ZMQ_EVENT_LISTENING, ep));
    int port = atoi (ep + 14);
    snprintf (local, sizeof local, "tcp://127.0.0.1:%d", port);
    snprintf (given, sizeof given, "tcp://localhost:%d", port);
    snprintf (resolved, sizeof resolved, "tcp://127.0.0.1:%d", port);

    void *cli = new_socket (ZMQ_PUSH);
    void *cmon = monitor (cli);
    pump_add (cli);
    CHECK_OK (zmq_connect (cli, given));
    CHECK (EXPECT (cmon, ZMQ_EVENT_CONNECT_DELAYED, given) == EINPROGRESS);
    uint32_t cfd = EXPECT (cmon, ZMQ_EVENT_CONNECTED, given);
    EXPECT (cmon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, given);
    CHECK_FD (EXPECT (smon, ZMQ_EVENT_ACCEPTED, local));
    EXPECT (smon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, local);
    bounce (cli, srv);

    close_socket (srv);
    CHECK_FD (EXPECT (smon, ZMQ_EVENT_CLOSED, ep));
    EXPECT (smon, ZMQ_EVENT_MONITOR_STOPPED, "");
    CHECK (EXPECT (cmon, ZMQ_EVENT_DISCONNECTED, given) == cfd);
    CHECK_IVL (EXPECT (cmon, ZMQ_EVENT_CONNECT_RETRIED, resolved), IVL);
    EXPECT_FAILED_ATTEMPT (cmon, 1, resolved);
    close_socket (cli);
    SKIP_RETRIES_UNTIL (cmon, ZMQ_EVENT_MONITOR_STOPPED, "", resolved);
    CHECK_OK (zmq_close (cmon));
    CHECK_OK (zmq_close (smon));
}

/* BIND_FAILED carries the errno and the address without its transport,
 * after CLOSED for the socket libzmq had opened (tcp: before it knew its
 * name; ipc: named). A name that does not resolve opens nothing. */
static void test_bind_failed (void)
{
    char ep[256], addr[256];
    void *taken = new_socket (ZMQ_PULL);
    CHECK_OK (zmq_bind (taken, "tcp://127.0.0.1:*"));
    last_endpoint (taken, ep);
    snprintf (addr, sizeof addr, "%s", ep + 6);

    void *s = new_socket (ZMQ_PULL);
    void *mon = monitor (s);
    CHECK_ERR (zmq_bind (s, ep), EADDRINUSE);
    CHECK_FD (EXPECT (mon, ZMQ_EVENT_CLOSED, ""));
    CHECK (EXPECT (mon, ZMQ_EVENT_BIND_FAILED, addr) == EADDRINUSE);

    CHECK_ERR (zmq_bind (s, "ipc:///nonexistent-dir-zmq/socket"), ENOENT);
    CHECK_FD (EXPECT (mon, ZMQ_EVENT_CLOSED, "ipc:///nonexistent-dir-zmq/socket"));
    CHECK (EXPECT (mon, ZMQ_EVENT_BIND_FAILED, "/nonexistent-dir-zmq/socket") == ENOENT);

    CHECK_ERR (zmq_bind (s, "tcp://no-such-interface-zmq:5555"), ENODEV);
    CHECK (EXPECT (mon, ZMQ_EVENT_BIND_FAILED, "no-such-interface-zmq:5555") == ENODEV);
    expect_silence (mon, 50);

    close_socket (s);
    EXPECT (mon, ZMQ_EVENT_MONITOR_STOPPED, "");
    close_socket (taken);
    CHECK_OK (zmq_close (mon));
}

/* Nobody listening from the start: each attempt fails and the interval
 * doubles up to ZMQ_RECONNECT_IVL_MAX, plus up to one ZMQ_RECONNECT_IVL
 * of jitter. */
static void refused (const char *ep, int tcp)
{
    void *cli = new_socket (ZMQ_PUSH);
    int ivl = 20, max = 80;
    CHECK_OK (zmq_setsockopt (cli, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl));
    CHECK_OK (zmq_setsockopt (cli, ZMQ_RECONNECT_IVL_MAX, &max, sizeof max));
    void *mon = monitor (cli);
    CHECK_OK (zmq_connect (cli, ep));
    const int base[] = {20, 40, 80, 80};
    for (int i = 0; i < 4; i++) {
        EXPECT_FAILED_ATTEMPT (mon, tcp, ep);
        uint32_t v = EXPECT (mon, ZMQ_EVENT_CONNECT_RETRIED, ep);
        CHECK ((int) v >= base[i] && (int) v < base[i] + ivl);
    }
    close_socket (cli);
    SKIP_RETRIES_UNTIL (mon, ZMQ_EVENT_MONITOR_STOPPED, "", ep);
    CHECK_OK (zmq_close (mon));
}

static void test_refused_tcp (void)
{
    /* A port bound but not listening: connects are refused, and no other
     * process can take it meanwhile. */
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    memset (&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    CHECK (bind (fd, (struct sockaddr *) &a, sizeof a) == 0);
    CHECK (getsockname (fd, (struct sockaddr *) &a, &len) == 0);
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", ntohs (a.sin_port));
    refused (ep, 1);
    close (fd);
}

static void test_refused_ipc (void)
{
    char ep[64];
    snprintf (ep, sizeof ep, "ipc:///tmp/test_monitor_nobody_%d", (int) getpid ());
    refused (ep, 0);
}

static int raw_connect (const char *ep)
{
    int port = atoi (strrchr (ep, ':') + 1);
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    struct sockaddr_in a;
    memset (&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons (port);
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    CHECK (connect (fd, (struct sockaddr *) &a, sizeof a) == 0);
    return fd;
}

/* Handshake failures as the binding side reports them: the reason, then
 * DISCONNECTED for the same descriptor as ACCEPTED. */
static void test_handshake_failed (void)
{
    char ep[256];
    void *srv = new_socket (ZMQ_PULL);
    int hs = 200;
    CHECK_OK (zmq_setsockopt (srv, ZMQ_HANDSHAKE_IVL, &hs, sizeof hs));
    void *mon = monitor (srv);
    CHECK_OK (zmq_bind (srv, "tcp://127.0.0.1:*"));
    last_endpoint (srv, ep);
    CHECK_FD (EXPECT (mon, ZMQ_EVENT_LISTENING, ep));

    /* A ZMTP 3.0 greeting asking for PLAIN: mechanism mismatch. */
    unsigned char greeting[64];
    memset (greeting, 0, sizeof greeting);
    greeting[0] = 0xff;
    greeting[8] = 1;
    greeting[9] = 0x7f;
    greeting[10] = 3;
    memcpy (greeting + 12, "PLAIN", 5);
    int fd = raw_connect (ep);
    CHECK (write (fd, greeting, sizeof greeting) == (ssize_t) sizeof greeting);
    uint32_t afd = EXPECT (mon, ZMQ_EVENT_ACCEPTED, ep);
    CHECK_FD (afd);
    CHECK (EXPECT (mon, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, ep)
           == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH);
    CHECK (EXPECT (mon, ZMQ_EVENT_DISCONNECTED, ep) == afd);
    close (fd);

    /* Silence until ZMQ_HANDSHAKE_IVL: NO_DETAIL with an errno. */
    fd = raw_connect (ep);
    afd = EXPECT (mon, ZMQ_EVENT_ACCEPTED, ep);
    CHECK ((int) EXPECT (mon, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, ep) < 4096);
    CHECK (EXPECT (mon, ZMQ_EVENT_DISCONNECTED, ep) == afd);
    close (fd);

    /* Half a greeting, then gone: NO_DETAIL too. */
    fd = raw_connect (ep);
    CHECK (write (fd, greeting, 11) == 11);
    afd = EXPECT (mon, ZMQ_EVENT_ACCEPTED, ep);
    close (fd);
    CHECK ((int) EXPECT (mon, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, ep) < 4096);
    CHECK (EXPECT (mon, ZMQ_EVENT_DISCONNECTED, ep) == afd);

    close_socket (srv);
    CHECK_FD (EXPECT (mon, ZMQ_EVENT_CLOSED, ep));
    EXPECT (mon, ZMQ_EVENT_MONITOR_STOPPED, "");
    CHECK_OK (zmq_close (mon));
}

/* PUSH to PUSH: both sides refuse the peer's socket type without a
 * handshake event, and the connecter gives up (a protocol error ends the
 * endpoint): no reconnect. */
static void test_socket_type_mismatch (void)
{
    char ep[256];
    void *srv = new_socket (ZMQ_PUSH);
    void *smon = monitor (srv);
    CHECK_OK (zmq_bind (srv, "tcp://127.0.0.1:*"));
    last_endpoint (srv, ep);
    CHECK_FD (EXPECT (smon, ZMQ_EVENT_LISTENING, ep));
    void *cli = new_socket (ZMQ_PUSH);
    void *cmon = monitor (cli);
    CHECK_OK (zmq_connect (cli, ep));
    CHECK (EXPECT (cmon, ZMQ_EVENT_CONNECT_DELAYED, ep) == EINPROGRESS);
    uint32_t cfd = EXPECT (cmon, ZMQ_EVENT_CONNECTED, ep);
    CHECK (EXPECT (cmon, ZMQ_EVENT_DISCONNECTED, ep) == cfd);
    uint32_t afd = EXPECT (smon, ZMQ_EVENT_ACCEPTED, ep);
    CHECK (EXPECT (smon, ZMQ_EVENT_DISCONNECTED, ep) == afd);
    expect_silence (cmon, 4 * IVL);
    expect_silence (smon, 10);
    close_socket (cli);
    EXPECT (cmon, ZMQ_EVENT_MONITOR_STOPPED, "");
    close_socket (srv);
    CHECK_FD (EXPECT (smon, ZMQ_EVENT_CLOSED, ep));
    EXPECT (smon, ZMQ_EVENT_MONITOR_STOPPED, "");
    CHECK_OK (zmq_close (cmon));
    CHECK_OK (zmq_close (smon));
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_lifecycle_tcp);
    RUN_TEST (test_lifecycle_ipc);
    RUN_TEST (test_endpoint_names);
    RUN_TEST (test_bind_failed);
    RUN_TEST (test_refused_tcp);
    RUN_TEST (test_refused_ipc);
    RUN_TEST (test_handshake_failed);
    RUN_TEST (test_socket_type_mismatch);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
