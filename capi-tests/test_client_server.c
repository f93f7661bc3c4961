/* capi-test: ours-only
 * SERVER and CLIENT (draft, thread-safe): routing ids, single-part rules,
 * errors, and concurrent use of one socket from several threads. */
#include "testutil.h"
#include <pthread.h>

static void *ctx;

static int recv_str (void *s, char *buf, size_t n, uint32_t *rid)
{
    zmq_msg_t m;
    zmq_msg_init (&m);
    int rc = zmq_msg_recv (&m, s, 0);
    if (rc >= 0) {
        size_t k = (size_t) rc < n - 1 ? (size_t) rc : n - 1;
        memcpy (buf, zmq_msg_data (&m), k);
        buf[k] = 0;
        if (rid)
            *rid = zmq_msg_routing_id (&m);
    }
    zmq_msg_close (&m);
    return rc;
}

static int send_to (void *s, uint32_t rid, const char *str)
{
    zmq_msg_t m;
    zmq_msg_init_size (&m, strlen (str));
    memcpy (zmq_msg_data (&m), str, strlen (str));
    if (rid)
        CHECK_OK (zmq_msg_set_routing_id (&m, rid));
    int rc = zmq_msg_send (&m, s, 0);
    if (rc < 0)
        zmq_msg_close (&m);
    return rc;
}

static void test_thread_safe_option (void)
{
    int types[] = {ZMQ_SERVER, ZMQ_CLIENT, ZMQ_RADIO, ZMQ_DISH,
                   ZMQ_GATHER, ZMQ_SCATTER, ZMQ_PEER, ZMQ_CHANNEL};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        void *s = zmq_socket (ctx, types[i]);
        CHECK (s);
        int v = -1, type = -1;
        size_t len = sizeof v;
        CHECK_OK (zmq_getsockopt (s, ZMQ_THREAD_SAFE, &v, &len));
        CHECK (v == 1);
        len = sizeof type;
        CHECK_OK (zmq_getsockopt (s, ZMQ_TYPE, &type, &len));
        CHECK (type == types[i]);
        /* No ZMQ_FD on thread-safe sockets. */
        zmq_fd_t fd;
        len = sizeof fd;
        CHECK_ERR (zmq_getsockopt (s, ZMQ_FD, &fd, &len), EINVAL);
        /* ZMQ_EVENTS still answers. */
        len = sizeof v;
        CHECK_OK (zmq_getsockopt (s, ZMQ_EVENTS, &v, &len));
        CHECK_OK (zmq_close (s));
    }
    void *d = zmq_socket (ctx, ZMQ_DEALER);
    int v = -1;
    size_t len = sizeof v;
    CHECK_OK (zmq_getsockopt (d, ZMQ_THREAD_SAFE, &v, &len));
    CHECK (v == 0);
    CHECK_OK (zmq_close (d));
}

