/* Scale: N DEALERs in this process, each on its own tcp connection to one
 * ROUTER in another process (this program re-executed as "scale router
 * PORT"), each sending and receiving; then a reconnect storm (the ROUTER's
 * process is killed and started again on the same port, and every DEALER
 * must be talking to it again within a bound); then 1,000 sockets in one
 * context. Prints setup time and RSS per connection on both sides. Built
 * against libzmq-rs and against Debian's libzmq by scripts/scale.sh.
 *
 *   scale N [STORM_BOUND_S]     exit 0 when everything held
 *   scale dealers N PORT BOUND  one DEALER process (internal)
 *   scale router PORT           the echoing ROUTER (internal)
 */
#include <zmq.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DIE(...)                                                               \
    do {                                                                       \
        fprintf (stderr, "scale: " __VA_ARGS__);                               \
        fprintf (stderr, " (errno %d: %s)\n", zmq_errno (),                    \
                 zmq_strerror (zmq_errno ()));                                 \
        exit (1);                                                              \
    } while (0)

static double now_s (void)
{
    struct timespec t;
    clock_gettime (CLOCK_MONOTONIC, &t);
    return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

static void nap_ms (int ms)
{
    struct timespec t = {ms / 1000, (long) (ms % 1000) * 1000000L};
    nanosleep (&t, NULL);
}

/* VmRSS of a process in KiB. */
static long rss_kib (pid_t pid)
{
    char path[64], line[256];
    snprintf (path, sizeof path, "/proc/%d/status", (int) pid);
    FILE *f = fopen (path, "r");
    long kib = -1;
    if (!f)
        return -1;
    while (fgets (line, sizeof line, f))
        if (sscanf (line, "VmRSS: %ld", &kib) == 1)
            break;
    fclose (f);
    return kib;
}

/* Raise RLIMIT_NOFILE as far as the kernel allows (fs.nr_open; we may be
 * root). Returns the soft limit in force. */
static long raise_nofile (long want)
{
    struct rlimit r;
    getrlimit (RLIMIT_NOFILE, &r);
    long nr_open = 0;
    FILE *f = fopen ("/proc/sys/fs/nr_open", "r");
    if (f) {
        if (fscanf (f, "%ld", &nr_open) != 1)
            nr_open = 0;
        fclose (f);
    }
    rlim_t target = (rlim_t) (nr_open > want ? nr_open : want);
    struct rlimit up = {target, target};
    if (setrlimit (RLIMIT_NOFILE, &up) != 0) {
        /* Not privileged: the hard limit is as far as we go. */
        up.rlim_cur = r.rlim_max;
        up.rlim_max = r.rlim_max;
        setrlimit (RLIMIT_NOFILE, &up);
    }
    getrlimit (RLIMIT_NOFILE, &r);
    return (long) r.rlim_cur;
}

/* ------------------------------------------------------------ the ROUTER */

static int router_main (int port)
{
    raise_nofile (0);
    void *ctx = zmq_ctx_new ();
    zmq_ctx_set (ctx, ZMQ_IO_THREADS, 2);
    zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 1024);
    void *r = zmq_socket (ctx, ZMQ_ROUTER);
    int backlog = 65535, zero = 0;
    zmq_setsockopt (r, ZMQ_BACKLOG, &backlog, sizeof backlog);
    zmq_setsockopt (r, ZMQ_LINGER, &zero, sizeof zero);
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    /* The previous incarnation's port may linger for a moment. */
    int tries = 0;
    while (zmq_bind (r, ep) != 0) {
        if (++tries > 200)
            DIE ("router bind %s", ep);
        nap_ms (25);
    }
    printf ("ready\n");
    fflush (stdout);
    zmq_msg_t id, body;
    zmq_msg_init (&id);
    zmq_msg_init (&body);
    for (;;) {
        if (zmq_msg_recv (&id, r, 0) < 0 || zmq_msg_recv (&body, r, 0) < 0)
            DIE ("router recv");
        if (zmq_msg_send (&id, r, ZMQ_SNDMORE) < 0
            || zmq_msg_send (&body, r, 0) < 0)
            continue; /* the peer went: ROUTER drops it */
    }
}

