/* The demo `make` runs against the library just built: three socket patterns
 * over the three transports, each printing what it exchanged, then one
 * throughput and one latency figure over tcp. Plain libzmq C API: the same
 * file builds against any libzmq 4.3. */
#include <zmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(x)                                                               \
    do {                                                                       \
        if (!(x)) {                                                            \
            fprintf (stderr, "demo: %s failed at line %d: %s\n", #x,          \
                     __LINE__, zmq_strerror (zmq_errno ()));                   \
            exit (1);                                                          \
        }                                                                      \
    } while (0)

static void send_str (void *s, const char *text, int flags)
{
    CHECK (zmq_send (s, text, strlen (text), flags) == (int) strlen (text));
}

static void recv_str (void *s, char *buf, size_t size)
{
    int n = zmq_recv (s, buf, size - 1, 0);
    CHECK (n >= 0);
    buf[(size_t) n < size - 1 ? (size_t) n : size - 1] = '\0';
}

static void bound_endpoint (void *s, char *buf, size_t size)
{
    CHECK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, buf, &size) == 0);
}

static void req_rep_tcp (void *ctx)
{
    char ep[256], buf[64];
    void *rep = zmq_socket (ctx, ZMQ_REP), *req = zmq_socket (ctx, ZMQ_REQ);
    CHECK (zmq_bind (rep, "tcp://127.0.0.1:*") == 0);
    bound_endpoint (rep, ep, sizeof ep);
    CHECK (zmq_connect (req, ep) == 0);
    send_str (req, "Hello", 0);
    recv_str (rep, buf, sizeof buf);
    printf ("REQ/REP   over %-30s REQ sent \"Hello\", REP got \"%s\"", ep, buf);
    send_str (rep, "World", 0);
    recv_str (req, buf, sizeof buf);
    printf (", REQ got the reply \"%s\"\n", buf);
    zmq_close (req);
    zmq_close (rep);
}

static void pub_sub_ipc (void *ctx)
{
    char ep[256], topic[64], body[64];
    int n = 0, more;
    size_t len = sizeof more;
    void *pub = zmq_socket (ctx, ZMQ_PUB), *sub = zmq_socket (ctx, ZMQ_SUB);
    CHECK (zmq_bind (pub, "ipc://*") == 0);
    bound_endpoint (pub, ep, sizeof ep);
    CHECK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "weather", 7) == 0);
    CHECK (zmq_connect (sub, ep) == 0);
    /* A subscription takes a moment to reach the PUB: publish until one lands
       (a PUB drops what no subscriber has asked for yet). */
    for (;;) {
        zmq_pollitem_t item = {sub, 0, ZMQ_POLLIN, 0};
        send_str (pub, "sports", ZMQ_SNDMORE);
        send_str (pub, "3-1", 0);
        send_str (pub, "weather", ZMQ_SNDMORE);
        send_str (pub, "sunny, 21 C", 0);
        n++;
        CHECK (zmq_poll (&item, 1, 10) >= 0);
        if (item.revents & ZMQ_POLLIN)
            break;
    }
    recv_str (sub, topic, sizeof topic);
    CHECK (zmq_getsockopt (sub, ZMQ_RCVMORE, &more, &len) == 0 && more);
    recv_str (sub, body, sizeof body);
    printf ("PUB/SUB   over %-30s SUB subscribed to \"weather\", got [\"%s\", \"%s\"]"
            " (\"sports\" filtered out; %d round%s published)\n",
            ep, topic, body, n, n == 1 ? "" : "s");
    zmq_close (sub);
    zmq_close (pub);
}

static void push_pull_inproc (void *ctx)
{
    char buf[64];
    int i;
    void *push = zmq_socket (ctx, ZMQ_PUSH), *pull = zmq_socket (ctx, ZMQ_PULL);
    CHECK (zmq_bind (pull, "inproc://demo") == 0);
    CHECK (zmq_connect (push, "inproc://demo") == 0);
    for (i = 1; i <= 3; i++) {
        snprintf (buf, sizeof buf, "task %d", i);
        send_str (push, buf, 0);
    }
    printf ("PUSH/PULL over %-30s PULL got", "inproc://demo");
    for (i = 1; i <= 3; i++) {
        recv_str (pull, buf, sizeof buf);
        printf (" \"%s\"%s", buf, i < 3 ? "," : "\n");
    }
    zmq_close (push);
    zmq_close (pull);
}

