/* capi-test: valgrind
 * ZMQ_USE_FD: zmq_bind listens on a socket the application created, bound
 * and put in listening state itself (systemd socket activation, privilege
 * separation). The bind address is not used for tcp; ZMQ_LAST_ENDPOINT names
 * the socket's real address. For ipc the given path names the endpoint and
 * the socket file stays the application's: closing the zmq socket leaves it.
 * The port the application holds is not bound a second time (the bind would
 * fail with EADDRINUSE if it were). */
#include "testutil.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static void *ctx;

static void *make (int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_RCVTIMEO, 5000);
    set_int (s, ZMQ_SNDTIMEO, 5000);
    set_int (s, ZMQ_LINGER, 0);
    return s;
}

static void tcp_fd (void)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    struct sockaddr_in a;
    memset (&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    CHECK (bind (fd, (struct sockaddr *) &a, sizeof a) == 0);
    CHECK (listen (fd, 10) == 0);
    socklen_t len = sizeof a;
    CHECK (getsockname (fd, (struct sockaddr *) &a, &len) == 0);
    char want[64];
    snprintf (want, sizeof want, "tcp://127.0.0.1:%u", ntohs (a.sin_port));

    void *sb = make (ZMQ_REP);
    CHECK_OK (zmq_setsockopt (sb, ZMQ_USE_FD, &fd, sizeof fd));
    int got = 0;
    size_t glen = sizeof got;
    CHECK_OK (zmq_getsockopt (sb, ZMQ_USE_FD, &got, &glen));
    CHECK (got == fd);
    /* The address is ignored: the application's port is what listens. */
    CHECK_OK (zmq_bind (sb, want));
    char ep[256];
    size_t elen = sizeof ep;
    CHECK_OK (zmq_getsockopt (sb, ZMQ_LAST_ENDPOINT, ep, &elen));
    CHECK (strcmp (ep, want) == 0);

    void *sc = make (ZMQ_REQ);
    CHECK_OK (zmq_connect (sc, want));
    ping_pong (sb, sc);
    zmq_close (sc);
    zmq_close (sb);
}

static void ipc_fd (void)
{
    char dir[] = "/tmp/usefdXXXXXX";
    CHECK (mkdtemp (dir));
    char path[128];
    snprintf (path, sizeof path, "%s/socket", dir);
    int fd = socket (AF_UNIX, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    struct sockaddr_un a;
    memset (&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    strcpy (a.sun_path, path);
    CHECK (bind (fd, (struct sockaddr *) &a, sizeof a) == 0);
    CHECK (listen (fd, 10) == 0);

    char ep[256], got[256];
    snprintf (ep, sizeof ep, "ipc://%s", path);
    void *sb = make (ZMQ_PAIR);
    CHECK_OK (zmq_setsockopt (sb, ZMQ_USE_FD, &fd, sizeof fd));
    CHECK_OK (zmq_bind (sb, ep));
    size_t glen = sizeof got;
    CHECK_OK (zmq_getsockopt (sb, ZMQ_LAST_ENDPOINT, got, &glen));
    CHECK (strcmp (got, ep) == 0);
    void *sc = make (ZMQ_PAIR);
    CHECK_OK (zmq_connect (sc, ep));
    ping_pong (sb, sc);
    zmq_close (sc);
    zmq_close (sb);

    /* The file is the application's to remove. */
    struct stat st;
    CHECK (stat (path, &st) == 0 && S_ISSOCK (st.st_mode));
    CHECK (unlink (path) == 0);
    CHECK (rmdir (dir) == 0);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (tcp_fd);
    RUN_TEST (ipc_fd);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