static pid_t start_router (const char *self, int port)
{
    int p[2];
    if (pipe (p) != 0)
        DIE ("pipe");
    pid_t pid = fork ();
    if (pid == 0) {
        dup2 (p[1], 1);
        close (p[0]);
        char port_s[16];
        snprintf (port_s, sizeof port_s, "%d", port);
        execl (self, self, "router", port_s, (char *) NULL);
        _exit (127);
    }
    close (p[1]);
    char buf[16] = {0};
    if (read (p[0], buf, sizeof buf - 1) <= 0 || strncmp (buf, "ready", 5) != 0)
        DIE ("router did not start");
    close (p[0]);
    return pid;
}

/* A free tcp port for the ROUTER (it must keep it across restarts). */
static int free_port (void)
{
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_ROUTER);
    char ep[64];
    size_t len = sizeof ep;
    if (zmq_bind (s, "tcp://127.0.0.1:*") != 0
        || zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &len) != 0)
        DIE ("free port");
    zmq_close (s);
    zmq_ctx_term (ctx);
    return atoi (strrchr (ep, ':') + 1);
}

/* ----------------------------------------------------------- the DEALERs */

static int n_conn;
static void **dealers;
static char *back; /* 1 when the dealer got its answer in this phase */
static double *last_send;

/* Send `tag` from dealer i (a 12-byte body: tag, index). */
static int send_probe (int i, uint32_t tag)
{
    uint32_t b[3] = {tag, (uint32_t) i, 0xfeedu};
    last_send[i] = now_s ();
    return zmq_send (dealers[i], b, sizeof b, ZMQ_DONTWAIT);
}

/* Until every dealer has an answer tagged `tag` (answers to older tags are
 * dropped), resending every `resend_s` seconds to those without one.
 * Returns the seconds taken, or -1 past `bound_s`. */
static double gather (uint32_t tag, double resend_s, double bound_s)
{
    double t0 = now_s ();
    int missing = n_conn, i;
    memset (back, 0, (size_t) n_conn);
    while (missing > 0) {
        int got = 0;
        double t = now_s ();
        if (t - t0 > bound_s)
            return -1;
        for (i = 0; i < n_conn; i++) {
            if (back[i])
                continue;
            uint32_t b[3];
            int rc;
            while ((rc = zmq_recv (dealers[i], b, sizeof b, ZMQ_DONTWAIT)) >= 0) {
                if (rc == (int) sizeof b && b[0] == tag && b[1] == (uint32_t) i
                    && !back[i]) {
                    back[i] = 1;
                    missing--;
                    got++;
                }
            }
            if (!back[i] && resend_s > 0 && t - last_send[i] > resend_s)
                send_probe (i, tag);
        }
        if (!got)
            nap_ms (2);
    }
    return now_s () - t0;
}

static double thousand_sockets (void)
{
    double t0 = now_s ();
    void *ctx = zmq_ctx_new ();
    enum { PAIRS = 500 };
    static void *a[PAIRS], *b[PAIRS];
    int i, zero = 0;
    char ep[64], buf[16];
    for (i = 0; i < PAIRS; i++) {
        a[i] = zmq_socket (ctx, i % 2 ? ZMQ_PAIR : ZMQ_PULL);
        b[i] = zmq_socket (ctx, i % 2 ? ZMQ_PAIR : ZMQ_PUSH);
        if (!a[i] || !b[i])
            DIE ("socket %d of 1000", 2 * i);
        zmq_setsockopt (b[i], ZMQ_LINGER, &zero, sizeof zero);
        snprintf (ep, sizeof ep, "inproc://scale-%d", i);
        if (zmq_bind (a[i], ep) != 0 || zmq_connect (b[i], ep) != 0)
            DIE ("inproc %d", i);
    }
    for (i = 0; i < PAIRS; i++)
        if (zmq_send (b[i], "ping", 4, 0) != 4)
            DIE ("send %d", i);
    for (i = 0; i < PAIRS; i++)
        if (zmq_recv (a[i], buf, sizeof buf, 0) != 4)
            DIE ("recv %d", i);
    for (i = 0; i < PAIRS; i++) {
        zmq_close (a[i]);
        zmq_close (b[i]);
    }
    zmq_ctx_term (ctx);
    return now_s () - t0;
}

/* One process's share of the DEALERs: connect `n` of them, answer the
 * controller with "setup SECONDS ROUND_SECONDS RSS_KIB", wait for "storm"
 * (the ROUTER is back), gather again and answer "storm SECONDS MISSING",
 * then close everything on "close" and answer "closed SECONDS". */
