//! Draft socket calls of the thread-safe types: zmq_join / zmq_leave (DISH)
//! and zmq_connect_peer / zmq_disconnect_peer (PEER).

use crate::capi::ffi_try;
use crate::capi::socket::socket_mut;
use crate::error::{Errno, Result};
use std::ffi::{c_char, c_int, c_void, CStr};

/// The group name of a C string (NULL is EINVAL; libzmq would crash).
unsafe fn group<'a>(g: *const c_char) -> Result<&'a [u8]> {
    if g.is_null() {
        return Err(Errno::EINVAL);
    }
    // SAFETY: the caller passes a NUL-terminated string.
    Ok(unsafe { CStr::from_ptr(g) }.to_bytes())
}

/// Join a group (DISH only, else ENOTSUP). EINVAL for a name longer than
/// ZMQ_GROUP_MAX_LENGTH or a group already joined.
///
/// # Safety
/// `s` is a handle from zmq_socket (or NULL); `group` a C string.
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_join(s: *mut c_void, group: *const c_char) -> c_int {
    ffi_try!(-1, {
        // SAFETY: checked handle lookup; the caller's C string.
        let mut socket = unsafe { socket_mut(s)? };
        socket.join(unsafe { self::group(group)? })?;
        Ok(0)
    })
}

/// Leave a group (DISH only, else ENOTSUP). EINVAL for a name longer than
/// ZMQ_GROUP_MAX_LENGTH or a group not joined.
///
/// # Safety
/// As zmq_join.
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_leave(s: *mut c_void, group: *const c_char) -> c_int {
    ffi_try!(-1, {
        // SAFETY: checked handle lookup; the caller's C string.
        let mut socket = unsafe { socket_mut(s)? };
        socket.leave(unsafe { self::group(group)? })?;
        Ok(0)
    })
}

/// Connect a PEER socket and return the routing id of the new peer (for
/// zmq_msg_set_routing_id), or 0 with errno set: ENOTSUP for other socket
/// types, EFAULT with ZMQ_IMMEDIATE, and zmq_connect's errors.
///
/// # Safety
/// `s` is a handle from zmq_socket (or NULL); `addr` a C string.
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_connect_peer(s: *mut c_void, addr: *const c_char) -> u32 {
    ffi_try!(0, {
        // SAFETY: checked handle lookup.
        let mut socket = unsafe { socket_mut(s)? };
        if socket.base.options.socket_type != crate::constants::ZMQ_PEER {
            return Err(Errno::ENOTSUP);
        }
        if addr.is_null() {
            return Err(Errno::EINVAL);
        }
        // SAFETY: the caller passes a NUL-terminated string.
        let addr = unsafe { CStr::from_ptr(addr) }
            .to_str()
            .map_err(|_| Errno::EINVAL)?;
        socket.connect_peer(addr)
    })
}

/// Disconnect one peer of a PEER socket by routing id (libzmq 4.3.6):
/// ENOTSUP for other socket types, EHOSTUNREACH for an unknown id.
///
/// # Safety
/// `s` is a handle from zmq_socket (or NULL).
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_disconnect_peer(s: *mut c_void, routing_id: u32) -> c_int {
    ffi_try!(-1, {
        // SAFETY: checked handle lookup.
        let mut socket = unsafe { socket_mut(s)? };
        socket.disconnect_peer(routing_id)?;
        Ok(0)
    })
}
