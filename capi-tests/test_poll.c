/* zmq_poll: timeouts, POLLIN/POLLOUT on PAIR/PUSH/PULL, raw fds, errors,
 * EINTR and ETERM while waiting. */
#include "testutil.h"
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

static void *ctx;

static void pair_of (int t1, int t2, const char *ep, void **a, void **b)
{
    *a = zmq_socket (ctx, t1);
    *b = zmq_socket (ctx, t2);
    CHECK (*a && *b);
    CHECK_OK (zmq_bind (*a, ep));
    CHECK_OK (zmq_connect (*b, ep));
}

static void test_timeout_zero (void)
{
    void *a, *b;
    pair_of (ZMQ_PAIR, ZMQ_PAIR, "inproc://t0", &a, &b);
    zmq_pollitem_t it[] = {{a, 0, ZMQ_POLLIN, 0}, {b, 0, ZMQ_POLLIN, 0}};
    long t = now_ms ();
    CHECK (zmq_poll (it, 2, 0) == 0);
    CHECK (now_ms () - t < 50);
    CHECK (it[0].revents == 0 && it[1].revents == 0);
    zmq_close (a);
    zmq_close (b);
}

static void test_timeout_ms (void)
{
    void *a, *b;
    pair_of (ZMQ_PAIR, ZMQ_PAIR, "inproc://tms", &a, &b);
    zmq_pollitem_t it[] = {{a, 0, ZMQ_POLLIN, 0}};
    long t = now_ms ();
    CHECK (zmq_poll (it, 1, 100) == 0);
    long el = now_ms () - t;
    CHECK (el >= 95 && el < 1000);
    CHECK (it[0].revents == 0);
    zmq_close (a);
    zmq_close (b);
}

static void test_empty_sleeps (void)
{
    long t = now_ms ();
    CHECK (zmq_poll (NULL, 0, 0) == 0);
    CHECK (now_ms () - t < 50);
    t = now_ms ();
    CHECK (zmq_poll (NULL, 0, 60) == 0);
    long el = now_ms () - t;
    CHECK (el >= 55 && el < 1000);
}

static void test_pollin_pollout_pair (void)
{
    void *a, *b;
    pair_of (ZMQ_PAIR, ZMQ_PAIR, "inproc://pair", &a, &b);
    zmq_pollitem_t it[] = {{a, 0, ZMQ_POLLIN | ZMQ_POLLOUT, 0},
                           {b, 0, ZMQ_POLLIN | ZMQ_POLLOUT, 0}};
    CHECK (zmq_poll (it, 2, 0) == 2);
    CHECK (it[0].revents == ZMQ_POLLOUT && it[1].revents == ZMQ_POLLOUT);
    CHECK (zmq_send (b, "x", 1, 0) == 1);
    /* -1 with a ready socket returns at once. */
    CHECK (zmq_poll (it, 2, -1) == 2);
    CHECK (it[0].revents == (ZMQ_POLLIN | ZMQ_POLLOUT));
    CHECK (it[1].revents == ZMQ_POLLOUT);
    /* Only POLLIN asked: POLLOUT is not reported. */
    it[0].events = ZMQ_POLLIN;
    it[1].events = ZMQ_POLLIN;
    CHECK (zmq_poll (it, 2, -1) == 1);
    CHECK (it[0].revents == ZMQ_POLLIN && it[1].revents == 0);
    char buf[4];
    CHECK (zmq_recv (a, buf, 4, 0) == 1);
    CHECK (zmq_poll (it, 2, 0) == 0);
    /* events == 0: never reported. */
    it[0].events = 0;
    it[1].events = 0;
    CHECK (zmq_poll (it, 2, 10) == 0);
    zmq_close (a);
    zmq_close (b);
}

