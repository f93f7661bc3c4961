//! The context functions: `zmq_ctx_*`, and the legacy `zmq_init` / `zmq_term`.
//!
//! A context handle is checked against the live-handle registry before
//! anything else, so NULL, stale or bogus handles give EFAULT (libzmq checks a
//! tag in the pointed-to memory instead, which can crash).

use std::ffi::{c_int, c_void};
use std::ptr;

use super::{check_null, ffi_try};
use crate::constants::ZMQ_IO_THREADS;
use crate::ctx::{registry, Ctx};
use crate::error::{Errno, Result};

/// Shut a context down, wait for its sockets, then forget the handle.
fn term(handle: *mut c_void) -> Result<c_int> {
    let ctx = registry::with_ctx(handle)?;
    // EINTR (once sockets exist) returns here with the handle still live, so
    // the caller can retry, as with libzmq.
    ctx.terminate()?;
    // A concurrent zmq_ctx_term may have removed it first; both succeed.
    let _ = registry::unregister(handle);
    Ok(0)
}

/// Create a context with default options.
#[no_mangle]
pub extern "C" fn zmq_ctx_new() -> *mut c_void {
    ffi_try!(ptr::null_mut(), Ok(registry::register(Ctx::new())))
}

/// Terminate a context: blocks until its sockets are closed (and lingered),
/// then frees it. Bad handle: EFAULT.
#[no_mangle]
pub extern "C" fn zmq_ctx_term(context: *mut c_void) -> c_int {
    ffi_try!(-1, term(context))
}

/// Make blocking calls on the context's sockets return ETERM and refuse new
/// sockets, without waiting. Bad handle: EFAULT.
#[no_mangle]
pub extern "C" fn zmq_ctx_shutdown(context: *mut c_void) -> c_int {
    ffi_try!(-1, {
        registry::with_ctx(context)?.shutdown();
        Ok(0)
    })
}

/// Set an int-valued context option.
#[no_mangle]
pub extern "C" fn zmq_ctx_set(context: *mut c_void, option: c_int, optval: c_int) -> c_int {
    ffi_try!(-1, {
        registry::with_ctx(context)?.set_int(option, optval)?;
        Ok(0)
    })
}

/// Get a context option as an int (-1 with EINVAL for unknown or set-only ones).
#[no_mangle]
pub extern "C" fn zmq_ctx_get(context: *mut c_void, option: c_int) -> c_int {
    ffi_try!(-1, registry::with_ctx(context)?.get_int(option))
}

/// Legacy: a context with `io_threads` I/O threads; negative → NULL + EINVAL.
#[no_mangle]
pub extern "C" fn zmq_init(io_threads: c_int) -> *mut c_void {
    ffi_try!(ptr::null_mut(), {
        if io_threads < 0 {
            return Err(Errno::EINVAL);
        }
        let ctx = Ctx::new();
        ctx.set_int(ZMQ_IO_THREADS, io_threads)?;
        Ok(registry::register(ctx))
    })
}

/// Legacy name of `zmq_ctx_term`.
#[no_mangle]
pub extern "C" fn zmq_term(context: *mut c_void) -> c_int {
    ffi_try!(-1, term(context))
}

/// Legacy name of `zmq_ctx_term` (the one pyzmq calls).
#[no_mangle]
pub extern "C" fn zmq_ctx_destroy(context: *mut c_void) -> c_int {
    ffi_try!(-1, term(context))
}

/// Draft: set a context option from raw bytes; ZMQ_THREAD_NAME_PREFIX takes a
/// string of 1..=16 bytes here. A value of exactly `sizeof (int)` bytes is an
/// int, whatever the option (libzmq's rule).
///
/// # Safety
/// `optval` must point to `optvallen` readable bytes (it may be NULL when
/// `optvallen` is 0).
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_set_ext(
    context: *mut c_void,
    option: c_int,
    optval: *const c_void,
    optvallen: usize,
) -> c_int {
    ffi_try!(-1, {
        let ctx = registry::with_ctx(context)?;
        let value: &[u8] = if optvallen == 0 {
            &[]
        } else {
            check_null!(optval, Errno::EFAULT);
            // SAFETY: non-null, and the caller promises optvallen readable bytes.
            unsafe { std::slice::from_raw_parts(optval.cast::<u8>(), optvallen) }
        };
        ctx.set(option, value)?;
        Ok(0)
    })
}

/// Draft: get a context option into a caller buffer. `*optvallen` is the
/// buffer size on entry (`sizeof (int)` asks for the int form) and the number
/// of bytes written on return. ZMQ_THREAD_NAME_PREFIX's string form is copied
/// as stored, with no terminator added.
///
/// # Safety
/// `optvallen` must point to a readable and writable `size_t`, and `optval` to
/// `*optvallen` writable bytes.
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_get_ext(
    context: *mut c_void,
    option: c_int,
    optval: *mut c_void,
    optvallen: *mut usize,
) -> c_int {
    ffi_try!(-1, {
        let ctx = registry::with_ctx(context)?;
        check_null!(optvallen, Errno::EFAULT);
        // SAFETY: non-null, and the caller promises a valid size_t.
        let len = unsafe { *optvallen };
        let buf: &mut [u8] = if len == 0 {
            &mut []
        } else {
            check_null!(optval, Errno::EFAULT);
            // SAFETY: non-null, and the caller promises len writable bytes;
            // every byte pattern is a valid u8 and we only write through it.
            unsafe { std::slice::from_raw_parts_mut(optval.cast::<u8>(), len) }
        };
        let written = ctx.get(option, buf)?;
        // SAFETY: checked non-null above.
        unsafe { *optvallen = written };
        Ok(0)
    })
}
