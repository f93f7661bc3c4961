//! The C types of zmq.h, laid out exactly as libzmq lays them out.
//! include/zmq.h declares them verbatim (cbindgen.toml excludes them), so the
//! Rust side only has to agree on size and alignment, which is asserted here.
#![allow(non_camel_case_types)]

use std::ffi::{c_int, c_short, c_void};

/// `zmq_msg_t`: 64 opaque bytes, pointer-aligned. Our `msg::Msg` lives in it.
#[repr(C, align(8))]
pub struct zmq_msg_t {
    pub _opaque: [u8; 64],
}

/// `zmq_fd_t` on POSIX.
pub type zmq_fd_t = c_int;

/// `zmq_free_fn`: releases a zero-copy buffer given to `zmq_msg_init_data`.
pub type zmq_free_fn = unsafe extern "C" fn(data: *mut c_void, hint: *mut c_void);

/// `zmq_timer_fn`: a timer's handler, called from `zmq_timers_execute`.
pub type zmq_timer_fn = unsafe extern "C" fn(timer_id: c_int, arg: *mut c_void);

/// `zmq_pollitem_t`.
#[repr(C)]
pub struct zmq_pollitem_t {
    pub socket: *mut c_void,
    pub fd: zmq_fd_t,
    pub events: c_short,
    pub revents: c_short,
}

/// `zmq_poller_event_t` (draft).
#[repr(C)]
pub struct zmq_poller_event_t {
    pub socket: *mut c_void,
    pub fd: zmq_fd_t,
    pub user_data: *mut c_void,
    pub events: c_short,
}

const _: () = assert!(std::mem::size_of::<zmq_msg_t>() == 64);
const _: () = assert!(std::mem::align_of::<zmq_msg_t>() == std::mem::align_of::<*const u8>());
const _: () = assert!(std::mem::size_of::<zmq_pollitem_t>() == 16);
const _: () = assert!(std::mem::size_of::<zmq_poller_event_t>() == 32);