static void test_routing (const char *ep)
{
    void *server = zmq_socket (ctx, ZMQ_SERVER);
    void *c1 = zmq_socket (ctx, ZMQ_CLIENT);
    void *c2 = zmq_socket (ctx, ZMQ_CLIENT);
    set_int (server, ZMQ_RCVTIMEO, 2000);
    set_int (c1, ZMQ_RCVTIMEO, 2000);
    set_int (c2, ZMQ_RCVTIMEO, 2000);
    CHECK_OK (zmq_bind (server, ep));
    char last[256];
    size_t len = sizeof last;
    CHECK_OK (zmq_getsockopt (server, ZMQ_LAST_ENDPOINT, last, &len));
    CHECK_OK (zmq_connect (c1, last));
    CHECK_OK (zmq_connect (c2, last));

    CHECK (zmq_send (c1, "one", 3, 0) == 3);
    CHECK (zmq_send (c2, "two", 3, 0) == 3);
    char buf[32];
    uint32_t r1 = 0, r2 = 0, r;
    for (int i = 0; i < 2; i++) {
        CHECK (recv_str (server, buf, sizeof buf, &r) == 3);
        CHECK (r != 0);
        if (strcmp (buf, "one") == 0)
            r1 = r;
        else if (strcmp (buf, "two") == 0)
            r2 = r;
        else
            CHECK (0);
    }
    CHECK (r1 && r2 && r1 != r2);
    /* Replies go by routing id; the client sees no routing id. */
    CHECK (send_to (server, r2, "to-two") == 6);
    CHECK (send_to (server, r1, "to-one") == 6);
    CHECK (recv_str (c1, buf, sizeof buf, &r) == 6);
    CHECK (strcmp (buf, "to-one") == 0);
    CHECK (r == 0);
    CHECK (recv_str (c2, buf, sizeof buf, NULL) == 6);
    CHECK (strcmp (buf, "to-two") == 0);

    /* Unknown or missing routing id: EHOSTUNREACH, message stays ours. */
    zmq_msg_t m;
    zmq_msg_init_size (&m, 1);
    CHECK_OK (zmq_msg_set_routing_id (&m, r1 + r2 + 1000));
    CHECK_ERR (zmq_msg_send (&m, server, 0), EHOSTUNREACH);
    CHECK (zmq_msg_size (&m) == 1);
    zmq_msg_close (&m);
    CHECK_ERR (zmq_send (server, "x", 1, 0), EHOSTUNREACH);

    /* Multipart is refused on both. */
    CHECK_ERR (zmq_send (c1, "a", 1, ZMQ_SNDMORE), EINVAL);
    zmq_msg_init_size (&m, 1);
    CHECK_OK (zmq_msg_set_routing_id (&m, r1));
    CHECK_ERR (zmq_msg_send (&m, server, ZMQ_SNDMORE), EINVAL);
    zmq_msg_close (&m);

    /* A peer that goes away becomes unreachable. */
    CHECK_OK (zmq_close (c2));
    long end = now_ms () + 2000;
    int rc;
    while ((rc = send_to (server, r2, "gone?")) == 5 && now_ms () < end)
        zmq_sleep (0);
    CHECK (rc == -1 && zmq_errno () == EHOSTUNREACH);

    /* Nothing queued: EAGAIN with DONTWAIT and after RCVTIMEO. */
    CHECK_ERR (zmq_recv (server, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    set_int (c1, ZMQ_RCVTIMEO, 50);
    long t0 = now_ms ();
    CHECK_ERR (zmq_recv (c1, buf, sizeof buf, 0), EAGAIN);
    CHECK (now_ms () - t0 >= 40);

    CHECK_OK (zmq_close (c1));
    CHECK_OK (zmq_close (server));
}

static void test_routing_inproc (void)
{
    test_routing ("inproc://cs");
}
static void test_routing_tcp (void)
{
    test_routing ("tcp://127.0.0.1:*");
}
static void test_routing_ipc (void)
{
    test_routing ("ipc://*");
}

/* A CLIENT load-balances over its servers and fair-queues their replies. */
static void test_client_round_robin (void)
{
    void *s1 = zmq_socket (ctx, ZMQ_SERVER);
    void *s2 = zmq_socket (ctx, ZMQ_SERVER);
    void *c = zmq_socket (ctx, ZMQ_CLIENT);
    CHECK_OK (zmq_bind (s1, "inproc://rr1"));
    CHECK_OK (zmq_bind (s2, "inproc://rr2"));
    CHECK_OK (zmq_connect (c, "inproc://rr1"));
    CHECK_OK (zmq_connect (c, "inproc://rr2"));
    for (int i = 0; i < 10; i++)
        CHECK (zmq_send (c, "m", 1, 0) == 1);
    int n1 = 0, n2 = 0;
    char b[4];
    while (zmq_recv (s1, b, sizeof b, ZMQ_DONTWAIT) == 1)
        n1++;
    while (zmq_recv (s2, b, sizeof b, ZMQ_DONTWAIT) == 1)
        n2++;
    CHECK (n1 == 5 && n2 == 5);
    CHECK_OK (zmq_close (c));
    CHECK_OK (zmq_close (s1));
    CHECK_OK (zmq_close (s2));
}

#define THREADS 4
#define PER_THREAD 2000

struct worker {
    void *s;
    int id;
    int got;
};

static void *client_sender (void *arg)
{
    struct worker *w = arg;
    char buf[16];
    for (int i = 0; i < PER_THREAD; i++) {
        int n = snprintf (buf, sizeof buf, "%d:%d", w->id, i);
        CHECK (zmq_send (w->s, buf, (size_t) n, 0) == n);
    }
    return NULL;
}

/* Totals across the receiving threads: a receiver stops once every
 * message has arrived somewhere (not on a timeout, so load cannot cut a
 * run short), or after a minute without reaching the total. */
static int served_total, echoed_total;
/* How often each message "thread:index" was seen, per side. */
static int seen_served[THREADS][PER_THREAD], seen_echoed[THREADS][PER_THREAD];

static void mark (int seen[THREADS][PER_THREAD], const char *buf)
{
    int t = -1, i = -1;
    CHECK (sscanf (buf, "%d:%d", &t, &i) == 2);
    CHECK (t >= 0 && t < THREADS && i >= 0 && i < PER_THREAD);
    __atomic_add_fetch (&seen[t][i], 1, __ATOMIC_SEQ_CST);
}

static int all_in (int *total)
{
    return __atomic_load_n (total, __ATOMIC_SEQ_CST) >= THREADS * PER_THREAD;
}

static void *server_receiver (void *arg)
{
    struct worker *w = arg;
    char buf[32];
    uint32_t rid;
    long end = now_ms () + 60000;
    while (!all_in (&served_total) && now_ms () < end) {
        int rc = recv_str (w->s, buf, sizeof buf, &rid);
        if (rc < 0) {
            CHECK (zmq_errno () == EAGAIN);
            continue;
        }
        w->got++;
        mark (seen_served, buf);
        __atomic_add_fetch (&served_total, 1, __ATOMIC_SEQ_CST);
        /* Echo back to the sender. */
        CHECK (send_to (w->s, rid, buf) == rc);
    }
    return NULL;
}

static void *client_receiver (void *arg)
{
    struct worker *w = arg;
    char buf[32];
    long end = now_ms () + 60000;
    while (!all_in (&echoed_total) && now_ms () < end) {
        int rc = zmq_recv (w->s, buf, sizeof buf - 1, 0);
        if (rc < 0) {
            CHECK (zmq_errno () == EAGAIN);
            continue;
        }
        buf[rc] = 0;
        w->got++;
        mark (seen_echoed, buf);
        __atomic_add_fetch (&echoed_total, 1, __ATOMIC_SEQ_CST);
    }
    return NULL;
}

/* Several threads send on one CLIENT while several receive on one SERVER
 * (which echoes) and several receive the echoes on the same CLIENT: every
 * message arrives exactly once. Small HWMs make the senders block. */
static void test_multithreaded (void)
{
    void *server = zmq_socket (ctx, ZMQ_SERVER);
    void *client = zmq_socket (ctx, ZMQ_CLIENT);
    set_int (server, ZMQ_SNDHWM, 10);
    set_int (server, ZMQ_RCVHWM, 10);
    set_int (client, ZMQ_SNDHWM, 10);
    set_int (client, ZMQ_RCVHWM, 10);
    set_int (server, ZMQ_RCVTIMEO, 100);
    set_int (client, ZMQ_RCVTIMEO, 100);
    CHECK_OK (zmq_bind (server, "tcp://127.0.0.1:*"));
    char ep[256];
    size_t len = sizeof ep;
    CHECK_OK (zmq_getsockopt (server, ZMQ_LAST_ENDPOINT, ep, &len));
    CHECK_OK (zmq_connect (client, ep));

    pthread_t snd[THREADS], srv[THREADS], rcv[THREADS];
    struct worker ws[THREADS], wv[THREADS], wr[THREADS];
    for (int i = 0; i < THREADS; i++) {
        ws[i] = (struct worker){client, i, 0};
        wv[i] = (struct worker){server, i, 0};
        wr[i] = (struct worker){client, i, 0};
        pthread_create (&srv[i], NULL, server_receiver, &wv[i]);
        pthread_create (&rcv[i], NULL, client_receiver, &wr[i]);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_create (&snd[i], NULL, client_sender, &ws[i]);
    for (int i = 0; i < THREADS; i++)
        pthread_join (snd[i], NULL);
    int served = 0, echoed = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join (srv[i], NULL);
        served += wv[i].got;
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join (rcv[i], NULL);
        echoed += wr[i].got;
    }
    if (served != THREADS * PER_THREAD || echoed != THREADS * PER_THREAD)
        fprintf (stderr, "served %d echoed %d\n", served, echoed);
    CHECK (served == THREADS * PER_THREAD);
    CHECK (echoed == THREADS * PER_THREAD);
    /* Exactly once each: nothing lost, nothing duplicated. */
    for (int t = 0; t < THREADS; t++)
        for (int i = 0; i < PER_THREAD; i++)
            CHECK (seen_served[t][i] == 1 && seen_echoed[t][i] == 1);
    CHECK_OK (zmq_close (client));
    CHECK_OK (zmq_close (server));
}

static void *blocked_recv (void *arg)
{
    void *s = arg;
    char b[8];
    int rc = zmq_recv (s, b, sizeof b, 0);
    CHECK (rc == 2);
    CHECK (memcmp (b, "hi", 2) == 0);
    return NULL;
}

/* A thread blocked in recv does not stop another thread from sending on
 * the same socket (the lock is released while waiting). */
static void test_recv_does_not_block_send (void)
{
    void *a = zmq_socket (ctx, ZMQ_CLIENT);
    void *b = zmq_socket (ctx, ZMQ_SERVER);
    set_int (a, ZMQ_RCVTIMEO, 5000);
    CHECK_OK (zmq_bind (b, "inproc://rnbs"));
    CHECK_OK (zmq_connect (a, "inproc://rnbs"));
    pthread_t t;
    pthread_create (&t, NULL, blocked_recv, a);
    zmq_sleep (0);
    struct timespec ts = {0, 50 * 1000000};
    nanosleep (&ts, NULL);
    long t0 = now_ms ();
    CHECK (zmq_send (a, "ping", 4, 0) == 4);
    CHECK (now_ms () - t0 < 1000);
    char buf[8];
    uint32_t rid;
    CHECK (recv_str (b, buf, sizeof buf, &rid) == 4);
    CHECK (send_to (b, rid, "hi") == 2);
    pthread_join (t, NULL);
    CHECK_OK (zmq_close (a));
    CHECK_OK (zmq_close (b));
}

static void *term_ctx (void *arg)
{
    struct timespec ts = {0, 100 * 1000000};
    nanosleep (&ts, NULL);
    zmq_ctx_shutdown (arg);
    return NULL;
}

/* Blocked calls on a thread-safe socket wake with ETERM at shutdown. */
static void test_eterm (void)
{
    void *c2 = zmq_ctx_new ();
    void *s = zmq_socket (c2, ZMQ_SERVER);
    pthread_t t;
    pthread_create (&t, NULL, term_ctx, c2);
    char b[4];
    CHECK_ERR (zmq_recv (s, b, sizeof b, 0), ETERM);
    pthread_join (t, NULL);
    CHECK_OK (zmq_close (s));
    CHECK_OK (zmq_ctx_term (c2));
}

int main (void)
{
    ctx = zmq_ctx_new ();
    RUN_TEST (test_thread_safe_option);
    RUN_TEST (test_routing_inproc);
    RUN_TEST (test_routing_tcp);
    RUN_TEST (test_routing_ipc);
    RUN_TEST (test_client_round_robin);
    RUN_TEST (test_multithreaded);
    RUN_TEST (test_recv_does_not_block_send);
    RUN_TEST (test_eterm);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
