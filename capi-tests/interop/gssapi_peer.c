/* One end of a GSSAPI (RFC 38) connection for scripts/gssapi-tests.sh,
 * built against each library (gssapi-peer-ours, gssapi-peer-libzmq) and run
 * in two processes inside the test's Kerberos realm (scripts/gssapi-kdc.sh).
 *
 *   gssapi_peer ROLE [key=value...]
 *     role=server   ZMQ_GSSAPI_SERVER, a ZAP handler that checks the
 *                   mechanism ("GSSAPI") and answers 200 with the client
 *                   principal of the request as User-Id, which every
 *                   message then carries (checked against userid=)
 *     role=client   ZMQ_GSSAPI_SERVICE_PRINCIPAL (and ZMQ_GSSAPI_PRINCIPAL)
 *     role=raw      a hostile client on a plain tcp socket: a GSSAPI greeting,
 *                   then attack=garbage (an INITIATE whose token is not
 *                   Kerberos), overlong (an INITIATE claiming 4 GB) or
 *                   message (a MESSAGE before any context); passes when the
 *                   server closes the connection within timeout= ms
 *   bind=1|0        this side binds tcp://127.0.0.1:* and writes the endpoint
 *                   to ep=FILE, or waits for FILE and connects
 *   principal= ptype= service= stype= plaintext=   the GSSAPI options
 *   count=N         messages the client sends and the server echoes: each a
 *                   multipart of 3 frames, sizes cycling 0, 1, 100, 8192,
 *                   65536, 1 MB; the client checks every echoed byte
 *   expect=ok|fail  fail: no message may pass; the monitor must report a
 *                   failed handshake within timeout= ms: prints "event NAME
 *                   VALUE" for each handshake event seen and exits 0
 *   timeout=ms      receive timeout and the failure window (default 5000)
 *   zap=deny        the server's ZAP handler answers 400
 *   hb=ms           ZMQ_HEARTBEAT_IVL (and a timeout of 3 intervals): PINGs
 *                   and PONGs are commands inside wrapped MESSAGEs
 *   pause=ms        the client idles this long half-way through (longer than
 *                   the heartbeat timeout: only heartbeats keep it alive)
 *   handshake=ms    ZMQ_HANDSHAKE_IVL (libzmq's mechanisms stall on a GSSAPI
 *                   error, so a failed handshake ends when this expires)
 *
 * Both sides always print their monitor's handshake events, one per line. */
#include <zmq.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static const char *role = "?";

static void die (const char *msg, const char *detail)
{
    fprintf (stderr, "[gssapi %s] FAIL: %s%s%s\n", role, msg, detail ? ": " : "",
             detail ? detail : "");
    exit (1);
}

static const char *err (void)
{
    return zmq_strerror (zmq_errno ());
}

static const char *arg (int argc, char **argv, const char *key, const char *dflt)
{
    size_t n = strlen (key);
    for (int i = 2; i < argc; i++)
        if (strncmp (argv[i], key, n) == 0 && argv[i][n] == '=')
            return argv[i] + n + 1;
    return dflt;
}

static void sleep_ms (int ms)
{
    struct timespec ts = {ms / 1000, (long) (ms % 1000) * 1000000L};
    nanosleep (&ts, NULL);
}

static long now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- ZAP handler (server): a thread on inproc://zeromq.zap.01 ---------- */
static void *zap_socket;
static int zap_requests;
static int zap_deny;

static int recv_str (void *s, char *buf, size_t cap)
{
    int n = zmq_recv (s, buf, cap - 1, 0);
    if (n < 0)
        return -1;
    buf[(size_t) n < cap - 1 ? (size_t) n : cap - 1] = 0;
    return n;
}

