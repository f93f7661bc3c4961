/* capi-test: valgrind
 * CURVE against a tampering man in the middle: a proxy between a real CURVE
 * client and a CURVE server rewrites the client's frames (HELLO with a bad
 * version, a bad box, a wrong length or non-zero padding; INITIATE with a bad
 * box; a MESSAGE whose box fails to open; a replayed MESSAGE; a whole
 * recorded handshake replayed on a new connection, whose cookie is stale).
 * Each case must end only that connection, with the monitor event libzmq
 * emits, while a second, honest client keeps talking to the same server. */
#include "tcputil.h"

#include <poll.h>
#include <pthread.h>

static char server_public[41], server_secret[41];
static char client_public[41], client_secret[41];

enum mode
{
    PASS,
    HELLO_VERSION,
    HELLO_BOX,
    HELLO_LENGTH,
    HELLO_PADDING,
    INITIATE_BOX,
    MESSAGE_BOX,
    MESSAGE_REPLAY,
};

/* ------------------------------------------------------------ the proxy */

typedef struct
{
    int listen_fd;
    int port;
    unsigned short server_port;
    enum mode mode;
    /* The client's frames as sent (HELLO, INITIATE), for the replay case. */
    unsigned char recorded[2][512];
    size_t recorded_len[2];
} proxy_t;

static int write_all (int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write (fd, p, n);
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t) k;
    }
    return 0;
}

/* Write one ZMTP 3 frame: flags, size, body. */
static int write_frame (int fd, unsigned char flags, const unsigned char *body,
                        size_t n)
{
    unsigned char h[9];
    size_t hl;
    if (n > 255) {
        h[0] = flags | 0x02;
        for (int i = 0; i < 8; i++)
            h[1 + i] = (unsigned char) ((uint64_t) n >> (56 - 8 * i));
        hl = 9;
    } else {
        h[0] = flags;
        h[1] = (unsigned char) n;
        hl = 2;
    }
    if (write_all (fd, h, hl))
        return -1;
    return write_all (fd, body, n);
}

/* Client -> server: the greeting as is, then frame by frame, rewritten as
 * the mode says. Server -> client: as is. Ends when either side closes. */
static void relay (proxy_t *p, int cfd, int sfd)
{
    static unsigned char in[1 << 16];
    static unsigned char frame[1 << 16];
    size_t have = 0, greeting = 64;
    int index = 0;
    struct pollfd fds[2] = {{cfd, POLLIN, 0}, {sfd, POLLIN, 0}};
    for (;;) {
        if (poll (fds, 2, 5000) <= 0)
            return;
        if (fds[1].revents) {
            unsigned char buf[4096];
            ssize_t k = read (sfd, buf, sizeof buf);
            if (k <= 0 || write_all (cfd, buf, (size_t) k))
                return;
        }
        if (!fds[0].revents)
            continue;
        ssize_t k = read (cfd, in + have, sizeof in - have);
        if (k <= 0)
            return;
        have += (size_t) k;
        if (greeting) {
            size_t g = have < greeting ? have : greeting;
            if (write_all (sfd, in, g))
                return;
            memmove (in, in + g, have - g);
            have -= g;
            greeting -= g;
        }
        /* Complete frames. */
        for (;;) {
            if (greeting || have < 2)
                break;
            size_t hl = (in[0] & 0x02) ? 9 : 2, n = 0;
            if (have < hl)
                break;
            if (hl == 9)
                for (int i = 0; i < 8; i++)
                    n = (n << 8) | in[1 + i];
            else
                n = in[1];
            CHECK (n <= sizeof frame);
            if (have < hl + n)
                break;
            unsigned char flags = in[0] & ~0x02;
            memcpy (frame, in + hl, n);
            memmove (in, in + hl + n, have - hl - n);
            have -= hl + n;
            if (index < 2) {
                memcpy (p->recorded[index], frame, n);
                p->recorded_len[index] = n;
            }
            int dup = 0;
            if (index == 0 && p->mode == HELLO_VERSION)
                frame[6] = 2;
            if (index == 0 && p->mode == HELLO_BOX)
                frame[150] ^= 0x20;
            if (index == 0 && p->mode == HELLO_LENGTH)
                n -= 1;
            if (index == 0 && p->mode == HELLO_PADDING)
                frame[20] = 0x5a;
            if (index == 1 && p->mode == INITIATE_BOX)
                frame[n - 1] ^= 0x01;
            if (index == 2 && p->mode == MESSAGE_BOX)
                frame[n - 1] ^= 0x01;
            if (index == 2 && p->mode == MESSAGE_REPLAY)
                dup = 1;
            index++;
            if (write_frame (sfd, flags, frame, n))
                return;
            if (dup && write_frame (sfd, flags, frame, n))
                return;
        }
    }
}

