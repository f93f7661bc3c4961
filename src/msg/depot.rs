//! The content pool's depot (msg/pool.rs): a bounded queue that any thread
//! pushes full lists of free blocks into and any thread pops them from.
//!
//! Dmitry Vyukov's bounded MPMC queue: each slot has a stamp saying which
//! lap of the ring it is ready for. A producer claims position `pos` (CAS on
//! `tail`) once the slot's stamp says "free for lap pos", writes the value
//! and publishes it with stamp pos + 1 (Release); a consumer claims it (CAS
//! on `head`) once the stamp says pos + 1 (Acquire: it sees the value and
//! everything the producer wrote before, i.e. the blocks' link words), reads
//! it and frees the slot for the next lap with stamp pos + capacity.
//! One operation costs one CAS, and the pool calls it once per cached list
//! (dozens of messages). The atomics and cells come from util::sync, so the
//! loom models below (scripts/loom.sh) check this very code.

use crate::util::sync::{AtomicUsize, UnsafeCell};
use crossbeam_utils::CachePadded;
use std::mem::MaybeUninit;
use std::sync::atomic::Ordering;

struct Slot<T> {
    /// `pos` while free for the producer of position `pos`; `pos + 1` once
    /// that producer has written it.
    stamp: AtomicUsize,
    value: UnsafeCell<MaybeUninit<T>>,
}

pub(crate) struct Depot<T> {
    /// The next position to pop.
    head: CachePadded<AtomicUsize>,
    /// The next position to push.
    tail: CachePadded<AtomicUsize>,
    slots: Box<[Slot<T>]>,
}

// SAFETY: a value is written by the one producer that claimed its position
// and read by the one consumer that claimed it after (stamps order the two);
// T crosses threads, so it must be Send.
unsafe impl<T: Send> Send for Depot<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Depot<T> {}

impl<T> Depot<T> {
    /// A depot holding up to `cap` (at least 2) values. With one slot the
    /// stamp of "written at pos" (pos + 1) would equal "free for pos + 1"
    /// (pos + capacity), and a producer would overwrite a value nobody has
    /// taken yet: the loom model `loom_depot_slot_reused_across_laps` finds
    /// exactly that with a capacity of 1.
    pub(crate) fn new(cap: usize) -> Depot<T> {
        assert!(cap >= 2, "a depot needs two slots at least");
        Depot {
            head: CachePadded::new(AtomicUsize::new(0)),
            tail: CachePadded::new(AtomicUsize::new(0)),
            slots: (0..cap)
                .map(|i| Slot {
                    stamp: AtomicUsize::new(i),
                    value: UnsafeCell::new(MaybeUninit::uninit()),
                })
                .collect(),
        }
    }

    /// Add `v`, or hand it back if the depot is full.
    pub(crate) fn push(&self, v: T) -> Result<(), T> {
        let cap = self.slots.len();
        let mut pos = self.tail.load(Ordering::Relaxed);
        loop {
            let slot = &self.slots[pos % cap];
            let stamp = slot.stamp.load(Ordering::Acquire);
            // Positions wrap after usize::MAX pushes; compare by distance.
            let lag = stamp.wrapping_sub(pos) as isize;
            if lag == 0 {
                match self.tail.compare_exchange_weak(
                    pos,
                    pos.wrapping_add(1),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: claiming `pos` made the slot ours: its
                        // consumer of the last lap is done (the stamp).
                        slot.value.with_mut(|p| unsafe { (*p).write(v) });
                        slot.stamp.store(pos.wrapping_add(1), Ordering::Release);
                        return Ok(());
                    }
                    Err(now) => pos = now,
                }
            } else if lag < 0 {
                // Still holding the value of the last lap: full.
                return Err(v);
            } else {
                // Another producer claimed `pos` first.
                pos = self.tail.load(Ordering::Relaxed);
            }
        }
    }

    /// Take the oldest value, if any.
    pub(crate) fn pop(&self) -> Option<T> {
        let cap = self.slots.len();
        let mut pos = self.head.load(Ordering::Relaxed);
        loop {
            let slot = &self.slots[pos % cap];
            let stamp = slot.stamp.load(Ordering::Acquire);
            let lag = stamp.wrapping_sub(pos.wrapping_add(1)) as isize;
            if lag == 0 {
                match self.head.compare_exchange_weak(
                    pos,
                    pos.wrapping_add(1),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: claiming `pos` made the written value ours
                        // (its producer's Release store of the stamp, seen
                        // by our Acquire load).
                        let v = slot.value.with(|p| unsafe { (*p).assume_init_read() });
                        slot.stamp.store(pos.wrapping_add(cap), Ordering::Release);
                        return Some(v);
                    }
                    Err(now) => pos = now,
                }
            } else if lag < 0 {
                // Not written yet (or never): empty as far as we can tell.
                return None;
            } else {
                // Another consumer claimed `pos` first.
                pos = self.head.load(Ordering::Relaxed);
            }
        }
    }
}

