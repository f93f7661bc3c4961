/* capi-test: ours-only
 * The draft monitor API: zmq_socket_monitor_versioned version 2 frames
 * (u64 event, value count, values, local and remote endpoint) with the
 * endpoint pairs libzmq 4.3.5 reports, zmq_socket_monitor_pipes_stats
 * (ZMQ_EVENT_PIPES_STATS: messages queued towards and from each peer), and
 * ACCEPT_FAILED when descriptors run out. */
#include "testutil.h"
#include <stdint.h>
#include <unistd.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#define WAIT_MS 5000

static void *ctx;
static int seq;

typedef struct
{
    uint64_t event;
    uint64_t n;
    uint64_t values[4];
    char local[256];
    char remote[256];
} event_t;

static void *monitor_v2 (void *s, uint64_t events)
{
    char addr[64];
    snprintf (addr, sizeof addr, "inproc://monitor-v2-%d", seq++);
    CHECK_OK (zmq_socket_monitor_versioned (s, addr, events, 2, ZMQ_PAIR));
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    CHECK (mon);
    CHECK_OK (zmq_connect (mon, addr));
    return mon;
}

static void recv_frame (void *mon, void *buf, size_t cap, size_t *len, int more)
{
    zmq_msg_t m;
    CHECK_OK (zmq_msg_init (&m));
    CHECK (zmq_msg_recv (&m, mon, 0) >= 0);
    CHECK (zmq_msg_more (&m) == more);
    CHECK (zmq_msg_size (&m) < cap);
    memcpy (buf, zmq_msg_data (&m), zmq_msg_size (&m));
    *len = zmq_msg_size (&m);
    CHECK_OK (zmq_msg_close (&m));
}

/* The next event within WAIT_MS; `pump` (if any) is called into meanwhile,
 * so an inproc peer answers a pipes-stats request. */
static event_t next_event (void *mon, void *pump)
{
    event_t ev;
    memset (&ev, 0, sizeof ev);
    zmq_pollitem_t item = {mon, 0, ZMQ_POLLIN, 0};
    int waited = 0;
    for (;;) {
        if (pump) {
            int e;
            size_t l = sizeof e;
            zmq_getsockopt (pump, ZMQ_EVENTS, &e, &l);
        }
        int rc = zmq_poll (&item, 1, 10);
        CHECK (rc >= 0);
        if (rc == 1)
            break;
        waited += 10;
        CHECK (waited < WAIT_MS);
    }
    size_t len;
    recv_frame (mon, &ev.event, sizeof ev.event + 1, &len, 1);
    CHECK (len == 8);
    recv_frame (mon, &ev.n, sizeof ev.n + 1, &len, 1);
    CHECK (len == 8 && ev.n <= 4);
    for (uint64_t i = 0; i < ev.n; i++) {
        recv_frame (mon, &ev.values[i], sizeof ev.values[i] + 1, &len, 1);
        CHECK (len == 8);
    }
    recv_frame (mon, ev.local, sizeof ev.local, &len, 1);
    ev.local[len] = 0;
    recv_frame (mon, ev.remote, sizeof ev.remote, &len, 0);
    ev.remote[len] = 0;
    return ev;
}

#define EXPECT(mon, want, loc, rem) expect_ (__LINE__, mon, want, loc, rem)
static event_t
expect_ (int line, void *mon, uint64_t want, const char *local, const char *remote)
{
    event_t ev = next_event (mon, NULL);
    if (ev.event != want || strcmp (ev.local, local) != 0
        || strcmp (ev.remote, remote) != 0) {
        fprintf (stderr,
                 "line %d: expected event 0x%llx '%s' '%s', got 0x%llx '%s' '%s'\n",
                 line, (unsigned long long) want, local, remote,
                 (unsigned long long) ev.event, ev.local, ev.remote);
        exit (1);
    }
    return ev;
}

static void last_endpoint (void *s, char *buf)
{
    size_t len = 256;
    CHECK_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, buf, &len));
}

static void *new_socket (int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    int zero = 0;
    CHECK_OK (zmq_setsockopt (s, ZMQ_LINGER, &zero, sizeof zero));
    return s;
}

/* Listener events name the bound endpoint locally; a connecter's name its
 * endpoint as the remote end (and, once connected, its own address as the
 * local end); the accepted connection's name both addresses. */
