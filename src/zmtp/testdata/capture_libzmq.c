/* Captures the exact bytes real libzmq sends over TCP to a raw peer, for the
 * test vectors in src/zmtp/tests.rs. Build and run against Debian's libzmq:
 *   cc -O1 -o /tmp/capture src/zmtp/testdata/capture_libzmq.c -lzmq && /tmp/capture
 * Each line: "<scenario> <stage> <hex bytes>". */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zmq.h>

static void *ctx;

static int listener(int *port) {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(l, (struct sockaddr *)&a, sizeof a);
    listen(l, 1);
    socklen_t len = sizeof a;
    getsockname(l, (struct sockaddr *)&a, &len);
    *port = ntohs(a.sin_port);
    return l;
}

/* Read whatever arrives until `quiet_ms` pass with nothing new, or `want` bytes. */
static size_t rd(int fd, unsigned char *buf, size_t want, int quiet_ms) {
    size_t got = 0;
    while (got < want) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, quiet_ms) <= 0) break;
        ssize_t n = read(fd, buf + got, want - got);
        if (n <= 0) break;
        got += n;
    }
    return got;
}

static void dump(const char *sc, const char *stage, const unsigned char *b, size_t n) {
    printf("%s %s ", sc, stage);
    for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
    printf("\n");
}

static void wr(int fd, const void *b, size_t n) {
    if (write(fd, b, n) != (ssize_t)n) abort();
}

static const unsigned char SIG[10] = {0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f};

/* Connect a libzmq socket to a raw listener and return (zmq socket, raw fd). */
static void *setup(int type, int *fd, void (*opts)(void *)) {
    int port;
    int l = listener(&port);
    void *s = zmq_socket(ctx, type);
    if (opts) opts(s);
    char ep[64];
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    zmq_connect(s, ep);
    *fd = accept(l, NULL, NULL);
    close(l);
    return s;
}

/* ZMTP 3.x greeting as the raw peer, recording libzmq's stages. */
static void greet3(const char *sc, int fd, int minor) {
    unsigned char b[256];
    size_t n = rd(fd, b, 10, 1000);
    dump(sc, "signature", b, n);
    n = rd(fd, b, 64, 200);
    dump(sc, "before-peer-signature", b, n);
    wr(fd, SIG, 10);
    n = rd(fd, b, 64, 300);
    dump(sc, "after-peer-signature", b, n);
    unsigned char rest[54] = {3, (unsigned char)minor, 'N', 'U', 'L', 'L'};
    wr(fd, rest, 1);
    n = rd(fd, b, 64, 300);
    dump(sc, "after-peer-revision", b, n);
    wr(fd, rest + 1, 53);
}

static void ready(int fd, const char *type) {
    unsigned char b[64];
    size_t tl = strlen(type);
    size_t body = 6 + 1 + 11 + 4 + tl;
    size_t i = 0;
    b[i++] = 4;
    b[i++] = (unsigned char)body;
    memcpy(b + i, "\5READY\13Socket-Type", 18);
    i += 18;
    b[i++] = 0; b[i++] = 0; b[i++] = 0; b[i++] = (unsigned char)tl;
    memcpy(b + i, type, tl);
    i += tl;
    wr(fd, b, i);
}

static void dealer_opts(void *s) {
    zmq_setsockopt(s, ZMQ_ROUTING_ID, "abc", 3);
#ifdef ZMQ_METADATA
    zmq_setsockopt(s, ZMQ_METADATA, "X-Key:Value", 11);
#endif
}

