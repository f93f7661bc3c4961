/* remote_thr <connect-to> <message-size> <message-count>: a PUSH connected
 * to <connect-to> sends <message-count> messages of <message-size> bytes to
 * local_thr, then stays until local_thr has hung up (see perf_util.h).
 * Same interface as libzmq's perf tool; builds against any zmq.h. */
#include "perf_util.h"

int main (int argc, char *argv[])
{
    if (argc != 4) {
        printf ("usage: remote_thr <connect-to> <message-size> <message-count>\n");
        return 1;
    }
    const char *connect_to = argv[1];
    size_t message_size = (size_t) atoi (argv[2]);
    int message_count = parse_count (argv[3], "message-count");

    void *ctx = zmq_ctx_new ();
    if (!ctx)
        die ("zmq_ctx_new");
    void *s = zmq_socket (ctx, ZMQ_PUSH);
    if (!s)
        die ("zmq_socket");
    void *mon = watch_disconnect (ctx, s);
    perf_security (s, 0);
    if (zmq_connect (s, connect_to) != 0)
        die ("zmq_connect");

    send_messages (s, message_size, message_count);

    wait_disconnect (mon, 600000);
    if (zmq_close (s) != 0)
        die ("zmq_close");
    if (zmq_close (mon) != 0)
        die ("zmq_close (monitor)");
    if (zmq_ctx_term (ctx) != 0)
        die ("zmq_ctx_term");
    return 0;
}
