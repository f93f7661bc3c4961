/* Raw loopback TCP for the C tests that play a hostile or silent peer
 * themselves (no ZeroMQ on that side). libc only. */
#ifndef CAPI_RAWTCP_H
#define CAPI_RAWTCP_H

#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

/* A raw tcp listener on 127.0.0.1; returns its fd and port. */
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

/* A blocking connection to 127.0.0.1:port. */
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

#endif
