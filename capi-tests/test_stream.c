/* capi-test: valgrind
 * ZMQ_STREAM (zmq_socket(3)): raw tcp with a routing-id frame and a data
 * frame per message. Against plain POSIX tcp clients and servers, another
 * STREAM socket, and a ZMTP socket whose greeting arrives as raw bytes:
 * connect/disconnect notifications (ZMQ_STREAM_NOTIFY), closing a peer by
 * sending a zero-length frame, ZMQ_CONNECT_ROUTING_ID, routing errors, reads
 * larger than the 8 KiB batch, Peer-Address metadata, monitor events. */
#include "testutil.h"
#include "tcputil.h"

static void *ctx;

/* ---- plain tcp helpers --------------------------------------------------- */

static int port_of (void *s)
{
    char ep[256];
    size_t len = sizeof ep;
    CHECK_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &len));
    const char *colon = strrchr (ep, ':');
    CHECK (colon);
    return atoi (colon + 1);
}

/* Read exactly n bytes (or until EOF: returns what was read). */
static size_t tcp_read (int fd, char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        struct pollfd p = {fd, POLLIN, 0};
        CHECK (poll (&p, 1, 5000) == 1);
        ssize_t r = read (fd, buf + got, n - got);
        CHECK (r >= 0);
        if (r == 0)
            break;
        got += (size_t) r;
    }
    return got;
}

/* The peer closed: read returns 0 within 5 s. libzmq closes a connection
 * the socket dropped only once that socket has handled the pipe's
 * termination handshake, i.e. when the application calls into it again:
 * keep asking it for ZMQ_EVENTS while waiting. */
static void tcp_expect_eof (int fd, void *s)
{
    char c;
    long deadline = now_ms () + 5000;
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll (&p, 1, 10) == 1)
            break;
        CHECK (now_ms () < deadline);
        int ev;
        size_t len = sizeof ev;
        CHECK_OK (zmq_getsockopt (s, ZMQ_EVENTS, &ev, &len));
    }
    CHECK (read (fd, &c, 1) == 0);
}

static void tcp_write (int fd, const void *buf, size_t n)
{
    CHECK (write (fd, buf, n) == (ssize_t) n);
}

/* ---- STREAM helpers ------------------------------------------------------ */

static void *stream_socket (void)
{
    void *s = zmq_socket (ctx, ZMQ_STREAM);
    CHECK (s);
    set_int (s, ZMQ_RCVTIMEO, 5000);
    set_int (s, ZMQ_SNDTIMEO, 5000);
    set_int (s, ZMQ_LINGER, 0);
    return s;
}

/* Receive [id, data]: the id goes to id/idlen, the data to buf (returns its
 * size). The id frame has MORE, the data frame not. */
static int recv_pair (void *s, unsigned char *id, size_t *idlen, char *buf, size_t cap)
{
    zmq_msg_t m;
    zmq_msg_init (&m);
    CHECK_OK (zmq_msg_recv (&m, s, 0));
    CHECK (zmq_msg_more (&m));
    CHECK (zmq_msg_size (&m) > 0 && zmq_msg_size (&m) <= 255);
    *idlen = zmq_msg_size (&m);
    memcpy (id, zmq_msg_data (&m), *idlen);
    zmq_msg_close (&m);
    int n = zmq_recv (s, buf, cap, 0);
    CHECK (n >= 0);
    int more;
    size_t ml = sizeof more;
    CHECK_OK (zmq_getsockopt (s, ZMQ_RCVMORE, &more, &ml));
    CHECK (!more);
    return n;
}

/* Wait until `s` has a message, keeping `other` handling its commands (see
 * tcp_expect_eof: libzmq closes a dropped connection lazily). */
static void wait_in_nudging (void *s, void *other)
{
    long deadline = now_ms () + 5000;
    for (;;) {
        int ev;
        size_t len = sizeof ev;
        CHECK_OK (zmq_getsockopt (s, ZMQ_EVENTS, &ev, &len));
        if (ev & ZMQ_POLLIN)
            return;
        CHECK (now_ms () < deadline);
        CHECK_OK (zmq_getsockopt (other, ZMQ_EVENTS, &ev, &len));
        usleep (10 * 1000);
    }
}

static void send_pair (void *s, const unsigned char *id, size_t idlen, const void *data, size_t n)
{
    CHECK ((size_t) zmq_send (s, id, idlen, ZMQ_SNDMORE) == idlen);
    CHECK ((size_t) zmq_send (s, data, n, 0) == n);
}

