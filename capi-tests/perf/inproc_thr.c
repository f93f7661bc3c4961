/* inproc throughput: a PUSH in a second thread sends <message-count>
 * messages of <message-size> bytes to a PULL in the main thread, which times
 * them from the first message on. Same interface and output as libzmq's
 * perf tool of the same name; builds against any zmq.h. */
#include "perf_util.h"

static size_t message_size;
static int message_count;

static void sender (void *ctx)
{
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    if (!push)
        die ("zmq_socket");
    if (zmq_connect (push, "inproc://thr_test") != 0)
        die ("zmq_connect");
    send_messages (push, message_size, message_count);
    if (zmq_close (push) != 0)
        die ("zmq_close");
}

int main (int argc, char *argv[])
{
    if (argc != 3) {
        printf ("usage: inproc_thr <message-size> <message-count>\n");
        return 1;
    }
    message_size = (size_t) atoi (argv[1]);
    message_count = parse_count (argv[2], "message-count");

    void *ctx = zmq_ctx_new ();
    if (!ctx)
        die ("zmq_ctx_new");
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    if (!pull)
        die ("zmq_socket");
    if (zmq_bind (pull, "inproc://thr_test") != 0)
        die ("zmq_bind");

    void *thread = zmq_threadstart (sender, ctx);

    unsigned long elapsed = recv_messages_timed (pull, message_size, message_count);
    zmq_threadclose (thread);
    print_throughput (message_size, message_count, elapsed);

    if (zmq_close (pull) != 0)
        die ("zmq_close");
    if (zmq_ctx_term (ctx) != 0)
        die ("zmq_ctx_term");
    return 0;
}