static void test_push_pull (void)
{
    void *push, *pull;
    pair_of (ZMQ_PUSH, ZMQ_PULL, "inproc://pp", &push, &pull);
    zmq_pollitem_t it[] = {{push, 0, ZMQ_POLLIN | ZMQ_POLLOUT, 0},
                           {pull, 0, ZMQ_POLLIN | ZMQ_POLLOUT, 0}};
    CHECK (zmq_poll (it, 2, 0) == 1);
    CHECK (it[0].revents == ZMQ_POLLOUT && it[1].revents == 0);
    CHECK (zmq_send (push, "abc", 3, 0) == 3);
    CHECK (zmq_poll (it, 2, 0) == 2);
    CHECK (it[1].revents == ZMQ_POLLIN);
    char buf[4];
    CHECK (zmq_recv (pull, buf, 4, 0) == 3);
    CHECK (zmq_poll (it, 2, 0) == 1);
    zmq_close (push);
    zmq_close (pull);

    /* A PUSH with no peer cannot send. */
    push = zmq_socket (ctx, ZMQ_PUSH);
    zmq_pollitem_t one[] = {{push, 0, ZMQ_POLLOUT, 0}};
    CHECK (zmq_poll (one, 1, 20) == 0);
    zmq_close (push);
}

static void test_raw_fd (void)
{
    int fds[2];
    CHECK (pipe (fds) == 0);
    zmq_pollitem_t it[] = {{NULL, fds[0], ZMQ_POLLIN, 0},
                           {NULL, fds[1], ZMQ_POLLOUT, 0}};
    CHECK (zmq_poll (it, 2, 0) == 1);
    CHECK (it[0].revents == 0 && it[1].revents == ZMQ_POLLOUT);
    CHECK (write (fds[1], "z", 1) == 1);
    CHECK (zmq_poll (it, 2, 0) == 2);
    CHECK (it[0].revents == ZMQ_POLLIN);
    char c;
    CHECK (read (fds[0], &c, 1) == 1);
    /* Waiting on only the read end times out. */
    CHECK (zmq_poll (it, 1, 30) == 0);
    /* The writer goes away: POLLHUP is reported as POLLERR. */
    close (fds[1]);
    CHECK (zmq_poll (it, 1, 0) == 1);
    CHECK (it[0].revents == ZMQ_POLLERR);
    /* Even when nothing was asked for. */
    it[0].events = 0;
    CHECK (zmq_poll (it, 1, 0) == 1);
    CHECK (it[0].revents == ZMQ_POLLERR);
    close (fds[0]);
}

static void test_mixed (void)
{
    void *a, *b;
    pair_of (ZMQ_PAIR, ZMQ_PAIR, "inproc://mixed", &a, &b);
    int fds[2];
    CHECK (pipe (fds) == 0);
    zmq_pollitem_t it[] = {{a, 0, ZMQ_POLLIN, 0}, {NULL, fds[0], ZMQ_POLLIN, 0}};
    CHECK (zmq_poll (it, 2, 0) == 0);
    CHECK (write (fds[1], "z", 1) == 1);
    CHECK (zmq_poll (it, 2, -1) == 1);
    CHECK (it[0].revents == 0 && it[1].revents == ZMQ_POLLIN);
    CHECK (zmq_send (b, "m", 1, 0) == 1);
    CHECK (zmq_poll (it, 2, -1) == 2);
    close (fds[0]);
    close (fds[1]);
    zmq_close (a);
    zmq_close (b);
}

static void test_many_items (void)
{
    /* More than ZMQ_POLLITEMS_DFLT items. */
    enum { N = 40 };
    void *s[N];
    zmq_pollitem_t it[N];
    char ep[64];
    for (int i = 0; i < N; i += 2) {
        snprintf (ep, sizeof ep, "inproc://many-%d", i);
        pair_of (ZMQ_PAIR, ZMQ_PAIR, ep, &s[i], &s[i + 1]);
    }
    for (int i = 0; i < N; i++) {
        it[i].socket = s[i];
        it[i].fd = 0;
        it[i].events = ZMQ_POLLIN;
        it[i].revents = 0;
    }
    CHECK (zmq_poll (it, N, 0) == 0);
    CHECK (zmq_send (s[N - 2], "q", 1, 0) == 1);
    CHECK (zmq_poll (it, N, 1000) == 1);
    CHECK (it[N - 1].revents == ZMQ_POLLIN);
    for (int i = 0; i < N; i++)
        zmq_close (s[i]);
}

