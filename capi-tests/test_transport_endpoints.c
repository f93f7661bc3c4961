/* capi-test: valgrind
 * tcp and ipc endpoint forms as libzmq has them: ZMQ_LAST_ENDPOINT for
 * `*` hosts and ports, interface names, IPv6 with ZMQ_IPV6, host names on
 * connect (and not on bind), the "tcp://source;destination" syntax,
 * EADDRINUSE, ENAMETOOLONG, ipc wildcard binds and their generated file and directory
 * (removed on unbind and close), an explicit ipc path taken over by a later
 * bind, unbind by a host name. */
#include "testutil.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static void *ctx;

static void *make (int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_RCVTIMEO, 10000);
    set_int (s, ZMQ_SNDTIMEO, 10000);
    set_int (s, ZMQ_LINGER, 0);
    return s;
}

static void last_endpoint (void *s, char *ep, size_t len)
{
    CHECK_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &len));
}

static int port_of (const char *ep)
{
    return atoi (strrchr (ep, ':') + 1);
}

/* `connect_ep` reaches `pull`: one message goes through. */
static void check_flow (void *pull, const char *connect_ep, int ipv6)
{
    void *push = make (ZMQ_PUSH);
    if (ipv6)
        set_int (push, ZMQ_IPV6, 1);
    CHECK_OK (zmq_connect (push, connect_ep));
    CHECK (zmq_send (push, "hi", 2, 0) == 2);
    char buf[4];
    CHECK (zmq_recv (pull, buf, sizeof buf, 0) == 2);
    CHECK_OK (zmq_close (push));
}

static int exists (const char *path)
{
    struct stat st;
    return stat (path, &st) == 0;
}

static void test_tcp_last_endpoint (void)
{
    void *pull = make (ZMQ_PULL);
    char ep[256], want[256];
    CHECK_OK (zmq_bind (pull, "tcp://*:*"));
    last_endpoint (pull, ep, sizeof ep);
    CHECK (strncmp (ep, "tcp://0.0.0.0:", 14) == 0 && port_of (ep) > 0);
    snprintf (want, sizeof want, "tcp://127.0.0.1:%d", port_of (ep));
    check_flow (pull, want, 0);

    CHECK_OK (zmq_bind (pull, "tcp://127.0.0.1:0"));
    last_endpoint (pull, ep, sizeof ep);
    CHECK (strncmp (ep, "tcp://127.0.0.1:", 16) == 0 && port_of (ep) > 0);
    check_flow (pull, ep, 0);

    /* An interface name binds to its address. */
    CHECK_OK (zmq_bind (pull, "tcp://lo:*"));
    last_endpoint (pull, ep, sizeof ep);
    CHECK (strncmp (ep, "tcp://127.0.0.1:", 16) == 0);

    /* A fixed port is reported as bound. */
    int port = port_of (ep);
    CHECK_OK (zmq_unbind (pull, ep));
    snprintf (want, sizeof want, "tcp://127.0.0.1:%d", port);
    int tries = 0;
    while (zmq_bind (pull, want) != 0) {
        CHECK (zmq_errno () == EADDRINUSE && tries++ < 500);
        usleep (10000);
    }
    last_endpoint (pull, ep, sizeof ep);
    CHECK (strcmp (ep, want) == 0);

    /* A connect reports the endpoint as given. */
    void *push = make (ZMQ_PUSH);
    CHECK_OK (zmq_connect (push, "tcp://localhost:5"));
    last_endpoint (push, ep, sizeof ep);
    CHECK (strcmp (ep, "tcp://localhost:5") == 0);
    CHECK_OK (zmq_close (push));
    CHECK_OK (zmq_close (pull));
}

