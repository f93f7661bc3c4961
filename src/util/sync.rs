//! The atomics and the interior-mutable cell of the lock-free code (the
//! pipe's queue, the message refcount), from std normally and from `loom`
//! when built with `--cfg loom` (scripts/loom.sh), so the same code runs
//! under loom's model checker. The std side is zero-cost: `UnsafeCell` is a
//! transparent wrapper whose `with`/`with_mut` inline to a pointer.

#[cfg(loom)]
pub(crate) use loom::cell::UnsafeCell;
#[cfg(loom)]
pub(crate) use loom::sync::atomic::{fence, AtomicPtr, AtomicU64, AtomicUsize};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{fence, AtomicPtr, AtomicU64, AtomicUsize};

/// `std::cell::UnsafeCell` with loom's access API: the cell is reached
/// only through `with` (shared) and `with_mut` (exclusive), which loom
/// checks for data races.
#[cfg(not(loom))]
#[repr(transparent)]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    #[inline(always)]
    pub(crate) const fn new(v: T) -> UnsafeCell<T> {
        UnsafeCell(std::cell::UnsafeCell::new(v))
    }

    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    #[inline(always)]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}
