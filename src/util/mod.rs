//! Utilities behind the C API: z85, CURVE keys, the Salsa20 keystream, GSS-API (loaded at
//! run time), atomic counters, stopwatch, timers, threads.

pub mod atomic_counter;
pub mod capabilities;
pub mod clock;
pub mod curve_keys;
pub mod dl;
pub mod gssapi;
pub mod salsa20;
pub mod sha1;
pub mod small_copy;
pub mod stopwatch;
pub(crate) mod sync;
pub mod thread;
pub mod timers;
pub mod z85;
