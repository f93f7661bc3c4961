/* mem_rss <what> <n>: resident memory (VmRSS, /proc/self/status) of one
 * process, over tcp://127.0.0.1 with both ends in this process:
 *   conn    per connected DEALER/ROUTER pair (a ROUTER bound and a DEALER
 *           connected to it, one message each way): (RSS(2n) - RSS(n)) / n
 *   socket  per idle DEALER (no endpoint): the same difference
 *   queued  per 1 KiB message queued from a PUSH to a PULL that does not
 *           read (HWM 0 both sides): the same difference, then all 2n are
 *           received and counted
 *   hwm     the peak (VmHWM) above the RSS before sending, while a PUSH
 *           sends 64 KiB messages to a PULL that does not read until the
 *           default HWMs are full (ZMQ_DONTWAIT sends fail for 300 ms); n
 *           is unused. Then all are received and counted.
 * Prints "memory: <bytes> [B]" (and "queued: <messages>" for hwm).
 * Builds against any zmq.h. */
#include "perf_util.h"
#include <unistd.h>

/* The RSS once it has not moved for 150 ms (at most ~5 s): the I/O threads
 * may still be moving messages or finishing handshakes. */
static long settled_rss (void)
{
    long last = proc_status_kib ("VmRSS");
    int still = 0;
    for (int i = 0; i != 100 && still != 3; i++) {
        usleep (50000);
        long now = proc_status_kib ("VmRSS");
        still = now == last ? still + 1 : 0;
        last = now;
    }
    return last;
}

static void send_size (void *s, size_t size, int flags_ok_eagain, int *sent)
{
    zmq_msg_t msg;
    if (zmq_msg_init_size (&msg, size) != 0)
        die ("zmq_msg_init_size");
    memset (zmq_msg_data (&msg), 1, size);
    if (zmq_msg_send (&msg, s, flags_ok_eagain ? ZMQ_DONTWAIT : 0) < 0) {
        zmq_msg_close (&msg);
        if (flags_ok_eagain && zmq_errno () == EAGAIN)
            return;
        die ("zmq_msg_send");
    }
    (*sent)++;
}

static void recv_all (void *s, size_t size, int n)
{
    recv_messages_timed (s, size, n);
    /* and nothing more */
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    if (zmq_msg_recv (&msg, s, ZMQ_DONTWAIT) >= 0) {
        fprintf (stderr, "more messages received than sent\n");
        exit (1);
    }
    zmq_msg_close (&msg);
}

static void make_pairs (void *ctx, void **socks, int from, int to)
{
    char ep[256];
    int sent = 0;
    for (int i = from; i != to; i++) {
        socks[2 * i] = zmq_socket (ctx, ZMQ_ROUTER);
        socks[2 * i + 1] = zmq_socket (ctx, ZMQ_DEALER);
        if (!socks[2 * i] || !socks[2 * i + 1])
            die ("zmq_socket");
        bind_resolved (socks[2 * i], "tcp://127.0.0.1:*", ep, sizeof ep);
        if (zmq_connect (socks[2 * i + 1], ep) != 0)
            die ("zmq_connect");
        send_size (socks[2 * i + 1], 8, 0, &sent);
    }
    zmq_msg_t id, body;
    zmq_msg_init (&id);
    zmq_msg_init (&body);
    for (int i = from; i != to; i++) {
        if (zmq_msg_recv (&id, socks[2 * i], 0) < 0 || zmq_msg_recv (&body, socks[2 * i], 0) < 0)
            die ("zmq_msg_recv (ROUTER)");
        if (zmq_msg_send (&id, socks[2 * i], ZMQ_SNDMORE) < 0
            || zmq_msg_send (&body, socks[2 * i], 0) < 0)
            die ("zmq_msg_send (ROUTER)");
    }
    for (int i = from; i != to; i++)
        recv_all (socks[2 * i + 1], 8, 1);
    zmq_msg_close (&id);
    zmq_msg_close (&body);
}

int main (int argc, char *argv[])
{
    if (argc != 3) {
        printf ("usage: mem_rss conn|socket|queued|hwm <n>\n");
        return 1;
    }
    const char *what = argv[1];
    int n = parse_count (argv[2], "n");
    raise_fd_limit ();
    void *ctx = ctx_with (1, 4 * n + 64);
    void **socks = calloc ((size_t) (4 * n + 2), sizeof *socks);
    long r1 = 0, r2 = 0;
    int count = 0;

    if (strcmp (what, "conn") == 0) {
        make_pairs (ctx, socks, 0, n);
        r1 = settled_rss ();
        make_pairs (ctx, socks, n, 2 * n);
        r2 = settled_rss ();
        count = 4 * n;
        printf ("memory: %ld [B]\n", (r2 - r1) * 1024 / n);
    } else if (strcmp (what, "socket") == 0) {
        for (int i = 0; i != 2 * n; i++) {
            if (i == n)
                r1 = settled_rss ();
            if (!(socks[i] = zmq_socket (ctx, ZMQ_DEALER)))
                die ("zmq_socket");
        }
        r2 = settled_rss ();
        count = 2 * n;
        printf ("memory: %ld [B]\n", (r2 - r1) * 1024 / n);
    } else if (strcmp (what, "queued") == 0 || strcmp (what, "hwm") == 0) {
        int hwm = strcmp (what, "hwm") == 0;
        size_t size = hwm ? 65536 : 1024;
        char ep[256];
        socks[0] = zmq_socket (ctx, ZMQ_PULL);
        socks[1] = zmq_socket (ctx, ZMQ_PUSH);
        if (!socks[0] || !socks[1])
            die ("zmq_socket");
        if (!hwm) {
            set_int (socks[0], ZMQ_RCVHWM, 0, "zmq_setsockopt (ZMQ_RCVHWM)");
            set_int (socks[1], ZMQ_SNDHWM, 0, "zmq_setsockopt (ZMQ_SNDHWM)");
        }
        bind_resolved (socks[0], "tcp://127.0.0.1:*", ep, sizeof ep);
        if (zmq_connect (socks[1], ep) != 0)
            die ("zmq_connect");
        int sent = 0;
        send_size (socks[1], size, 0, &sent); /* connected */
        recv_all (socks[0], size, 1);
        sent = 0;
        count = 2;
        if (!hwm) {
            for (int i = 0; i != n; i++)
                send_size (socks[1], size, 0, &sent);
            r1 = settled_rss ();
            for (int i = 0; i != n; i++)
                send_size (socks[1], size, 0, &sent);
            r2 = settled_rss ();
            printf ("memory: %ld [B]\n", (r2 - r1) * 1024 / n);
        } else {
            r1 = settled_rss ();
            for (int idle = 0; idle < 300;) {
                int before = sent;
                send_size (socks[1], size, 1, &sent);
                if (sent == before) {
                    usleep (1000);
                    idle++;
                } else
                    idle = 0;
            }
            r2 = proc_status_kib ("VmHWM");
            printf ("memory: %ld [B]\n", (r2 - r1) * 1024);
            printf ("queued: %d\n", sent);
        }
        recv_all (socks[0], size, sent);
    } else {
        fprintf (stderr, "unknown measure %s\n", what);
        return 1;
    }
    fflush (stdout);
    for (int i = 0; i != count; i++)
        close_now (socks[i]);
    if (zmq_ctx_term (ctx) != 0)
        die ("zmq_ctx_term");
    return 0;
}
