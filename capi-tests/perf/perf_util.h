/* Shared by the tcp/ipc perf programs (local_thr, remote_thr, local_lat,
 * remote_lat, and the one-process scenario programs): error exit, and
 * waiting for the peer to hang up; binding to a wildcard endpoint, raising
 * the descriptor limit and reading the resident set size.
 *
 * Why wait: libzmq 4.3.4 can lose the tail of an ipc stream when the
 * sender closes right after its last send, even with ZMQ_LINGER -1. So the
 * side that sends last (remote_thr; local_lat with its final reply) keeps
 * its socket open until the socket monitor reports that the peer has
 * disconnected: the peer closes only once it has everything. The monitor is
 * an inproc PAIR that sees a handful of events per run, off the message path.
 * PERF_CURVE=1 runs them over CURVE, PERF_WSS_DIR makes wss:// work
 * (perf_security). Builds against any zmq.h. */
#ifndef PERF_UTIL_H
#define PERF_UTIL_H

#include <zmq.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static inline void die (const char *what)
{
    fprintf (stderr, "error in %s: %s\n", what, zmq_strerror (zmq_errno ()));
    exit (1);
}

static inline int parse_count (const char *arg, const char *what)
{
    int n = atoi (arg);
    if (n < 1) {
        fprintf (stderr, "%s must be at least 1\n", what);
        exit (1);
    }
    return n;
}

/* PERF_CURVE=1 in the environment: secure `s` with CURVE before its
 * bind/connect, the bound side as the server. Both processes need the same
 * keys, so they are fixed: the example pairs of zmq_curve(7), the public
 * halves derived with zmq_curve_public. */
/* PERF_WSS_DIR: the bound side serves srv.crt with srv.key from there, the
 * connecting side trusts ca.crt and expects the name wss.test (libzmq
 * 4.3.5's draft ZMQ_WSS_* numbers, spelled out for any zmq.h). */
static inline void perf_wss_file (void *s, int opt, const char *dir, const char *name)
{
    char path[1024], buf[16384];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen (path, "rb");
    if (!f)
        die (path);
    size_t n = fread (buf, 1, sizeof buf, f);
    fclose (f);
    if (zmq_setsockopt (s, opt, buf, n) != 0)
        die ("zmq_setsockopt (wss)");
}

static inline void perf_wss (void *s, int server)
{
    const char *dir = getenv ("PERF_WSS_DIR");
    if (!dir)
        return;
    if (server) {
        perf_wss_file (s, 104 /* ZMQ_WSS_CERT_PEM */, dir, "srv.crt");
        perf_wss_file (s, 103 /* ZMQ_WSS_KEY_PEM */, dir, "srv.key");
    } else {
        perf_wss_file (s, 105 /* ZMQ_WSS_TRUST_PEM */, dir, "ca.crt");
        if (zmq_setsockopt (s, 106 /* ZMQ_WSS_HOSTNAME */, "wss.test", 8) != 0)
            die ("zmq_setsockopt (ZMQ_WSS_HOSTNAME)");
    }
}

static inline void perf_security (void *s, int server)
{
    perf_wss (s, server);
    const char *on = getenv ("PERF_CURVE");
    if (!on || strcmp (on, "1") != 0)
        return;
    const char *server_secret = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";
    const char *client_secret = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";
    char server_public[41], client_public[41];
    if (zmq_curve_public (server_public, server_secret) != 0
        || zmq_curve_public (client_public, client_secret) != 0)
        die ("zmq_curve_public");
    int one = 1;
    if (server) {
        if (zmq_setsockopt (s, ZMQ_CURVE_SERVER, &one, sizeof one) != 0
            || zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, server_secret, 40) != 0)
            die ("zmq_setsockopt (CURVE server)");
    } else if (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, server_public, 40) != 0
               || zmq_setsockopt (s, ZMQ_CURVE_PUBLICKEY, client_public, 40) != 0
               || zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, client_secret, 40) != 0)
        die ("zmq_setsockopt (CURVE client)");
}

/* Call before bind/connect: returns the PAIR that receives s's
 * DISCONNECTED events. */
static inline void *watch_disconnect (void *ctx, void *s)
{
    if (zmq_socket_monitor (s, "inproc://perf-disconnect", ZMQ_EVENT_DISCONNECTED) != 0)
        die ("zmq_socket_monitor");
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    if (!mon)
        die ("zmq_socket (monitor)");
    int linger = 0;
    if (zmq_setsockopt (mon, ZMQ_LINGER, &linger, sizeof linger) != 0)
        die ("zmq_setsockopt (ZMQ_LINGER)");
    if (zmq_connect (mon, "inproc://perf-disconnect") != 0)
        die ("zmq_connect (monitor)");
    return mon;
}

/* Block until the peer has hung up (at most timeout_ms; a warning then, as
 * the run's figures are still good). */
