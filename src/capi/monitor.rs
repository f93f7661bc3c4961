//! zmq_socket_monitor and its versioned draft form.
// The safety contract of each exported function is libzmq's: valid socket
// handles and the buffer sizes the C caller passes (see zmq_socket(3) etc.).
#![allow(clippy::missing_safety_doc)]

use crate::capi::ffi_try;
use crate::capi::socket::socket_mut;
use crate::constants::ZMQ_PAIR;
use crate::error::Errno;
use std::ffi::{c_char, c_int, c_void, CStr};

unsafe fn monitor(
    s: *mut c_void,
    addr: *const c_char,
    events: u64,
    version: c_int,
    type_: c_int,
) -> crate::error::Result<c_int> {
    // SAFETY: see socket_mut.
    let mut socket = unsafe { socket_mut(s)? };
    let addr = if addr.is_null() {
        None
    } else {
        // SAFETY: the caller passes a NUL-terminated string.
        Some(
            unsafe { CStr::from_ptr(addr) }
                .to_str()
                .map_err(|_| Errno::EINVAL)?,
        )
    };
    socket.monitor(addr, events, version, type_)?;
    Ok(0)
}

#[no_mangle]
pub unsafe extern "C" fn zmq_socket_monitor(
    s: *mut c_void,
    addr: *const c_char,
    events: c_int,
) -> c_int {
    // SAFETY: the caller's handle and string, checked in `monitor`.
    ffi_try!(-1, unsafe {
        monitor(s, addr, events as u32 as u64, 1, ZMQ_PAIR)
    })
}

#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_socket_monitor_versioned(
    s: *mut c_void,
    addr: *const c_char,
    events: u64,
    event_version: c_int,
    type_: c_int,
) -> c_int {
    // SAFETY: the caller's handle and string, checked in `monitor`.
    ffi_try!(-1, unsafe {
        monitor(s, addr, events, event_version, type_)
    })
}

/// Ask every peer connection of `s` for its queue sizes: each answers with
/// a ZMQ_EVENT_PIPES_STATS event on the (version 2) monitor. EINVAL unless
/// the monitor asked for that event; EAGAIN without any peer.
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_socket_monitor_pipes_stats(s: *mut c_void) -> c_int {
    // SAFETY: the caller's handle, checked by socket_mut.
    ffi_try!(-1, unsafe {
        let mut socket = socket_mut(s)?;
        socket.pipes_stats().map(|()| 0)
    })
}
