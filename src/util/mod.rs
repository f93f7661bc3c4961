//! Utilities behind the C API: z85, CURVE keys, GSS-API (loaded at run time), atomic counters,
//! stopwatch, timers, threads.

pub mod atomic_counter;
pub mod capabilities;
pub mod clock;
pub mod curve_keys;
pub mod gssapi;
pub mod stopwatch;
pub mod thread;
pub mod timers;
pub mod z85;
