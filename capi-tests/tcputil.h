/* Plain POSIX tcp on 127.0.0.1 for the C tests: raw peers that play a
 * broken ZMTP peer, or the plain client/server of a STREAM socket. */
#ifndef CAPI_TCPUTIL_H
#define CAPI_TCPUTIL_H

#include "testutil.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

/* 127.0.0.1:port (0: any port). */
static inline struct sockaddr_in loopback (int port)
{
    struct sockaddr_in a;
    memset (&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons ((uint16_t) port);
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    return a;
}

/* Connect (blocking) to 127.0.0.1:port. */
static inline int raw_connect_port (int port)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    struct sockaddr_in a = loopback (port);
    CHECK (connect (fd, (struct sockaddr *) &a, sizeof a) == 0);
    return fd;
}

/* A socket of `type` bound to an ephemeral port of 127.0.0.1; its port in
 * *port. */
static inline int bound_loopback (int type, int *port)
{
    int fd = socket (AF_INET, type, 0);
    CHECK (fd >= 0);
    struct sockaddr_in a = loopback (0);
    CHECK (bind (fd, (struct sockaddr *) &a, sizeof a) == 0);
    socklen_t al = sizeof a;
    CHECK (getsockname (fd, (struct sockaddr *) &a, &al) == 0);
    *port = ntohs (a.sin_port);
    return fd;
}

/* A free udp port on 127.0.0.1 (bound and released). */
static inline int free_udp_port (void)
{
    int port;
    close (bound_loopback (SOCK_DGRAM, &port));
    return port;
}

/* A free tcp endpoint nobody listens on. A raw socket, closed at once
 * (closing a ZeroMQ listener is asynchronous in libzmq: a connecter could
 * still reach it). */
static inline void unused_tcp_endpoint (char *ep, size_t len)
{
    int port;
    close (bound_loopback (SOCK_STREAM, &port));
    snprintf (ep, len, "tcp://127.0.0.1:%d", port);
}

/* zmq_bind, retried for up to 2 s while the address is still in use. */
static inline void bind_when_free (void *s, const char *ep)
{
    int rc = -1;
    for (int tries = 0; rc != 0 && tries < 100; tries++) {
        rc = zmq_bind (s, ep);
        if (rc != 0)
            usleep (20000);
    }
    CHECK_OK (rc);
}

/* A listener on an ephemeral port of 127.0.0.1; returns its fd and port. */
static inline int raw_listener (int *port)
{
    int fd = bound_loopback (SOCK_STREAM, port);
    CHECK (listen (fd, 16) == 0);
    return fd;
}

/* Accept within `ms` ms; -1 if nobody came. */
static inline int raw_accept (int lfd, int ms)
{
    struct pollfd p = {lfd, POLLIN, 0};
    if (poll (&p, 1, ms) != 1)
        return -1;
    return accept (lfd, NULL, NULL);
}

#endif
