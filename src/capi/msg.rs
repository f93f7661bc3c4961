//! The `zmq_msg_*` C API (all but send/recv, which live with the sockets).
//!
//! A `zmq_msg_t *` is a `*mut Msg`. Like libzmq, close/move/copy refuse a
//! message whose type byte is not a live kind with EFAULT; where libzmq would
//! assert or dereference garbage (size/data of a closed message, NULL
//! pointers) we return a failure value with EFAULT instead.
//!
//! Errors (libzmq 4.3, checked against Debian's 4.3.4 where it does not abort):
//! - `zmq_msg_close`: EFAULT on a closed or never-initialised message.
//! - `zmq_msg_move`/`zmq_msg_copy`: EFAULT if `src` is not live (dest untouched),
//!   then EFAULT if `dest` is not live (it is closed first, as in libzmq).
//! - `zmq_msg_more`/`zmq_msg_get(MORE|SHARED)`: read the flags even of a closed
//!   message, as libzmq does (a closed message keeps its flags).
//! - `zmq_msg_gets`: NULL + EINVAL when absent (or the message is closed).
#![deny(unsafe_op_in_unsafe_fn)]

use std::ffi::{c_char, c_int, c_void, CStr};
use std::ptr;

use crate::capi::types::{zmq_free_fn, zmq_msg_t};
use crate::capi::{check_null, ffi_try};
use crate::constants::{ZMQ_MORE, ZMQ_SHARED, ZMQ_SRCFD};
use crate::error::{Errno, Result};
use crate::msg::{metadata, Msg};

const _: () = assert!(std::mem::size_of::<Msg>() == std::mem::size_of::<zmq_msg_t>());
const _: () = assert!(std::mem::align_of::<Msg>() == std::mem::align_of::<zmq_msg_t>());

/// The message behind a C pointer, after the null and alignment checks every
/// entry point needs (libzmq would crash on either; we report EFAULT).
fn msg_ptr(p: *const zmq_msg_t) -> Result<*mut Msg> {
    if !p.cast::<Msg>().is_aligned() {
        return Err(Errno::EFAULT);
    }
    Ok(p.cast::<Msg>().cast_mut())
}

/// As [`msg_ptr`], and the message must be live.
///
/// # Safety
/// `p` is non-null and points at 64 readable bytes (the zmq_msg_t contract).
unsafe fn live_msg(p: *const zmq_msg_t) -> Result<*mut Msg> {
    let m = msg_ptr(p)?;
    // SAFETY: non-null, aligned, and the caller promises 64 readable bytes.
    if unsafe { Msg::is_live(m) } {
        Ok(m)
    } else {
        Err(Errno::EFAULT)
    }
}

/// The live message behind a C pointer, for the socket calls (zmq_msg_send,
/// zmq_msg_recv): EFAULT when NULL, misaligned, closed or never initialised,
/// as libzmq's `msg_->check()`.
///
/// # Safety
/// `p` is NULL or points at a `zmq_msg_t` that nothing else borrows for `'a`.
pub unsafe fn msg_mut<'a>(p: *mut zmq_msg_t) -> Result<&'a mut Msg> {
    check_null!(p, Errno::EFAULT);
    // SAFETY: non-null `zmq_msg_t` per the caller's contract.
    let m = unsafe { live_msg(p)? };
    // SAFETY: a live message, exclusively ours for 'a per the contract.
    Ok(unsafe { &mut *m })
}

/// Write a fresh message into `msg_`, overwriting whatever was there without
/// reading it (as libzmq's init does: it is not an error to init twice, it
/// just leaks the old content).
///
/// # Safety
/// `msg_` is non-null and points at 64 writable bytes.
unsafe fn init_with(msg_: *mut zmq_msg_t, m: Msg) -> Result<c_int> {
    let p = msg_ptr(msg_)?;
    // SAFETY: non-null, aligned, 64 writable bytes; the old bytes are not a
    // message we own (or are deliberately forgotten, as in libzmq).
    unsafe { ptr::write(p, m) };
    Ok(0)
}

