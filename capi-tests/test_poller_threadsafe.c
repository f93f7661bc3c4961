/* capi-test: ours-only
 * Waiting on thread-safe sockets (no ZMQ_FD): zmq_poller_* incl.
 * zmq_poller_fd, and zmq_poll. */
#include "testutil.h"
#include <poll.h>
#include <pthread.h>

static void *ctx;

static void test_poller_events (void)
{
    void *server = zmq_socket (ctx, ZMQ_SERVER);
    void *client = zmq_socket (ctx, ZMQ_CLIENT);
    CHECK_OK (zmq_bind (server, "inproc://pts"));
    CHECK_OK (zmq_connect (client, "inproc://pts"));
    void *poller = zmq_poller_new ();
    zmq_fd_t fd;
    /* No thread-safe socket yet: no signaler. */
    CHECK_ERR (zmq_poller_fd (poller, &fd), EINVAL);
    CHECK_OK (zmq_poller_add (poller, server, server, ZMQ_POLLIN));
    CHECK_OK (zmq_poller_add (poller, client, client, ZMQ_POLLOUT));
    CHECK_OK (zmq_poller_fd (poller, &fd));
    CHECK (fd >= 0);

    zmq_poller_event_t ev[2];
    /* The client can send; the server has nothing. */
    CHECK (zmq_poller_wait_all (poller, ev, 2, 0) == 1);
    CHECK (ev[0].socket == client && ev[0].events == ZMQ_POLLOUT);
    CHECK (ev[0].user_data == client && ev[0].fd == -1);
    CHECK_OK (zmq_poller_modify (poller, client, 0));
    CHECK_ERR (zmq_poller_wait_all (poller, ev, 2, 0), EAGAIN);
    long t0 = now_ms ();
    CHECK_ERR (zmq_poller_wait_all (poller, ev, 2, 50), EAGAIN);
    CHECK (now_ms () - t0 >= 40);

    /* A message makes the signaler fd readable and the server ready. */
    CHECK (zmq_send (client, "hi", 2, 0) == 2);
    struct pollfd p = {fd, POLLIN, 0};
    CHECK (poll (&p, 1, 2000) == 1);
    CHECK (zmq_poller_wait_all (poller, ev, 2, 0) == 1);
    CHECK (ev[0].socket == server && ev[0].events == ZMQ_POLLIN);
    char b[4];
    CHECK (zmq_recv (server, b, sizeof b, 0) == 2);
    CHECK_ERR (zmq_poller_wait_all (poller, ev, 2, 0), EAGAIN);

    /* The signaler stays after the thread-safe sockets are removed. */
    CHECK_OK (zmq_poller_remove (poller, server));
    CHECK_OK (zmq_poller_remove (poller, client));
    zmq_fd_t fd2;
    CHECK_OK (zmq_poller_fd (poller, &fd2));
    CHECK (fd2 == fd);
    CHECK_OK (zmq_poller_destroy (&poller));
    CHECK_OK (zmq_close (client));
    CHECK_OK (zmq_close (server));
}

struct delayed {
    void *s;
    int ms;
};

static void *send_later (void *arg)
{
    struct delayed *d = arg;
    struct timespec ts = {0, (long) d->ms * 1000000L};
    nanosleep (&ts, NULL);
    CHECK (zmq_send (d->s, "late", 4, 0) == 4);
    return NULL;
}

/* A poller blocked in one thread wakes when another thread sends. */
static void test_poller_wakes (const char *ep)
{
    void *dish = zmq_socket (ctx, ZMQ_DISH);
    void *radio = zmq_socket (ctx, ZMQ_RADIO);
    void *gather = zmq_socket (ctx, ZMQ_GATHER);
    void *scatter = zmq_socket (ctx, ZMQ_SCATTER);
    CHECK_OK (zmq_bind (gather, ep));
    char last[256];
    size_t len = sizeof last;
    CHECK_OK (zmq_getsockopt (gather, ZMQ_LAST_ENDPOINT, last, &len));
    CHECK_OK (zmq_connect (scatter, last));
    CHECK_OK (zmq_bind (radio, "inproc://pw-radio"));
    CHECK_OK (zmq_connect (dish, "inproc://pw-radio"));
    void *poller = zmq_poller_new ();
    CHECK_OK (zmq_poller_add (poller, dish, NULL, ZMQ_POLLIN));
    CHECK_OK (zmq_poller_add (poller, gather, NULL, ZMQ_POLLIN));
    pthread_t t;
    struct delayed d = {scatter, 100};
    pthread_create (&t, NULL, send_later, &d);
    zmq_poller_event_t ev;
    long t0 = now_ms ();
    CHECK_OK (zmq_poller_wait (poller, &ev, 5000));
    CHECK (ev.socket == gather && (ev.events & ZMQ_POLLIN));
    CHECK (now_ms () - t0 < 4000);
    pthread_join (t, NULL);
    char b[8];
    CHECK (zmq_recv (gather, b, sizeof b, 0) == 4);
    CHECK_OK (zmq_poller_destroy (&poller));
    CHECK_OK (zmq_close (dish));
    CHECK_OK (zmq_close (radio));
    CHECK_OK (zmq_close (gather));
    CHECK_OK (zmq_close (scatter));
}

