/* broker_rtt <clients> <workers> <message-size> <roundtrips-per-client>: a
 * broker (zmq_proxy between a ROUTER frontend and a DEALER backend, both
 * bound to tcp://127.0.0.1, own context and thread) between <clients> REQ
 * threads and <workers> REP threads (one context each side). After one
 * untimed round trip each, the clients do <roundtrips-per-client> round trips
 * of <message-size> bytes at once; prints round trips per second in total.
 * Fails if a reply is not the request. Builds against any zmq.h. */
#include "perf_util.h"
#include <pthread.h>

static size_t message_size;
static int roundtrips;
static char frontend_ep[256], backend_ep[256];
static void *front, *back;
static pthread_barrier_t start;

static void broker (void *arg)
{
    (void) arg;
    zmq_proxy (front, back, NULL); /* returns when its context shuts down */
    close_now (front);
    close_now (back);
}

static void worker (void *ctx)
{
    void *rep = zmq_socket (ctx, ZMQ_REP);
    if (!rep)
        die ("zmq_socket (REP)");
    if (zmq_connect (rep, backend_ep) != 0)
        die ("zmq_connect (REP)");
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    for (;;) {
        if (zmq_msg_recv (&msg, rep, 0) < 0 || zmq_msg_send (&msg, rep, 0) < 0) {
            if (zmq_errno () == ETERM)
                break;
            die ("REP");
        }
    }
    zmq_msg_close (&msg);
    close_now (rep);
}

static void roundtrip (void *req, int id, int i)
{
    zmq_msg_t msg;
    if (zmq_msg_init_size (&msg, message_size) != 0)
        die ("zmq_msg_init_size");
    memset (zmq_msg_data (&msg), 0, message_size);
    int tag[2] = {id, i};
    memcpy (zmq_msg_data (&msg), tag, message_size < sizeof tag ? message_size : sizeof tag);
    if (zmq_msg_send (&msg, req, 0) < 0)
        die ("zmq_msg_send (REQ)");
    if (zmq_msg_recv (&msg, req, 0) < 0)
        die ("zmq_msg_recv (REQ)");
    if (zmq_msg_size (&msg) != message_size
        || memcmp (zmq_msg_data (&msg), tag, message_size < sizeof tag ? message_size : sizeof tag)) {
        fprintf (stderr, "client %d: reply %d is not its request\n", id, i);
        exit (1);
    }
    zmq_msg_close (&msg);
}

static void *client_ctx;
static int next_id;

static void client (void *arg)
{
    (void) arg;
    int id = __atomic_fetch_add (&next_id, 1, __ATOMIC_RELAXED);
    void *req = zmq_socket (client_ctx, ZMQ_REQ);
    if (!req)
        die ("zmq_socket (REQ)");
    if (zmq_connect (req, frontend_ep) != 0)
        die ("zmq_connect (REQ)");
    roundtrip (req, id, -1);
    pthread_barrier_wait (&start);
    for (int i = 0; i != roundtrips; i++)
        roundtrip (req, id, i);
    zmq_close (req);
}

int main (int argc, char *argv[])
{
    if (argc != 5) {
        printf ("usage: broker_rtt <clients> <workers> <message-size> <roundtrips-per-client>\n");
        return 1;
    }
    int clients = parse_count (argv[1], "clients");
    int workers = parse_count (argv[2], "workers");
    message_size = (size_t) atoi (argv[3]);
    roundtrips = parse_count (argv[4], "roundtrips-per-client");

    void *broker_ctx = ctx_with (1, 1023);
    void *worker_ctx = ctx_with (1, 1023);
    client_ctx = ctx_with (1, 1023);
    front = zmq_socket (broker_ctx, ZMQ_ROUTER);
    back = zmq_socket (broker_ctx, ZMQ_DEALER);
    if (!front || !back)
        die ("zmq_socket (broker)");
    bind_resolved (front, "tcp://127.0.0.1:*", frontend_ep, sizeof frontend_ep);
    bind_resolved (back, "tcp://127.0.0.1:*", backend_ep, sizeof backend_ep);
    void *broker_thread = zmq_threadstart (broker, NULL);

    void **threads = calloc ((size_t) (clients + workers), sizeof *threads);
    for (int i = 0; i != workers; i++)
        threads[clients + i] = zmq_threadstart (worker, worker_ctx);
    pthread_barrier_init (&start, NULL, (unsigned) clients + 1);
    for (int i = 0; i != clients; i++)
        threads[i] = zmq_threadstart (client, NULL);
    pthread_barrier_wait (&start);
    void *watch = zmq_stopwatch_start ();
    for (int i = 0; i != clients; i++)
        zmq_threadclose (threads[i]);
    unsigned long elapsed = zmq_stopwatch_stop (watch);
    if (elapsed == 0)
        elapsed = 1;

    double rate = (double) clients * roundtrips / (double) elapsed * 1000000;
    printf ("clients: %d, workers: %d\n", clients, workers);
    printf ("message size: %d [B]\n", (int) message_size);
    printf ("round trips: %d [rt/s]\n", (int) rate);
    fflush (stdout);

    if (zmq_ctx_term (client_ctx) != 0)
        die ("zmq_ctx_term (clients)");
    zmq_ctx_shutdown (worker_ctx);
    for (int i = 0; i != workers; i++)
        zmq_threadclose (threads[clients + i]);
    if (zmq_ctx_term (worker_ctx) != 0)
        die ("zmq_ctx_term (workers)");
    zmq_ctx_shutdown (broker_ctx);
    zmq_threadclose (broker_thread);
    if (zmq_ctx_term (broker_ctx) != 0)
        die ("zmq_ctx_term (broker)");
    return 0;
}