static int dealers_main (int n, int port, double storm_bound)
{
    raise_nofile (0);
    n_conn = n;
    dealers = calloc ((size_t) n_conn, sizeof *dealers);
    back = calloc ((size_t) n_conn, 1);
    last_send = calloc ((size_t) n_conn, sizeof *last_send);
    if (!dealers || !back || !last_send)
        DIE ("calloc");
    long rss0 = rss_kib (getpid ());
    void *ctx = zmq_ctx_new ();
    zmq_ctx_set (ctx, ZMQ_IO_THREADS, 2);
    if (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, n_conn + 64) != 0)
        DIE ("ZMQ_MAX_SOCKETS %d", n_conn + 64);
    char ep[64], line[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    int i, zero = 0;
    double t0 = now_s ();
    for (i = 0; i < n_conn; i++) {
        dealers[i] = zmq_socket (ctx, ZMQ_DEALER);
        if (!dealers[i])
            DIE ("socket %d", i);
        zmq_setsockopt (dealers[i], ZMQ_LINGER, &zero, sizeof zero);
        if (zmq_connect (dealers[i], ep) != 0)
            DIE ("connect %d", i);
        send_probe (i, 1);
    }
    if (gather (1, 5.0, 120) < 0)
        DIE ("not every dealer was answered within 120 s");
    double t_setup = now_s () - t0;
    long rss1 = rss_kib (getpid ());
    /* Every connection busy at once: a few rounds of one message each. */
    double t_rounds = now_s ();
    uint32_t tag;
    for (tag = 2; tag < 5; tag++) {
        for (i = 0; i < n_conn; i++)
            if (send_probe (i, tag) != 12)
                DIE ("send %d round %u", i, tag);
        if (gather (tag, 0, 60) < 0)
            DIE ("round %u incomplete after 60 s", tag);
    }
    t_rounds = (now_s () - t_rounds) / 3;
    printf ("setup %f %f %ld\n", t_setup, t_rounds, rss1 - rss0);
    fflush (stdout);

    if (!fgets (line, sizeof line, stdin) || strncmp (line, "storm", 5) != 0)
        DIE ("controller gone");
    for (i = 0; i < n_conn; i++)
        send_probe (i, 5);
    double t_storm = gather (5, 1.0, storm_bound);
    int missing = 0;
    for (i = 0; i < n_conn; i++)
        missing += !back[i];
    printf ("storm %f %d\n", t_storm, missing);
    fflush (stdout);

    if (!fgets (line, sizeof line, stdin))
        DIE ("controller gone");
    double t_close = now_s ();
    for (i = 0; i < n_conn; i++)
        zmq_close (dealers[i]);
    zmq_ctx_term (ctx);
    printf ("closed %f\n", now_s () - t_close);
    fflush (stdout);
    return 0;
}

typedef struct
{
    pid_t pid;
    FILE *to, *from;
    int n;
} worker_t;

static void start_worker (worker_t *w, const char *self, int n, int port,
                          double bound)
{
    int in[2], out[2];
    if (pipe (in) != 0 || pipe (out) != 0)
        DIE ("pipe");
    w->n = n;
    w->pid = fork ();
    if (w->pid == 0) {
        dup2 (in[0], 0);
        dup2 (out[1], 1);
        close (in[1]);
        close (out[0]);
        char a[3][32];
        snprintf (a[0], sizeof a[0], "%d", n);
        snprintf (a[1], sizeof a[1], "%d", port);
        snprintf (a[2], sizeof a[2], "%f", bound);
        execl (self, self, "dealers", a[0], a[1], a[2], (char *) NULL);
        _exit (127);
    }
    close (in[0]);
    close (out[1]);
    w->to = fdopen (in[1], "w");
    w->from = fdopen (out[0], "r");
}

static void expect_line (worker_t *w, char *line, size_t size,
                         const char *what)
{
    if (!fgets (line, (int) size, w->from) || strncmp (line, what, strlen (what)))
        DIE ("dealer process %d failed before \"%s\"", (int) w->pid, what);
}