impl<T> Drop for Depot<T> {
    fn drop(&mut self) {
        while self.pop().is_some() {}
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn fifo_bounded_and_reusable() {
        let d = Depot::new(3);
        for lap in 0..5 {
            assert_eq!(d.push(lap * 10), Ok(()));
            assert_eq!(d.push(lap * 10 + 1), Ok(()));
            assert_eq!(d.push(lap * 10 + 2), Ok(()));
            assert_eq!(d.push(99), Err(99), "full");
            assert_eq!(d.pop(), Some(lap * 10));
            assert_eq!(d.pop(), Some(lap * 10 + 1));
            assert_eq!(d.pop(), Some(lap * 10 + 2));
            assert_eq!(d.pop(), None);
        }
    }

    #[test]
    fn drops_what_is_left() {
        let v = std::sync::Arc::new(());
        let d = Depot::new(4);
        d.push(v.clone()).unwrap();
        d.push(v.clone()).unwrap();
        drop(d);
        assert_eq!(std::sync::Arc::strong_count(&v), 1);
    }

    #[test]
    fn threads_trade_values_without_loss() {
        let d = std::sync::Arc::new(Depot::new(8));
        let n = 20_000usize;
        let producers: Vec<_> = (0..2)
            .map(|t| {
                let d = d.clone();
                std::thread::spawn(move || {
                    for i in 0..n {
                        let mut v = t * n + i;
                        while let Err(back) = d.push(v) {
                            v = back;
                            std::thread::yield_now();
                        }
                    }
                })
            })
            .collect();
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let d = d.clone();
                std::thread::spawn(move || {
                    let mut got = Vec::new();
                    while got.len() < n {
                        match d.pop() {
                            Some(v) => got.push(v),
                            None => std::thread::yield_now(),
                        }
                    }
                    got
                })
            })
            .collect();
        for p in producers {
            p.join().unwrap();
        }
        let mut all: Vec<usize> = consumers
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect();
        all.sort_unstable();
        assert_eq!(all, (0..2 * n).collect::<Vec<_>>());
    }
}

/// Models of the depot under loom (scripts/loom.sh). A value is a loom
/// `UnsafeCell` written by its producer before the push and read by its
/// consumer after the pop, as the pool writes a list's link words before
/// handing it over: loom fails the model on any access that is not ordered,
/// a value lost or delivered twice, or a push refused while room is left.
#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;
    use loom::thread;

    /// What a producer hands over: data written before the push.
    struct Batch(Arc<UnsafeCell<usize>>);

    fn batch(v: usize) -> Batch {
        let c = Arc::new(UnsafeCell::new(0));
        c.with_mut(|p| unsafe { *p = v });
        Batch(c)
    }

    fn open(b: Batch) -> usize {
        // The consumer owns the batch now: it reads and rewrites it.
        b.0.with_mut(|p| unsafe {
            let v = *p;
            *p = usize::MAX;
            v
        })
    }

    /// Two producers and a consumer on a depot of two slots, so the ring
    /// wraps and a slot is reused while the other side still runs.
    #[test]
    fn loom_depot_two_producers_one_consumer() {
        loom::model(|| {
            let d = Arc::new(Depot::new(2));
            let producers: Vec<_> = (0..2)
                .map(|t| {
                    let d = d.clone();
                    thread::spawn(move || {
                        // Two slots, three pushes in all before the
                        // consumer's pops: a push may find the depot full.
                        let n = if t == 0 { 2 } else { 1 };
                        let mut refused = 0;
                        for i in 0..n {
                            if d.push(batch(10 * t + i + 1)).is_err() {
                                refused += 1;
                            }
                        }
                        refused
                    })
                })
                .collect();
            let mut got = Vec::new();
            for _ in 0..2 {
                if let Some(b) = d.pop() {
                    got.push(open(b));
                }
            }
            let refused: usize = producers.into_iter().map(|p| p.join().unwrap()).sum();
            while let Some(b) = d.pop() {
                got.push(open(b));
            }
            // The first producer's values come out in its order (FIFO).
            let first: Vec<usize> = got.iter().copied().filter(|v| *v < 10).collect();
            assert!(first.windows(2).all(|w| w[0] < w[1]), "{got:?}");
            // Nothing lost, nothing twice; a refusal only when full (at
            // most one of the three can find both slots taken).
            got.sort_unstable();
            got.dedup();
            assert_eq!(got.len() + refused, 3);
            assert!(refused <= 1);
        });
    }

    /// The smallest ring, used lap after lap: the producer's next write
    /// into a slot must come after the consumer's read of its last value.
    #[test]
    fn loom_depot_slot_reused_across_laps() {
        loom::model(|| {
            let d = Arc::new(Depot::new(2));
            let d2 = d.clone();
            let c = thread::spawn(move || {
                let mut got = Vec::new();
                while got.len() < 3 {
                    match d2.pop() {
                        Some(b) => got.push(open(b)),
                        None => thread::yield_now(),
                    }
                }
                got
            });
            for v in [1, 2, 3] {
                let mut b = batch(v);
                while let Err(back) = d.push(b) {
                    b = back;
                    thread::yield_now();
                }
            }
            assert_eq!(c.join().unwrap(), [1, 2, 3]);
        });
    }

    /// Two consumers race for the values of one producer: each value goes
    /// to exactly one of them.
    #[test]
    fn loom_depot_one_producer_two_consumers() {
        loom::model(|| {
            let d = Arc::new(Depot::new(2));
            let d2 = d.clone();
            let p = thread::spawn(move || {
                assert!(d2.push(batch(1)).is_ok());
                assert!(d2.push(batch(2)).is_ok());
            });
            let d3 = d.clone();
            let c = thread::spawn(move || d3.pop().map(open));
            let mine = d.pop().map(open);
            p.join().unwrap();
            let theirs = c.join().unwrap();
            let mut got: Vec<usize> = [mine, theirs].into_iter().flatten().collect();
            while let Some(b) = d.pop() {
                got.push(open(b));
            }
            got.sort_unstable();
            assert_eq!(got, [1, 2]);
        });
    }
}
