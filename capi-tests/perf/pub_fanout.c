/* pub_fanout <subscribers> <message-size> <message-count>: a PUB (own
 * context, own thread, SNDHWM 0) sends <message-count> messages of
 * <message-size> bytes over tcp://127.0.0.1 to <subscribers> SUB
 * connections (another context, RCVHWM 0): (n + 1) / 2 of them subscribe to
 * the messages' topic ("A"), the others to a topic they never carry ("B").
 * Prints the messages delivered per second in total, counted by the main
 * thread from the first data message to the last; fails if a subscribed SUB
 * misses a message or gets one too many, or an unsubscribed one gets any.
 * Builds against any zmq.h. */
#include "perf_util.h"
#include <unistd.h>

static size_t message_size;
static int message_count;
static int ready;
static void *pub;

static void publisher (void *arg)
{
    (void) arg;
    /* Until every subscribed SUB has seen a hello (size + 1 bytes), the
     * subscriptions may not have reached the PUB yet: repeat it. */
    while (!__atomic_load_n (&ready, __ATOMIC_ACQUIRE)) {
        zmq_msg_t hello;
        if (zmq_msg_init_size (&hello, message_size + 1) != 0)
            die ("zmq_msg_init_size");
        memset (zmq_msg_data (&hello), 'A', message_size + 1);
        if (zmq_msg_send (&hello, pub, 0) < 0)
            die ("zmq_msg_send (hello)");
        usleep (1000);
    }
    for (int i = 0; i != message_count; i++) {
        zmq_msg_t msg;
        if (zmq_msg_init_size (&msg, message_size) != 0)
            die ("zmq_msg_init_size");
        *(char *) zmq_msg_data (&msg) = 'A';
        if (zmq_msg_send (&msg, pub, 0) < 0)
            die ("zmq_msg_send");
    }
}

int main (int argc, char *argv[])
{
    if (argc != 4) {
        printf ("usage: pub_fanout <subscribers> <message-size> <message-count>\n");
        return 1;
    }
    int n = parse_count (argv[1], "subscribers");
    message_size = (size_t) parse_count (argv[2], "message-size");
    message_count = parse_count (argv[3], "message-count");
    int subscribed = (n + 1) / 2;
    raise_fd_limit ();

    void *pub_ctx = ctx_with (1, n + 16);
    void *sub_ctx = ctx_with (1, n + 16);
    pub = zmq_socket (pub_ctx, ZMQ_PUB);
    if (!pub)
        die ("zmq_socket (PUB)");
    set_int (pub, ZMQ_SNDHWM, 0, "zmq_setsockopt (ZMQ_SNDHWM)");
    char endpoint[256];
    bind_resolved (pub, "tcp://127.0.0.1:*", endpoint, sizeof endpoint);

    void **subs = calloc ((size_t) n, sizeof *subs);
    zmq_pollitem_t *items = calloc ((size_t) n, sizeof *items);
    long *got = calloc ((size_t) n, sizeof *got);
    char *hello = calloc ((size_t) n, 1);
    for (int i = 0; i != n; i++) {
        subs[i] = zmq_socket (sub_ctx, ZMQ_SUB);
        if (!subs[i])
            die ("zmq_socket (SUB)");
        set_int (subs[i], ZMQ_RCVHWM, 0, "zmq_setsockopt (ZMQ_RCVHWM)");
        if (zmq_setsockopt (subs[i], ZMQ_SUBSCRIBE, i < subscribed ? "A" : "B", 1) != 0)
            die ("zmq_setsockopt (ZMQ_SUBSCRIBE)");
        if (zmq_connect (subs[i], endpoint) != 0)
            die ("zmq_connect");
        items[i].socket = subs[i];
        items[i].events = ZMQ_POLLIN;
    }
    void *thread = zmq_threadstart (publisher, NULL);

    long total = (long) message_count * subscribed, received = 0;
    int hellos = 0;
    void *watch = NULL;
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    while (received < total) {
        int rc = zmq_poll (items, subscribed, 10000);
        if (rc < 0)
            die ("zmq_poll");
        if (rc == 0) {
            fprintf (stderr, "stalled: %ld of %ld messages delivered, %d of %d hellos\n",
                     received, total, hellos, subscribed);
            return 1;
        }
        for (int i = 0; i != subscribed; i++) {
            if (!(items[i].revents & ZMQ_POLLIN))
                continue;
            while (zmq_msg_recv (&msg, subs[i], ZMQ_DONTWAIT) >= 0) {
                size_t size = zmq_msg_size (&msg);
                if (size == message_size + 1) {
                    if (!hello[i]) {
                        hello[i] = 1;
                        if (++hellos == subscribed)
                            __atomic_store_n (&ready, 1, __ATOMIC_RELEASE);
                    }
                    continue;
                }
                if (size != message_size || *(char *) zmq_msg_data (&msg) != 'A') {
                    fprintf (stderr, "SUB %d: message of incorrect size received\n", i);
                    return 1;
                }
                if (received++ == 0)
                    watch = zmq_stopwatch_start ();
                got[i]++;
            }
            if (zmq_errno () != EAGAIN)
                die ("zmq_msg_recv");
        }
    }
    unsigned long elapsed = zmq_stopwatch_stop (watch);
    if (elapsed == 0)
        elapsed = 1;
    zmq_threadclose (thread);

    /* Nothing more for anyone, and each subscribed SUB got every message. */
    int bad = 0;
    for (int i = 0; i != n; i++) {
        while (zmq_poll (&items[i], 1, i == subscribed ? 20 : 0) > 0) {
            if (zmq_msg_recv (&msg, subs[i], 0) < 0)
                die ("zmq_msg_recv");
            if (zmq_msg_size (&msg) == message_size + 1)
                continue;
            got[i]++;
        }
        long want = i < subscribed ? message_count : 0;
        if (got[i] != want) {
            fprintf (stderr, "SUB %d (%s): %ld messages, expected %ld\n", i,
                     i < subscribed ? "subscribed" : "other topic", got[i], want);
            bad = 1;
        }
    }
    if (bad)
        return 1;
    zmq_msg_close (&msg);

    double rate = (double) (total - 1) / (double) elapsed * 1000000;
    printf ("subscribers: %d (%d subscribed)\n", n, subscribed);
    printf ("message size: %d [B]\n", (int) message_size);
    printf ("message count: %d\n", message_count);
    printf ("delivered: %d [msg/s]\n", (int) rate);

    for (int i = 0; i != n; i++)
        close_now (subs[i]);
    close_now (pub);
    if (zmq_ctx_term (sub_ctx) != 0 || zmq_ctx_term (pub_ctx) != 0)
        die ("zmq_ctx_term");
    return 0;
}
