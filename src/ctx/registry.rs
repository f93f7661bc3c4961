//! The live context handles.
//!
//! The C side holds a context as an opaque pointer. libzmq checks a tag inside
//! the object it points to, which is undefined behaviour for a bogus pointer;
//! we never dereference the pointer at all. A handle is the address of the
//! `Ctx` inside its `Arc`, and this table maps it back to the `Arc`: a NULL,
//! stale or bogus handle simply is not in the table (EFAULT).
//!
//! The table holds one strong reference per live handle, so an address cannot
//! be reused by a new context while its handle is registered.

use std::collections::BTreeMap;
use std::ffi::c_void;
use std::sync::Arc;

use parking_lot::Mutex;

use super::Ctx;
use crate::error::{Errno, Result};

static LIVE: Mutex<BTreeMap<usize, Arc<Ctx>>> = parking_lot::const_mutex(BTreeMap::new());

/// Register `ctx` and return its C handle.
pub fn register(ctx: Arc<Ctx>) -> *mut c_void {
    let handle = Arc::as_ptr(&ctx) as *mut c_void;
    LIVE.lock().insert(handle as usize, ctx);
    handle
}

/// The context behind a C handle, or EFAULT when it is NULL or not a live
/// context (never created, already terminated, or some other object).
pub fn with_ctx(handle: *mut c_void) -> Result<Arc<Ctx>> {
    LIVE.lock()
        .get(&(handle as usize))
        .cloned()
        .ok_or(Errno::EFAULT)
}

/// Forget a handle (after `zmq_ctx_term`). The `Ctx` is freed when the last
/// other reference (a socket, an I/O thread) goes. EFAULT when not live.
pub fn unregister(handle: *mut c_void) -> Result<Arc<Ctx>> {
    LIVE.lock().remove(&(handle as usize)).ok_or(Errno::EFAULT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_life_cycle() {
        let ctx = Ctx::new();
        let weak = Arc::downgrade(&ctx);
        let h = register(ctx);
        assert!(!h.is_null());
        assert!(Arc::ptr_eq(&with_ctx(h).unwrap(), &weak.upgrade().unwrap()));
        assert!(unregister(h).is_ok());
        assert_eq!(with_ctx(h).err(), Some(Errno::EFAULT));
        assert_eq!(unregister(h).err(), Some(Errno::EFAULT));
        assert!(weak.upgrade().is_none(), "the Ctx is freed with its handle");
    }

    #[test]
    fn bogus_handles() {
        assert_eq!(with_ctx(std::ptr::null_mut()).err(), Some(Errno::EFAULT));
        let mut local = 0u64;
        let bogus = &mut local as *mut u64 as *mut c_void;
        assert_eq!(with_ctx(bogus).err(), Some(Errno::EFAULT));
        assert_eq!(with_ctx(0x10 as *mut c_void).err(), Some(Errno::EFAULT));
    }
}
