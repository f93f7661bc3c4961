/* cpu-pingpong [round-trips]: two threads hand one cache line back and
 * forth; prints the mean round trip in ns. On a virtual machine it says
 * where the host has put the vCPUs the two threads run on: ~50-70 ns when
 * they are hyperthreads of one core (the line stays in their shared L1/L2),
 * ~350 ns when they are separate cores (measured on this project's 2-vCPU
 * AMD EPYC machines), and one-process figures of both ZeroMQ libraries move
 * with it (docs/performance.md). Used by scripts/placement-ab.sh.
 * Build: gcc -O2 -pthread -o cpu-pingpong bench/cpu-pingpong.c */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static _Alignas (128) _Atomic long turn;
static long rounds = 300000;

static void *other (void *arg)
{
    for (long i = 0; i != rounds; i++) {
        while (atomic_load_explicit (&turn, memory_order_acquire) != 2 * i + 1)
            ;
        atomic_store_explicit (&turn, 2 * i + 2, memory_order_release);
    }
    return arg;
}

int main (int argc, char *argv[])
{
    if (argc > 1)
        rounds = atol (argv[1]);
    if (rounds <= 0) {
        fprintf (stderr, "usage: cpu-pingpong [round-trips]\n");
        return 1;
    }
    pthread_t t;
    if (pthread_create (&t, NULL, other, NULL) != 0)
        return 1;
    struct timespec a, b;
    clock_gettime (CLOCK_MONOTONIC, &a);
    for (long i = 0; i != rounds; i++) {
        atomic_store_explicit (&turn, 2 * i + 1, memory_order_release);
        while (atomic_load_explicit (&turn, memory_order_acquire) != 2 * i + 2)
            ;
    }
    clock_gettime (CLOCK_MONOTONIC, &b);
    pthread_join (t, NULL);
    printf ("%.1f ns/roundtrip\n",
            ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / (double) rounds);
    return 0;
}
