/* Helpers for tests that check an option by its effect on the kernel socket
 * under a zmq socket: the descriptor a monitor event carries as its value
 * (LISTENING, ACCEPTED, CONNECTED) is read back with getsockopt(2). Works on
 * libzmq and on ours alike. */
#ifndef CAPI_FDUTIL_H
#define CAPI_FDUTIL_H

#include "testutil.h"
#include <sys/socket.h>

static void *fd_ctx;
static int fd_mon_counter;

/* A socket with 5 s timeouts and no linger. */
static inline void *fd_make (int type)
{
    void *s = zmq_socket (fd_ctx, type);
    CHECK (s);
    set_int (s, ZMQ_RCVTIMEO, 5000);
    set_int (s, ZMQ_SNDTIMEO, 5000);
    set_int (s, ZMQ_LINGER, 0);
    return s;
}

/* A PAIR reading every monitor event of s. */
static inline void *fd_monitor (void *s)
{
    char ep[64];
    snprintf (ep, sizeof ep, "inproc://fdutil-mon-%d", fd_mon_counter++);
    CHECK_OK (zmq_socket_monitor (s, ep, ZMQ_EVENT_ALL));
    void *m = zmq_socket (fd_ctx, ZMQ_PAIR);
    CHECK (m);
    set_int (m, ZMQ_LINGER, 0);
    set_int (m, ZMQ_RCVTIMEO, 5000);
    CHECK_OK (zmq_connect (m, ep));
    return m;
}

/* The descriptor the first `event` names. */
static inline int fd_of_event (void *mon, int event)
{
    uint32_t value;
    int ev;
    while ((ev = recv_monitor_event (mon, &value, NULL, 0)) != -1)
        if (ev == event)
            return (int) value;
    CHECK (!"monitor event not seen");
    return -1;
}

/* An int socket option of a descriptor. */
static inline int fd_sockopt (int fd, int level, int opt)
{
    int v = -1;
    socklen_t len = sizeof v;
    CHECK (getsockopt (fd, level, opt, &v, &len) == 0);
    return v;
}

/* The endpoint s is bound to. */
static inline void fd_last_endpoint (void *s, char *ep, size_t cap)
{
    CHECK_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &cap));
}

/* One message from b to a: the connection is up and carries data. */
static inline void fd_bounce (void *a, void *b)
{
    char buf[8];
    CHECK (zmq_send (b, "ping", 4, 0) == 4);
    CHECK (zmq_recv (a, buf, sizeof buf, 0) == 4);
}

#endif