/// Initialise an empty message.
///
/// # Safety
/// `msg_` is NULL or points at a writable `zmq_msg_t`.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init(msg_: *mut zmq_msg_t) -> c_int {
    ffi_try!(-1, {
        check_null!(msg_, Errno::EFAULT);
        // SAFETY: non-null `zmq_msg_t` per the C contract.
        unsafe { init_with(msg_, Msg::new()) }
    })
}

/// Initialise a message of `size_` bytes (uninitialised, as in libzmq).
///
/// # Safety
/// `msg_` is NULL or points at a writable `zmq_msg_t`.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init_size(msg_: *mut zmq_msg_t, size_: usize) -> c_int {
    if size_ <= Msg::MAX_VSM_SIZE && !msg_.is_null() && msg_.cast::<Msg>().is_aligned() {
        // SAFETY: non-null and aligned (checked), 64 writable bytes per the C
        // contract; the old bytes are not ours to release (as in init_with).
        unsafe { Msg::write_vsm(msg_.cast(), size_) };
        return 0;
    }
    // Pooled sizes the same way: no 64-byte temporary moved into place and
    // no unwind guard (64-byte messages, two processes over tcp: the
    // sender's instructions per message 849 -> 786). The pool cannot panic,
    // and an error takes the path below, which reports it.
    if size_ <= Msg::MAX_POOLED && !msg_.is_null() && msg_.cast::<Msg>().is_aligned() {
        // SAFETY: as above; C callers write the bytes before reading them.
        if unsafe { Msg::write_sized(msg_.cast(), size_) }.is_ok() {
            return 0;
        }
    }
    ffi_try!(-1, {
        check_null!(msg_, Errno::EFAULT);
        // SAFETY: C callers write the bytes before reading them (libzmq's
        // contract too); the library itself only copies them out.
        let m = unsafe { Msg::with_size_uninit(size_)? };
        // SAFETY: non-null `zmq_msg_t` per the C contract.
        unsafe { init_with(msg_, m) }
    })
}

/// Initialise a message over the caller's buffer without copying; `ffn_`
/// (may be NULL: a constant message) releases it exactly once.
///
/// # Safety
/// `msg_` is NULL or points at a writable `zmq_msg_t`; `data_` is valid for
/// `size_` bytes until `ffn_` is called (forever if `ffn_` is NULL).
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init_data(
    msg_: *mut zmq_msg_t,
    data_: *mut c_void,
    size_: usize,
    ffn_: Option<zmq_free_fn>,
    hint_: *mut c_void,
) -> c_int {
    ffi_try!(-1, {
        check_null!(msg_, Errno::EFAULT);
        // SAFETY: the caller's promise about `data_`, `ffn_` and `hint_` is
        // exactly what `from_raw_parts` requires.
        let m = unsafe { Msg::from_raw_parts(data_.cast(), size_, ffn_, hint_)? };
        // SAFETY: non-null `zmq_msg_t` per the C contract.
        unsafe { init_with(msg_, m) }
    })
}

/// Initialise a message holding a copy of `buf_` (draft API).
///
/// # Safety
/// `msg_` is NULL or points at a writable `zmq_msg_t`; `buf_` is valid for
/// reads of `size_` bytes (may be NULL when `size_` is 0).
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init_buffer(
    msg_: *mut zmq_msg_t,
    buf_: *const c_void,
    size_: usize,
) -> c_int {
    ffi_try!(-1, {
        check_null!(msg_, Errno::EFAULT);
        let m = if size_ == 0 {
            Msg::new()
        } else {
            check_null!(buf_, Errno::EFAULT);
            // SAFETY: the caller promises `size_` readable bytes at `buf_`.
            Msg::try_from_slice(unsafe { std::slice::from_raw_parts(buf_.cast::<u8>(), size_) })?
        };
        // SAFETY: non-null `zmq_msg_t` per the C contract.
        unsafe { init_with(msg_, m) }
    })
}

