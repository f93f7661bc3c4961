/* capi-test: ours-only */
/* The draft zmq_poller_* API with libzmq's error rules (as in libzmq's
 * tests/test_poller.cpp), plus waiting on sockets and raw fds, and zmq_ppoll. */
#include "testutil.h"
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void *ctx;

static int get_fd (void *s)
{
    int fd;
    size_t len = sizeof fd;
    CHECK_OK (zmq_getsockopt (s, ZMQ_FD, &fd, &len));
    return fd;
}

static void test_null_pollers (void)
{
    void *s = zmq_socket (ctx, ZMQ_PAIR);
    void *null_poller = NULL;
    int fd = get_fd (s);
    zmq_poller_event_t ev;
    zmq_fd_t pfd;
    CHECK_ERR (zmq_poller_destroy (NULL), EFAULT);
    CHECK_ERR (zmq_poller_destroy (&null_poller), EFAULT);
    CHECK_ERR (zmq_poller_add (NULL, s, NULL, ZMQ_POLLIN), EFAULT);
    CHECK_ERR (zmq_poller_add (&null_poller, s, NULL, ZMQ_POLLIN), EFAULT);
    CHECK_ERR (zmq_poller_modify (NULL, s, ZMQ_POLLIN), EFAULT);
    CHECK_ERR (zmq_poller_modify (&null_poller, s, ZMQ_POLLIN), EFAULT);
    CHECK_ERR (zmq_poller_remove (NULL, s), EFAULT);
    CHECK_ERR (zmq_poller_remove (&null_poller, s), EFAULT);
    CHECK_ERR (zmq_poller_add_fd (NULL, fd, NULL, ZMQ_POLLIN), EFAULT);
    CHECK_ERR (zmq_poller_add_fd (&null_poller, fd, NULL, ZMQ_POLLIN), EFAULT);
    CHECK_ERR (zmq_poller_modify_fd (NULL, fd, ZMQ_POLLIN), EFAULT);
    CHECK_ERR (zmq_poller_modify_fd (&null_poller, fd, ZMQ_POLLIN), EFAULT);
    CHECK_ERR (zmq_poller_remove_fd (NULL, fd), EFAULT);
    CHECK_ERR (zmq_poller_remove_fd (&null_poller, fd), EFAULT);
    CHECK_ERR (zmq_poller_wait (NULL, &ev, 0), EFAULT);
    CHECK_ERR (zmq_poller_wait (&null_poller, &ev, 0), EFAULT);
    CHECK_ERR (zmq_poller_wait_all (NULL, &ev, 1, 0), EFAULT);
    CHECK_ERR (zmq_poller_wait_all (&null_poller, &ev, 1, 0), EFAULT);
    CHECK_ERR (zmq_poller_fd (&null_poller, &pfd), EFAULT);
    CHECK_ERR (zmq_poller_size (NULL), EFAULT);
    zmq_close (s);
}

static void test_null_sockets (void)
{
    void *p = zmq_poller_new ();
    CHECK (p);
    CHECK_ERR (zmq_poller_add (p, NULL, NULL, ZMQ_POLLIN), ENOTSOCK);
    CHECK_ERR (zmq_poller_modify (p, NULL, ZMQ_POLLIN), ENOTSOCK);
    CHECK_ERR (zmq_poller_remove (p, NULL), ENOTSOCK);
    CHECK_ERR (zmq_poller_add_fd (p, -1, NULL, ZMQ_POLLIN), EBADF);
    CHECK_ERR (zmq_poller_modify_fd (p, -1, ZMQ_POLLIN), EBADF);
    CHECK_ERR (zmq_poller_remove_fd (p, -1), EBADF);
    void *s = zmq_socket (ctx, ZMQ_PAIR);
    zmq_close (s);
    CHECK_ERR (zmq_poller_add (p, s, NULL, ZMQ_POLLIN), ENOTSOCK);
    CHECK_OK (zmq_poller_destroy (&p));
    CHECK (p == NULL);
}

