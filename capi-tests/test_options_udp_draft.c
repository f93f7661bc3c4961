/* capi-test: ours-only
 * ZMQ_MULTICAST_HOPS and ZMQ_MULTICAST_LOOP (draft) by their effect: a RADIO
 * connected to a udp multicast group sends through a socket with
 * IP_MULTICAST_TTL and IP_MULTICAST_LOOP set from them. libzmq's udp engine
 * reports no monitor event naming its descriptor, so the test finds the
 * process's udp sockets in /proc/self/fd (RADIO and DISH are draft types:
 * Debian's stable build has neither). */
#include "testutil.h"
#include <netinet/in.h>
#include <sys/socket.h>

static void *ctx;

/* The IPv4 udp socket of this process with the highest number, once one
 * exists (libzmq opens it on its I/O thread). */
static int find_udp_fd (void)
{
    long deadline = now_ms () + 5000;
    while (now_ms () < deadline) {
        int found = -1;
        DIR *d = opendir ("/proc/self/fd");
        CHECK (d);
        struct dirent *e;
        while ((e = readdir (d)) != NULL) {
            int fd = atoi (e->d_name);
            int type = 0, domain = 0;
            socklen_t len = sizeof type;
            if (e->d_name[0] == '.'
                || getsockopt (fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0)
                continue;
            len = sizeof domain;
            if (getsockopt (fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0
                && type == SOCK_DGRAM && domain == AF_INET && fd > found)
                found = fd;
        }
        closedir (d);
        if (found != -1)
            return found;
        zmq_sleep (0);
        usleep (10000);
    }
    CHECK (!"no udp socket appeared");
    return -1;
}

static int ipopt (int fd, int opt)
{
    unsigned char c = 0xff;
    int v = -1;
    socklen_t len = sizeof v;
    CHECK (getsockopt (fd, IPPROTO_IP, opt, &v, &len) == 0);
    if (len == 1) {
        memcpy (&c, &v, 1);
        return c;
    }
    return v;
}

static void radio_to_group (int hops, int loop)
{
    void *radio = zmq_socket (ctx, ZMQ_RADIO);
    CHECK (radio);
    set_int (radio, ZMQ_LINGER, 0);
    set_int (radio, ZMQ_MULTICAST_HOPS, hops);
    set_int (radio, ZMQ_MULTICAST_LOOP, loop);
    char ep[64];
    snprintf (ep, sizeof ep, "udp://239.77.1.2:%d", 20000 + hops * 10 + loop);
    CHECK_OK (zmq_connect (radio, ep));
    int fd = find_udp_fd ();
    CHECK (ipopt (fd, IP_MULTICAST_TTL) == hops);
    CHECK (ipopt (fd, IP_MULTICAST_LOOP) == loop);
    zmq_close (radio);
    usleep (50000); /* the udp socket closes on the I/O thread */
}

static void test_hops_7_no_loop (void)
{
    radio_to_group (7, 0);
}

static void test_hops_3_loop (void)
{
    radio_to_group (3, 1);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    RUN_TEST (test_hops_7_no_loop);
    RUN_TEST (test_hops_3_loop);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
