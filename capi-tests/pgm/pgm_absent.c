/* Ours without OpenPGM or libnorm (scripts/pgm-tests.sh hides
 * libpgm-5.3.so.0 or libnorm.so.1 in a mount namespace of its own):
 * zmq_has(CAPABILITY) is 0 and its endpoints are refused with
 * EPROTONOSUPPORT, as by a libzmq built without it; ZMQ_RATE is still
 * accepted (libzmq accepts it in every build). Debian's libzmq links both,
 * so it would not load at all: ours only.
 *
 *   pgm_absent [CAPABILITY ENDPOINT...]   (default: pgm, its two schemes) */
#include <zmq.h>
#include <errno.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    const char *cap = argc > 2 ? argv[1] : "pgm";
    const char *pgm_eps[] = {"epgm://127.0.0.1;239.192.1.1:5597", "pgm://127.0.0.1;239.192.1.1:5597"};
    const char *const *eps = argc > 2 ? (const char *const *) argv + 2 : pgm_eps;
    int neps = argc > 2 ? argc - 2 : 2;
    int failures = 0;
    void *ctx = zmq_ctx_new();
    void *sub = zmq_socket(ctx, ZMQ_SUB);
    int rate = 1000;
    if (zmq_has(cap) != 0) {
        printf("FAIL zmq_has(\"%s\") is %d without its library\n", cap, zmq_has(cap));
        failures++;
    }
    if (zmq_setsockopt(sub, ZMQ_RATE, &rate, sizeof rate) != 0) {
        printf("FAIL ZMQ_RATE refused\n");
        failures++;
    }
    for (int i = 0; i < neps; i++) {
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
