/* copy-align [both]: how the kernel's copy of a 1 MiB message through a
 * Unix socketpair depends on where the receiving buffer (and with "both",
 * the sending one too) starts within a cache line: offsets 0, 8, 16, 40, 56
 * and 64 from a page boundary, 15 rounds interleaved, best time of each.
 * Asked whether large message bodies should start on a cache line (they
 * start 40 bytes after their allocation, as libzmq's; see
 * docs/performance.md, "large bodies on a cache line").
 *   gcc -O2 -o /tmp/copy-align bench/copy-align.c && /tmp/copy-align both */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now (void)
{
    struct timespec t;
    clock_gettime (CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main (int argc, char **argv)
{
    const size_t n = 1 << 20;
    const int reps = 300;
    const int offs[] = {0, 8, 16, 40, 56, 64};
    const int both = argc > 1 && strcmp (argv[1], "both") == 0;
    double best[6];
    int sv[2];
    if (socketpair (AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        perror ("socketpair");
        return 1;
    }
    int sz = 4 << 20;
    setsockopt (sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    setsockopt (sv[1], SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    char *src = aligned_alloc (4096, n + 8192), *dst = aligned_alloc (4096, n + 8192);
    if (!src || !dst)
        return 1;
    memset (src, 1, n + 8192);
    memset (dst, 2, n + 8192);
    for (int i = 0; i < 6; i++)
        best[i] = 1e9;
    for (int round = 0; round < 15; round++)
        for (int i = 0; i < 6; i++) {
            const char *p = src + (both ? offs[i] : 0);
            char *q = dst + offs[i];
            double t0 = now ();
            for (int r = 0; r < reps; r++) {
                size_t left = n, got = 0;
                const char *w = p;
                while (got < n) {
                    if (left) {
                        ssize_t k = write (sv[0], w, left);
                        if (k > 0) {
                            w += k;
                            left -= (size_t) k;
                        }
                    }
                    ssize_t k = read (sv[1], q + got, n - got);
                    if (k > 0)
                        got += (size_t) k;
                }
            }
            double us = (now () - t0) / reps * 1e6;
            if (us < best[i])
                best[i] = us;
        }
    for (int i = 0; i < 6; i++)
        printf ("offset %2d: %.1f us per MiB\n", offs[i], best[i]);
    return 0;
}
