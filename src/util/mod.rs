//! Utilities behind the C API: z85, CURVE keys, atomic counters, stopwatch, timers, threads.