/// Release a message; it must be initialised again before reuse.
///
/// # Safety
/// `msg_` is NULL or points at a `zmq_msg_t`.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_close(msg_: *mut zmq_msg_t) -> c_int {
    ffi_try!(-1, {
        check_null!(msg_, Errno::EFAULT);
        // SAFETY: non-null `zmq_msg_t` per the C contract.
        let m = unsafe { live_msg(msg_)? };
        // SAFETY: a live message the C side owns and gives up here.
        unsafe { Msg::close_in_place(m) };
        Ok(0)
    })
}

/// Move `src_` into `dest_` (whose old content is released); `src_` becomes empty.
///
/// # Safety
/// Both are NULL or point at `zmq_msg_t`s.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_move(dest_: *mut zmq_msg_t, src_: *mut zmq_msg_t) -> c_int {
    ffi_try!(-1, {
        check_null!(dest_, Errno::EFAULT);
        check_null!(src_, Errno::EFAULT);
        // SAFETY: non-null `zmq_msg_t`s per the C contract.
        let src = unsafe { live_msg(src_)? };
        // SAFETY: as above.
        let dest = unsafe { live_msg(dest_)? };
        if src == dest {
            // libzmq would release the content and leave an empty message;
            // moving a message onto itself is better left a no-op.
            return Ok(0);
        }
        // SAFETY: two distinct live messages owned by the C side: release
        // dest, move src's bits over, and leave src a fresh empty message.
        unsafe {
            ptr::drop_in_place(dest);
            ptr::copy_nonoverlapping(src, dest, 1);
            ptr::write(src, Msg::new());
        }
        Ok(0)
    })
}

/// Make `dest_` a copy of `src_` sharing its content (no byte copy above the
/// inline size); `dest_`'s old content is released.
///
/// # Safety
/// Both are NULL or point at `zmq_msg_t`s.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_copy(dest_: *mut zmq_msg_t, src_: *mut zmq_msg_t) -> c_int {
    ffi_try!(-1, {
        check_null!(dest_, Errno::EFAULT);
        check_null!(src_, Errno::EFAULT);
        // SAFETY: non-null `zmq_msg_t`s per the C contract.
        let src = unsafe { live_msg(src_)? };
        // SAFETY: as above.
        let dest = unsafe { live_msg(dest_)? };
        if src == dest {
            // libzmq would leave an invalid message behind; keep it intact.
            return Ok(0);
        }
        // SAFETY: two distinct live messages: clone src (marking it SHARED,
        // as libzmq does), then replace dest, releasing its old content.
        unsafe {
            let copy = (*src).clone();
            *dest = copy;
        }
        Ok(0)
    })
}

/// Pointer to the message bytes; NULL + EFAULT for a closed message.
///
/// # Safety
/// `msg_` is NULL or points at a `zmq_msg_t`.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_data(msg_: *mut zmq_msg_t) -> *mut c_void {
    ffi_try!(ptr::null_mut(), {
        check_null!(msg_, Errno::EFAULT);
        // SAFETY: non-null `zmq_msg_t` per the C contract.
        let m = unsafe { live_msg(msg_)? };
        // SAFETY: a live message.
        Ok(unsafe { (*m).data_ptr() }.cast())
    })
}

/// Size of the message in bytes; 0 + EFAULT for a closed message.
///
/// # Safety
/// `msg_` is NULL or points at a `zmq_msg_t`.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_size(msg_: *const zmq_msg_t) -> usize {
    let m = msg_.cast::<Msg>();
    // SAFETY: non-null and aligned (checked), 64 readable bytes per the C
    // contract; `size` is read only from a live message. Nothing here can
    // panic, so the ffi_try! boundary is for the error path only.
    if !m.is_null() && m.is_aligned() && unsafe { Msg::is_live(m) } {
        return unsafe { (*m).size() };
    }
    ffi_try!(0, {
        check_null!(msg_, Errno::EFAULT);
        // SAFETY: non-null `zmq_msg_t` per the C contract.
        let m = unsafe { live_msg(msg_)? };
        // SAFETY: a live message.
        Ok(unsafe { (*m).size() })
    })
}