static void zap_answer (void)
{
    char version[16], seq[64], domain[256], addr[256], rid[256], mech[32],
      principal[512];
    if (recv_str (zap_socket, version, sizeof version) < 0)
        return;
    recv_str (zap_socket, seq, sizeof seq);
    recv_str (zap_socket, domain, sizeof domain);
    recv_str (zap_socket, addr, sizeof addr);
    recv_str (zap_socket, rid, sizeof rid);
    recv_str (zap_socket, mech, sizeof mech);
    int more = 0;
    size_t sz = sizeof more;
    zmq_getsockopt (zap_socket, ZMQ_RCVMORE, &more, &sz);
    principal[0] = 0;
    if (more)
        recv_str (zap_socket, principal, sizeof principal);
    zap_requests++;
    printf ("zap %s %s\n", mech, principal);
    fflush (stdout);
    const char *status =
      strcmp (mech, "GSSAPI") == 0 && !zap_deny ? "200" : "400";
    zmq_send (zap_socket, version, strlen (version), ZMQ_SNDMORE);
    zmq_send (zap_socket, seq, strlen (seq), ZMQ_SNDMORE);
    zmq_send (zap_socket, status, 3, ZMQ_SNDMORE);
    zmq_send (zap_socket, "OK", 2, ZMQ_SNDMORE);
    /* User-Id: the client principal the request carried. */
    zmq_send (zap_socket, principal, strlen (principal), ZMQ_SNDMORE);
    zmq_send (zap_socket, "", 0, 0);
}

/* ---- monitor ------------------------------------------------------------ */
static void *mon;

static const char *event_name (int e)
{
    switch (e) {
        case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: return "HANDSHAKE_SUCCEEDED";
        case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: return "HANDSHAKE_FAILED_NO_DETAIL";
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL: return "HANDSHAKE_FAILED_PROTOCOL";
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: return "HANDSHAKE_FAILED_AUTH";
        case ZMQ_EVENT_DISCONNECTED: return "DISCONNECTED";
        default: return "OTHER";
    }
}

static int failures, successes;

/* Reads the monitor's pending events (waiting up to wait_ms for the first). */
static void drain_monitor (int wait_ms)
{
    zmq_setsockopt (mon, ZMQ_RCVTIMEO, &wait_ms, sizeof wait_ms);
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init (&m);
        if (zmq_msg_recv (&m, mon, 0) < 0) {
            zmq_msg_close (&m);
            return;
        }
        uint16_t ev = 0;
        uint32_t val = 0;
        if (zmq_msg_size (&m) >= 6) {
            memcpy (&ev, zmq_msg_data (&m), 2);
            memcpy (&val, (char *) zmq_msg_data (&m) + 2, 4);
        }
        zmq_msg_close (&m);
        zmq_msg_init (&m);
        zmq_msg_recv (&m, mon, 0); /* the endpoint */
        zmq_msg_close (&m);
        if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
            successes++;
        else if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
                 || ev == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                 || ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
            failures++;
        else
            continue;
        printf ("event %s 0x%x\n", event_name (ev), (unsigned) val);
        fflush (stdout);
        int zero = 0;
        zmq_setsockopt (mon, ZMQ_RCVTIMEO, &zero, sizeof zero);
    }
}

/* ---- messages ----------------------------------------------------------- */
static const size_t sizes[] = {0, 1, 100, 8192, 65536, 1 << 20};

static size_t part_size (int i, int part)
{
    return sizes[(size_t) (i + part) % (sizeof sizes / sizeof sizes[0])];
}

static void fill (unsigned char *p, size_t n, int i, int part)
{
    for (size_t k = 0; k < n; k++)
        p[k] = (unsigned char) (k * 7 + (size_t) i * 13 + (size_t) part);
}

