/* capi-test: ours-only
 * capi-test: valgrind
 * RADIO and DISH over udp with groups (draft API: zmq_msg_set_group,
 * zmq_join/zmq_leave): unicast delivery filtered by the DISH's joins,
 * datagrams from a plain udp socket, malformed and oversized datagrams
 * dropped without harm, multicast to several DISHes (when the machine can
 * loop multicast back). */
#define ZMQ_BUILD_DRAFT_API 1
#include "testutil.h"
#include "tcputil.h"

static void *ctx;

static void *make (int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_LINGER, 0);
    set_int (s, ZMQ_RCVTIMEO, 100);
    return s;
}

static int send_group (void *s, const char *group, const void *body, size_t n)
{
    zmq_msg_t m;
    CHECK_OK (zmq_msg_init_size (&m, n));
    memcpy (zmq_msg_data (&m), body, n);
    CHECK_OK (zmq_msg_set_group (&m, group));
    int rc = zmq_msg_send (&m, s, 0);
    if (rc < 0)
        zmq_msg_close (&m);
    return rc;
}

/* One message from `dish` within its timeout: body size (group copied), or
 * -1. */
static int recv_group (void *dish, char *body, size_t cap, char *group)
{
    zmq_msg_t m;
    zmq_msg_init (&m);
    int rc = zmq_msg_recv (&m, dish, 0);
    if (rc >= 0) {
        CHECK ((size_t) rc <= cap);
        memcpy (body, zmq_msg_data (&m), (size_t) rc);
        strcpy (group, zmq_msg_group (&m));
    }
    zmq_msg_close (&m);
    return rc;
}

/* The sockets are opened by the I/O thread after bind/connect return: send
 * `group` until the DISH hears one, then drain. */
static void wait_path (void *radio, void *dish, const char *group)
{
    char body[64], g[256];
    for (int i = 0; i < 50; i++) {
        CHECK (send_group (radio, group, "probe", 5) == 5);
        if (recv_group (dish, body, sizeof body, g) == 5) {
            while (recv_group (dish, body, sizeof body, g) >= 0) {
            }
            return;
        }
    }
    CHECK (!"no datagram reached the DISH");
}

static void test_unicast_groups (void)
{
    char ep[64], body[9000], g[256];
    snprintf (ep, sizeof ep, "udp://127.0.0.1:%d", free_udp_port ());
    void *dish = make (ZMQ_DISH), *radio = make (ZMQ_RADIO);
    CHECK_OK (zmq_bind (dish, ep));
    CHECK_OK (zmq_join (dish, "news"));
    CHECK_OK (zmq_connect (radio, ep));
    wait_path (radio, dish, "news");
    /* A udp RADIO sends every group (no joins travel over udp); the DISH
     * keeps only the groups it joined. */
    CHECK (send_group (radio, "sport", "goal", 4) == 4);
    CHECK (send_group (radio, "news", "rain", 4) == 4);
    CHECK (recv_group (dish, body, sizeof body, g) == 4);
    CHECK (memcmp (body, "rain", 4) == 0 && strcmp (g, "news") == 0);
    CHECK_OK (zmq_join (dish, "sport"));
    CHECK (send_group (radio, "sport", "goal", 4) == 4);
    CHECK (recv_group (dish, body, sizeof body, g) == 4);
    CHECK (strcmp (g, "sport") == 0);
    CHECK_OK (zmq_leave (dish, "news"));
    CHECK (send_group (radio, "news", "gone", 4) == 4);
    CHECK (recv_group (dish, body, sizeof body, g) == -1 && zmq_errno () == EAGAIN);
    /* The largest message that fits one datagram: 8192 bytes in all. */
    static char big[8192];
    memset (big, 'b', sizeof big);
    CHECK (send_group (radio, "sport", big, 8192 - 1 - 5) == 8192 - 6);
    CHECK (recv_group (dish, body, sizeof body, g) == 8192 - 6);
    CHECK (memcmp (body, big, 8192 - 6) == 0);
    /* One byte more does not fit: dropped, and the next still arrives. */
    CHECK (send_group (radio, "sport", big, 8192 - 5) == 8192 - 5);
    CHECK (send_group (radio, "sport", "after", 5) == 5);
    CHECK (recv_group (dish, body, sizeof body, g) == 5);
    CHECK (memcmp (body, "after", 5) == 0);
    zmq_close (radio);
    zmq_close (dish);
}

