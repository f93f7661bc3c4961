/* many_dealers <dealers> <message-size> <rounds>: <dealers> DEALERs on one
 * context (one I/O thread) each connect over tcp://127.0.0.1 to one ROUTER
 * on another context (one I/O thread), which echoes every message from a
 * thread of its own. A round sends one request from every DEALER, then
 * receives every reply; after one untimed round (the connections are up),
 * <rounds> rounds are timed. Prints round trips per second; fails if a
 * reply is not its DEALER's request. Builds against any zmq.h. */
#include "perf_util.h"

static size_t message_size;
static long echoes;
static void *router;

static void echo (void *arg)
{
    (void) arg;
    zmq_msg_t id, body;
    zmq_msg_init (&id);
    zmq_msg_init (&body);
    for (long i = 0; i != echoes; i++) {
        if (zmq_msg_recv (&id, router, 0) < 0 || zmq_msg_recv (&body, router, 0) < 0)
            die ("zmq_msg_recv (ROUTER)");
        if (zmq_msg_send (&id, router, ZMQ_SNDMORE) < 0 || zmq_msg_send (&body, router, 0) < 0)
            die ("zmq_msg_send (ROUTER)");
    }
    zmq_msg_close (&id);
    zmq_msg_close (&body);
}

static void round_trips (void **dealers, int n)
{
    zmq_msg_t msg;
    for (int i = 0; i != n; i++) {
        if (zmq_msg_init_size (&msg, message_size) != 0)
            die ("zmq_msg_init_size");
        memset (zmq_msg_data (&msg), 0, message_size);
        memcpy (zmq_msg_data (&msg), &i, message_size < sizeof i ? message_size : sizeof i);
        if (zmq_msg_send (&msg, dealers[i], 0) < 0)
            die ("zmq_msg_send (DEALER)");
    }
    zmq_msg_init (&msg);
    for (int i = 0; i != n; i++) {
        if (zmq_msg_recv (&msg, dealers[i], 0) < 0)
            die ("zmq_msg_recv (DEALER)");
        if (zmq_msg_size (&msg) != message_size
            || memcmp (zmq_msg_data (&msg), &i, message_size < sizeof i ? message_size : sizeof i)) {
            fprintf (stderr, "DEALER %d: the reply is not its request\n", i);
            exit (1);
        }
    }
    zmq_msg_close (&msg);
}

int main (int argc, char *argv[])
{
    if (argc != 4) {
        printf ("usage: many_dealers <dealers> <message-size> <rounds>\n");
        return 1;
    }
    int n = parse_count (argv[1], "dealers");
    message_size = (size_t) atoi (argv[2]);
    int rounds = parse_count (argv[3], "rounds");
    echoes = (long) n * (rounds + 1);
    raise_fd_limit ();

    void *server_ctx = ctx_with (1, 64);
    void *client_ctx = ctx_with (1, n + 64);
    router = zmq_socket (server_ctx, ZMQ_ROUTER);
    if (!router)
        die ("zmq_socket (ROUTER)");
    set_int (router, ZMQ_RCVHWM, 0, "zmq_setsockopt (ZMQ_RCVHWM)");
    set_int (router, ZMQ_SNDHWM, 0, "zmq_setsockopt (ZMQ_SNDHWM)");
    char endpoint[256];
    bind_resolved (router, "tcp://127.0.0.1:*", endpoint, sizeof endpoint);
    void *thread = zmq_threadstart (echo, NULL);

    void **dealers = calloc ((size_t) n, sizeof *dealers);
    for (int i = 0; i != n; i++) {
        dealers[i] = zmq_socket (client_ctx, ZMQ_DEALER);
        if (!dealers[i])
            die ("zmq_socket (DEALER)");
        if (zmq_connect (dealers[i], endpoint) != 0)
            die ("zmq_connect");
    }
    round_trips (dealers, n);
    void *watch = zmq_stopwatch_start ();
    for (int r = 0; r != rounds; r++)
        round_trips (dealers, n);
    unsigned long elapsed = zmq_stopwatch_stop (watch);
    if (elapsed == 0)
        elapsed = 1;
    zmq_threadclose (thread);

    printf ("dealers: %d\n", n);
    printf ("message size: %d [B]\n", (int) message_size);
    printf ("round trips: %d [rt/s]\n", (int) ((double) n * rounds / (double) elapsed * 1000000));
    fflush (stdout);

    for (int i = 0; i != n; i++)
        close_now (dealers[i]);
    close_now (router);
    if (zmq_ctx_term (client_ctx) != 0 || zmq_ctx_term (server_ctx) != 0)
        die ("zmq_ctx_term");
    return 0;
}
