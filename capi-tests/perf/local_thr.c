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

    print_throughput (message_size, message_count,
                      recv_messages_timed (s, message_size, message_count));

    /* Closing tells remote_thr (waiting for the disconnect) that all arrived. */
    if (zmq_close (s) != 0)
        die ("zmq_close");
    if (zmq_ctx_term (ctx) != 0)
        die ("zmq_ctx_term");
    return 0;
}
