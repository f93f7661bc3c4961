/* proc_thr <endpoint> <message-size> <message-count> <io-threads>: one
 * process holds both ends: a PUSH in a second thread sends <message-count>
 * messages of <message-size> bytes over <endpoint> (tcp://127.0.0.1:*,
 * ipc://... or inproc://...) to a PULL bound in the main thread, both on one
 * context with <io-threads> I/O threads. Prints the throughput as local_thr
 * does, timed from the first message on.
 * proc_thr <message-size> <message-count> is libzmq's perf tool inproc_thr
 * (inproc, one I/O thread): inproc_thr.c is this file. Builds against any
 * zmq.h. */
#include "perf_util.h"

static size_t message_size;
static int message_count;
static char endpoint[256];
static int received_all;

static void sender (void *ctx)
{
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    if (!push)
        die ("zmq_socket");
    if (zmq_connect (push, endpoint) != 0)
        die ("zmq_connect");
    send_messages (push, message_size, message_count);
    /* libzmq 4.3.4 can lose the tail of an ipc stream when the sender
     * closes right after its last send (see perf_util.h): close once the
     * receiver has it all. */
    while (!__atomic_load_n (&received_all, __ATOMIC_ACQUIRE))
        zmq_poll (NULL, 0, 1);
    if (zmq_close (push) != 0)
        die ("zmq_close");
}

int main (int argc, char *argv[])
{
    const char *bind_to = "inproc://thr_test";
    int io_threads = 1;
    if (argc == 5) {
        bind_to = argv[1];
        io_threads = parse_count (argv[4], "io-threads");
        argv++;
    } else if (argc != 3) {
        printf ("usage: proc_thr <endpoint> <message-size> <message-count> <io-threads>\n"
                "       inproc_thr <message-size> <message-count>\n");
        return 1;
    }
    message_size = (size_t) atoi (argv[1]);
    message_count = parse_count (argv[2], "message-count");
    void *ctx = ctx_with (io_threads, 1023);

    void *pull = zmq_socket (ctx, ZMQ_PULL);
    if (!pull)
        die ("zmq_socket");
    bind_resolved (pull, bind_to, endpoint, sizeof endpoint);
    void *thread = zmq_threadstart (sender, ctx);

    unsigned long elapsed = recv_messages_timed (pull, message_size, message_count);
    __atomic_store_n (&received_all, 1, __ATOMIC_RELEASE);
    zmq_threadclose (thread);
    print_throughput (message_size, message_count, elapsed);

    if (zmq_close (pull) != 0)
        die ("zmq_close");
    if (zmq_ctx_term (ctx) != 0)
        die ("zmq_ctx_term");
    return 0;
}
