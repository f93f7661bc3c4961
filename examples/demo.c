/* The demo `make` runs: a few calls through the C API of the library just
 * built, printing what each did. */
#include <zmq.h>
#include <stdio.h>

int main (void)
{
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    printf ("libzmq-rs demo: zmq_version reports %d.%d.%d\n", major, minor, patch);
    return 0;
}
