/* inproc latency: a REQ in a second thread makes <roundtrip-count> round
 * trips of <message-size> bytes through a REP echo in the main thread and
 * reports half the mean round-trip time. Same interface and output as
 * libzmq's perf tool of the same name; builds against any zmq.h.
 * INPROC_LAT_PAIR=1 (or a library without REQ/REP) uses a PAIR pair. */
#include <zmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t message_size;
static int roundtrip_count;
static int use_pair;
static double latency_us;

static void die (const char *what)
{
    fprintf (stderr, "error in %s: %s\n", what, zmq_strerror (zmq_errno ()));
    exit (1);
}

static void client (void *ctx)
{
    void *s = zmq_socket (ctx, use_pair ? ZMQ_PAIR : ZMQ_REQ);
    if (!s)
        die ("zmq_socket");
    if (zmq_connect (s, "inproc://lat_test") != 0)
        die ("zmq_connect");
    zmq_msg_t msg;
    if (zmq_msg_init_size (&msg, message_size) != 0)
        die ("zmq_msg_init_size");
    memset (zmq_msg_data (&msg), 0, message_size);
    void *watch = zmq_stopwatch_start ();
    for (int i = 0; i != roundtrip_count; i++) {
        if (zmq_msg_send (&msg, s, 0) < 0)
            die ("zmq_msg_send");
        if (zmq_msg_recv (&msg, s, 0) < 0)
            die ("zmq_msg_recv");
        if (zmq_msg_size (&msg) != message_size) {
            fprintf (stderr, "message of incorrect size received\n");
            exit (1);
        }
    }
    unsigned long elapsed = zmq_stopwatch_stop (watch);
    zmq_msg_close (&msg);
    latency_us = (double) elapsed / (roundtrip_count * 2);
    if (zmq_close (s) != 0)
        die ("zmq_close");
}

int main (int argc, char *argv[])
{
    if (argc != 3) {
        printf ("usage: inproc_lat <message-size> <roundtrip-count>\n");
        return 1;
    }
    message_size = (size_t) atoi (argv[1]);
    roundtrip_count = atoi (argv[2]);
    if (roundtrip_count < 1) {
        fprintf (stderr, "roundtrip-count must be at least 1\n");
        return 1;
    }
    const char *env = getenv ("INPROC_LAT_PAIR");
    use_pair = env && *env == '1';

    void *ctx = zmq_ctx_new ();
    if (!ctx)
        die ("zmq_ctx_new");
    void *s = use_pair ? NULL : zmq_socket (ctx, ZMQ_REP);
    if (!s) {
        if (!use_pair)
            printf ("note: no REQ/REP socket, using PAIR\n");
        use_pair = 1;
        s = zmq_socket (ctx, ZMQ_PAIR);
        if (!s)
            die ("zmq_socket");
    }
    if (zmq_bind (s, "inproc://lat_test") != 0)
        die ("zmq_bind");

    void *thread = zmq_threadstart (client, ctx);

    zmq_msg_t msg;
    if (zmq_msg_init (&msg) != 0)
        die ("zmq_msg_init");
    for (int i = 0; i != roundtrip_count; i++) {
        if (zmq_msg_recv (&msg, s, 0) < 0)
            die ("zmq_msg_recv");
        if (zmq_msg_send (&msg, s, 0) < 0)
            die ("zmq_msg_send");
    }
    zmq_msg_close (&msg);
    zmq_threadclose (thread);

    printf ("message size: %d [B]\n", (int) message_size);
    printf ("roundtrip count: %d\n", roundtrip_count);
    printf ("average latency: %.3f [us]\n", latency_us);

    if (zmq_close (s) != 0)
        die ("zmq_close");
    if (zmq_ctx_term (ctx) != 0)
        die ("zmq_ctx_term");
    return 0;
}
