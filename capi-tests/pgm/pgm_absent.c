/* Ours without OpenPGM (scripts/pgm-tests.sh hides libpgm-5.3.so.0 in a
 * mount namespace of its own): zmq_has("pgm") is 0 and pgm/epgm endpoints
 * are refused with EPROTONOSUPPORT, as by a libzmq built without OpenPGM;
 * ZMQ_RATE is still accepted (libzmq accepts it in every build). Debian's
 * libzmq links libpgm, so it would not load at all: ours only. */
#include <zmq.h>
#include <errno.h>
#include <stdio.h>

int main(void)
{
    int failures = 0;
    void *ctx = zmq_ctx_new();
    void *sub = zmq_socket(ctx, ZMQ_SUB);
    int rate = 1000;
    if (zmq_has("pgm") != 0) {
        printf("FAIL zmq_has(\"pgm\") is %d without libpgm\n", zmq_has("pgm"));
        failures++;
    }
    if (zmq_setsockopt(sub, ZMQ_RATE, &rate, sizeof rate) != 0) {
        printf("FAIL ZMQ_RATE refused\n");
        failures++;
    }
    const char *eps[] = {"epgm://127.0.0.1;239.192.1.1:5597", "pgm://127.0.0.1;239.192.1.1:5597"};
    for (int i = 0; i < 2; i++) {
        int rc = zmq_connect(sub, eps[i]);
        if (rc != -1 || zmq_errno() != EPROTONOSUPPORT) {
            printf("FAIL connect %s: rc %d errno %d\n", eps[i], rc, zmq_errno());
            failures++;
        }
        rc = zmq_bind(sub, eps[i]);
        if (rc != -1 || zmq_errno() != EPROTONOSUPPORT) {
            printf("FAIL bind %s: rc %d errno %d\n", eps[i], rc, zmq_errno());
            failures++;
        }
    }
    zmq_close(sub);
    zmq_ctx_term(ctx);
    return failures ? 1 : 0;
}
