//! zmq_socket_get_peer_state (draft): ROUTER's view of one peer.

use crate::capi::ffi_try;
use crate::capi::socket::socket_mut;
use crate::error::Errno;
use std::ffi::{c_int, c_void};

/// ZMQ_POLLOUT when the peer named `routing_id` can take a message now;
/// EHOSTUNREACH for an unknown peer, ENOTSUP on other socket types.
///
/// # Safety
/// `socket` is a handle from zmq_socket (or NULL); `routing_id` points to
/// `routing_id_size` readable bytes (or is NULL with size 0).
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_socket_get_peer_state(
    socket: *mut c_void,
    routing_id: *const c_void,
    routing_id_size: usize,
) -> c_int {
    ffi_try!(-1, {
        // SAFETY: checked handle lookup (ENOTSOCK for bad handles).
        let mut s = unsafe { socket_mut(socket)? };
        let id: &[u8] = if routing_id_size == 0 {
            &[]
        } else if routing_id.is_null() {
            return Err(Errno::EFAULT);
        } else {
            // SAFETY: the caller passes `routing_id_size` readable bytes.
            unsafe { std::slice::from_raw_parts(routing_id as *const u8, routing_id_size) }
        };
        s.peer_state(id)
    })
}
