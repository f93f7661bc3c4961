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

/* Connect (blocking) to 127.0.0.1:port. */
static inline int raw_connect_port (int port)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    struct sockaddr_in a;
    memset (&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons ((uint16_t) port);
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    CHECK (connect (fd, (struct sockaddr *) &a, sizeof a) == 0);
    return fd;
}

/* A listener on an ephemeral port of 127.0.0.1; returns its fd and port. */
static inline int raw_listener (int *port)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    struct sockaddr_in a;
    memset (&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    CHECK (bind (fd, (struct sockaddr *) &a, sizeof a) == 0);
    CHECK (listen (fd, 16) == 0);
    socklen_t al = sizeof a;
    CHECK (getsockname (fd, (struct sockaddr *) &a, &al) == 0);
    *port = ntohs (a.sin_port);
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