static void test_poller_wakes_inproc (void)
{
    test_poller_wakes ("inproc://pw");
}
static void test_poller_wakes_tcp (void)
{
    test_poller_wakes ("tcp://127.0.0.1:*");
}

/* zmq_poll accepts thread-safe sockets next to classic ones and fds. */
static void test_zmq_poll (void)
{
    void *server = zmq_socket (ctx, ZMQ_SERVER);
    void *client = zmq_socket (ctx, ZMQ_CLIENT);
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    CHECK_OK (zmq_bind (server, "tcp://127.0.0.1:*"));
    char last[256];
    size_t len = sizeof last;
    CHECK_OK (zmq_getsockopt (server, ZMQ_LAST_ENDPOINT, last, &len));
    CHECK_OK (zmq_connect (client, last));
    CHECK_OK (zmq_bind (pull, "inproc://zp-pull"));
    zmq_pollitem_t items[] = {
        {server, 0, ZMQ_POLLIN, 0},
        {client, 0, ZMQ_POLLIN | ZMQ_POLLOUT, 0},
        {pull, 0, ZMQ_POLLIN, 0},
    };
    CHECK (zmq_poll (items, 3, 0) == 1);
    CHECK (items[1].revents == ZMQ_POLLOUT && items[0].revents == 0);
    items[1].events = ZMQ_POLLIN;
    CHECK (zmq_poll (items, 3, 30) == 0);
    pthread_t t;
    struct delayed d = {client, 100};
    pthread_create (&t, NULL, send_later, &d);
    CHECK (zmq_poll (items, 3, 5000) == 1);
    CHECK (items[0].revents == ZMQ_POLLIN);
    pthread_join (t, NULL);
    char b[8];
    uint32_t rid;
    zmq_msg_t m;
    zmq_msg_init (&m);
    CHECK (zmq_msg_recv (&m, server, 0) == 4);
    rid = zmq_msg_routing_id (&m);
    zmq_msg_close (&m);
    zmq_msg_init_size (&m, 2);
    memcpy (zmq_msg_data (&m), "ok", 2);
    CHECK_OK (zmq_msg_set_routing_id (&m, rid));
    CHECK (zmq_msg_send (&m, server, 0) == 2);
    items[0].events = 0;
    CHECK (zmq_poll (items, 3, 5000) == 1);
    CHECK (items[1].revents == ZMQ_POLLIN);
    CHECK (zmq_recv (client, b, sizeof b, 0) == 2);
    CHECK_OK (zmq_close (server));
    CHECK_OK (zmq_close (client));
    CHECK_OK (zmq_close (pull));
}

static void *run_proxy (void *arg)
{
    void **s = arg;
    zmq_proxy_steerable (s[0], s[1], NULL, s[2]);
    return NULL;
}

/* zmq_proxy between thread-safe sockets: CLIENT -> SERVER | CLIENT ->
 * SERVER, steered to stop by a PAIR. */
static void test_proxy (void)
{
    void *front = zmq_socket (ctx, ZMQ_SERVER);
    void *back = zmq_socket (ctx, ZMQ_CLIENT);
    void *ctl = zmq_socket (ctx, ZMQ_PAIR);
    void *ctl_peer = zmq_socket (ctx, ZMQ_PAIR);
    void *client = zmq_socket (ctx, ZMQ_CLIENT);
    void *worker = zmq_socket (ctx, ZMQ_SERVER);
    CHECK_OK (zmq_bind (front, "inproc://px-front"));
    CHECK_OK (zmq_bind (worker, "inproc://px-back"));
    CHECK_OK (zmq_connect (back, "inproc://px-back"));
    CHECK_OK (zmq_connect (client, "inproc://px-front"));
    CHECK_OK (zmq_bind (ctl, "inproc://px-ctl"));
    CHECK_OK (zmq_connect (ctl_peer, "inproc://px-ctl"));
    void *args[3] = {front, back, ctl};
    pthread_t t;
    pthread_create (&t, NULL, run_proxy, args);
    set_int (worker, ZMQ_RCVTIMEO, 5000);
    char b[16];
    for (int i = 0; i < 50; i++) {
        CHECK (zmq_send (client, "through", 7, 0) == 7);
        CHECK (zmq_recv (worker, b, sizeof b, 0) == 7);
        CHECK (memcmp (b, "through", 7) == 0);
    }
    CHECK (zmq_send (ctl_peer, "TERMINATE", 9, 0) == 9);
    pthread_join (t, NULL);
    CHECK_OK (zmq_close (front));
    CHECK_OK (zmq_close (back));
    CHECK_OK (zmq_close (ctl));
    CHECK_OK (zmq_close (ctl_peer));
    CHECK_OK (zmq_close (client));
    CHECK_OK (zmq_close (worker));
}

int main (void)
{
    ctx = zmq_ctx_new ();
    RUN_TEST (test_poller_events);
    RUN_TEST (test_poller_wakes_inproc);
    RUN_TEST (test_poller_wakes_tcp);
    RUN_TEST (test_zmq_poll);
    RUN_TEST (test_proxy);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