static void test_v2_endpoints (void)
{
    char ep[256], client[256];
    void *srv = new_socket (ZMQ_PULL);
    void *smon = monitor_v2 (srv, ZMQ_EVENT_ALL_V2);
    CHECK_OK (zmq_bind (srv, "tcp://127.0.0.1:*"));
    last_endpoint (srv, ep);
    event_t ev = EXPECT (smon, ZMQ_EVENT_LISTENING, ep, "");
    CHECK (ev.n == 1 && ev.values[0] > 2);

    void *cli = new_socket (ZMQ_PUSH);
    void *cmon = monitor_v2 (cli, ZMQ_EVENT_ALL_V2);
    CHECK_OK (zmq_connect (cli, ep));
    ev = EXPECT (cmon, ZMQ_EVENT_CONNECT_DELAYED, "", ep);
    CHECK (ev.n == 1 && ev.values[0] == EINPROGRESS);
    ev = next_event (cmon, NULL);
    CHECK (ev.event == ZMQ_EVENT_CONNECTED && strcmp (ev.remote, ep) == 0);
    CHECK (strncmp (ev.local, "tcp://127.0.0.1:", 16) == 0);
    CHECK (strcmp (ev.local, ep) != 0);
    strcpy (client, ev.local);
    uint64_t cfd = ev.values[0];
    EXPECT (cmon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, client, ep);
    ev = EXPECT (smon, ZMQ_EVENT_ACCEPTED, ep, client);
    uint64_t afd = ev.values[0];
    EXPECT (smon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, ep, client);

    /* The client goes: the server's DISCONNECTED names both ends. */
    CHECK_OK (zmq_close (cli));
    ev = EXPECT (cmon, ZMQ_EVENT_MONITOR_STOPPED, "", "");
    CHECK (ev.n == 1 && ev.values[0] == 0);
    ev = EXPECT (smon, ZMQ_EVENT_DISCONNECTED, ep, client);
    CHECK (ev.values[0] == afd && afd != cfd);
    CHECK_OK (zmq_close (srv));
    ev = EXPECT (smon, ZMQ_EVENT_CLOSED, ep, "");
    EXPECT (smon, ZMQ_EVENT_MONITOR_STOPPED, "", "");
    CHECK_OK (zmq_close (cmon));
    CHECK_OK (zmq_close (smon));
}

static void test_v2_arguments (void)
{
    void *s = new_socket (ZMQ_PAIR);
    /* v1 takes 16-bit events only; v2 takes PIPES_STATS. */
    CHECK_ERR (zmq_socket_monitor_versioned (s, "inproc://m-v1", ZMQ_EVENT_ALL_V2, 1, ZMQ_PAIR),
               EINVAL);
    CHECK_ERR (zmq_socket_monitor_versioned (s, "inproc://m-v3", ZMQ_EVENT_ALL, 3, ZMQ_PAIR),
               EINVAL);
    CHECK_ERR (zmq_socket_monitor_versioned (s, "inproc://m-sub", ZMQ_EVENT_ALL, 2, ZMQ_SUB),
               EINVAL);
    CHECK_ERR (zmq_socket_monitor_pipes_stats (NULL), ENOTSOCK);
    CHECK_OK (zmq_close (s));
}

/* PIPES_STATS: EINVAL unless the monitor asked for it, EAGAIN without a
 * peer; otherwise one event per peer with [queued towards it, queued
 * from it] (as far as the pipe's credit tells), named like the pipe. */
static void test_pipes_stats (void)
{
    char ep[256];
    void *srv = new_socket (ZMQ_PULL);
    CHECK_ERR (zmq_socket_monitor_pipes_stats (srv), EINVAL);
    void *smon = monitor_v2 (srv, ZMQ_EVENT_ALL_V1);
    CHECK_ERR (zmq_socket_monitor_pipes_stats (srv), EINVAL);
    CHECK_OK (zmq_close (smon));
    smon = monitor_v2 (srv, ZMQ_EVENT_PIPES_STATS | ZMQ_EVENT_ACCEPTED);
    CHECK_ERR (zmq_socket_monitor_pipes_stats (srv), EAGAIN);
    CHECK_OK (zmq_bind (srv, "tcp://127.0.0.1:*"));
    last_endpoint (srv, ep);

    void *cli = new_socket (ZMQ_PUSH);
    void *cmon = monitor_v2 (cli, ZMQ_EVENT_PIPES_STATS);
    CHECK_OK (zmq_connect (cli, ep));
    event_t ev = next_event (smon, NULL);
    CHECK (ev.event == ZMQ_EVENT_ACCEPTED);
    char client[256];
    strcpy (client, ev.remote);
    for (int i = 0; i < 10; i++)
        CHECK (zmq_send (cli, "m", 1, 0) == 1);

    /* The server has read none: once all ten are through, 10 inbound. */
    int polls = 0;
    for (;;) {
        if (zmq_socket_monitor_pipes_stats (srv) == -1) {
            CHECK (zmq_errno () == EAGAIN); /* not attached yet */
        } else {
            ev = EXPECT (smon, ZMQ_EVENT_PIPES_STATS, ep, client);
            CHECK (ev.n == 2 && ev.values[0] == 0);
            if (ev.values[1] == 10)
                break;
            CHECK (ev.values[1] < 10);
        }
        CHECK (++polls < 500);
        usleep (10000);
    }
    /* The client's pipe is its connecter's: named by the endpoint. */
    CHECK_OK (zmq_socket_monitor_pipes_stats (cli));
    ev = EXPECT (cmon, ZMQ_EVENT_PIPES_STATS, "", ep);
    CHECK (ev.n == 2 && ev.values[0] <= 10 && ev.values[1] == 0);

    CHECK_OK (zmq_close (cli));
    CHECK_OK (zmq_close (srv));
    CHECK_OK (zmq_close (cmon));
    CHECK_OK (zmq_close (smon));
}

