/* remote_lat <connect-to> <message-size> <roundtrip-count>: a REQ connected
 * to <connect-to> makes <roundtrip-count> round trips of <message-size>
 * bytes through local_lat and reports half the mean round-trip time.
 * Same interface and output as libzmq's perf tool; builds against any zmq.h. */
#include "perf_util.h"

int main (int argc, char *argv[])
{
    if (argc != 4) {
        printf ("usage: remote_lat <connect-to> <message-size> <roundtrip-count>\n");
        return 1;
    }
    const char *connect_to = argv[1];
    size_t message_size = (size_t) atoi (argv[2]);
    int roundtrip_count = parse_count (argv[3], "roundtrip-count");

    void *ctx = zmq_ctx_new ();
    if (!ctx)
        die ("zmq_ctx_new");
    void *s = zmq_socket (ctx, ZMQ_REQ);
    if (!s)
        die ("zmq_socket");
    perf_security (s, 0);
    if (zmq_connect (s, connect_to) != 0)
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
            return 1;
        }
    }
    unsigned long elapsed = zmq_stopwatch_stop (watch);
    zmq_msg_close (&msg);

    double latency = (double) elapsed / (roundtrip_count * 2);
    printf ("message size: %d [B]\n", (int) message_size);
    printf ("roundtrip count: %d\n", roundtrip_count);
    printf ("average latency: %.3f [us]\n", latency);
    fflush (stdout);

    /* Closing is local_lat's signal that its last reply arrived. */
    if (zmq_close (s) != 0)
        die ("zmq_close");
    if (zmq_ctx_term (ctx) != 0)
        die ("zmq_ctx_term");
    return 0;
}