static void test_errors (void)
{
    void *a = zmq_socket (ctx, ZMQ_PAIR);
    zmq_pollitem_t it[] = {{a, 0, ZMQ_POLLIN, 0}};
    CHECK_OK (zmq_close (a));
    CHECK_ERR (zmq_poll (it, 1, 0), ENOTSOCK);
    CHECK_ERR (zmq_poll (it, 1, 10), ENOTSOCK);
}

struct sender_arg
{
    void *s;
    int delay_ms;
};

static void *sender (void *arg_)
{
    struct sender_arg *arg = (struct sender_arg *) arg_;
    usleep (arg->delay_ms * 1000);
    CHECK (zmq_send (arg->s, "late", 4, 0) == 4);
    return NULL;
}

static void test_wakes_on_send (void)
{
    void *a, *b;
    pair_of (ZMQ_PAIR, ZMQ_PAIR, "inproc://wake", &a, &b);
    struct sender_arg arg = {b, 50};
    pthread_t th;
    pthread_create (&th, NULL, sender, &arg);
    zmq_pollitem_t it[] = {{a, 0, ZMQ_POLLIN, 0}};
    long t = now_ms ();
    CHECK (zmq_poll (it, 1, 5000) == 1);
    CHECK (now_ms () - t < 4000);
    CHECK (it[0].revents == ZMQ_POLLIN);
    pthread_join (th, NULL);
    zmq_close (a);
    zmq_close (b);
}

static void on_alarm (int sig)
{
    (void) sig;
}

static void *kicker (void *arg)
{
    usleep (50 * 1000);
    pthread_kill (*(pthread_t *) arg, SIGUSR1);
    return NULL;
}

static void test_eintr (void)
{
    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART */
    sigaction (SIGUSR1, &sa, NULL);
    void *a, *b;
    pair_of (ZMQ_PAIR, ZMQ_PAIR, "inproc://eintr", &a, &b);
    pthread_t self = pthread_self (), th;
    pthread_create (&th, NULL, kicker, &self);
    zmq_pollitem_t it[] = {{a, 0, ZMQ_POLLIN, 0}};
    CHECK_ERR (zmq_poll (it, 1, 5000), EINTR);
    pthread_join (th, NULL);
    zmq_close (a);
    zmq_close (b);
}

static void *shutter (void *arg)
{
    usleep (50 * 1000);
    zmq_ctx_shutdown (arg);
    return NULL;
}

static void test_eterm (void)
{
    void *c = zmq_ctx_new ();
    void *a = zmq_socket (c, ZMQ_PAIR);
    CHECK_OK (zmq_bind (a, "inproc://eterm"));
    pthread_t th;
    pthread_create (&th, NULL, shutter, c);
    zmq_pollitem_t it[] = {{a, 0, ZMQ_POLLIN, 0}};
    CHECK_ERR (zmq_poll (it, 1, 5000), ETERM);
    pthread_join (th, NULL);
    zmq_close (a);
    CHECK_OK (zmq_ctx_term (c));
}

int main (void)
{
    ctx = zmq_ctx_new ();
    RUN_TEST (test_timeout_zero);
    RUN_TEST (test_timeout_ms);
    RUN_TEST (test_empty_sleeps);
    RUN_TEST (test_pollin_pollout_pair);
    RUN_TEST (test_push_pull);
    RUN_TEST (test_raw_fd);
    RUN_TEST (test_mixed);
    RUN_TEST (test_many_items);
    RUN_TEST (test_errors);
    RUN_TEST (test_wakes_on_send);
    RUN_TEST (test_eintr);
    RUN_TEST (test_eterm);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