static inline void wait_disconnect (void *mon, long timeout_ms)
{
    void *watch = zmq_stopwatch_start ();
    for (;;) {
        long left = timeout_ms - (long) (zmq_stopwatch_intermediate (watch) / 1000);
        if (left <= 0) {
            fprintf (stderr, "warning: the peer did not disconnect within %ld ms\n",
                     timeout_ms);
            break;
        }
        zmq_pollitem_t item = {mon, 0, ZMQ_POLLIN, 0};
        int rc = zmq_poll (&item, 1, left);
        if (rc < 0)
            die ("zmq_poll (monitor)");
        if (rc == 0)
            continue;
        zmq_msg_t frame;
        zmq_msg_init (&frame);
        if (zmq_msg_recv (&frame, mon, 0) < 0)
            die ("zmq_msg_recv (monitor)");
        uint16_t event = 0;
        if (zmq_msg_size (&frame) >= 2)
            memcpy (&event, zmq_msg_data (&frame), 2);
        while (zmq_msg_more (&frame)) /* the endpoint frame */
            if (zmq_msg_recv (&frame, mon, 0) < 0)
                die ("zmq_msg_recv (monitor)");
        zmq_msg_close (&frame);
        if (event == ZMQ_EVENT_DISCONNECTED)
            break;
    }
    zmq_stopwatch_stop (watch);
}

/* Send <count> messages of <size> bytes (contents left as allocated). */
static inline void send_messages (void *s, size_t size, int count)
{
    for (int i = 0; i != count; i++) {
        zmq_msg_t msg;
        if (zmq_msg_init_size (&msg, size) != 0)
            die ("zmq_msg_init_size");
        if (zmq_msg_send (&msg, s, 0) < 0)
            die ("zmq_msg_send");
        zmq_msg_close (&msg);
    }
}

/* Receive <count> messages, each of <size> bytes (exit otherwise); returns
 * the microseconds from the first to the last (at least 1). */
static inline unsigned long recv_messages_timed (void *s, size_t size, int count)
{
    zmq_msg_t msg;
    if (zmq_msg_init (&msg) != 0)
        die ("zmq_msg_init");
    void *watch = NULL;
    for (int i = 0; i != count; i++) {
        if (zmq_msg_recv (&msg, s, 0) < 0)
            die ("zmq_msg_recv");
        if (zmq_msg_size (&msg) != size) {
            fprintf (stderr, "message of incorrect size received\n");
            exit (1);
        }
        if (i == 0)
            watch = zmq_stopwatch_start ();
    }
    unsigned long elapsed = zmq_stopwatch_stop (watch);
    zmq_msg_close (&msg);
    return elapsed ? elapsed : 1;
}

/* The report of libzmq's local_thr; the clock starts at the first message,
 * so the ones after it count. */
static inline void print_throughput (size_t size, int count, unsigned long elapsed)
{
    double throughput = (double) (count - 1) / (double) elapsed * 1000000;
    printf ("message size: %d [B]\n", (int) size);
    printf ("message count: %d\n", count);
    printf ("mean throughput: %d [msg/s]\n", (int) throughput);
    printf ("mean throughput: %.3f [Mb/s]\n", throughput * (double) size * 8 / 1000000);
    fflush (stdout);
}

/* Close without waiting for unsent messages. */
static inline void close_now (void *s)
{
    int zero = 0;
    zmq_setsockopt (s, ZMQ_LINGER, &zero, sizeof zero);
    zmq_close (s);
}

/* Bind s to ep ("tcp://127.0.0.1:*" picks a free port) and write the
 * endpoint actually bound, for zmq_connect, into out. */
static inline void bind_resolved (void *s, const char *ep, char *out, size_t len)
{
    if (zmq_bind (s, ep) != 0)
        die ("zmq_bind");
    if (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, out, &len) != 0)
        die ("zmq_getsockopt (ZMQ_LAST_ENDPOINT)");
}

static inline void set_int (void *s, int option, int value, const char *what)
{
    if (zmq_setsockopt (s, option, &value, sizeof value) != 0)
        die (what);
}

/* A context with n I/O threads and room for `sockets` sockets. */
static inline void *ctx_with (int io_threads, int sockets)
{
    void *ctx = zmq_ctx_new ();
    if (!ctx)
        die ("zmq_ctx_new");
    if (zmq_ctx_set (ctx, ZMQ_IO_THREADS, io_threads) != 0
        || zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, sockets) != 0)
        die ("zmq_ctx_set");
    return ctx;
}

/* Many connections in one process need many descriptors. */
static inline void raise_fd_limit (void)
{
    struct rlimit rl;
    if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit (RLIMIT_NOFILE, &rl);
    }
}

/* The resident set size (VmRSS) or its peak (VmHWM) in KiB, -1 if unknown. */
static inline long proc_status_kib (const char *field)
{
    FILE *f = fopen ("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long v = -1;
    size_t n = strlen (field);
    while (fgets (line, sizeof line, f))
        if (strncmp (line, field, n) == 0 && line[n] == ':') {
            v = atol (line + n + 1);
            break;
        }
    fclose (f);
    return v;
}

#endif