/// 1 if more parts follow, else 0.
///
/// # Safety
/// `msg_` is NULL or points at a `zmq_msg_t`.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_more(msg_: *const zmq_msg_t) -> c_int {
    // SAFETY: same contract.
    unsafe { zmq_msg_get(msg_, ZMQ_MORE) }
}

/// Parse like C `atoi`: optional spaces and sign, then digits; 0 otherwise.
fn atoi(s: &[u8]) -> c_int {
    let s = match s.iter().position(|b| !b.is_ascii_whitespace()) {
        Some(i) => &s[i..],
        None => return 0,
    };
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut v: i64 = 0;
    for &d in digits.iter().take_while(|d| d.is_ascii_digit()) {
        v = (v * 10 + i64::from(d - b'0')).min(i64::from(c_int::MAX) + 1);
    }
    let v = if neg { -v } else { v };
    v.clamp(i64::from(c_int::MIN), i64::from(c_int::MAX)) as c_int
}

/// ZMQ_MORE, ZMQ_SHARED or the deprecated ZMQ_SRCFD; EINVAL otherwise.
///
/// # Safety
/// `msg_` is NULL or points at a `zmq_msg_t`.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_get(msg_: *const zmq_msg_t, property_: c_int) -> c_int {
    ffi_try!(-1, {
        check_null!(msg_, Errno::EFAULT);
        let m = msg_ptr(msg_)?;
        match property_ {
            // SAFETY: non-null, aligned `zmq_msg_t`; only the flag and kind
            // bytes are read, live or not (libzmq reads them unchecked).
            ZMQ_MORE => Ok(c_int::from(unsafe { Msg::peek_flags(m) } & Msg::MORE != 0)),
            // SAFETY: as above.
            ZMQ_SHARED => Ok(c_int::from(unsafe { Msg::peek_shared(m) })),
            ZMQ_SRCFD => {
                // SAFETY: as above; `gets` checks liveness.
                let fd = unsafe { gets(m, metadata::FD)? };
                Ok(atoi(fd.to_bytes()))
            }
            _ => Err(Errno::EINVAL),
        }
    })
}

/// Always fails with EINVAL: libzmq 4.3 has no settable message property.
///
/// # Safety
/// None: the arguments are not used.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_set(
    msg_: *mut zmq_msg_t,
    property_: c_int,
    optval_: c_int,
) -> c_int {
    let _ = (msg_, property_, optval_);
    ffi_try!(-1, Err(Errno::EINVAL))
}

/// The value of a metadata property of a live message, or EINVAL.
///
/// # Safety
/// `m` is aligned and points at 64 readable bytes; the returned string lives
/// as long as the message keeps its metadata.
unsafe fn gets<'a>(m: *const Msg, name: &[u8]) -> Result<&'a CStr> {
    // SAFETY: the caller's pointer contract.
    if !unsafe { Msg::is_live(m) } {
        return Err(Errno::EINVAL);
    }
    // SAFETY: a live message; the value is owned by its Arc'd metadata, which
    // the C contract keeps alive for as long as the message is not closed.
    let md = unsafe { (*m).metadata() }.ok_or(Errno::EINVAL)?;
    let v = md.get_cstr(name).ok_or(Errno::EINVAL)?;
    // SAFETY: see above; detach the lifetime from the local borrow.
    Ok(unsafe { CStr::from_ptr(v.as_ptr()) })
}

/// The metadata property `property_` as a C string, or NULL + EINVAL.
///
/// # Safety
/// `msg_` is NULL or points at a `zmq_msg_t`; `property_` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_gets(
    msg_: *const zmq_msg_t,
    property_: *const c_char,
) -> *const c_char {
    ffi_try!(ptr::null(), {
        check_null!(msg_, Errno::EFAULT);
        check_null!(property_, Errno::EINVAL);
        let m = msg_ptr(msg_)?;
        // SAFETY: `property_` is a non-null C string per the contract.
        let name = unsafe { CStr::from_ptr(property_) };
        // SAFETY: non-null, aligned `zmq_msg_t`.
        Ok(unsafe { gets(m, name.to_bytes())? }.as_ptr())
    })
}

