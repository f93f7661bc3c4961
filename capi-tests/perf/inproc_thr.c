/* inproc throughput: a PUSH in a second thread sends <message-count>
 * messages of <message-size> bytes to a PULL in the main thread, which times
 * them from the first message on. Same interface and output as libzmq's
 * perf tool of the same name; builds against any zmq.h. */
#include <zmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t message_size;
static int message_count;

static void die (const char *what)
{
    fprintf (stderr, "error in %s: %s\n", what, zmq_strerror (zmq_errno ()));
    exit (1);
}

static void sender (void *ctx)
{
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    if (!push)
        die ("zmq_socket");
    if (zmq_connect (push, "inproc://thr_test") != 0)
        die ("zmq_connect");
    for (int i = 0; i != message_count; i++) {
        zmq_msg_t msg;
        if (zmq_msg_init_size (&msg, message_size) != 0)
            die ("zmq_msg_init_size");
        if (zmq_msg_send (&msg, push, 0) < 0)
            die ("zmq_msg_send");
        zmq_msg_close (&msg);
    }
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
    message_count = atoi (argv[2]);
    if (message_count < 1) {
        fprintf (stderr, "message-count must be at least 1\n");
        return 1;
    }

    void *ctx = zmq_ctx_new ();
    if (!ctx)
        die ("zmq_ctx_new");
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    if (!pull)
        die ("zmq_socket");
    if (zmq_bind (pull, "inproc://thr_test") != 0)
        die ("zmq_bind");

    void *thread = zmq_threadstart (sender, ctx);

    zmq_msg_t msg;
    if (zmq_msg_init (&msg) != 0)
        die ("zmq_msg_init");
    if (zmq_msg_recv (&msg, pull, 0) < 0)
        die ("zmq_msg_recv");
    if (zmq_msg_size (&msg) != message_size) {
        fprintf (stderr, "message of incorrect size received\n");
        return 1;
    }
    void *watch = zmq_stopwatch_start ();
    for (int i = 1; i != message_count; i++) {
        if (zmq_msg_recv (&msg, pull, 0) < 0)
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
    zmq_threadclose (thread);

    double throughput = (double) (message_count - 1) / (double) elapsed * 1000000;
    double megabits = throughput * (double) message_size * 8 / 1000000;
    printf ("message size: %d [B]\n", (int) message_size);
    printf ("message count: %d\n", message_count);
    printf ("mean throughput: %d [msg/s]\n", (int) throughput);
    printf ("mean throughput: %.3f [Mb/s]\n", megabits);

    if (zmq_close (pull) != 0)
        die ("zmq_close");
    if (zmq_ctx_term (ctx) != 0)
        die ("zmq_ctx_term");
    return 0;
}
