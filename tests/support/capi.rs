//! Helpers the Rust integration tests share for driving the C API.

use std::ffi::c_void;

use zmq::capi::socket::{zmq_setsockopt, zmq_socket};
use zmq::constants::*;

/// A socket of `kind` on `ctx` that gives up after 20 s in a send or a
/// receive (a stalled stream fails the test instead of hanging it) and
/// lingers for nothing on close.
pub fn socket(ctx: *mut c_void, kind: i32) -> *mut c_void {
    // SAFETY: ctx is a live context.
    let s = unsafe { zmq_socket(ctx, kind) };
    assert!(!s.is_null(), "zmq_socket");
    for (opt, v) in [
        (ZMQ_RCVTIMEO, 20_000),
        (ZMQ_SNDTIMEO, 20_000),
        (ZMQ_LINGER, 0),
    ] {
        // SAFETY: a live socket; the value outlives the call.
        let rc = unsafe { zmq_setsockopt(s, opt, (&v as *const i32).cast(), 4) };
        assert_eq!(rc, 0);
    }
    s
}
