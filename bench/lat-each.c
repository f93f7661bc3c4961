/* lat-each <endpoint> <message-size> <round-trips>: remote_lat's REQ side
 * (against capi-tests/perf/local_lat, either library), but it times every
 * round trip and prints the mean one-way latency, the slowest round trip and
 * how many took over 1, 5 and 20 ms, then the first eight over 1 ms. Asked
 * whether a slow tcp 1 MiB latency run is a few stalls or a slow mode (it
 * is a slow mode, of both libraries: README, "Issue 15's floor").
 * LAT_EACH_BLOCK=<k> in the environment also prints the one-way mean of each
 * k round trips in order: how long the first ones take to reach the steady
 * state (the warm-up a short latency run includes).
 *   gcc -O2 -Iinclude -o /tmp/lat-each bench/lat-each.c -Ltarget/release -lzmq
 *   target/bench/local_lat_ours tcp://127.0.0.1:5555 1048576 1500 &
 *   LD_LIBRARY_PATH=target/release /tmp/lat-each tcp://127.0.0.1:5555 1048576 1500 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <zmq.h>

static double now_us (void)
{
    struct timespec t;
    clock_gettime (CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void die (const char *what)
{
    fprintf (stderr, "lat-each: %s: %s\n", what, zmq_strerror (zmq_errno ()));
    exit (1);
}

int main (int argc, char *argv[])
{
    if (argc != 4) {
        fprintf (stderr, "usage: lat-each <endpoint> <message-size> <round-trips>\n");
        return 2;
    }
    size_t size = (size_t) atol (argv[2]);
    int n = atoi (argv[3]);
    if (n < 1) {
        fprintf (stderr, "lat-each: round-trips must be at least 1\n");
        return 2;
    }
    double *rt = malloc (sizeof (double) * (size_t) n);
    if (!rt)
        return 1;
    void *ctx = zmq_ctx_new ();
    void *req = zmq_socket (ctx, ZMQ_REQ);
    if (!req)
        die ("zmq_socket");
    if (zmq_connect (req, argv[1]) != 0)
        die ("zmq_connect");
    for (int i = 0; i < n; i++) {
        zmq_msg_t msg;
        double t0 = now_us ();
        if (zmq_msg_init_size (&msg, size) != 0)
            die ("zmq_msg_init_size");
        if (zmq_msg_send (&msg, req, 0) < 0)
            die ("zmq_msg_send");
        zmq_msg_init (&msg);
        if (zmq_msg_recv (&msg, req, 0) < 0)
            die ("zmq_msg_recv");
        zmq_msg_close (&msg);
        rt[i] = now_us () - t0;
    }
    double sum = 0, max = 0;
    int over1 = 0, over5 = 0, over20 = 0;
    for (int i = 0; i < n; i++) {
        sum += rt[i];
        max = rt[i] > max ? rt[i] : max;
        over1 += rt[i] > 1000;
        over5 += rt[i] > 5000;
        over20 += rt[i] > 20000;
    }
    printf ("one-way mean %.1f us, slowest round trip %.0f us, over 1 ms %d, over 5 ms %d, "
            "over 20 ms %d\n",
            sum / n / 2, max, over1, over5, over20);
    for (int i = 0, shown = 0; i < n && shown < 8; i++)
        if (rt[i] > 1000) {
            printf ("  round trip %d: %.0f us\n", i, rt[i]);
            shown++;
        }
    const char *blk = getenv ("LAT_EACH_BLOCK");
    int k = blk ? atoi (blk) : 0;
    for (int i = 0; k > 0 && i < n; i += k) {
        double b = 0;
        int m = i + k < n ? k : n - i;
        for (int j = i; j < i + m; j++)
            b += rt[j];
        printf ("  round trips %d-%d: one-way mean %.1f us\n", i, i + m - 1, b / m / 2);
    }
    free (rt);
    zmq_close (req);
    zmq_ctx_term (ctx);
    return 0;
}