/* Over inproc the peer socket answers when it next processes commands. */
static void test_pipes_stats_inproc (void)
{
    void *a = new_socket (ZMQ_PAIR);
    void *b = new_socket (ZMQ_PAIR);
    void *mon = monitor_v2 (a, ZMQ_EVENT_PIPES_STATS);
    CHECK_OK (zmq_bind (a, "inproc://stats"));
    CHECK_OK (zmq_connect (b, "inproc://stats"));
    for (int i = 0; i < 3; i++)
        CHECK (zmq_send (b, "x", 1, 0) == 1);
    CHECK (zmq_send (a, "y", 1, 0) == 1);
    CHECK_OK (zmq_socket_monitor_pipes_stats (a));
    event_t ev = next_event (mon, b);
    CHECK (ev.event == ZMQ_EVENT_PIPES_STATS && ev.n == 2);
    CHECK (ev.values[0] == 1 && ev.values[1] == 3);
    CHECK_OK (zmq_close (b));
    CHECK_OK (zmq_close (a));
    CHECK_OK (zmq_close (mon));
}

/* Out of descriptors when a connection arrives: ACCEPT_FAILED (EMFILE),
 * and the listener keeps serving once descriptors are back. (libzmq
 * retries the failed accept in a loop and floods the monitor.) */
static void test_accept_failed (void)
{
    char ep[256];
    void *srv = new_socket (ZMQ_PULL);
    void *mon = monitor_v2 (srv, ZMQ_EVENT_ALL_V2);
    CHECK_OK (zmq_bind (srv, "tcp://127.0.0.1:*"));
    last_endpoint (srv, ep);
    EXPECT (mon, ZMQ_EVENT_LISTENING, ep, "");
    int port = atoi (strrchr (ep, ':') + 1);

    /* The client's socket exists before the descriptors run out. */
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    struct rlimit old, low;
    CHECK (getrlimit (RLIMIT_NOFILE, &old) == 0);
    low = old;
    low.rlim_cur = 256;
    CHECK (setrlimit (RLIMIT_NOFILE, &low) == 0);
    /* Take every descriptor left, again after a pause in case a background
     * thread was still closing some. */
    int fillers[256], n = 0;
    for (int round = 0; round < 3; round++) {
        for (;;) {
            int f = dup (0);
            if (f < 0)
                break;
            CHECK (n < 256);
            fillers[n++] = f;
        }
        usleep (20000);
    }
    struct sockaddr_in a;
    memset (&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons (port);
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    CHECK (connect (fd, (struct sockaddr *) &a, sizeof a) == 0);
    CHECK (EXPECT (mon, ZMQ_EVENT_ACCEPT_FAILED, ep, "").values[0] == EMFILE);

    /* Descriptors back; a second client wakes the listener up, and both
     * pending connections are accepted (libzmq may report more failed
     * attempts first). */
    for (int i = 0; i < n; i++)
        close (fillers[i]);
    CHECK (setrlimit (RLIMIT_NOFILE, &old) == 0);
    int fd2 = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (fd2 >= 0);
    CHECK (connect (fd2, (struct sockaddr *) &a, sizeof a) == 0);
    int accepted = 0;
    while (accepted < 2) {
        event_t ev = next_event (mon, NULL);
        if (ev.event == ZMQ_EVENT_ACCEPT_FAILED && ev.values[0] == EMFILE)
            continue;
        if (ev.event == ZMQ_EVENT_ACCEPTED && strcmp (ev.local, ep) == 0) {
            accepted++;
            continue;
        }
        /* A fast handshake failure of the raw clients may interleave. */
        if (ev.event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
            || ev.event == ZMQ_EVENT_DISCONNECTED)
            continue;
        fprintf (stderr, "unexpected event 0x%llx\n", (unsigned long long) ev.event);
        exit (1);
    }
    close (fd);
    close (fd2);
    CHECK_OK (zmq_close (srv));
    CHECK_OK (zmq_close (mon));
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_accept_failed);
    RUN_TEST (test_v2_arguments);
    RUN_TEST (test_v2_endpoints);
    RUN_TEST (test_pipes_stats);
    RUN_TEST (test_pipes_stats_inproc);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
