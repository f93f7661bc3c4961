/* local_lat <bind-to> <message-size> <roundtrip-count>: a REP bound to
 * <bind-to> echoes <roundtrip-count> messages of <message-size> bytes back
 * to remote_lat, then stays until remote_lat has hung up, so its last reply
 * is not lost (see perf_util.h). Same interface as libzmq's perf tool;
 * builds against any zmq.h. */
#include "perf_util.h"

int main (int argc, char *argv[])
{
    if (argc != 4) {
        printf ("usage: local_lat <bind-to> <message-size> <roundtrip-count>\n");
        return 1;
    }
    const char *bind_to = argv[1];
    size_t message_size = (size_t) atoi (argv[2]);
    int roundtrip_count = parse_count (argv[3], "roundtrip-count");

    void *ctx = zmq_ctx_new ();
    if (!ctx)
        die ("zmq_ctx_new");
    void *s = zmq_socket (ctx, ZMQ_REP);
    if (!s)
        die ("zmq_socket");
    void *mon = watch_disconnect (ctx, s);
    perf_security (s, 1);
    if (zmq_bind (s, bind_to) != 0)
        die ("zmq_bind");

    zmq_msg_t msg;
    if (zmq_msg_init (&msg) != 0)
        die ("zmq_msg_init");
    for (int i = 0; i != roundtrip_count; i++) {
        if (zmq_msg_recv (&msg, s, 0) < 0)
            die ("zmq_msg_recv");
        if (zmq_msg_size (&msg) != message_size) {
            fprintf (stderr, "message of incorrect size received\n");
            return 1;
        }
        if (zmq_msg_send (&msg, s, 0) < 0)
            die ("zmq_msg_send");
    }
    zmq_msg_close (&msg);

    wait_disconnect (mon, 600000);
    if (zmq_close (s) != 0)
        die ("zmq_close");
    if (zmq_close (mon) != 0)
        die ("zmq_close (monitor)");
    if (zmq_ctx_term (ctx) != 0)
        die ("zmq_ctx_term");
    return 0;
}