static int ipv6_available (void)
{
    int fd = socket (AF_INET6, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in6 a;
    memset (&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    int ok = bind (fd, (struct sockaddr *) &a, sizeof a) == 0;
    close (fd);
    return ok;
}

static void test_ipv6 (void)
{
    void *pull = make (ZMQ_PULL);
    /* Without ZMQ_IPV6 an IPv6 address does not bind. */
    CHECK_ERR (zmq_bind (pull, "tcp://[::1]:*"), ENODEV);
    if (!ipv6_available ()) {
        printf ("# no IPv6 loopback: IPv6 checks skipped\n");
        CHECK_OK (zmq_close (pull));
        return;
    }
    set_int (pull, ZMQ_IPV6, 1);
    int v = 0;
    size_t len = sizeof v;
    CHECK_OK (zmq_getsockopt (pull, ZMQ_IPV6, &v, &len));
    CHECK (v == 1);
    char ep[256], want[256];
    CHECK_OK (zmq_bind (pull, "tcp://[::1]:*"));
    last_endpoint (pull, ep, sizeof ep);
    CHECK (strncmp (ep, "tcp://[::1]:", 12) == 0 && port_of (ep) > 0);
    check_flow (pull, ep, 1);

    /* "*" with ZMQ_IPV6 is the IPv6 wildcard, and takes IPv4 too. */
    CHECK_OK (zmq_bind (pull, "tcp://*:*"));
    last_endpoint (pull, ep, sizeof ep);
    CHECK (strncmp (ep, "tcp://[::]:", 11) == 0);
    snprintf (want, sizeof want, "tcp://[::1]:%d", port_of (ep));
    check_flow (pull, want, 1);
    snprintf (want, sizeof want, "tcp://127.0.0.1:%d", port_of (ep));
    check_flow (pull, want, 0);
    CHECK_OK (zmq_close (pull));
}

/* Host names resolve on connect; bind takes addresses and interfaces. */
static void test_host_names (void)
{
    void *pull = make (ZMQ_PULL);
    CHECK_ERR (zmq_bind (pull, "tcp://localhost:*"), ENODEV);
    CHECK_ERR (zmq_bind (pull, "tcp://no-such-interface-x:*"), ENODEV);
    char ep[256], name[256];
    CHECK_OK (zmq_bind (pull, "tcp://127.0.0.1:*"));
    last_endpoint (pull, ep, sizeof ep);
    snprintf (name, sizeof name, "tcp://localhost:%d", port_of (ep));
    check_flow (pull, name, 0);
    /* A connect by name is disconnected by that name. */
    void *push = make (ZMQ_PUSH);
    CHECK_OK (zmq_connect (push, name));
    CHECK_OK (zmq_disconnect (push, name));
    CHECK_OK (zmq_close (push));
    /* Unbind resolves its argument: the name finds the address. */
    CHECK_OK (zmq_unbind (pull, name));
    CHECK_ERR (zmq_unbind (pull, ep), ENOENT);
    CHECK_OK (zmq_close (pull));
}

/* "tcp://source:port;destination:port" connects from that source. */
static void test_source_address (void)
{
    /* A raw listener sees the connection's source port. */
    int lfd = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (lfd >= 0);
    struct sockaddr_in a;
    memset (&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    CHECK (bind (lfd, (struct sockaddr *) &a, sizeof a) == 0);
    CHECK (listen (lfd, 4) == 0);
    socklen_t al = sizeof a;
    CHECK (getsockname (lfd, (struct sockaddr *) &a, &al) == 0);
    int dport = ntohs (a.sin_port);
    /* A free source port. */
    int tmp = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in s;
    memset (&s, 0, sizeof s);
    s.sin_family = AF_INET;
    s.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    CHECK (bind (tmp, (struct sockaddr *) &s, sizeof s) == 0);
    al = sizeof s;
    CHECK (getsockname (tmp, (struct sockaddr *) &s, &al) == 0);
    int sport = ntohs (s.sin_port);
    close (tmp);

    char ep[128];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d;127.0.0.1:%d", sport, dport);
    void *push = make (ZMQ_PUSH);
    CHECK_OK (zmq_connect (push, ep));
    char last[128];
    last_endpoint (push, last, sizeof last);
    CHECK (strcmp (last, ep) == 0);
    struct pollfd p = {lfd, POLLIN, 0};
    CHECK (poll (&p, 1, 10000) == 1);
    struct sockaddr_in peer;
    al = sizeof peer;
    int fd = accept (lfd, (struct sockaddr *) &peer, &al);
    CHECK (fd >= 0);
    CHECK (ntohs (peer.sin_port) == sport);
    close (fd);
    CHECK_OK (zmq_disconnect (push, ep));
    CHECK_OK (zmq_close (push));
    close (lfd);

    /* Source port 0 (any) with a zmq peer: messages flow. */
    void *pull = make (ZMQ_PULL);
    char bound[256];
    CHECK_OK (zmq_bind (pull, "tcp://127.0.0.1:*"));
    last_endpoint (pull, bound, sizeof bound);
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:0;127.0.0.1:%d", port_of (bound));
    check_flow (pull, ep, 0);
    CHECK_OK (zmq_close (pull));
}

static void test_address_in_use (void)
{
    void *a = make (ZMQ_PULL), *b = make (ZMQ_PULL);
    char ep[256];
    CHECK_OK (zmq_bind (a, "tcp://127.0.0.1:*"));
    last_endpoint (a, ep, sizeof ep);
    CHECK_ERR (zmq_bind (b, ep), EADDRINUSE);
    /* The same socket twice, too. */
    CHECK_ERR (zmq_bind (a, ep), EADDRINUSE);
    /* An abstract ipc name is taken while bound. */
    char abs[64];
    snprintf (abs, sizeof abs, "ipc://@libzmq-rs-inuse-%d", (int) getpid ());
    CHECK_OK (zmq_bind (a, abs));
    CHECK_ERR (zmq_bind (b, abs), EADDRINUSE);
    check_flow (a, abs, 0);
    CHECK_OK (zmq_unbind (a, abs));
    /* The listener closes in the I/O thread: the name frees shortly. */
    int tries = 0;
    while (zmq_bind (b, abs) != 0) {
        CHECK (zmq_errno () == EADDRINUSE && tries++ < 500);
        usleep (10000);
    }
    check_flow (b, abs, 0);
    CHECK_OK (zmq_close (a));
    CHECK_OK (zmq_close (b));
}

static void test_ipc_path_errors (void)
{
    void *s = make (ZMQ_PULL);
    char ep[300];
    strcpy (ep, "ipc:///tmp/");
    memset (ep + 11, 'x', 150);
    ep[161] = 0;
    CHECK_ERR (zmq_bind (s, ep), ENAMETOOLONG);
    CHECK_ERR (zmq_connect (s, ep), ENAMETOOLONG);
    CHECK_ERR (zmq_bind (s, "ipc://"), EINVAL);
    CHECK_ERR (zmq_bind (s, "ipc://@"), EINVAL);
    CHECK_OK (zmq_close (s));
}

/* An ipc wildcard bind makes a private directory holding the socket; unbind and close
 * remove both. */
static void test_ipc_wildcard (void)
{
    void *pull = make (ZMQ_PULL);
    char ep[256], dir[256];
    CHECK_OK (zmq_bind (pull, "ipc://*"));
    last_endpoint (pull, ep, sizeof ep);
    CHECK (strncmp (ep, "ipc://", 6) == 0);
    CHECK (strcmp (ep + strlen (ep) - 7, "/socket") == 0);
    CHECK (exists (ep + 6));
    strcpy (dir, ep + 6);
    *strrchr (dir, '/') = 0;
    check_flow (pull, ep, 0);
    CHECK_OK (zmq_unbind (pull, ep));
    /* libzmq's unbind finishes in its I/O thread: allow it a moment. */
    int tries = 0;
    while ((exists (ep + 6) || exists (dir)) && tries++ < 500)
        usleep (10000);
    CHECK (!exists (ep + 6) && !exists (dir));

    /* Each bind gets its own path. */
    char ep2[256];
    CHECK_OK (zmq_bind (pull, "ipc://*"));
    last_endpoint (pull, ep, sizeof ep);
    CHECK_OK (zmq_bind (pull, "ipc://*"));
    last_endpoint (pull, ep2, sizeof ep2);
    CHECK (strcmp (ep, ep2) != 0);
    CHECK_OK (zmq_close (pull));
    tries = 0;
    while ((exists (ep + 6) || exists (ep2 + 6)) && tries++ < 500)
        usleep (10000);
    CHECK (!exists (ep + 6) && !exists (ep2 + 6));
}

/* An explicit path: a stale file does not block a bind, the path reported
 * is the one given, and a listener whose path another socket has since
 * bound does not take that socket's file away when it goes. */
static void test_ipc_explicit_path (void)
{
    char path[128], ep[160], last[256];
    snprintf (path, sizeof path, "/tmp/libzmq-rs-endpoints-%d.sock",
              (int) getpid ());
    snprintf (ep, sizeof ep, "ipc://%s", path);
    unlink (path);
    void *old = make (ZMQ_PULL), *newer = make (ZMQ_PULL);
    CHECK_OK (zmq_bind (old, ep));
    last_endpoint (old, last, sizeof last);
    CHECK (strcmp (last, ep) == 0);
    CHECK (exists (path));
    check_flow (old, ep, 0);
    CHECK_OK (zmq_bind (newer, ep));
    CHECK_OK (zmq_close (old));
    usleep (100 * 1000);
    CHECK (exists (path));
    check_flow (newer, ep, 0);
    /* Unbound and bound again at once. */
    CHECK_OK (zmq_unbind (newer, ep));
    int tries = 0;
    while (zmq_bind (newer, ep) != 0) {
        CHECK (tries++ < 500);
        usleep (10000);
    }
    check_flow (newer, ep, 0);
    CHECK_OK (zmq_close (newer));
    unlink (path);
}

int main (void)
{
    setvbuf (stdout, NULL, _IONBF, 0);
    ctx = zmq_ctx_new ();
    RUN_TEST (test_tcp_last_endpoint);
    RUN_TEST (test_ipv6);
    RUN_TEST (test_host_names);
    RUN_TEST (test_source_address);
    RUN_TEST (test_address_in_use);
    RUN_TEST (test_ipc_path_errors);
    RUN_TEST (test_ipc_wildcard);
    RUN_TEST (test_ipc_explicit_path);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