static void *proxy_main (void *arg)
{
    proxy_t *p = arg;
    int cfd = accept (p->listen_fd, NULL, NULL);
    CHECK (cfd >= 0);
    int sfd = raw_connect_port (p->server_port);
    relay (p, cfd, sfd);
    close (cfd);
    close (sfd);
    return NULL;
}

/* ------------------------------------------------------------- helpers */

typedef monitor_event_t event_t;
#define handshake_event next_handshake_event

static void *curve_client (void *ctx, const char *endpoint)
{
    void *s = zmq_socket (ctx, ZMQ_PUSH);
    CHECK (s);
    set_int (s, ZMQ_LINGER, 0);
    set_int (s, ZMQ_RECONNECT_IVL, -1);
    CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, server_public, 40));
    CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_PUBLICKEY, client_public, 40));
    CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, client_secret, 40));
    CHECK_OK (zmq_connect (s, endpoint));
    return s;
}

typedef struct
{
    void *ctx, *server, *mon, *honest;
    char endpoint[64];
    unsigned short port;
} rig_t;

static void rig_up (rig_t *r)
{
    r->ctx = zmq_ctx_new ();
    r->server = zmq_socket (r->ctx, ZMQ_PULL);
    set_int (r->server, ZMQ_LINGER, 0);
    set_int (r->server, ZMQ_CURVE_SERVER, 1);
    CHECK_OK (zmq_setsockopt (r->server, ZMQ_CURVE_SECRETKEY, server_secret, 40));
    set_int (r->server, ZMQ_RCVTIMEO, 2000);
    CHECK_OK (zmq_socket_monitor (r->server, "inproc://hostile-mon", ZMQ_EVENT_ALL));
    r->mon = zmq_socket (r->ctx, ZMQ_PAIR);
    CHECK_OK (zmq_connect (r->mon, "inproc://hostile-mon"));
    CHECK_OK (zmq_bind (r->server, "tcp://127.0.0.1:*"));
    size_t len = sizeof r->endpoint;
    CHECK_OK (zmq_getsockopt (r->server, ZMQ_LAST_ENDPOINT, r->endpoint, &len));
    r->port = (unsigned short) atoi (strrchr (r->endpoint, ':') + 1);
    /* The honest client, directly connected. */
    r->honest = curve_client (r->ctx, r->endpoint);
    event_t ev = handshake_event (r->mon, 3000);
    CHECK (ev.event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
}

/* The honest client still gets through. */
static void honest_still_talks (rig_t *r)
{
    char buf[16];
    CHECK (zmq_send (r->honest, "honest", 6, 0) == 6);
    /* Skip what the tampered connection may have delivered before failing. */
    for (;;) {
        int n = zmq_recv (r->server, buf, sizeof buf, 0);
        CHECK (n >= 0);
        if (n == 6 && memcmp (buf, "honest", 6) == 0)
            break;
        CHECK (n == 5 && memcmp (buf, "first", 5) == 0);
    }
}

static void rig_down (rig_t *r)
{
    CHECK_OK (zmq_close (r->honest));
    CHECK_OK (zmq_socket_monitor (r->server, NULL, 0));
    CHECK_OK (zmq_close (r->mon));
    CHECK_OK (zmq_close (r->server));
    CHECK_OK (zmq_ctx_term (r->ctx));
}

/* A proxy in `mode` in front of the rig's server, and a CURVE client
 * connected through it. */
static void *start_proxy (rig_t *r, proxy_t *p, enum mode mode, pthread_t *t)
{
    memset (p, 0, sizeof *p);
    p->mode = mode;
    p->server_port = r->port;
    p->listen_fd = raw_listener (&p->port);
    CHECK (pthread_create (t, NULL, proxy_main, p) == 0);
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", p->port);
    return curve_client (r->ctx, ep);
}

/* Run `mode` through the proxy; returns the server's handshake event for the
 * proxied connection, and (MESSAGE cases) the event after the first
 * message. */
static event_t through_proxy (enum mode mode, event_t *after_message)
{
    rig_t r;
    rig_up (&r);
    static proxy_t p;
    pthread_t t;
    void *client = start_proxy (&r, &p, mode, &t);
    event_t ev = handshake_event (r.mon, 3000);
    printf ("# mode %d: handshake event 0x%x value 0x%lx\n", mode, ev.event,
            ev.value);
    if (after_message) {
        CHECK (ev.event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
        CHECK (zmq_send (client, "first", 5, 0) == 5);
        CHECK (zmq_send (client, "second", 6, 0) == 6);
        *after_message = handshake_event (r.mon, 3000);
        printf ("# mode %d: after the message 0x%x value 0x%lx\n", mode,
                after_message->event, after_message->value);
    }
    honest_still_talks (&r);
    CHECK_OK (zmq_close (client));
    pthread_join (t, NULL);
    close (p.listen_fd);
    rig_down (&r);
    return ev;
}

static void expect_protocol (enum mode mode, int code)
{
    event_t ev = through_proxy (mode, NULL);
    CHECK (ev.event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL && ev.value == code);
}

static void test_untampered_proxy_works (void)
{
    event_t ev = through_proxy (PASS, NULL);
    CHECK (ev.event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
}

static void test_hello_bad_version (void)
{
    expect_protocol (HELLO_VERSION, ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO);
}

static void test_hello_bad_box (void)
{
    expect_protocol (HELLO_BOX, ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC);
}

static void test_hello_wrong_length (void)
{
    expect_protocol (HELLO_LENGTH, ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO);
}

/* libzmq 4.3 does not look at HELLO's padding: the box still proves C'. */
static void test_hello_nonzero_padding (void)
{
    event_t ev = through_proxy (HELLO_PADDING, NULL);
    CHECK (ev.event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
}

static void test_initiate_bad_box (void)
{
    expect_protocol (INITIATE_BOX, ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC);
}

/* After the handshake libzmq still reports a MESSAGE failure as
 * HANDSHAKE_FAILED_PROTOCOL. */
static void test_message_box_fails_to_open (void)
{
    event_t after;
    through_proxy (MESSAGE_BOX, &after);
    CHECK (after.event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
           && after.value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC);
}

static void test_message_replayed (void)
{
    event_t after;
    through_proxy (MESSAGE_REPLAY, &after);
    CHECK (after.event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
           && after.value == ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE);
}

/* A recorded HELLO + INITIATE replayed on a new connection: the server
 * answers the HELLO with a fresh cookie, so the old INITIATE's is stale. */
static void test_replayed_handshake_stale_cookie (void)
{
    rig_t r;
    rig_up (&r);
    static proxy_t p;
    pthread_t t;
    void *client = start_proxy (&r, &p, PASS, &t);
    CHECK (handshake_event (r.mon, 3000).event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    CHECK_OK (zmq_close (client));
    pthread_join (t, NULL);
    close (p.listen_fd);
    CHECK (p.recorded_len[0] == 200 && p.recorded_len[1] > 250);

    /* Replay: greeting, the recorded HELLO and INITIATE. */
    int fd = raw_connect_port (r.port);
    unsigned char g[64];
    memset (g, 0, sizeof g);
    g[0] = 0xff;
    g[9] = 0x7f;
    g[10] = 3;
    g[11] = 0;
    memcpy (g + 12, "CURVE", 5);
    CHECK (write_all (fd, g, sizeof g) == 0);
    unsigned char in[64];
    size_t got = 0;
    while (got < 64) {
        ssize_t k = read (fd, in + got, 64 - got);
        CHECK (k > 0);
        got += (size_t) k;
    }
    CHECK (write_frame (fd, 0x04, p.recorded[0], p.recorded_len[0]) == 0);
    /* The WELCOME (a 168-byte command). */
    unsigned char w[170];
    got = 0;
    while (got < sizeof w) {
        ssize_t k = read (fd, w + got, sizeof w - got);
        CHECK (k > 0);
        got += (size_t) k;
    }
    CHECK (w[0] == 0x04 && w[1] == 168 && memcmp (w + 2, "\x07WELCOME", 8) == 0);
    CHECK (write_frame (fd, 0x04, p.recorded[1], p.recorded_len[1]) == 0);
    event_t ev = handshake_event (r.mon, 3000);
    printf ("# stale cookie: event 0x%x value 0x%lx\n", ev.event, ev.value);
    CHECK (ev.event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
           && ev.value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC);
    /* The server closes the connection. */
    unsigned char b;
    CHECK (read (fd, &b, 1) <= 0);
    close (fd);
    honest_still_talks (&r);
    rig_down (&r);
}

int main (void)
{
    CHECK_OK (zmq_curve_keypair (server_public, server_secret));
    CHECK_OK (zmq_curve_keypair (client_public, client_secret));
    RUN_TEST (test_untampered_proxy_works);
    RUN_TEST (test_hello_bad_version);
    RUN_TEST (test_hello_bad_box);
    RUN_TEST (test_hello_wrong_length);
    RUN_TEST (test_hello_nonzero_padding);
    RUN_TEST (test_initiate_bad_box);
    RUN_TEST (test_message_box_fails_to_open);
    RUN_TEST (test_message_replayed);
    RUN_TEST (test_replayed_handshake_stale_cookie);
    return 0;
}