/* role=raw: send the attack, then wait for the server to hang up. */
static int raw_attack (const char *ep_file, const char *attack, int timeout)
{
    char ep[256] = "";
    long t0 = now_ms ();
    FILE *f;
    while (!(f = fopen (ep_file, "r"))) {
        if (now_ms () - t0 > 10000)
            die ("no endpoint file", ep_file);
        sleep_ms (10);
    }
    if (!fgets (ep, sizeof ep, f))
        die ("empty endpoint file", ep_file);
    fclose (f);
    const char *colon = strrchr (ep, ':');
    if (strncmp (ep, "tcp://127.0.0.1:", 16) != 0 || !colon)
        die ("not a tcp://127.0.0.1 endpoint", ep);
    struct sockaddr_in sa;
    memset (&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons ((uint16_t) atoi (colon + 1));
    sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect (fd, (struct sockaddr *) &sa, sizeof sa) != 0)
        die ("connect", strerror (errno));
    unsigned char out[512];
    size_t n = 0;
    /* ZMTP 3.1 greeting: signature, version, "GSSAPI", as-server 0. */
    memset (out, 0, 64);
    out[0] = 0xff;
    out[9] = 0x7f;
    out[10] = 3;
    out[11] = 1;
    memcpy (out + 12, "GSSAPI", 6);
    n = 64;
    unsigned char body[300];
    size_t b = 0;
    if (strcmp (attack, "message") == 0) {
        memcpy (body, "\x07MESSAGE\0\0\0\x10", 12);
        memset (body + 12, 0x41, 16);
        b = 28;
    } else {
        memcpy (body, "\x08INITIATE", 9);
        if (strcmp (attack, "overlong") == 0) {
            memcpy (body + 9, "\xff\xff\xff\xff", 4);
            memset (body + 13, 0x42, 64);
        } else {
            memcpy (body + 9, "\0\0\0\x40", 4);
            for (int i = 0; i < 64; i++)
                body[13 + i] = (unsigned char) (i * 37 + 11);
        }
        b = 77;
    }
    out[n++] = 0x04; /* a command frame */
    out[n++] = (unsigned char) b;
    memcpy (out + n, body, b);
    n += b;
    if (send (fd, out, n, MSG_NOSIGNAL) != (ssize_t) n)
        die ("send", strerror (errno));
    struct timeval tv = {timeout / 1000, (timeout % 1000) * 1000};
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    unsigned char in[512];
    for (;;) {
        ssize_t r = recv (fd, in, sizeof in, 0);
        if (r == 0 || (r < 0 && errno == ECONNRESET))
            break; /* the server hung up */
        if (r < 0)
            die ("the server kept the hostile connection open", strerror (errno));
    }
    printf ("result closed after %ld ms\n", now_ms () - t0);
    close (fd);
    return 0;
}

