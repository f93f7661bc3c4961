/* Shared helpers for the C API tests. Only zmq.h and libc are used, so every
 * test builds unchanged against libzmq-rs and against Debian's libzmq. */
#ifndef CAPI_TESTUTIL_H
#define CAPI_TESTUTIL_H

#include <zmq.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include <dirent.h>
#include <sys/types.h>
#include <unistd.h>

/* Abort the test program with a message: the harness counts the failure. */
#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            int e_ = zmq_errno ();                                             \
            fprintf (stderr, "%s:%d: CHECK failed: %s (errno %d: %s)\n",       \
                     __FILE__, __LINE__, #cond, e_, zmq_strerror (e_));        \
            exit (1);                                                          \
        }                                                                      \
    } while (0)

/* The call must succeed (libzmq's failure value is -1). */
#define CHECK_OK(expr) CHECK ((expr) != -1)

/* The call must fail with -1 and leave `err` in errno. */
#define CHECK_ERR(expr, err)                                                   \
    do {                                                                       \
        errno = 0;                                                             \
        long rc_ = (long) (expr);                                              \
        int e_ = zmq_errno ();                                                 \
        if (rc_ != -1 || e_ != (err)) {                                        \
            fprintf (stderr,                                                   \
                     "%s:%d: expected %s to fail with %s (%d), got rc=%ld "    \
                     "errno=%d (%s)\n",                                        \
                     __FILE__, __LINE__, #expr, #err, (err), rc_, e_,          \
                     zmq_strerror (e_));                                       \
            exit (1);                                                          \
        }                                                                      \
    } while (0)

/* A pointer-returning call must fail with NULL and leave `err` in errno. */
#define CHECK_NULL_ERR(expr, err)                                              \
    do {                                                                       \
        errno = 0;                                                             \
        const void *p_ = (const void *) (expr);                                \
        int e_ = zmq_errno ();                                                 \
        if (p_ != NULL || e_ != (err)) {                                       \
            fprintf (stderr,                                                   \
                     "%s:%d: expected %s to fail with %s, got %p errno=%d\n",  \
                     __FILE__, __LINE__, #expr, #err, p_, e_);                 \
            exit (1);                                                          \
        }                                                                      \
    } while (0)

/* Run one test case; the harness counts the "ok" lines. */
#define RUN_TEST(fn)                                                           \
    do {                                                                       \
        fn ();                                                                 \
        printf ("ok %s\n", #fn);                                               \
        fflush (stdout);                                                       \
    } while (0)

/* Set an int socket option; it must succeed. */
static inline void set_int (void *s, int opt, int v)
{
    CHECK_OK (zmq_setsockopt (s, opt, &v, sizeof v));
}

/* "ping" from the connecter `sc` to the binder `sb` and "pong" back: both
 * directions of a PAIR (or REQ -> REP) connection work. */
static inline void ping_pong (void *sb, void *sc)
{
    char buf[8];
    CHECK (zmq_send (sc, "ping", 4, 0) == 4);
    CHECK (zmq_recv (sb, buf, sizeof buf, 0) == 4 && memcmp (buf, "ping", 4) == 0);
    CHECK (zmq_send (sb, "pong", 4, 0) == 4);
    CHECK (zmq_recv (sc, buf, sizeof buf, 0) == 4 && memcmp (buf, "pong", 4) == 0);
}

/* Monotonic milliseconds, for deadlines and elapsed-time checks. */
static inline long now_ms (void)
{
    struct timespec t;
    clock_gettime (CLOCK_MONOTONIC, &t);
    return (long) t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* The next v1 monitor event: its number (-1 on timeout), value and endpoint
 * (either may be NULL). */
static inline int recv_monitor_event (void *mon, uint32_t *value, char *ep, size_t cap)
{
    zmq_msg_t m;
    zmq_msg_init (&m);
    if (zmq_msg_recv (&m, mon, 0) < 0)
        return -1;
    uint16_t ev;
    memcpy (&ev, zmq_msg_data (&m), 2);
    if (value)
        memcpy (value, (char *) zmq_msg_data (&m) + 2, 4);
    CHECK_OK (zmq_msg_recv (&m, mon, 0));
    if (ep && cap > 0) {
        size_t n = zmq_msg_size (&m) < cap - 1 ? zmq_msg_size (&m) : cap - 1;
        memcpy (ep, zmq_msg_data (&m), n);
        ep[n] = 0;
    }
    zmq_msg_close (&m);
    return ev;
}

/* Stop monitoring s, then close the monitor's reader. libzmq's I/O thread
 * sends monitor events with a blocking send: an event for a reader that has
 * gone stalls that thread, and every socket it serves, for good. So the
 * monitor stops before its reader closes (ours never blocks, see
 * test_monitor_safety). */
static inline void monitor_close (void *s, void *mon)
{
    CHECK_OK (zmq_socket_monitor (s, NULL, 0));
    zmq_close (mon);
}

/* A monitor event: its number and value. */
typedef struct
{
    int event;
    long value;
} monitor_event_t;

/* The first HANDSHAKE_* event (failed or succeeded) on a monitor PAIR within
 * the timeout; {-1, 0} if none came. */
static inline monitor_event_t next_handshake_event (void *mon, int timeout_ms)
{
    monitor_event_t r = {-1, 0};
    set_int (mon, ZMQ_RCVTIMEO, timeout_ms);
    for (;;) {
        zmq_msg_t m;
        CHECK_OK (zmq_msg_init (&m));
        if (zmq_msg_recv (&m, mon, 0) == -1) {
            zmq_msg_close (&m);
            return r;
        }
        unsigned short event;
        unsigned int value;
        CHECK (zmq_msg_size (&m) == 6 && zmq_msg_more (&m));
        memcpy (&event, zmq_msg_data (&m), 2);
        memcpy (&value, (char *) zmq_msg_data (&m) + 2, 4);
        zmq_msg_close (&m);
        CHECK_OK (zmq_msg_init (&m));
        CHECK (zmq_msg_recv (&m, mon, 0) >= 0);
        zmq_msg_close (&m);
        if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
            || event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
            || event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
            || event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
            r.event = event;
            r.value = value;
            return r;
        }
    }
}

/* The id of this process's thread named `name` (waiting for it up to 2 s). */
static inline pid_t thread_named (const char *name)
{
    for (long t0 = now_ms (); now_ms () - t0 < 2000; usleep (1000)) {
        DIR *d = opendir ("/proc/self/task");
        CHECK (d);
        struct dirent *e;
        pid_t found = -1;
        while (found < 0 && (e = readdir (d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char path[300], comm[64] = "";
            snprintf (path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
            FILE *f = fopen (path, "r");
            if (!f)
                continue;
            if (fgets (comm, sizeof comm, f)) {
                comm[strcspn (comm, "\n")] = 0;
                if (strcmp (comm, name) == 0)
                    found = (pid_t) atoi (e->d_name);
            }
            fclose (f);
        }
        closedir (d);
        if (found > 0)
            return found;
    }
    return -1;
}

#endif
