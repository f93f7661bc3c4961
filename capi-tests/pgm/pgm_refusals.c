/* pgm/epgm's (or, with the argument "norm", norm's) refusals, the same
 * from either library (scripts/pgm-tests.sh builds it against ours and
 * Debian's libzmq): zmq_has("pgm") (or "norm") is 1; only
 * PUB, XPUB, SUB and XSUB may use pgm (ENOCOMPATPROTO, bind or connect);
 * an address without a port, or with an interface that does not exist, is
 * EINVAL. And what is accepted: a bind (which is a connect for pgm) is
 * undone by zmq_unbind or zmq_disconnect, a connect by zmq_disconnect, and
 * ZMQ_LAST_ENDPOINT is the endpoint as given. Prints one line per failed
 * check and exits 1 if any failed. For norm the address checks are left
 * out: libzmq checks nothing at connect and aborts in its I/O thread when
 * NORM refuses the address (ours: EINVAL at connect). */
#include <zmq.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int failures;

static void expect(const char *what, int rc, int err)
{
    if (rc != -1 || zmq_errno() != err) {
        printf("FAIL %s: rc %d errno %d (%s), want %d\n", what, rc, zmq_errno(),
               zmq_strerror(zmq_errno()), err);
        failures++;
    }
}

int main(int argc, char **argv)
{
    int norm = argc > 1 && strcmp(argv[1], "norm") == 0;
    const char *cap = norm ? "norm" : "pgm";
    const char *connect_ep = norm ? "norm://127.0.0.1;239.192.1.2:5599" : "epgm://127.0.0.1;239.192.1.1:5599";
    const char *bind_ep = norm ? "norm://239.192.1.2:5599" : "pgm://127.0.0.1;239.192.1.1:5599";
    const char *ep = norm ? "norm://127.0.0.1;239.192.1.2:5598" : "epgm://127.0.0.1;239.192.1.1:5598";
    void *ctx = zmq_ctx_new();
    if (zmq_has(cap) != 1) {
        printf("FAIL zmq_has(\"%s\") is %d\n", cap, zmq_has(cap));
        failures++;
    }
    int types[] = {ZMQ_PUSH, ZMQ_PULL, ZMQ_PAIR, ZMQ_REQ, ZMQ_REP, ZMQ_DEALER, ZMQ_ROUTER};
    for (unsigned i = 0; i < sizeof types / sizeof types[0]; i++) {
        void *s = zmq_socket(ctx, types[i]);
        char what[64];
        snprintf(what, sizeof what, "type %d connect %s", types[i], connect_ep);
        expect(what, zmq_connect(s, connect_ep), ENOCOMPATPROTO);
        snprintf(what, sizeof what, "type %d bind %s", types[i], bind_ep);
        expect(what, zmq_bind(s, bind_ep), ENOCOMPATPROTO);
        zmq_close(s);
    }
    void *sub = zmq_socket(ctx, ZMQ_SUB);
    if (!norm) {
        expect("no port", zmq_connect(sub, "epgm://127.0.0.1;239.192.1.1"), EINVAL);
        expect("no such interface", zmq_connect(sub, "epgm://no-such-nic0;239.192.1.1:5599"), EINVAL);
    }
    int ok = zmq_bind(sub, ep) == 0;
    char last[256];
    size_t len = sizeof last;
    ok = ok && zmq_getsockopt(sub, ZMQ_LAST_ENDPOINT, last, &len) == 0 && strcmp(last, ep) == 0;
    ok = ok && zmq_unbind(sub, ep) == 0 && zmq_bind(sub, ep) == 0 && zmq_disconnect(sub, ep) == 0;
    void *pub = zmq_socket(ctx, ZMQ_PUB);
    ok = ok && zmq_connect(pub, ep) == 0 && zmq_disconnect(pub, ep) == 0;
    if (!ok) {
        printf("FAIL bind/unbind/disconnect of %s: errno %d (%s)\n", ep, zmq_errno(),
               zmq_strerror(zmq_errno()));
        failures++;
    }
    zmq_close(pub);
    zmq_close(sub);
    zmq_ctx_term(ctx);
    return failures ? 1 : 0;
}