static void *bind_stream (int *port)
{
    void *s = stream_socket ();
    CHECK_OK (zmq_bind (s, "tcp://127.0.0.1:*"));
    *port = port_of (s);
    return s;
}

/* ---- cases --------------------------------------------------------------- */

/* A STREAM server and a plain tcp client. */
static void test_server_plain_client (void)
{
    int port;
    void *s = bind_stream (&port);
    int fd = raw_connect_port (port);
    unsigned char id[256];
    size_t idlen;
    char buf[256];
    /* Connect notification: the new peer's id and an empty frame. */
    CHECK (recv_pair (s, id, &idlen, buf, sizeof buf) == 0);
    CHECK (idlen == 5 && id[0] == 0);
    tcp_write (fd, "hello", 5);
    unsigned char id2[256];
    size_t id2len;
    CHECK (recv_pair (s, id2, &id2len, buf, sizeof buf) == 5);
    CHECK (memcmp (buf, "hello", 5) == 0);
    CHECK (id2len == idlen && memcmp (id, id2, idlen) == 0);
    send_pair (s, id, idlen, "world!", 6);
    CHECK (tcp_read (fd, buf, 6) == 6 && memcmp (buf, "world!", 6) == 0);
    /* A data frame sent with SNDMORE still goes out as one chunk. */
    CHECK (zmq_send (s, id, idlen, ZMQ_SNDMORE) == (int) idlen);
    CHECK (zmq_send (s, "abc", 3, ZMQ_SNDMORE) == 3);
    CHECK (tcp_read (fd, buf, 3) == 3 && memcmp (buf, "abc", 3) == 0);
    /* ...and the next frame is an id again: finish the message properly. */
    CHECK (zmq_send (s, id, idlen, ZMQ_SNDMORE) == (int) idlen);
    CHECK (zmq_send (s, "def", 3, 0) == 3);
    CHECK (tcp_read (fd, buf, 3) == 3 && memcmp (buf, "def", 3) == 0);
    /* A zero-length data frame closes the connection (after what is queued). */
    send_pair (s, id, idlen, "last", 4);
    send_pair (s, id, idlen, "", 0);
    CHECK (tcp_read (fd, buf, 4) == 4 && memcmp (buf, "last", 4) == 0);
    tcp_expect_eof (fd, s);
    close (fd);
    /* The peer is gone: routing to it fails. */
    zmq_sleep (0);
    usleep (100 * 1000);
    CHECK_ERR (zmq_send (s, id, idlen, ZMQ_SNDMORE), EHOSTUNREACH);
    /* A socket-initiated close has no disconnect notification. */
    CHECK_ERR (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    zmq_close (s);
}

/* The client closes: the STREAM socket gets [id, ""]. */
static void test_peer_close_notification (void)
{
    int port;
    void *s = bind_stream (&port);
    int fd1 = raw_connect_port (port);
    int fd2 = raw_connect_port (port);
    unsigned char id1[256], id2[256], id[256];
    size_t l1, l2, l;
    char buf[64];
    CHECK (recv_pair (s, id1, &l1, buf, sizeof buf) == 0);
    CHECK (recv_pair (s, id2, &l2, buf, sizeof buf) == 0);
    CHECK (!(l1 == l2 && memcmp (id1, id2, l1) == 0));
    tcp_write (fd1, "x", 1);
    CHECK (recv_pair (s, id, &l, buf, sizeof buf) == 1);
    CHECK (l == l1 && memcmp (id, id1, l) == 0);
    close (fd1);
    CHECK (recv_pair (s, id, &l, buf, sizeof buf) == 0);
    CHECK (l == l1 && memcmp (id, id1, l) == 0);
    /* The other connection is unaffected. */
    tcp_write (fd2, "yz", 2);
    CHECK (recv_pair (s, id, &l, buf, sizeof buf) == 2);
    CHECK (l == l2 && memcmp (id, id2, l) == 0);
    send_pair (s, id2, l2, "ok", 2);
    CHECK (tcp_read (fd2, buf, 2) == 2 && memcmp (buf, "ok", 2) == 0);
    close (fd2);
    CHECK (recv_pair (s, id, &l, buf, sizeof buf) == 0);
    CHECK (l == l2 && memcmp (id, id2, l) == 0);
    zmq_close (s);
}

/* ZMQ_STREAM_NOTIFY 0: no empty frames, neither on connect nor disconnect. */
static void test_notify_off (void)
{
    void *s = stream_socket ();
    int v = 2;
    CHECK_ERR (zmq_setsockopt (s, ZMQ_STREAM_NOTIFY, &v, sizeof v), EINVAL);
    set_int (s, ZMQ_STREAM_NOTIFY, 0);
    CHECK_OK (zmq_bind (s, "tcp://127.0.0.1:*"));
    int fd = raw_connect_port (port_of (s));
    tcp_write (fd, "data", 4);
    unsigned char id[256];
    size_t l;
    char buf[64];
    CHECK (recv_pair (s, id, &l, buf, sizeof buf) == 4);
    close (fd);
    usleep (200 * 1000);
    CHECK_ERR (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    zmq_close (s);
}

/* A STREAM client (ZMQ_CONNECT_ROUTING_ID) and a plain tcp server. */
static void test_client_plain_server (void)
{
    int port;
    int lfd = raw_listener (&port);
    void *s = stream_socket ();
    CHECK_OK (zmq_setsockopt (s, ZMQ_CONNECT_ROUTING_ID, "conn1", 5));
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    CHECK_OK (zmq_connect (s, ep));
    int fd = raw_accept (lfd, 5000);
    CHECK (fd >= 0);
    unsigned char id[256];
    size_t l;
    char buf[64];
    CHECK (recv_pair (s, id, &l, buf, sizeof buf) == 0);
    CHECK (l == 5 && memcmp (id, "conn1", 5) == 0);
    send_pair (s, (const unsigned char *) "conn1", 5, "ping", 4);
    CHECK (tcp_read (fd, buf, 4) == 4 && memcmp (buf, "ping", 4) == 0);
    tcp_write (fd, "pong", 4);
    CHECK (recv_pair (s, id, &l, buf, sizeof buf) == 4);
    CHECK (l == 5 && memcmp (id, "conn1", 5) == 0 && memcmp (buf, "pong", 4) == 0);
    /* The server drops us: disconnect notification with the same id. */
    close (fd);
    CHECK (recv_pair (s, id, &l, buf, sizeof buf) == 0);
    CHECK (l == 5 && memcmp (id, "conn1", 5) == 0);
    /* The connecter reconnects: a new connect notification, same id. */
    fd = raw_accept (lfd, 5000);
    CHECK (fd >= 0);
    CHECK (recv_pair (s, id, &l, buf, sizeof buf) == 0);
    CHECK (l == 5 && memcmp (id, "conn1", 5) == 0);
    send_pair (s, (const unsigned char *) "conn1", 5, "again", 5);
    CHECK (tcp_read (fd, buf, 5) == 5 && memcmp (buf, "again", 5) == 0);
    close (fd);
    close (lfd);
    zmq_close (s);
}

/* STREAM to STREAM in one process. */
static void test_stream_to_stream (void)
{
    int port;
    void *server = bind_stream (&port);
    void *client = stream_socket ();
    CHECK_OK (zmq_setsockopt (client, ZMQ_CONNECT_ROUTING_ID, "srv", 3));
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    CHECK_OK (zmq_connect (client, ep));
    unsigned char id[256], cid[256];
    size_t l, cl;
    char buf[64];
    CHECK (recv_pair (client, id, &l, buf, sizeof buf) == 0);
    CHECK (l == 3 && memcmp (id, "srv", 3) == 0);
    CHECK (recv_pair (server, cid, &cl, buf, sizeof buf) == 0);
    send_pair (client, (const unsigned char *) "srv", 3, "GET", 3);
    CHECK (recv_pair (server, id, &l, buf, sizeof buf) == 3);
    CHECK (l == cl && memcmp (id, cid, l) == 0 && memcmp (buf, "GET", 3) == 0);
    send_pair (server, cid, cl, "200 OK", 6);
    CHECK (recv_pair (client, id, &l, buf, sizeof buf) == 6);
    CHECK (memcmp (buf, "200 OK", 6) == 0);
    /* The server closes the connection: the client hears of it. */
    send_pair (server, cid, cl, "", 0);
    wait_in_nudging (client, server);
    CHECK (recv_pair (client, id, &l, buf, sizeof buf) == 0);
    CHECK (l == 3 && memcmp (id, "srv", 3) == 0);
    zmq_close (client);
    zmq_close (server);
}

/* A STREAM socket sees a ZMTP peer's greeting as raw bytes, and can speak
 * ZMTP to it by hand. */
static void test_stream_to_dealer (void)
{
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    CHECK (dealer);
    set_int (dealer, ZMQ_LINGER, 0);
    set_int (dealer, ZMQ_RCVTIMEO, 5000);
    set_int (dealer, ZMQ_SNDTIMEO, 5000);
    CHECK_OK (zmq_bind (dealer, "tcp://127.0.0.1:*"));
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port_of (dealer));
    void *s = stream_socket ();
    CHECK_OK (zmq_connect (s, ep));
    unsigned char id[256], id2[256];
    size_t l, l2;
    char buf[512];
    CHECK (recv_pair (s, id, &l, buf, sizeof buf) == 0);
    /* libzmq sends its greeting in stages: the 10-byte signature first,
     * the rest once it has seen ours. Everything it sends is collected in
     * `all`. */
    static unsigned char all[4096];
    size_t total = 0;
    unsigned char mine[64];
    memset (mine, 0, sizeof mine);
    mine[0] = 0xff;
    mine[8] = 1;
    mine[9] = 0x7f;
    mine[10] = 3;
    mine[11] = 0;
    memcpy (mine + 12, "NULL", 4);
    static const unsigned char ready[] = {
      0x04, 28, 5, 'R', 'E', 'A', 'D', 'Y', 11, 'S', 'o', 'c', 'k', 'e', 't',
      '-', 'T', 'y', 'p', 'e', 0, 0, 0, 6, 'R', 'O', 'U', 'T', 'E', 'R'};
    int sent = 0, found = 0;
    while (!found) {
        int n = recv_pair (s, id2, &l2, buf, sizeof buf);
        CHECK (n > 0 && l2 == l && memcmp (id, id2, l) == 0);
        CHECK (total + (size_t) n <= sizeof all);
        memcpy (all + total, buf, (size_t) n);
        total += (size_t) n;
        if (total >= 10 && !sent) {
            CHECK (all[0] == 0xff && all[9] == 0x7f);
            /* Our greeting (ZMTP 3.0, NULL, as a client) and READY as a
             * ROUTER; then the dealer may send. */
            send_pair (s, id, l, mine, sizeof mine);
            send_pair (s, id, l, ready, sizeof ready);
            CHECK (zmq_send (dealer, "Hello", 5, 0) == 5);
            sent = 1;
        }
        /* After the greeting, the dealer's READY, then 00 05 "Hello". */
        for (size_t i = 64; i + 7 <= total; i++)
            if (memcmp (all + i, "\x00\x05Hello", 7) == 0)
                found = 1;
    }
    CHECK (all[10] == 3);
    CHECK (memcmp (all + 12, "NULL", 4) == 0);
    /* A message to the dealer as a ZMTP frame. */
    send_pair (s, id, l, "\x00\x03Hi!", 5);
    CHECK (zmq_recv (dealer, buf, sizeof buf, 0) == 3);
    CHECK (memcmp (buf, "Hi!", 3) == 0);
    zmq_close (s);
    zmq_close (dealer);
}

/* Sending errors and options. */
static void test_errors (void)
{
    void *s = stream_socket ();
    /* An unknown peer. */
    CHECK_ERR (zmq_send (s, "nobody", 6, ZMQ_SNDMORE), EHOSTUNREACH);
    /* A lone frame without MORE is taken as an id; the next frame is its
     * data and is dropped (no peer). */
    CHECK (zmq_send (s, "nobody", 6, 0) == 6);
    CHECK (zmq_send (s, "data", 4, 0) == 4);
    /* ZMQ_STREAM_NOTIFY belongs to STREAM. */
    void *d = zmq_socket (ctx, ZMQ_DEALER);
    int one = 1;
    CHECK_ERR (zmq_setsockopt (d, ZMQ_STREAM_NOTIFY, &one, sizeof one), EINVAL);
    zmq_close (d);
    /* STREAM is always writable. */
    int ev;
    size_t len = sizeof ev;
    CHECK_OK (zmq_getsockopt (s, ZMQ_EVENTS, &ev, &len));
    CHECK (ev == ZMQ_POLLOUT);
    int type;
    len = sizeof type;
    CHECK_OK (zmq_getsockopt (s, ZMQ_TYPE, &type, &len));
    CHECK (type == ZMQ_STREAM);
    zmq_close (s);
}

/* One raw write bigger than the 8 KiB batch arrives in pieces that add up. */
static void test_large_read (void)
{
    int port;
    void *s = bind_stream (&port);
    int fd = raw_connect_port (port);
    unsigned char id[256];
    size_t l;
    static char big[100000], buf[100000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char) (i * 7 + 3);
    CHECK (recv_pair (s, id, &l, buf, sizeof buf) == 0);
    tcp_write (fd, big, sizeof big);
    size_t got = 0;
    while (got < sizeof big) {
        unsigned char id2[256];
        size_t l2;
        int n = recv_pair (s, id2, &l2, buf, sizeof buf);
        CHECK (n > 0 && n <= 8192);
        CHECK (l2 == l && memcmp (id, id2, l) == 0);
        CHECK (memcmp (big + got, buf, (size_t) n) == 0);
        got += (size_t) n;
    }
    CHECK (got == sizeof big);
    /* And a big message out goes whole. */
    send_pair (s, id, l, big, sizeof big);
    CHECK (tcp_read (fd, buf, sizeof big) == sizeof big);
    CHECK (memcmp (big, buf, sizeof big) == 0);
    close (fd);
    zmq_close (s);
}

/* Every frame carries the connection's metadata. */
static void test_metadata (void)
{
    int port;
    void *s = bind_stream (&port);
    int fd = raw_connect_port (port);
    zmq_msg_t m;
    zmq_msg_init (&m);
    CHECK_OK (zmq_msg_recv (&m, s, 0)); /* id */
    const char *pa = zmq_msg_gets (&m, "Peer-Address");
    CHECK (pa && strcmp (pa, "127.0.0.1") == 0);
    CHECK_OK (zmq_msg_recv (&m, s, 0)); /* notification */
    CHECK (zmq_msg_size (&m) == 0);
    tcp_write (fd, "q", 1);
    CHECK_OK (zmq_msg_recv (&m, s, 0));
    CHECK_OK (zmq_msg_recv (&m, s, 0));
    CHECK (zmq_msg_size (&m) == 1);
    pa = zmq_msg_gets (&m, "Peer-Address");
    CHECK (pa && strcmp (pa, "127.0.0.1") == 0);
    zmq_msg_close (&m);
    close (fd);
    zmq_close (s);
}

/* What the monitor reports for a raw connection's life. */
static void test_monitor (void)
{
    void *s = stream_socket ();
    CHECK_OK (zmq_socket_monitor (s, "inproc://stream-mon", ZMQ_EVENT_ALL));
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_connect (mon, "inproc://stream-mon"));
    set_int (mon, ZMQ_RCVTIMEO, 5000);
    CHECK_OK (zmq_bind (s, "tcp://127.0.0.1:*"));
    int fd = raw_connect_port (port_of (s));
    unsigned char id[256];
    size_t l;
    char buf[64];
    CHECK (recv_pair (s, id, &l, buf, sizeof buf) == 0);
    close (fd);
    CHECK (recv_pair (s, id, &l, buf, sizeof buf) == 0);
    /* LISTENING, ACCEPTED, then the end: as libzmq, a raw connection has no
     * handshake to succeed, and its end is reported as a handshake that
     * failed (no detail) before DISCONNECTED. */
    int want[] = {ZMQ_EVENT_LISTENING, ZMQ_EVENT_ACCEPTED,
                  ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, ZMQ_EVENT_DISCONNECTED};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        zmq_msg_t m;
        zmq_msg_init (&m);
        CHECK_OK (zmq_msg_recv (&m, mon, 0));
        uint16_t ev;
        memcpy (&ev, zmq_msg_data (&m), 2);
        zmq_msg_close (&m);
        zmq_msg_init (&m);
        CHECK_OK (zmq_msg_recv (&m, mon, 0));
        zmq_msg_close (&m);
        if (getenv ("STREAM_VERBOSE"))
            fprintf (stderr, "event %d\n", ev);
        CHECK (ev == want[i]);
    }
    monitor_close (s, mon);
    zmq_close (s);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_server_plain_client);
    RUN_TEST (test_peer_close_notification);
    RUN_TEST (test_notify_off);
    RUN_TEST (test_client_plain_server);
    RUN_TEST (test_stream_to_stream);
    RUN_TEST (test_stream_to_dealer);
    RUN_TEST (test_errors);
    RUN_TEST (test_large_read);
    RUN_TEST (test_metadata);
    RUN_TEST (test_monitor);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
