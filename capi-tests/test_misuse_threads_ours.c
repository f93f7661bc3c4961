/* capi-test: ours-only
 * capi-test: valgrind
 * Misuse across threads, where libzmq's behaviour is undefined (a data race
 * on a socket that is not thread-safe, or a socket freed under a call that
 * is blocked in it) and ours is defined:
 * - a classic socket takes one call at a time: a call made while another
 *   thread's call is inside fails with EBUSY and touches nothing, so
 *   threads hammering one PUSH and one PULL lose, duplicate and corrupt
 *   nothing;
 * - zmq_close while another thread is blocked in zmq_recv or zmq_send on
 *   the socket: the blocked call returns -1 with ENOTSOCK at once, and
 *   zmq_close returns 0 once that call has left the socket;
 * - the same for a thread-safe CLIENT, even when a new socket takes over
 *   the closed one's handle at once. */
#include "testutil.h"

#include <pthread.h>
#include <sched.h>

/* Wait until another thread has a call inside the classic socket `s`:
 * from then on our own calls on it fail with EBUSY. */
static void wait_until_busy (void *s)
{
    long deadline = now_ms () + 10000;
    int type;
    size_t sz = sizeof type;
    while (zmq_getsockopt (s, ZMQ_TYPE, &type, &sz) == 0) {
        CHECK (now_ms () < deadline);
        usleep (1000);
    }
    CHECK (zmq_errno () == EBUSY);
}

/* ------------------------------------------- a call made while one is inside */

static void *recv_one (void *s)
{
    char buf[16];
    int rc;
    /* EBUSY while the main thread's probe is inside: try again. */
    while ((rc = zmq_recv (s, buf, sizeof buf, 0)) == -1 && zmq_errno () == EBUSY)
        ;
    return (void *) (long) rc;
}

