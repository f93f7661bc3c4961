//! The monotonic clock behind the stopwatch and the timers.
//!
//! Readings count from a process-wide origin fixed at the first call, so they
//! fit comfortably in a `u64` and never go backwards.

use std::sync::OnceLock;
use std::time::Instant;

fn origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

/// Microseconds on the monotonic clock.
pub fn now_us() -> u64 {
    // u64 microseconds last 584,000 years: the cast cannot truncate in practice.
    origin().elapsed().as_micros() as u64
}

/// Milliseconds on the monotonic clock.
pub fn now_ms() -> u64 {
    origin().elapsed().as_millis() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monotonic() {
        let (a_us, a_ms) = (now_us(), now_ms());
        std::thread::sleep(std::time::Duration::from_millis(5));
        let (b_us, b_ms) = (now_us(), now_ms());
        assert!(b_us >= a_us + 5_000);
        assert!(b_ms >= a_ms + 5);
    }
}
