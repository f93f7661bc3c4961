/* The ZMQ_FD contract: an event loop that sleeps in poll()/epoll on the
 * sockets' ZMQ_FDs, touches a socket only after its fd became readable (plus
 * one initial pass, as zmq_getsockopt(3) requires), asks ZMQ_EVENTS what is
 * possible and works until EAGAIN loses no wake-up: every message arrives and
 * no wait times out. Low HWMs make the writer block on credit, so wake-ups
 * flow in both directions. */
#include "testutil.h"
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <unistd.h>

#define COUNT 10000
#define STALL_MS 3000

static void *ctx;

static int get_fd (void *s)
{
    int fd;
    size_t len = sizeof fd;
    CHECK_OK (zmq_getsockopt (s, ZMQ_FD, &fd, &len));
    return fd;
}

static int get_events (void *s)
{
    int ev;
    size_t len = sizeof ev;
    CHECK_OK (zmq_getsockopt (s, ZMQ_EVENTS, &ev, &len));
    return ev;
}

/* Receive until EAGAIN and ZMQ_EVENTS no longer says POLLIN. */
static void drain (void *pull, int *received)
{
    while (get_events (pull) & ZMQ_POLLIN) {
        int v;
        int rc;
        while ((rc = zmq_recv (pull, &v, sizeof v, ZMQ_DONTWAIT)) != -1) {
            CHECK (rc == sizeof v);
            CHECK (v == *received); /* in order, none lost */
            (*received)++;
        }
        CHECK (zmq_errno () == EAGAIN);
    }
}

/* Send until EAGAIN (or done) while ZMQ_EVENTS says POLLOUT. */
static void fill (void *push, int *sent)
{
    while (*sent < COUNT && (get_events (push) & ZMQ_POLLOUT)) {
        while (*sent < COUNT) {
            int v = *sent;
            if (zmq_send (push, &v, sizeof v, ZMQ_DONTWAIT) == -1) {
                CHECK (zmq_errno () == EAGAIN);
                break;
            }
            (*sent)++;
        }
    }
}

static void make_pair (const char *ep, void **push, void **pull)
{
    *push = zmq_socket (ctx, ZMQ_PUSH);
    *pull = zmq_socket (ctx, ZMQ_PULL);
    set_int (*push, ZMQ_SNDHWM, 50);
    set_int (*pull, ZMQ_RCVHWM, 50);
    CHECK_OK (zmq_bind (*pull, ep));
    CHECK_OK (zmq_connect (*push, ep));
}

static void test_one_thread_poll (void)
{
    void *push, *pull;
    make_pair ("inproc://fd-poll", &push, &pull);
    int sent = 0, received = 0;
    fill (push, &sent);
    drain (pull, &received);
    struct pollfd pfd[2] = {{get_fd (push), POLLIN, 0}, {get_fd (pull), POLLIN, 0}};
    while (received < COUNT) {
        int rc = poll (pfd, 2, STALL_MS);
        CHECK (rc > 0); /* a timeout here is a lost wake-up */
        if (pfd[0].revents & POLLIN)
            fill (push, &sent);
        if (pfd[1].revents & POLLIN)
            drain (pull, &received);
    }
    CHECK (sent == COUNT);
    zmq_close (push);
    zmq_close (pull);
}

static void test_one_thread_epoll_et (void)
{
    void *push, *pull;
    make_pair ("inproc://fd-epoll", &push, &pull);
    int ep = epoll_create1 (0);
    CHECK (ep >= 0);
    struct epoll_event ev;
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u32 = 0;
    CHECK (epoll_ctl (ep, EPOLL_CTL_ADD, get_fd (push), &ev) == 0);
    ev.data.u32 = 1;
    CHECK (epoll_ctl (ep, EPOLL_CTL_ADD, get_fd (pull), &ev) == 0);
    int sent = 0, received = 0;
    fill (push, &sent);
    drain (pull, &received);
    while (received < COUNT) {
        struct epoll_event got[2];
        int n = epoll_wait (ep, got, 2, STALL_MS);
        CHECK (n > 0);
        for (int i = 0; i < n; i++) {
            if (got[i].data.u32 == 0)
                fill (push, &sent);
            else
                drain (pull, &received);
        }
    }
    close (ep);
    zmq_close (push);
    zmq_close (pull);
}

static void *writer (void *push)
{
    for (int v = 0; v < COUNT; v++)
        CHECK (zmq_send (push, &v, sizeof v, 0) == sizeof v);
    return NULL;
}

static void test_writer_thread_poll (void)
{
    void *push, *pull;
    make_pair ("inproc://fd-thread", &push, &pull);
    pthread_t th;
    pthread_create (&th, NULL, writer, push);
    int received = 0;
    struct pollfd pfd = {get_fd (pull), POLLIN, 0};
    drain (pull, &received);
    while (received < COUNT) {
        CHECK (poll (&pfd, 1, STALL_MS) == 1);
        drain (pull, &received);
    }
    pthread_join (th, NULL);
    zmq_close (push);
    zmq_close (pull);
}

static void test_writer_thread_epoll_et (void)
{
    void *push, *pull;
    make_pair ("inproc://fd-thread-et", &push, &pull);
    int ep = epoll_create1 (0);
    struct epoll_event ev;
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u32 = 1;
    CHECK (epoll_ctl (ep, EPOLL_CTL_ADD, get_fd (pull), &ev) == 0);
    pthread_t th;
    pthread_create (&th, NULL, writer, push);
    int received = 0;
    drain (pull, &received);
    while (received < COUNT) {
        struct epoll_event got;
        CHECK (epoll_wait (ep, &got, 1, STALL_MS) == 1);
        drain (pull, &received);
    }
    pthread_join (th, NULL);
    close (ep);
    zmq_close (push);
    zmq_close (pull);
}

/* Readiness can arrive without data (a readable fd with EVENTS == 0 must be
 * tolerated), and a fresh send makes the fd readable again. */
static void test_fd_after_events (void)
{
    void *a = zmq_socket (ctx, ZMQ_PAIR);
    void *b = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_bind (a, "inproc://fd-ev"));
    CHECK_OK (zmq_connect (b, "inproc://fd-ev"));
    struct pollfd pfd = {get_fd (a), POLLIN, 0};
    (void) get_events (a);
    CHECK (!(get_events (a) & ZMQ_POLLIN));
    CHECK (zmq_send (b, "x", 1, 0) == 1);
    CHECK (poll (&pfd, 1, STALL_MS) == 1);
    CHECK (get_events (a) & ZMQ_POLLIN);
    char c;
    CHECK (zmq_recv (a, &c, 1, 0) == 1);
    CHECK (!(get_events (a) & ZMQ_POLLIN));
    CHECK (zmq_send (b, "y", 1, 0) == 1);
    CHECK (poll (&pfd, 1, STALL_MS) == 1);
    CHECK (get_events (a) & ZMQ_POLLIN);
    zmq_close (a);
    zmq_close (b);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    RUN_TEST (test_one_thread_poll);
    RUN_TEST (test_one_thread_epoll_et);
    RUN_TEST (test_writer_thread_poll);
    RUN_TEST (test_writer_thread_epoll_et);
    RUN_TEST (test_fd_after_events);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