static void test_second_caller_gets_ebusy (void)
{
    void *ctx = zmq_ctx_new ();
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    CHECK_OK (zmq_bind (pull, "inproc://busy"));
    CHECK_OK (zmq_connect (push, "inproc://busy"));
    pthread_t t;
    CHECK (pthread_create (&t, NULL, recv_one, pull) == 0);
    wait_until_busy (pull);

    /* Every call on the socket is refused while the other thread's
     * zmq_recv is blocked in it, and changes nothing. */
    char buf[16];
    int v = 7;
    size_t sz = sizeof v;
    CHECK_ERR (zmq_recv (pull, buf, sizeof buf, ZMQ_DONTWAIT), EBUSY);
    CHECK_ERR (zmq_send (pull, "x", 1, ZMQ_DONTWAIT), EBUSY);
    CHECK_ERR (zmq_setsockopt (pull, ZMQ_RCVHWM, &v, sizeof v), EBUSY);
    CHECK_ERR (zmq_getsockopt (pull, ZMQ_EVENTS, &v, &sz), EBUSY);
    CHECK_ERR (zmq_bind (pull, "inproc://busy2"), EBUSY);
    zmq_msg_t m;
    CHECK_OK (zmq_msg_init (&m));
    CHECK_ERR (zmq_msg_recv (&m, pull, ZMQ_DONTWAIT), EBUSY);
    CHECK_OK (zmq_msg_close (&m));
    zmq_pollitem_t it = {pull, 0, ZMQ_POLLIN, 0};
    CHECK_ERR (zmq_poll (&it, 1, 0), EBUSY);

    /* The blocked call still gets its message, and the socket is free. */
    CHECK (zmq_send (push, "wake", 4, 0) == 4);
    void *rc;
    CHECK (pthread_join (t, &rc) == 0);
    CHECK ((long) rc == 4);
    sz = sizeof v;
    CHECK_OK (zmq_getsockopt (pull, ZMQ_RCVHWM, &v, &sz));
    CHECK (v == 1000);
    CHECK_ERR (zmq_recv (pull, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    CHECK_OK (zmq_close (pull));
    CHECK_OK (zmq_close (push));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* ------------------------------------------- threads hammering one socket */

#define SENDERS 3
#define RECEIVERS 2
#define PER_SENDER 20000

typedef struct
{
    uint32_t sender, seq, check;
    char pad[88];
} payload_t;

static void *push_shared, *pull_shared;
static int senders_done, received_total, busy_seen;
static unsigned char seen[SENDERS][PER_SENDER];

static uint32_t checksum (uint32_t sender, uint32_t seq)
{
    return (sender + 1) * 2654435761u ^ (seq * 40503u + 17u);
}

/* Small (inline) and large (allocated) messages alternate. */
static size_t size_of (uint32_t seq)
{
    return seq % 2 ? sizeof (payload_t) : 12;
}

static int retry (void)
{
    int e = zmq_errno ();
    CHECK (e == EBUSY || e == EAGAIN);
    if (e == EBUSY)
        __atomic_fetch_add (&busy_seen, 1, __ATOMIC_RELAXED);
    sched_yield ();
    return 1;
}

static void *sender (void *arg)
{
    uint32_t id = (uint32_t) (long) arg, seq;
    for (seq = 0; seq < PER_SENDER; seq++) {
        payload_t p;
        memset (&p, 0x5a, sizeof p);
        p.sender = id;
        p.seq = seq;
        p.check = checksum (id, seq);
        while (zmq_send (push_shared, &p, size_of (seq), 0) == -1)
            retry ();
    }
    __atomic_fetch_add (&senders_done, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* Another thread asks the sending socket about its state meanwhile. */
static void *prober (void *arg)
{
    (void) arg;
    while (__atomic_load_n (&senders_done, __ATOMIC_ACQUIRE) < SENDERS) {
        int ev;
        size_t sz = sizeof ev;
        if (zmq_getsockopt (push_shared, ZMQ_EVENTS, &ev, &sz) == 0)
            CHECK (ev & ZMQ_POLLOUT);
        else
            retry ();
        zmq_pollitem_t it = {push_shared, 0, ZMQ_POLLOUT, 0};
        if (zmq_poll (&it, 1, 0) == -1)
            retry ();
    }
    return NULL;
}

static void *receiver (void *arg)
{
    (void) arg;
    uint32_t last[SENDERS];
    memset (last, 0xff, sizeof last);
    long deadline = now_ms () + 60000;
    zmq_msg_t m;
    CHECK_OK (zmq_msg_init (&m));
    while (__atomic_load_n (&received_total, __ATOMIC_RELAXED)
           < SENDERS * PER_SENDER) {
        CHECK (now_ms () < deadline);
        if (zmq_msg_recv (&m, pull_shared, ZMQ_DONTWAIT) == -1) {
            retry ();
            continue;
        }
        payload_t p;
        memset (&p, 0x5a, sizeof p);
        CHECK (zmq_msg_size (&m) >= 12 && zmq_msg_size (&m) <= sizeof p);
        memcpy (&p, zmq_msg_data (&m), zmq_msg_size (&m));
        CHECK (p.sender < SENDERS && p.seq < PER_SENDER);
        CHECK (p.check == checksum (p.sender, p.seq));
        CHECK (zmq_msg_size (&m) == size_of (p.seq));
        /* Whole, once, and in each sender's order. */
        CHECK (__atomic_exchange_n (&seen[p.sender][p.seq], 1, __ATOMIC_RELAXED)
               == 0);
        CHECK (last[p.sender] == 0xffffffffu || p.seq > last[p.sender]);
        last[p.sender] = p.seq;
        __atomic_fetch_add (&received_total, 1, __ATOMIC_RELAXED);
    }
    CHECK_OK (zmq_msg_close (&m));
    return NULL;
}

static void test_threads_hammer_one_socket (void)
{
    void *ctx = zmq_ctx_new ();
    push_shared = zmq_socket (ctx, ZMQ_PUSH);
    pull_shared = zmq_socket (ctx, ZMQ_PULL);
    set_int (push_shared, ZMQ_SNDHWM, 0);
    set_int (pull_shared, ZMQ_RCVHWM, 0);
    CHECK_OK (zmq_bind (pull_shared, "inproc://hammer"));
    CHECK_OK (zmq_connect (push_shared, "inproc://hammer"));
    pthread_t s[SENDERS], r[RECEIVERS], p;
    long i;
    for (i = 0; i < RECEIVERS; i++)
        CHECK (pthread_create (&r[i], NULL, receiver, NULL) == 0);
    CHECK (pthread_create (&p, NULL, prober, NULL) == 0);
    for (i = 0; i < SENDERS; i++)
        CHECK (pthread_create (&s[i], NULL, sender, (void *) i) == 0);
    for (i = 0; i < SENDERS; i++)
        CHECK (pthread_join (s[i], NULL) == 0);
    CHECK (pthread_join (p, NULL) == 0);
    for (i = 0; i < RECEIVERS; i++)
        CHECK (pthread_join (r[i], NULL) == 0);
    CHECK (received_total == SENDERS * PER_SENDER);
    printf ("# %d messages through one PUSH (%d threads) and one PULL (%d "
            "threads); %d calls refused with EBUSY\n",
            received_total, SENDERS + 1, RECEIVERS, busy_seen);
    CHECK_OK (zmq_close (push_shared));
    CHECK_OK (zmq_close (pull_shared));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* ------------------------------------------- zmq_close under a blocked call */

typedef struct
{
    void *s;
    int sending;
    int rc, err;
    long ended;
    int started;
} blocked_t;

static void *block_in_call (void *arg)
{
    blocked_t *b = arg;
    char buf[16];
    __atomic_store_n (&b->started, 1, __ATOMIC_RELEASE);
    /* The main thread's probes (wait_until_busy) may hold the socket for a
     * moment: EBUSY then, and the call is tried again. */
    do {
        b->rc = b->sending ? zmq_send (b->s, "x", 1, 0)
                           : zmq_recv (b->s, buf, sizeof buf, 0);
        b->err = zmq_errno ();
    } while (b->rc == -1 && b->err == EBUSY);
    b->ended = now_ms ();
    return NULL;
}

static void close_under (void *ctx, void *s, int sending)
{
    /* A timeout, so that a library that misses the close fails the test
     * rather than hanging it. */
    set_int (s, sending ? ZMQ_SNDTIMEO : ZMQ_RCVTIMEO, 8000);
    blocked_t b = {s, sending, 0, 0, 0, 0};
    pthread_t t;
    CHECK (pthread_create (&t, NULL, block_in_call, &b) == 0);
    while (!__atomic_load_n (&b.started, __ATOMIC_ACQUIRE))
        usleep (1000);
    usleep (200 * 1000); /* well into its wait */
    long t0 = now_ms ();
    CHECK_OK (zmq_close (s));
    CHECK (pthread_join (t, NULL) == 0);
    CHECK (b.rc == -1 && b.err == ENOTSOCK);
    CHECK (b.ended - t0 < 4000);
    /* The handle is closed for every thread now. */
    CHECK_ERR (zmq_close (s), ENOTSOCK);
    CHECK_ERR (zmq_send (s, "x", 1, ZMQ_DONTWAIT), ENOTSOCK);
    (void) ctx;
}

static void test_close_while_blocked (void)
{
    void *ctx = zmq_ctx_new ();
    /* zmq_recv on a PULL nobody sends to. */
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    CHECK_OK (zmq_bind (pull, "inproc://closed-under-recv"));
    close_under (ctx, pull, 0);
    /* zmq_send on a PUSH with no peer (ZMQ_IMMEDIATE: no pipe to queue in
     * while the connection is refused). */
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    set_int (push, ZMQ_IMMEDIATE, 1);
    CHECK_OK (zmq_connect (push, "tcp://127.0.0.1:1"));
    close_under (ctx, push, 1);
    /* A REQ waiting for its reply over tcp. */
    void *rep = zmq_socket (ctx, ZMQ_REP);
    void *req = zmq_socket (ctx, ZMQ_REQ);
    char ep[64];
    size_t len = sizeof ep;
    CHECK_OK (zmq_bind (rep, "tcp://127.0.0.1:*"));
    CHECK_OK (zmq_getsockopt (rep, ZMQ_LAST_ENDPOINT, ep, &len));
    CHECK_OK (zmq_connect (req, ep));
    CHECK (zmq_send (req, "q", 1, 0) == 1);
    close_under (ctx, req, 0);
    CHECK_OK (zmq_close (rep));
    /* Nothing is left behind: the context ends. */
    CHECK_OK (zmq_ctx_term (ctx));
}

/* ------------------------------------------- zmq_close racing busy calls */

static void *send_until_closed (void *s)
{
    for (;;) {
        if (zmq_send (s, "abc", 3, ZMQ_DONTWAIT) == 3)
            continue;
        int e = zmq_errno ();
        if (e == ENOTSOCK)
            return NULL;
        CHECK (e == EAGAIN);
    }
}

static void test_close_races_calls (void)
{
    void *ctx = zmq_ctx_new ();
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    set_int (pull, ZMQ_RCVHWM, 100);
    CHECK_OK (zmq_bind (pull, "inproc://race"));
    int i;
    for (i = 0; i < 100; i++) {
        void *push = zmq_socket (ctx, ZMQ_PUSH);
        set_int (push, ZMQ_SNDHWM, 100);
        set_int (push, ZMQ_LINGER, 0);
        CHECK_OK (zmq_connect (push, "inproc://race"));
        pthread_t t;
        CHECK (pthread_create (&t, NULL, send_until_closed, push) == 0);
        usleep ((useconds_t) (i % 7) * 300);
        CHECK_OK (zmq_close (push));
        CHECK (pthread_join (t, NULL) == 0);
        char buf[8];
        while (zmq_recv (pull, buf, sizeof buf, ZMQ_DONTWAIT) == 3)
            ;
    }
    CHECK_OK (zmq_close (pull));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* ------------------------------------------- the same, thread-safe */

static void test_close_thread_safe_while_blocked (void)
{
    void *ctx = zmq_ctx_new ();
    void *server = zmq_socket (ctx, ZMQ_SERVER);
    CHECK_OK (zmq_bind (server, "inproc://ts-close"));
    int i;
    for (i = 0; i < 20; i++) {
        void *client = zmq_socket (ctx, ZMQ_CLIENT);
        CHECK_OK (zmq_connect (client, "inproc://ts-close"));
        set_int (client, ZMQ_RCVTIMEO, 8000);
        blocked_t b = {client, 0, 0, 0, 0, 0};
        pthread_t t;
        CHECK (pthread_create (&t, NULL, block_in_call, &b) == 0);
        usleep (20 * 1000);
        long t0 = now_ms ();
        CHECK_OK (zmq_close (client));
        /* A new socket may take over the handle at once: the blocked call
         * must not carry on in it. */
        void *next = zmq_socket (ctx, ZMQ_CLIENT);
        CHECK_OK (zmq_connect (next, "inproc://ts-close"));
        CHECK (pthread_join (t, NULL) == 0);
        CHECK (b.rc == -1 && b.err == ENOTSOCK);
        CHECK (b.ended - t0 < 4000);
        CHECK_OK (zmq_close (next));
    }
    CHECK_OK (zmq_close (server));
    CHECK_OK (zmq_ctx_term (ctx));
}

/* `test_misuse_threads_ours NAME` runs only the cases whose name holds NAME. */
#define RUN_MATCHING(fn)                                                       \
    do {                                                                       \
        if (!only || strstr (#fn, only))                                       \
            RUN_TEST (fn);                                                     \
    } while (0)

int main (int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    RUN_MATCHING (test_second_caller_gets_ebusy);
    RUN_MATCHING (test_threads_hammer_one_socket);
    RUN_MATCHING (test_close_while_blocked);
    RUN_MATCHING (test_close_races_calls);
    RUN_MATCHING (test_close_thread_safe_while_blocked);
    return 0;
}
