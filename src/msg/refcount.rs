//! The reference count of shared message content (`content::Content`):
//! `Arc`'s protocol, plus a shortcut for the common case of a message sent
//! once and dropped once. Its atomics come from util::sync, so the loom
//! models below (scripts/loom.sh) check this very code.

use crate::util::sync::{fence, AtomicUsize};
use std::sync::atomic::Ordering;

/// A count this high means references are leaking; stop before the counter
/// could wrap (as `Arc` does).
const MAX_REFCOUNT: usize = isize::MAX as usize;

#[repr(transparent)]
pub(crate) struct RefCount(AtomicUsize);

impl RefCount {
    /// One reference: the creator's.
    #[inline]
    pub(crate) fn one() -> RefCount {
        RefCount(AtomicUsize::new(1))
    }

    /// Add `n` references; the caller holds one, so the count is not zero.
    #[inline]
    pub(crate) fn add(&self, n: usize) {
        // Relaxed, as Arc::clone: a new reference is made from an existing
        // one, which already orders everything before it.
        if self.0.fetch_add(n, Ordering::Relaxed) > MAX_REFCOUNT {
            std::process::abort();
        }
    }

    /// Drop one reference. True for the last one: every other holder's use
    /// of the content happens before the caller's (it may free it).
    #[inline]
    pub(crate) fn release(&self) -> bool {
        // A count of 1 read with Acquire means we are the only holder:
        // nobody can add a reference concurrently, and the Acquire pairs
        // with the Release of every earlier holder's drop, so skip the
        // read-modify-write.
        if self.0.load(Ordering::Acquire) != 1 && self.0.fetch_sub(1, Ordering::Release) != 1 {
            return false;
        }
        fence(Ordering::Acquire);
        true
    }

    /// Drop `n` references at once (see [`release`](Self::release)).
    #[inline]
    pub(crate) fn release_n(&self, n: usize) -> bool {
        if self.0.fetch_sub(n, Ordering::Release) != n {
            return false;
        }
        fence(Ordering::Acquire);
        true
    }

    /// The current count (tests and uniqueness checks).
    #[inline]
    pub(crate) fn get(&self) -> usize {
        self.0.load(Ordering::Acquire)
    }

    /// Back to one reference, for storage reused by its only owner.
    #[inline]
    pub(crate) fn reset(&self) {
        self.0.store(1, Ordering::Relaxed);
    }
}

/// Models of the count under loom (scripts/loom.sh). The content is a loom
/// `UnsafeCell`: its creator writes it, every holder reads it, and the
/// holder whose release says "last" writes it again, standing in for the
/// free (or the zero-copy free function). loom fails the model if any of
/// those accesses is not ordered after the others, or if no holder, or two,
/// see themselves last.
#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::cell::UnsafeCell;
    use loom::sync::atomic::AtomicUsize;
    use loom::sync::Arc;
    use loom::thread;

    struct Shared {
        count: RefCount,
        body: UnsafeCell<u64>,
        freed: AtomicUsize,
    }

    /// A holder done with the content: read it, let go, free it if last.
    fn drop_ref(s: &Shared) {
        // SAFETY: a holder reads the content while its reference lives.
        assert_eq!(s.body.with(|b| unsafe { *b }), 42);
        if s.count.release() {
            s.body.with_mut(|b| unsafe { *b = 0 });
            s.freed.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn shared() -> Arc<Shared> {
        let s = Arc::new(Shared {
            count: RefCount::one(),
            body: UnsafeCell::new(0),
            freed: AtomicUsize::new(0),
        });
        s.body.with_mut(|b| unsafe { *b = 42 });
        s
    }

    /// zmq_msg_copy then both copies dropped on different threads (one of
    /// them may take the count-of-one shortcut).
    #[test]
    fn loom_refcount_two_holders() {
        loom::model(|| {
            let s = shared();
            s.count.add(1);
            let s2 = s.clone();
            let t = thread::spawn(move || drop_ref(&s2));
            drop_ref(&s);
            t.join().unwrap();
            assert_eq!(s.freed.load(Ordering::Relaxed), 1);
        });
    }

    /// A holder copies the message again on its thread while the other
    /// drops its copy: the new reference is made from a live one.
    #[test]
    fn loom_refcount_copy_while_dropping() {
        loom::model(|| {
            let s = shared();
            s.count.add(1);
            let s2 = s.clone();
            let t = thread::spawn(move || {
                s2.count.add(1);
                drop_ref(&s2);
                drop_ref(&s2);
            });
            drop_ref(&s);
            t.join().unwrap();
            assert_eq!(s.freed.load(Ordering::Relaxed), 1);
        });
    }

    /// A receive buffer sliced into messages (`SharedBuf`): references
    /// added in bulk, dropped one by one on two threads and in bulk by the
    /// buffer's owner.
    #[test]
    fn loom_refcount_bulk_add_and_release() {
        loom::model(|| {
            let s = shared();
            s.count.add(2);
            let s2 = s.clone();
            let t = thread::spawn(move || drop_ref(&s2));
            let s3 = s.clone();
            let u = thread::spawn(move || drop_ref(&s3));
            // The owner gives up its own reference through release_n.
            assert_eq!(s.body.with(|b| unsafe { *b }), 42);
            if s.count.release_n(1) {
                s.body.with_mut(|b| unsafe { *b = 0 });
                s.freed.fetch_add(1, Ordering::Relaxed);
            }
            t.join().unwrap();
            u.join().unwrap();
            assert_eq!(s.freed.load(Ordering::Relaxed), 1);
        });
    }
}
