//! Utilities behind the C API: z85, CURVE keys, atomic counters, stopwatch, timers, threads.

pub mod atomic_counter;
pub mod capabilities;
pub mod clock;
pub mod curve_keys;
pub mod stopwatch;
pub(crate) mod sync;
pub mod thread;
pub mod timers;
pub mod z85;
