/* local_thr <bind-to> <message-size> <message-count>: a PULL bound to
 * <bind-to> receives <message-count> messages of <message-size> bytes from
 * remote_thr and reports the throughput, timed from the first message on.
 * Same interface and output as libzmq's perf tool; builds against any zmq.h. */
#include "perf_util.h"

int main (int argc, char *argv[])
{
    if (argc != 4) {
        printf ("usage: local_thr <bind-to> <message-size> <message-count>\n");
        return 1;
    }
    const char *bind_to = argv[1];
    size_t message_size = (size_t) atoi (argv[2]);
    int message_count = parse_count (argv[3], "message-count");

    void *ctx = zmq_ctx_new ();
    if (!ctx)
        die ("zmq_ctx_new");
    void *s = zmq_socket (ctx, ZMQ_PULL);
    if (!s)
        die ("zmq_socket");
    perf_security (s, 1);
    if (zmq_bind (s, bind_to) != 0)
        die ("zmq_bind");

    zmq_msg_t msg;
    if (zmq_msg_init (&msg) != 0)
        die ("zmq_msg_init");
    if (zmq_msg_recv (&msg, s, 0) < 0)
        die ("zmq_msg_recv");
    if (zmq_msg_size (&msg) != message_size) {
        fprintf (stderr, "message of incorrect size received\n");
        return 1;
    }
    void *watch = zmq_stopwatch_start ();
    for (int i = 1; i != message_count; i++) {
        if (zmq_msg_recv (&msg, s, 0) < 0)
            die ("zmq_msg_recv");
        if (zmq_msg_size (&msg) != message_size) {
            fprintf (stderr, "message of incorrect size received\n");
            return 1;
        }
    }
    unsigned long elapsed = zmq_stopwatch_stop (watch);
    if (elapsed == 0)
        elapsed = 1;
    zmq_msg_close (&msg);

    /* The clock starts at the first message: count the ones after it. */
    double throughput = (double) (message_count - 1) / (double) elapsed * 1000000;
    double megabits = throughput * (double) message_size * 8 / 1000000;
    printf ("message size: %d [B]\n", (int) message_size);
    printf ("message count: %d\n", message_count);
    printf ("mean throughput: %d [msg/s]\n", (int) throughput);
    printf ("mean throughput: %.3f [Mb/s]\n", megabits);
    fflush (stdout);

    /* Closing tells remote_thr (waiting for the disconnect) that all arrived. */
    if (zmq_close (s) != 0)
        die ("zmq_close");
    if (zmq_ctx_term (ctx) != 0)
        die ("zmq_ctx_term");
    return 0;
}