static void test_plain_udp_sender (void)
{
    int port = free_udp_port ();
    char ep[64], body[64], g[256];
    snprintf (ep, sizeof ep, "udp://127.0.0.1:%d", port);
    void *dish = make (ZMQ_DISH);
    CHECK_OK (zmq_bind (dish, ep));
    CHECK_OK (zmq_join (dish, "g"));
    int fd = socket (AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = loopback (port);
    const char good[] = "\001gbody";
    int n = -1;
    for (int i = 0; i < 50 && n < 0; i++) {
        sendto (fd, good, 6, 0, (struct sockaddr *) &to, sizeof to);
        n = recv_group (dish, body, sizeof body, g);
    }
    CHECK (n == 4 && memcmp (body, "body", 4) == 0 && strcmp (g, "g") == 0);
    while (recv_group (dish, body, sizeof body, g) >= 0) {
    }
    /* Malformed: empty, a group longer than the datagram. Dropped. */
    sendto (fd, "", 0, 0, (struct sockaddr *) &to, sizeof to);
    sendto (fd, "\011g", 2, 0, (struct sockaddr *) &to, sizeof to);
    sendto (fd, "\001gok", 4, 0, (struct sockaddr *) &to, sizeof to);
    CHECK (recv_group (dish, body, sizeof body, g) == 2);
    CHECK (memcmp (body, "ok", 2) == 0);
    CHECK (recv_group (dish, body, sizeof body, g) == -1);
    close (fd);
    zmq_close (dish);
}

/* Can this machine loop IPv4 multicast back on 127.0.0.1? */
static int multicast_works (const char *group, int port)
{
    int r = socket (AF_INET, SOCK_DGRAM, 0), s = socket (AF_INET, SOCK_DGRAM, 0);
    int on = 1, ok = 0;
    setsockopt (r, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    setsockopt (r, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on);
    struct sockaddr_in any = loopback (port);
    any.sin_addr.s_addr = htonl (INADDR_ANY);
    struct ip_mreq mreq;
    inet_pton (AF_INET, group, &mreq.imr_multiaddr);
    inet_pton (AF_INET, "127.0.0.1", &mreq.imr_interface);
    struct sockaddr_in to = any;
    to.sin_addr = mreq.imr_multiaddr;
    if (bind (r, (struct sockaddr *) &any, sizeof any) == 0
        && setsockopt (r, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq) == 0
        && setsockopt (s, IPPROTO_IP, IP_MULTICAST_IF, &mreq.imr_interface,
                       sizeof mreq.imr_interface)
             == 0
        && sendto (s, "x", 1, 0, (struct sockaddr *) &to, sizeof to) == 1) {
        struct pollfd p = {r, POLLIN, 0};
        ok = poll (&p, 1, 1000) == 1;
    }
    close (r);
    close (s);
    return ok;
}

static void test_multicast (void)
{
    int port = free_udp_port ();
    if (!multicast_works ("239.255.7.7", port)) {
        printf ("multicast cannot loop back here: not tested\n");
        return;
    }
    char bind_ep[96], conn_ep[96], body[64], g[256];
    snprintf (bind_ep, sizeof bind_ep, "udp://127.0.0.1;239.255.7.7:%d", port);
    snprintf (conn_ep, sizeof conn_ep, "udp://127.0.0.1;239.255.7.7:%d", port);
    void *d1 = make (ZMQ_DISH), *d2 = make (ZMQ_DISH), *radio = make (ZMQ_RADIO);
    CHECK_OK (zmq_bind (d1, bind_ep));
    CHECK_OK (zmq_bind (d2, bind_ep));
    CHECK_OK (zmq_join (d1, "m"));
    CHECK_OK (zmq_join (d2, "m"));
    CHECK_OK (zmq_connect (radio, conn_ep));
    wait_path (radio, d1, "m");
    while (recv_group (d2, body, sizeof body, g) >= 0) {
    }
    /* Both members of the group get each message. */
    CHECK (send_group (radio, "m", "all", 3) == 3);
    CHECK (recv_group (d1, body, sizeof body, g) == 3);
    CHECK (recv_group (d2, body, sizeof body, g) == 3);
    CHECK (memcmp (body, "all", 3) == 0);
    /* A member that leaves hears no more; the other still does. */
    CHECK_OK (zmq_leave (d2, "m"));
    CHECK (send_group (radio, "m", "one", 3) == 3);
    CHECK (recv_group (d1, body, sizeof body, g) == 3);
    CHECK (recv_group (d2, body, sizeof body, g) == -1);
    zmq_close (radio);
    zmq_close (d2);
    zmq_close (d1);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_unicast_groups);
    RUN_TEST (test_plain_udp_sender);
    RUN_TEST (test_multicast);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
