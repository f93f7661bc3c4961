//! The atomic counter of `zmq_atomic_counter_*`: a 32-bit integer whose
//! arithmetic wraps, as libzmq's `uint32_t`-based counter does.

use std::sync::atomic::{AtomicI32, Ordering};

/// A thread-safe counter, starting at 0.
#[derive(Debug, Default)]
pub struct AtomicCounter(AtomicI32);

impl AtomicCounter {
    pub fn new() -> AtomicCounter {
        AtomicCounter::default()
    }

    pub fn set(&self, value: i32) {
        self.0.store(value, Ordering::SeqCst);
    }

    /// Add one; returns the value *before* the increment.
    pub fn inc(&self) -> i32 {
        self.0.fetch_add(1, Ordering::AcqRel)
    }

    /// Subtract one; returns whether the value *after* the decrement is non-zero
    /// (so the holder of the last reference sees `false`).
    pub fn dec(&self) -> bool {
        self.0.fetch_sub(1, Ordering::AcqRel).wrapping_sub(1) != 0
    }

    pub fn value(&self) -> i32 {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn semantics() {
        let c = AtomicCounter::new();
        assert_eq!(c.value(), 0);
        c.set(2);
        assert_eq!(c.inc(), 2);
        assert_eq!(c.inc(), 3);
        assert_eq!(c.value(), 4);
        assert!(c.dec());
        assert!(c.dec());
        assert!(c.dec());
        assert!(!c.dec());
        assert_eq!(c.value(), 0);
        assert!(c.dec(), "0 - 1 = -1 is non-zero");
        assert_eq!(c.value(), -1);
    }

    #[test]
    fn wraps() {
        let c = AtomicCounter::new();
        c.set(i32::MAX);
        assert_eq!(c.inc(), i32::MAX);
        assert_eq!(c.value(), i32::MIN);
        c.set(-1);
        assert_eq!(c.inc(), -1);
        assert_eq!(c.value(), 0);
    }

    #[test]
    fn threads() {
        let c = Arc::new(AtomicCounter::new());
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let c = Arc::clone(&c);
                std::thread::spawn(move || {
                    for _ in 0..10_000 {
                        c.inc();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(c.value(), 80_000);
    }
}
