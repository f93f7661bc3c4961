//! The stopwatch of `zmq_stopwatch_*`: elapsed microseconds on the monotonic clock.

use crate::util::clock;

#[derive(Debug, Clone, Copy)]
pub struct Stopwatch {
    start_us: u64,
}

impl Stopwatch {
    pub fn start() -> Stopwatch {
        Stopwatch {
            start_us: clock::now_us(),
        }
    }

    /// Microseconds since [`Stopwatch::start`].
    pub fn elapsed_us(&self) -> u64 {
        clock::now_us().saturating_sub(self.start_us)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn measures_a_sleep() {
        let w = Stopwatch::start();
        std::thread::sleep(Duration::from_millis(20));
        let t = w.elapsed_us();
        assert!(t >= 20_000, "{t}");
        assert!(w.elapsed_us() >= t);
    }
}