static void hb_opts(void *s) {
    int ivl = 100, ttl = 2000, to = 5000;
    zmq_setsockopt(s, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt(s, ZMQ_HEARTBEAT_TTL, &ttl, sizeof ttl);
    zmq_setsockopt(s, ZMQ_HEARTBEAT_TIMEOUT, &to, sizeof to);
}

int main(void) {
    unsigned char b[4096];
    size_t n;
    int fd;
    ctx = zmq_ctx_new();

    /* DEALER with routing id and metadata, to a ROUTER (3.1). */
    void *s = setup(ZMQ_DEALER, &fd, dealer_opts);
    greet3("dealer", fd, 1);
    n = rd(fd, b, sizeof b, 300);
    dump("dealer", "ready", b, n);
    ready(fd, "ROUTER");
    char big[300];
    memset(big, 'x', sizeof big);
    zmq_send(s, "A", 1, ZMQ_SNDMORE);
    zmq_send(s, big, sizeof big, 0);
    n = rd(fd, b, sizeof b, 300);
    dump("dealer", "messages", b, n);
    zmq_close(s);
    close(fd);

    /* SUB to a 3.1 and to a 3.0 peer. */
    for (int minor = 1; minor >= 0; minor--) {
        const char *sc = minor ? "sub31" : "sub30";
        s = setup(ZMQ_SUB, &fd, NULL);
        greet3(sc, fd, minor);
        n = rd(fd, b, sizeof b, 300);
        dump(sc, "ready", b, n);
        ready(fd, "PUB");
        usleep(100000);
        zmq_setsockopt(s, ZMQ_SUBSCRIBE, "topic", 5);
        n = rd(fd, b, sizeof b, 300);
        dump(sc, "subscribe", b, n);
        zmq_setsockopt(s, ZMQ_UNSUBSCRIBE, "topic", 5);
        n = rd(fd, b, sizeof b, 300);
        dump(sc, "cancel", b, n);
        zmq_close(s);
        close(fd);
    }

    /* Heartbeats: PUSH to a PULL; PING from libzmq, PONG to our PING. */
    s = setup(ZMQ_PUSH, &fd, hb_opts);
    greet3("hb", fd, 1);
    n = rd(fd, b, sizeof b, 300);
    dump("hb", "ready", b, n);
    ready(fd, "PULL");
    n = rd(fd, b, 9, 1000);
    dump("hb", "ping", b, n);
    wr(fd, "\4\12\4PING\0\0ctx", 12);
    n = rd(fd, b, sizeof b, 50);
    dump("hb", "pong", b, n);
    zmq_close(s);
    close(fd);

    /* ZMTP 2.0 peer (revision 1): PUSH with routing id. */
    s = setup(ZMQ_PUSH, &fd, dealer_opts);
    n = rd(fd, b, 10, 1000);
    dump("v2", "signature", b, n);
    wr(fd, SIG, 10);
    n = rd(fd, b, 64, 300);
    dump("v2", "after-peer-signature", b, n);
    wr(fd, "\1\7", 2); /* revision 1, socket type PULL */
    n = rd(fd, b, 64, 300);
    dump("v2", "after-peer-revision", b, n);
    wr(fd, "\0\0", 2); /* our (empty) identity frame */
    zmq_send(s, "hi", 2, ZMQ_SNDMORE);
    zmq_send(s, big, sizeof big, 0);
    n = rd(fd, b, sizeof b, 300);
    dump("v2", "messages", b, n);
    zmq_close(s);
    close(fd);

    /* Unversioned ZMTP 1.0 peer: PUB with routing id, peer sends identity. */
    s = setup(ZMQ_PUB, &fd, dealer_opts);
    n = rd(fd, b, 10, 1000);
    dump("v1", "signature", b, n);
    wr(fd, "\1\0", 2); /* identity frame: length 1 (flags only), empty */
    n = rd(fd, b, 64, 300);
    dump("v1", "after-peer-identity", b, n);
    usleep(100000);
    zmq_send(s, "hi", 2, ZMQ_SNDMORE);
    zmq_send(s, big, sizeof big, 0);
    n = rd(fd, b, sizeof b, 300);
    dump("v1", "messages", b, n);
    zmq_close(s);
    close(fd);

    zmq_ctx_term(ctx);
    return 0;
}
