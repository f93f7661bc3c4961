/* A PUB or SUB over pgm/epgm for scripts/pgm-tests.sh, built once against
 * each library (ours, Debian's libzmq 4.3.4) from this one source.
 *
 *   pgm_peer pub ENDPOINT COUNT SIZE PARTS RATE_KBPS [bind]
 *       sends COUNT messages of PARTS parts: part 0 is the 4-byte big-endian
 *       sequence number, the others SIZE bytes each filled from the
 *       sequence number and the part index; then lingers until sent.
 *   pgm_peer sub ENDPOINT COUNT SIZE PARTS IDLE_MS SLOW_US [bind]
 *       receives until COUNT messages came or nothing came for IDLE_MS;
 *       checks every message whole (parts, sizes, contents) and in order
 *       (sequence numbers increase); SLOW_US sleeps after each message.
 *       Prints "got N bad B first F last L usec U" (U: the time from the
 *       first good message to the last, scripts/bench-epgm.sh's throughput)
 *       and exits 0 unless a message was malformed or out of order.
 *
 * Both print "ready" once bound/connected. Environment: PGM_RATE (a SUB's
 * ZMQ_RATE), PGM_RCVHWM, PGM_PUB_WAIT_MS, PGM_MAXTPDU, PGM_RECOVERY_IVL. ZMQ_RATE is the sender's; the
 * receiver gets the same RATE so its window (RATE x RECOVERY_IVL) matches.
 */
#include <zmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <stdint.h>
#include <time.h>

static unsigned char fill(uint32_t seq, int part, size_t i)
{
    return (unsigned char) (seq * 31u + (unsigned) part * 7u + (unsigned) i);
}

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int die(const char *what)
{
    fprintf(stderr, "%s: %s\n", what, zmq_strerror(zmq_errno()));
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: see the source\n");
        return 2;
    }
    int is_pub = strcmp(argv[1], "pub") == 0;
    const char *ep = argv[2];
    long count = atol(argv[3]);
    size_t size = (size_t) atol(argv[4]);
    int parts = atoi(argv[5]);
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, is_pub ? ZMQ_PUB : ZMQ_SUB);
    int rate = is_pub ? atoi(argv[6]) : (getenv("PGM_RATE") ? atoi(getenv("PGM_RATE")) : 100000);
    if (zmq_setsockopt(s, ZMQ_RATE, &rate, sizeof rate) != 0)
        return die("ZMQ_RATE");
    /* PGM_MAXTPDU, PGM_RECOVERY_IVL: ZMQ_MULTICAST_MAXTPDU and
     * ZMQ_RECOVERY_IVL on both ends (the TPDU size and the send and
     * receive windows, RATE x RECOVERY_IVL). */
    if (getenv("PGM_MAXTPDU")) {
        int v = atoi(getenv("PGM_MAXTPDU"));
        if (zmq_setsockopt(s, ZMQ_MULTICAST_MAXTPDU, &v, sizeof v) != 0)
            return die("ZMQ_MULTICAST_MAXTPDU");
    }
    if (getenv("PGM_RECOVERY_IVL")) {
        int v = atoi(getenv("PGM_RECOVERY_IVL"));
        if (zmq_setsockopt(s, ZMQ_RECOVERY_IVL, &v, sizeof v) != 0)
            return die("ZMQ_RECOVERY_IVL");
    }
    int bind = (is_pub && argc > 7) || (!is_pub && argc > 8);
    char *buf = malloc(size ? size : 1);
    if (is_pub) {
        int linger = 20000;
        zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
        int hwm = 0;
        zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
        if ((bind ? zmq_bind(s, ep) : zmq_connect(s, ep)) != 0)
            return die("connect");
        printf("ready\n");
        fflush(stdout);
        /* Let the receivers' sockets hear the first SPM. */
        usleep(200 * 1000);
        for (long n = 0; n < count; n++) {
            uint32_t seq = (uint32_t) n;
            unsigned char head[4] = {seq >> 24, seq >> 16, seq >> 8, seq};
            if (zmq_send(s, head, 4, parts > 1 ? ZMQ_SNDMORE : 0) != 4)
                return die("send");
            for (int p = 1; p < parts; p++) {
                for (size_t i = 0; i < size; i++)
                    buf[i] = (char) fill(seq, p, i);
                if (zmq_send(s, buf, size, p + 1 < parts ? ZMQ_SNDMORE : 0) != (int) size)
                    return die("send");
            }
        }
        /* PGM_PUB_WAIT_MS: time for the last messages to leave before the
         * close (Debian's libzmq can drop the tail of its queue at close:
         * its pgm engine is torn down without waiting for the pipe). */
        if (getenv("PGM_PUB_WAIT_MS"))
            usleep((useconds_t) atoi(getenv("PGM_PUB_WAIT_MS")) * 1000);
        zmq_close(s);
        zmq_ctx_term(ctx);
        printf("sent %ld\n", count);
        return 0;
    }
    int idle = atoi(argv[6]);
    int slow = atoi(argv[7]);
    zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &idle, sizeof idle);
    int hwm = getenv("PGM_RCVHWM") ? atoi(getenv("PGM_RCVHWM")) : 1000;
    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
    if ((bind ? zmq_bind(s, ep) : zmq_connect(s, ep)) != 0)
        return die("connect");
    printf("ready\n");
    fflush(stdout);
    long got = 0, bad = 0;
    long first = -1, last = -1;
    long long t_first = 0, t_last = 0;
    char *rbuf = malloc(size + 16);
    while (got < count) {
        int n = zmq_recv(s, rbuf, 16, 0);
        if (n < 0)
            break; /* idle */
        int ok = n == 4;
        uint32_t seq = 0;
        if (ok)
            seq = ((uint32_t) (unsigned char) rbuf[0] << 24) | ((uint32_t) (unsigned char) rbuf[1] << 16)
                  | ((uint32_t) (unsigned char) rbuf[2] << 8) | (unsigned char) rbuf[3];
        int more;
        size_t ml = sizeof more;
        zmq_getsockopt(s, ZMQ_RCVMORE, &more, &ml);
        int p = 1;
        while (more) {
            int k = zmq_recv(s, rbuf, size + 16, 0);
            if (k != (int) size || p >= parts)
                ok = 0;
            else
                for (size_t i = 0; i < size; i++)
                    if ((unsigned char) rbuf[i] != fill(seq, p, i)) {
                        ok = 0;
                        break;
                    }
            p++;
            zmq_getsockopt(s, ZMQ_RCVMORE, &more, &ml);
        }
        if (p != parts)
            ok = 0;
        if (ok && (long) seq <= last)
            ok = 0;
        if (!ok) {
            bad++;
        } else {
            if (first < 0) {
                first = seq;
                t_first = now_us();
            }
            t_last = now_us();
            last = seq;
            got++;
        }
        if (slow)
            usleep((useconds_t) slow);
    }
    printf("got %ld bad %ld first %ld last %ld usec %lld\n", got, bad, first, last, t_last - t_first);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return bad ? 1 : 0;
}
