/* inproc_thr <message-size> <message-count>: inproc throughput, a PUSH in a
 * second thread sends to a PULL in the main thread, which times them from the
 * first message on. Same interface and output as libzmq's perf tool of the
 * same name: proc_thr with its two-argument form. Builds against any zmq.h. */
#include "proc_thr.c"