/* Throughput: a PUSH on another thread sends THR_COUNT messages over tcp;
 * latency: LAT_COUNT round trips to a REP on another thread. */
#define SIZE 64
#define THR_COUNT 2000000
#define LAT_COUNT 5000

struct sender
{
    void *ctx;
    char ep[256];
};

static void push_all (void *arg)
{
    struct sender *s = (struct sender *) arg;
    char data[SIZE];
    int i;
    void *push = zmq_socket (s->ctx, ZMQ_PUSH);
    memset (data, 'x', sizeof data);
    CHECK (zmq_connect (push, s->ep) == 0);
    for (i = 0; i < THR_COUNT; i++)
        CHECK (zmq_send (push, data, SIZE, 0) == SIZE);
    zmq_close (push);
}

static void echo (void *arg)
{
    char data[SIZE];
    int i;
    for (i = 0; i < LAT_COUNT + 1; i++) {
        CHECK (zmq_recv (arg, data, SIZE, 0) == SIZE);
        CHECK (zmq_send (arg, data, SIZE, 0) == SIZE);
    }
}

static void figures (void *ctx)
{
    struct sender s;
    char data[SIZE];
    int i;
    unsigned long us;
    void *watch, *thread;
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    void *rep = zmq_socket (ctx, ZMQ_REP), *req = zmq_socket (ctx, ZMQ_REQ);

    CHECK (zmq_bind (pull, "tcp://127.0.0.1:*") == 0);
    bound_endpoint (pull, s.ep, sizeof s.ep);
    s.ctx = ctx;
    thread = zmq_threadstart (push_all, &s);
    CHECK (zmq_recv (pull, data, SIZE, 0) == SIZE); /* connected: start the clock */
    watch = zmq_stopwatch_start ();
    for (i = 1; i < THR_COUNT; i++)
        CHECK (zmq_recv (pull, data, SIZE, 0) == SIZE);
    us = zmq_stopwatch_stop (watch);
    zmq_threadclose (thread);
    printf ("throughput, %d-byte messages over tcp, PUSH thread -> PULL: %.0f msg/s"
            " (%d messages in %.3f s)\n",
            SIZE, (THR_COUNT - 1) * 1e6 / (us ? us : 1), THR_COUNT - 1, us / 1e6);

    CHECK (zmq_bind (rep, "tcp://127.0.0.1:*") == 0);
    bound_endpoint (rep, s.ep, sizeof s.ep);
    CHECK (zmq_connect (req, s.ep) == 0);
    memset (data, 'x', sizeof data);
    thread = zmq_threadstart (echo, rep); /* the REP echoes on its own thread */
    CHECK (zmq_send (req, data, SIZE, 0) == SIZE); /* one round trip to connect */
    CHECK (zmq_recv (req, data, SIZE, 0) == SIZE);
    watch = zmq_stopwatch_start ();
    for (i = 0; i < LAT_COUNT; i++) {
        CHECK (zmq_send (req, data, SIZE, 0) == SIZE);
        CHECK (zmq_recv (req, data, SIZE, 0) == SIZE);
    }
    us = zmq_stopwatch_stop (watch);
    zmq_threadclose (thread);
    printf ("latency, %d-byte REQ/REP round trips over tcp, REP echoing on another thread: %.1f us"
            " per round trip (%d in %.3f s)\n",
            SIZE, (double) us / LAT_COUNT, LAT_COUNT, us / 1e6);
    zmq_close (req);
    zmq_close (rep);
    zmq_close (pull);
}

int main (void)
{
    int major, minor, patch;
    void *ctx;
    zmq_version (&major, &minor, &patch);
    printf ("libzmq-rs demo: zmq_version reports %d.%d.%d\n", major, minor, patch);
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    req_rep_tcp (ctx);
    pub_sub_ipc (ctx);
    push_pull_inproc (ctx);
    figures (ctx);
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