static void test_registration_rules (void)
{
    void *s = zmq_socket (ctx, ZMQ_PAIR);
    void *p = zmq_poller_new ();
    zmq_poller_event_t ev;
    CHECK (zmq_poller_size (p) == 0);
    CHECK_ERR (zmq_poller_remove (p, s), EINVAL);
    CHECK_ERR (zmq_poller_modify (p, s, ZMQ_POLLIN), EINVAL);
    CHECK_ERR (zmq_poller_add (p, s, NULL, SHRT_MAX), EINVAL);
    CHECK_OK (zmq_poller_add (p, s, NULL, 0));
    CHECK_ERR (zmq_poller_add (p, s, NULL, ZMQ_POLLIN), EINVAL);
    CHECK_ERR (zmq_poller_modify (p, s, SHRT_MAX), EINVAL);
    CHECK_OK (zmq_poller_modify (p, s, ZMQ_POLLIN));
    CHECK (zmq_poller_size (p) == 1);
    CHECK_ERR (zmq_poller_wait (p, NULL, 0), EFAULT);
    CHECK_ERR (zmq_poller_wait_all (p, NULL, 1, 0), EFAULT);
    CHECK_OK (zmq_poller_remove (p, s));
    CHECK (zmq_poller_size (p) == 0);

    int fd = socket (AF_INET, SOCK_STREAM, 0);
    CHECK_ERR (zmq_poller_remove_fd (p, fd), EINVAL);
    CHECK_ERR (zmq_poller_modify_fd (p, fd, ZMQ_POLLIN), EINVAL);
    CHECK_ERR (zmq_poller_add_fd (p, fd, NULL, SHRT_MAX), EINVAL);
    CHECK_OK (zmq_poller_add_fd (p, fd, NULL, 0));
    CHECK_ERR (zmq_poller_add_fd (p, fd, NULL, ZMQ_POLLIN), EINVAL);
    CHECK_ERR (zmq_poller_modify_fd (p, fd, SHRT_MAX), EINVAL);
    CHECK_OK (zmq_poller_modify_fd (p, fd, ZMQ_POLLIN));
    CHECK_OK (zmq_poller_remove_fd (p, fd));
    close (fd);

    /* Empty poller: EAGAIN for a finite wait, EFAULT for an endless one,
     * EINVAL for a negative count. */
    CHECK_ERR (zmq_poller_wait (p, &ev, 0), EAGAIN);
    CHECK (ev.socket == NULL && ev.fd == -1 && ev.events == 0);
    long t = now_ms ();
    CHECK_ERR (zmq_poller_wait (p, &ev, 50), EAGAIN);
    CHECK (now_ms () - t >= 45);
    CHECK_ERR (zmq_poller_wait (p, &ev, -1), EFAULT);
    CHECK_ERR (zmq_poller_wait_all (p, &ev, -1, 0), EINVAL);
    CHECK_ERR (zmq_poller_wait_all (p, &ev, 0, 0), EAGAIN);
    CHECK_ERR (zmq_poller_wait_all (p, &ev, 0, -1), EFAULT);

    /* No thread-safe socket: no poller fd. */
    CHECK_OK (zmq_poller_add (p, s, NULL, ZMQ_POLLIN));
    zmq_fd_t pfd;
    CHECK_ERR (zmq_poller_fd (p, &pfd), EINVAL);
    CHECK_OK (zmq_poller_destroy (&p));
    zmq_close (s);
}

static void test_wait_sockets (void)
{
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    CHECK_OK (zmq_bind (pull, "inproc://poller"));
    CHECK_OK (zmq_connect (push, "inproc://poller"));
    void *p = zmq_poller_new ();
    CHECK_OK (zmq_poller_add (p, pull, pull, ZMQ_POLLIN));
    zmq_poller_event_t ev;
    CHECK_ERR (zmq_poller_wait (p, &ev, 0), EAGAIN);
    long t = now_ms ();
    CHECK_ERR (zmq_poller_wait (p, &ev, 80), EAGAIN);
    CHECK (now_ms () - t >= 75);

    CHECK (zmq_send (push, "H", 1, 0) == 1);
    CHECK_OK (zmq_poller_wait (p, &ev, -1));
    CHECK (ev.socket == pull && ev.user_data == pull);
    CHECK (ev.events == ZMQ_POLLIN && ev.fd == -1);
    char c;
    CHECK (zmq_recv (pull, &c, 1, 0) == 1);
    CHECK_ERR (zmq_poller_wait (p, &ev, 0), EAGAIN);

    /* wait_all reports every ready item and clears the rest. */
    int one = 1;
    CHECK_OK (zmq_poller_add (p, push, &one, ZMQ_POLLOUT | ZMQ_POLLIN));
    CHECK (zmq_send (push, "I", 1, 0) == 1);
    zmq_poller_event_t evs[4];
    memset (evs, 0x55, sizeof evs);
    CHECK (zmq_poller_wait_all (p, evs, 4, 100) == 2);
    CHECK (evs[0].socket == pull && evs[0].events == ZMQ_POLLIN);
    CHECK (evs[1].socket == push && evs[1].events == ZMQ_POLLOUT);
    CHECK (evs[1].user_data == &one);
    CHECK (evs[2].socket == NULL && evs[2].fd == -1 && evs[3].events == 0);
    /* Only room for one. */
    CHECK (zmq_poller_wait_all (p, evs, 1, 0) == 1);
    CHECK (evs[0].socket == pull);
    /* Modify to 0: not reported. */
    CHECK_OK (zmq_poller_modify (p, push, 0));
    CHECK (zmq_poller_wait_all (p, evs, 4, 0) == 1);
    CHECK (zmq_recv (pull, &c, 1, 0) == 1);

    /* The socket's ZMQ_FD as a raw fd item. */
    CHECK_OK (zmq_poller_remove (p, pull));
    /* ZMQ_FD is edge-triggered: read ZMQ_EVENTS (nothing) to re-arm it. */
    int events;
    size_t elen = sizeof events;
    CHECK_OK (zmq_getsockopt (pull, ZMQ_EVENTS, &events, &elen));
    CHECK (events == 0);
    CHECK (zmq_send (push, "J", 1, 0) == 1);
    int fd = get_fd (pull);
    CHECK_OK (zmq_poller_add_fd (p, fd, pull, ZMQ_POLLIN));
    CHECK_OK (zmq_poller_wait (p, &ev, 500));
    CHECK (ev.socket == NULL && ev.fd == fd && ev.user_data == pull);
    CHECK (ev.events == ZMQ_POLLIN);
    CHECK_OK (zmq_poller_remove_fd (p, fd));

    CHECK_OK (zmq_poller_destroy (&p));
    zmq_close (push);
    zmq_close (pull);
}

