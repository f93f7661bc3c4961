/* proc_thr <endpoint> <message-size> <message-count> <io-threads>: one
 * process holds both ends: a PUSH in a second thread sends <message-count>
 * messages of <message-size> bytes over <endpoint> (tcp://127.0.0.1:* or
 * ipc://...) to a PULL bound in the main thread, both on one context with
 * <io-threads> I/O threads. Prints the throughput as local_thr does, timed
 * from the first message on. Builds against any zmq.h. */
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
    for (int i = 0; i != message_count; i++) {
        zmq_msg_t msg;
        if (zmq_msg_init_size (&msg, message_size) != 0)
            die ("zmq_msg_init_size");
        if (zmq_msg_send (&msg, push, 0) < 0)
            die ("zmq_msg_send");
        zmq_msg_close (&msg);
    }
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
    if (argc != 5) {
        printf ("usage: proc_thr <endpoint> <message-size> <message-count> <io-threads>\n");
        return 1;
    }
    message_size = (size_t) atoi (argv[2]);
    message_count = parse_count (argv[3], "message-count");
    void *ctx = ctx_with (parse_count (argv[4], "io-threads"), 1023);

    void *pull = zmq_socket (ctx, ZMQ_PULL);
    if (!pull)
        die ("zmq_socket");
    bind_resolved (pull, argv[1], endpoint, sizeof endpoint);
    void *thread = zmq_threadstart (sender, ctx);

    zmq_msg_t msg;
    if (zmq_msg_init (&msg) != 0)
        die ("zmq_msg_init");
    void *watch = NULL;
    for (int i = 0; i != message_count; i++) {
        if (zmq_msg_recv (&msg, pull, 0) < 0)
            die ("zmq_msg_recv");
        if (zmq_msg_size (&msg) != message_size) {
            fprintf (stderr, "message of incorrect size received\n");
            return 1;
        }
        if (i == 0)
            watch = zmq_stopwatch_start ();
    }
    unsigned long elapsed = zmq_stopwatch_stop (watch);
    if (elapsed == 0)
        elapsed = 1;
    zmq_msg_close (&msg);
    __atomic_store_n (&received_all, 1, __ATOMIC_RELEASE);
    zmq_threadclose (thread);

    double throughput = (double) (message_count - 1) / (double) elapsed * 1000000;
    printf ("message size: %d [B]\n", (int) message_size);
    printf ("message count: %d\n", message_count);
    printf ("mean throughput: %d [msg/s]\n", (int) throughput);
    printf ("mean throughput: %.3f [Mb/s]\n", throughput * (double) message_size * 8 / 1000000);

    if (zmq_close (pull) != 0)
        die ("zmq_close");
    if (zmq_ctx_term (ctx) != 0)
        die ("zmq_ctx_term");
    return 0;
}
