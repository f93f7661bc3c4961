/* A NORM sender that is not libzmq, for scripts/pgm-tests.sh: on one NORM
 * stream it sends COUNT messages framed as libzmq's norm engine frames them
 * (per part a NORM message: 0x00 for a message's first part, then the part
 * as a ZMTP/2.0 frame), one-part messages holding the 4-byte big-endian
 * sequence number, as capi-tests/pgm/pgm_peer.c's SUB expects, and between
 * them malformed NORM messages: a command frame, a frame claiming 2^62
 * bytes, a part announced as the continuation of a message that ended.
 * A SUB must get every well-formed message: each malformed one ends only
 * the stream's current message, and the stream is joined again at the next
 * message start.
 *
 *   norm_hostile ADDR PORT IFACE COUNT WAIT_MS
 *
 * C++: Debian's normApi.h is valid only as C++.
 */
#include <normApi.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static NormObjectHandle stream;

static void put(const void *bytes, unsigned len)
{
    unsigned done = 0;
    while (done < len) {
        done += NormStreamWrite(stream, (const char *) bytes + done, len - done);
        if (done < len)
            usleep(1000);
    }
    NormStreamFlush(stream, true, NORM_FLUSH_ACTIVE);
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: norm_hostile ADDR PORT IFACE COUNT WAIT_MS\n");
        return 2;
    }
    long count = atol(argv[4]);
    NormInstanceHandle inst = NormCreateInstance(false);
    NormSessionHandle s = NormCreateSession(inst, argv[1], (UINT16) atoi(argv[2]), NORM_NODE_ANY);
    if (s == NORM_SESSION_INVALID)
        return 2;
    NormSetTTL(s, 255);
    NormSetRxPortReuse(s, true, NULL, NULL, 0);
    NormSetLoopback(s, true);
    NormSetMulticastInterface(s, argv[3]);
    if (!NormStartSender(s, NormGetRandomSessionId(), 2 * 1024 * 1024, 1400, 16, 4, 0))
        return 2;
    NormSetCongestionControl(s, true, true);
    stream = NormStreamOpen(s, 2 * 1024 * 1024, NULL, 0);
    usleep(200 * 1000);
    static const unsigned char command[] = {0x00, 0x04, 0x01, 'x'};
    static const unsigned char huge[] = {0x00, 0x02, 0x40, 0, 0, 0, 0, 0, 0, 0};
    static const unsigned char orphan[] = {0xff, 0x00, 0x01, 'y'};
    const unsigned char *bad[] = {command, huge, orphan};
    unsigned bad_len[] = {sizeof command, sizeof huge, sizeof orphan};
    for (long n = 0; n < count; n++) {
        const unsigned char msg[] = {0x00, 0x00, 4, (unsigned char) (n >> 24), (unsigned char) (n >> 16),
                                     (unsigned char) (n >> 8), (unsigned char) n};
        put(msg, sizeof msg);
        put(bad[n % 3], bad_len[n % 3]);
    }
    usleep((useconds_t) atoi(argv[5]) * 1000);
    NormStopSender(s);
    NormDestroySession(s);
    NormDestroyInstance(inst);
    printf("sent %ld\n", count);
    return 0;
}