int main (int argc, char **argv)
{
    if (argc < 2)
        die ("usage: gssapi_peer server|client key=value...", NULL);
    role = argv[1];
    int server = strcmp (role, "server") == 0;
    int binds = atoi (arg (argc, argv, "bind", server ? "1" : "0"));
    const char *ep_file = arg (argc, argv, "ep", NULL);
    const char *principal = arg (argc, argv, "principal", NULL);
    const char *service = arg (argc, argv, "service", NULL);
    int ptype = atoi (arg (argc, argv, "ptype", "-1"));
    int stype = atoi (arg (argc, argv, "stype", "-1"));
    int plaintext = atoi (arg (argc, argv, "plaintext", "0"));
    int count = atoi (arg (argc, argv, "count", "20"));
    int expect_fail = strcmp (arg (argc, argv, "expect", "ok"), "fail") == 0;
    const char *userid = arg (argc, argv, "userid", NULL);
    int timeout = atoi (arg (argc, argv, "timeout", "5000"));
    zap_deny = strcmp (arg (argc, argv, "zap", "allow"), "deny") == 0;
    if (!ep_file)
        die ("ep= is required", NULL);
    if (strcmp (role, "raw") == 0)
        return raw_attack (ep_file, arg (argc, argv, "attack", "garbage"), timeout);
    if (!zmq_has ("gssapi"))
        die ("zmq_has(\"gssapi\") is 0", NULL);

    void *ctx = zmq_ctx_new ();
    if (server) {
        zap_socket = zmq_socket (ctx, ZMQ_REP);
        if (zmq_bind (zap_socket, "inproc://zeromq.zap.01") != 0)
            die ("bind zap", err ());
    }
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt (s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt (s, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt (s, ZMQ_SNDTIMEO, &timeout, sizeof timeout);
    int hb = atoi (arg (argc, argv, "hb", "0"));
    if (hb > 0) {
        int hbt = 3 * hb;
        zmq_setsockopt (s, ZMQ_HEARTBEAT_IVL, &hb, sizeof hb);
        zmq_setsockopt (s, ZMQ_HEARTBEAT_TIMEOUT, &hbt, sizeof hbt);
    }
    int pause = atoi (arg (argc, argv, "pause", "0"));
    int hs = atoi (arg (argc, argv, "handshake", "-1"));
    if (hs >= 0)
        zmq_setsockopt (s, ZMQ_HANDSHAKE_IVL, &hs, sizeof hs);
    int one = 1;
    if (server && zmq_setsockopt (s, ZMQ_GSSAPI_SERVER, &one, sizeof one) != 0)
        die ("ZMQ_GSSAPI_SERVER", err ());
    if (service
        && zmq_setsockopt (s, ZMQ_GSSAPI_SERVICE_PRINCIPAL, service, strlen (service)) != 0)
        die ("ZMQ_GSSAPI_SERVICE_PRINCIPAL", err ());
    if (stype >= 0
        && zmq_setsockopt (s, ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE, &stype, sizeof stype) != 0)
        die ("ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE", err ());
    if (principal
        && zmq_setsockopt (s, ZMQ_GSSAPI_PRINCIPAL, principal, strlen (principal)) != 0)
        die ("ZMQ_GSSAPI_PRINCIPAL", err ());
    if (ptype >= 0
        && zmq_setsockopt (s, ZMQ_GSSAPI_PRINCIPAL_NAMETYPE, &ptype, sizeof ptype) != 0)
        die ("ZMQ_GSSAPI_PRINCIPAL_NAMETYPE", err ());
    if (zmq_setsockopt (s, ZMQ_GSSAPI_PLAINTEXT, &plaintext, sizeof plaintext) != 0)
        die ("ZMQ_GSSAPI_PLAINTEXT", err ());
    /* Re-reading the options gives back what was set. */
    int v = -1;
    size_t vs = sizeof v;
    if (zmq_getsockopt (s, ZMQ_GSSAPI_SERVER, &v, &vs) != 0 || v != server)
        die ("ZMQ_GSSAPI_SERVER reads back wrong", NULL);

    if (zmq_socket_monitor (s, "inproc://gss-mon", ZMQ_EVENT_ALL) != 0)
        die ("zmq_socket_monitor", err ());
    mon = zmq_socket (ctx, ZMQ_PAIR);
    zmq_connect (mon, "inproc://gss-mon");

    char ep[256];
    if (binds) {
        if (zmq_bind (s, "tcp://127.0.0.1:*") != 0)
            die ("bind", err ());
        size_t n = sizeof ep;
        zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &n);
        char tmp[1024];
        snprintf (tmp, sizeof tmp, "%s.tmp", ep_file);
        FILE *f = fopen (tmp, "w");
        if (!f || fprintf (f, "%s\n", ep) < 0 || fclose (f) != 0 || rename (tmp, ep_file))
            die ("writing the endpoint file", ep_file);
    } else {
        long t0 = now_ms ();
        FILE *f = NULL;
        while (!(f = fopen (ep_file, "r"))) {
            if (now_ms () - t0 > 10000)
                die ("no endpoint file", ep_file);
            sleep_ms (10);
        }
        if (!fgets (ep, sizeof ep, f))
            die ("empty endpoint file", ep_file);
        fclose (f);
        ep[strcspn (ep, "\n")] = 0;
        if (zmq_connect (s, ep) != 0)
            die ("connect", err ());
    }

    zmq_pollitem_t items[2] = {{s, 0, ZMQ_POLLIN, 0}, {zap_socket, 0, ZMQ_POLLIN, 0}};
    int nitems = server ? 2 : 1;

    if (expect_fail) {
        /* Nothing may pass; the monitor must report the failure. */
        long t0 = now_ms ();
        if (!server) {
            const char *hello = "should not pass";
            zmq_send (s, hello, strlen (hello), ZMQ_DONTWAIT);
        }
        while (now_ms () - t0 < timeout && failures == 0) {
            zmq_poll (items, nitems, 50);
            if (items[0].revents & ZMQ_POLLIN)
                die ("a message passed a handshake that should fail", NULL);
            if (server && (items[1].revents & ZMQ_POLLIN))
                zap_answer ();
            drain_monitor (0);
        }
        drain_monitor (200);
        printf ("result failures=%d successes=%d\n", failures, successes);
        zmq_close (mon);
        zmq_close (s);
        if (zap_socket)
            zmq_close (zap_socket);
        zmq_ctx_term (ctx);
        return successes == 0 && failures > 0 ? 0 : 1;
    }

    int done = 0;
    if (server) {
        /* Echo count messages, checking the User-Id of every frame. */
        long deadline = now_ms () + timeout * 4;
        while (done < count) {
            if (now_ms () > deadline)
                die ("timed out echoing", NULL);
            zmq_poll (items, nitems, 100);
            if (items[1].revents & ZMQ_POLLIN)
                zap_answer ();
            drain_monitor (0);
            if (!(items[0].revents & ZMQ_POLLIN))
                continue;
            int more = 1;
            while (more) {
                zmq_msg_t m;
                zmq_msg_init (&m);
                if (zmq_msg_recv (&m, s, 0) < 0)
                    die ("recv", err ());
                more = zmq_msg_more (&m);
                const char *uid = zmq_msg_gets (&m, "User-Id");
                if (userid && (!uid || strcmp (uid, userid) != 0))
                    die ("User-Id differs", uid ? uid : "(none)");
                if (zmq_msg_send (&m, s, more ? ZMQ_SNDMORE : 0) < 0)
                    die ("send", err ());
            }
            done++;
        }
        /* Wait for the client's goodbye (an empty message) before closing. */
        char bye[8];
        if (zmq_recv (s, bye, sizeof bye, 0) != 0)
            die ("no goodbye", err ());
    } else {
        for (int i = 0; i < count; i++) {
            if (pause > 0 && i == count / 2)
                sleep_ms (pause);
            for (int part = 0; part < 3; part++) {
                size_t n = part_size (i, part);
                zmq_msg_t m;
                zmq_msg_init_size (&m, n);
                fill (zmq_msg_data (&m), n, i, part);
                if (zmq_msg_send (&m, s, part < 2 ? ZMQ_SNDMORE : 0) < 0)
                    die ("send", err ());
            }
            for (int part = 0; part < 3; part++) {
                zmq_msg_t m;
                zmq_msg_init (&m);
                if (zmq_msg_recv (&m, s, 0) < 0)
                    die ("recv echo", err ());
                size_t n = part_size (i, part);
                if (zmq_msg_size (&m) != n)
                    die ("echo size differs", NULL);
                unsigned char *want = malloc (n + 1);
                fill (want, n, i, part);
                if (memcmp (want, zmq_msg_data (&m), n) != 0)
                    die ("echo content differs", NULL);
                free (want);
                if (zmq_msg_more (&m) != (part < 2))
                    die ("echo MORE flag differs", NULL);
                zmq_msg_close (&m);
            }
            done++;
        }
        if (zmq_send (s, "", 0, 0) != 0)
            die ("goodbye", err ());
        sleep_ms (100);
    }
    drain_monitor (100);
    if (successes != 1)
        die ("the monitor did not report exactly one HANDSHAKE_SUCCEEDED", NULL);
    printf ("result ok messages=%d zap=%d\n", done, zap_requests);
    zmq_close (mon);
    zmq_close (s);
    if (zap_socket)
        zmq_close (zap_socket);
    zmq_ctx_term (ctx);
    return 0;
}
