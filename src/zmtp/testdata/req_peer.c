/* A libzmq REQ that connects to argv[1], sends "hello" (with ZMQ_ROUTING_ID
 * "req-1"), and prints the reply: the live peer of the ignored test
 * zmtp::tests::live_libzmq_req. Build:
 *   cc -o /tmp/req_peer src/zmtp/testdata/req_peer.c -lzmq */
#include <stdio.h>
#include <string.h>
#include <zmq.h>

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_REQ);
    int t = 3000;
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &t, sizeof t);
    zmq_setsockopt(s, ZMQ_ROUTING_ID, "req-1", 5);
    if (zmq_connect(s, argv[1]) != 0) return 3;
    zmq_send(s, "hello", 5, 0);
    char buf[100000];
    int n = zmq_recv(s, buf, sizeof buf, 0);
    if (n < 0) return 4;
    printf("%d\n", n);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return n == 70000 ? 0 : 5;
}