/// Set the routing id (draft, CLIENT/SERVER). 0 is refused with EINVAL.
///
/// # Safety
/// `msg_` is NULL or points at a `zmq_msg_t`.
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_set_routing_id(msg_: *mut zmq_msg_t, routing_id_: u32) -> c_int {
    ffi_try!(-1, {
        check_null!(msg_, Errno::EFAULT);
        if routing_id_ == 0 {
            return Err(Errno::EINVAL);
        }
        // SAFETY: non-null `zmq_msg_t` per the C contract.
        let m = unsafe { live_msg(msg_)? };
        // SAFETY: a live message the C side lends us mutably for this call.
        unsafe { (*m).set_routing_id(routing_id_) };
        Ok(0)
    })
}

/// The routing id (draft), 0 if unset.
///
/// # Safety
/// `msg_` is NULL or points at a `zmq_msg_t`.
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_routing_id(msg_: *mut zmq_msg_t) -> u32 {
    ffi_try!(0, {
        check_null!(msg_, Errno::EFAULT);
        let m = msg_ptr(msg_)?;
        // SAFETY: non-null, aligned `zmq_msg_t`; a plain integer field is read
        // whether live or not, as libzmq does.
        Ok(unsafe { Msg::peek_routing_id(m) })
    })
}

/// Set the RADIO/DISH group (draft): EINVAL above `ZMQ_GROUP_MAX_LENGTH`.
///
/// # Safety
/// `msg_` is NULL or points at a `zmq_msg_t`; `group_` is NULL or a C string.
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_set_group(msg_: *mut zmq_msg_t, group_: *const c_char) -> c_int {
    ffi_try!(-1, {
        check_null!(msg_, Errno::EFAULT);
        check_null!(group_, Errno::EINVAL);
        // SAFETY: non-null `zmq_msg_t` per the C contract.
        let m = unsafe { live_msg(msg_)? };
        // Read at most one byte past the limit: the string may be unterminated
        // beyond that as far as we care (libzmq uses strnlen too).
        let max = crate::msg::GROUP_MAX_LENGTH + 1;
        // SAFETY: `group_` is a C string: reading up to its NUL or `max` bytes,
        // whichever comes first, stays inside it.
        let len = unsafe { libc::strnlen(group_, max) };
        // SAFETY: `len` bytes were just found readable.
        let name = unsafe { std::slice::from_raw_parts(group_.cast::<u8>(), len) };
        // SAFETY: a live message the C side lends us mutably for this call.
        unsafe { (*m).set_group(name)? };
        Ok(0)
    })
}

/// The RADIO/DISH group (draft), "" if unset; NULL + EFAULT if closed.
///
/// # Safety
/// `msg_` is NULL or points at a `zmq_msg_t`.
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_group(msg_: *mut zmq_msg_t) -> *const c_char {
    ffi_try!(ptr::null(), {
        check_null!(msg_, Errno::EFAULT);
        // SAFETY: non-null `zmq_msg_t` per the C contract.
        let m = unsafe { live_msg(msg_)? };
        // SAFETY: a live message; the name lives in it (inline) or in its
        // refcounted long group, valid until the message changes or closes.
        Ok(unsafe { (*m).group() }.as_ptr())
    })
}

#[cfg(test)]
mod tests {
    use super::atoi;

    #[test]
    fn atoi_like_c() {
        assert_eq!(atoi(b"12"), 12);
        assert_eq!(atoi(b"  -7x"), -7);
        assert_eq!(atoi(b"+3"), 3);
        assert_eq!(atoi(b"abc"), 0);
        assert_eq!(atoi(b""), 0);
        assert_eq!(atoi(b"99999999999999"), c_int::MAX);
    }

    use std::ffi::c_int;
}