int main (int argc, char **argv)
{
    if (argc == 3 && strcmp (argv[1], "router") == 0)
        return router_main (atoi (argv[2]));
    if (argc == 5 && strcmp (argv[1], "dealers") == 0)
        return dealers_main (atoi (argv[2]), atoi (argv[3]), atof (argv[4]));
    if (argc < 2)
        DIE ("usage: scale N [STORM_BOUND_S]");
    int n = atoi (argv[1]);
    double storm_bound = argc > 2 ? atof (argv[2]) : 60;
    char self[4096];
    ssize_t sl = readlink ("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0)
        DIE ("readlink");
    self[sl] = 0;

    /* A DEALER costs up to 3 fds (its connection, its mailbox, and the
     * libzmq reaper's or I/O thread's share); beyond what one process may
     * open, the DEALERs are spread over several processes. */
    long limit = raise_nofile (4L * n + 1024);
    int per_proc = (int) ((limit - 512) / 3), procs = (n + per_proc - 1) / per_proc;
    int major, minor, patch, i;
    zmq_version (&major, &minor, &patch);
    printf ("# zmq_version %d.%d.%d; %d connections from %d DEALER "
            "process(es); RLIMIT_NOFILE %ld%s\n",
            major, minor, patch, n, procs, limit,
            limit < 4L * n + 1024 ? " (could not be raised further: "
                                    "the DEALERs are spread out)"
                                  : "");

    int port = free_port ();
    pid_t router = start_router (self, port);
    nap_ms (100);
    long router_rss0 = rss_kib (router);

    worker_t *w = calloc ((size_t) procs, sizeof *w);
    double t0 = now_s ();
    for (i = 0; i < procs; i++)
        start_worker (&w[i], self, n / procs + (i < n % procs), port,
                      storm_bound);
    double setup = 0, rounds = 0;
    long rss = 0;
    char line[128];
    for (i = 0; i < procs; i++) {
        double s_, r_;
        long k_;
        expect_line (&w[i], line, sizeof line, "setup");
        if (sscanf (line, "setup %lf %lf %ld", &s_, &r_, &k_) != 3)
            DIE ("bad line %s", line);
        setup = s_ > setup ? s_ : setup;
        rounds = r_ > rounds ? r_ : rounds;
        rss += k_;
    }
    double t_all = now_s () - t0;
    long router_rss1 = rss_kib (router);
    printf ("setup: %d connections connected and answered in %.2f s "
            "(%.0f us each; %.2f s with process start)\n",
            n, setup, setup * 1e6 / n, t_all);
    printf ("rounds: one message each way on every connection: %.3f s per "
            "round\n",
            rounds);
    printf ("rss: DEALER side +%ld KiB (%ld B/connection), ROUTER process "
            "+%ld KiB (%ld B/connection)\n",
            rss, rss * 1024 / n, router_rss1 - router_rss0,
            (router_rss1 - router_rss0) * 1024 / n);
    fflush (stdout);

    /* The reconnect storm: the ROUTER's process dies and comes back. */
    kill (router, SIGKILL);
    waitpid (router, NULL, 0);
    double t_kill = now_s ();
    nap_ms (200);
    router = start_router (self, port);
    double t_up = now_s ();
    for (i = 0; i < procs; i++) {
        fprintf (w[i].to, "storm\n");
        fflush (w[i].to);
    }
    double storm = 0;
    int missing = 0;
    for (i = 0; i < procs; i++) {
        double s_;
        int m_;
        expect_line (&w[i], line, sizeof line, "storm");
        if (sscanf (line, "storm %lf %d", &s_, &m_) != 2)
            DIE ("bad line %s", line);
        storm = s_ > storm ? s_ : storm;
        missing += m_;
    }
    if (missing) {
        kill (router, SIGKILL);
        DIE ("reconnect storm: %d of %d dealers not back within %.0f s",
             missing, n, storm_bound);
    }
    printf ("storm: ROUTER killed and restarted (%.2f s down); all %d back "
            "%.2f s after it was up (bound %.0f s)\n",
            t_up - t_kill, n, storm, storm_bound);
    fflush (stdout);

    double closing = 0;
    for (i = 0; i < procs; i++) {
        fprintf (w[i].to, "close\n");
        fflush (w[i].to);
    }
    for (i = 0; i < procs; i++) {
        double c_;
        expect_line (&w[i], line, sizeof line, "closed");
        if (sscanf (line, "closed %lf", &c_) == 1 && c_ > closing)
            closing = c_;
        int st;
        waitpid (w[i].pid, &st, 0);
        if (!WIFEXITED (st) || WEXITSTATUS (st) != 0)
            DIE ("dealer process exit status %d", st);
    }
    kill (router, SIGKILL);
    waitpid (router, NULL, 0);
    printf ("teardown: %d sockets closed and their contexts ended in %.2f s\n",
            n, closing);
    printf ("1000 sockets in one context (500 inproc pairs, a message each): "
            "%.3f s\n",
            thousand_sockets ());
    printf ("ok scale\n");
    return 0;
}