static void *late_send (void *s)
{
    usleep (50 * 1000);
    CHECK (zmq_send (s, "L", 1, 0) == 1);
    return NULL;
}

static void test_wait_wakes (void)
{
    void *a = zmq_socket (ctx, ZMQ_PAIR);
    void *b = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_bind (a, "inproc://poller-wake"));
    CHECK_OK (zmq_connect (b, "inproc://poller-wake"));
    int fds[2];
    CHECK (pipe (fds) == 0);
    void *p = zmq_poller_new ();
    CHECK_OK (zmq_poller_add (p, a, NULL, ZMQ_POLLIN));
    CHECK_OK (zmq_poller_add_fd (p, fds[0], NULL, ZMQ_POLLIN));
    pthread_t th;
    pthread_create (&th, NULL, late_send, b);
    zmq_poller_event_t ev;
    long t = now_ms ();
    CHECK_OK (zmq_poller_wait (p, &ev, 5000));
    CHECK (now_ms () - t < 4000);
    CHECK (ev.socket == a && ev.events == ZMQ_POLLIN);
    pthread_join (th, NULL);
    char c;
    CHECK (zmq_recv (a, &c, 1, 0) == 1);
    CHECK (write (fds[1], "w", 1) == 1);
    CHECK_OK (zmq_poller_wait (p, &ev, -1));
    CHECK (ev.socket == NULL && ev.fd == fds[0] && ev.events == ZMQ_POLLIN);
    close (fds[1]);
    CHECK (read (fds[0], &c, 1) == 1);
    CHECK_OK (zmq_poller_wait (p, &ev, 0));
    CHECK (ev.fd == fds[0] && (ev.events & ZMQ_POLLERR));
    close (fds[0]);
    CHECK_OK (zmq_poller_destroy (&p));
    zmq_close (a);
    zmq_close (b);
}

static void on_sig (int sig)
{
    (void) sig;
}

static void *kick (void *th)
{
    usleep (50 * 1000);
    pthread_kill (*(pthread_t *) th, SIGUSR2);
    return NULL;
}

static void test_ppoll (void)
{
    void *a = zmq_socket (ctx, ZMQ_PAIR);
    void *b = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_bind (a, "inproc://ppoll"));
    CHECK_OK (zmq_connect (b, "inproc://ppoll"));
    zmq_pollitem_t it[] = {{a, 0, ZMQ_POLLIN, 0}};
    CHECK (zmq_ppoll (it, 1, 0, NULL) == 0);
    long t = now_ms ();
    CHECK (zmq_ppoll (it, 1, 60, NULL) == 0);
    CHECK (now_ms () - t >= 55);
    CHECK (zmq_send (b, "x", 1, 0) == 1);
    CHECK (zmq_ppoll (it, 1, -1, NULL) == 1);
    CHECK (it[0].revents == ZMQ_POLLIN);
    char c;
    CHECK (zmq_recv (a, &c, 1, 0) == 1);

    /* SIGUSR2 blocked in the thread, unblocked only inside ppoll: the wait
     * is interrupted with EINTR. */
    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;
    sigaction (SIGUSR2, &sa, NULL);
    sigset_t block, during;
    sigemptyset (&block);
    sigaddset (&block, SIGUSR2);
    pthread_sigmask (SIG_BLOCK, &block, NULL);
    sigemptyset (&during);
    pthread_t self = pthread_self (), th;
    pthread_create (&th, NULL, kick, &self);
    CHECK_ERR (zmq_ppoll (it, 1, 5000, &during), EINTR);
    pthread_join (th, NULL);
    pthread_sigmask (SIG_UNBLOCK, &block, NULL);
    zmq_close (a);
    zmq_close (b);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    RUN_TEST (test_null_pollers);
    RUN_TEST (test_null_sockets);
    RUN_TEST (test_registration_rules);
    RUN_TEST (test_wait_sockets);
    RUN_TEST (test_wait_wakes);
    RUN_TEST (test_ppoll);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
