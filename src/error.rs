//! errno: the one error currency of the C API.
//!
//! libzmq reports every failure through the calling thread's C `errno`, so the
//! Rust side carries a plain errno value (`Errno`) and the C boundary stores it
//! in the real thread-local errno (`set_errno`).

use std::fmt;

// The ZeroMQ-specific errno values; src/constants.rs defines them (zmq.h's
// source of truth), so there is one definition each.
pub use crate::constants::{EFSM, EMTHREAD, ENOCOMPATPROTO, ETERM, ZMQ_HAUSNUMERO};

/// An errno value, as libzmq would leave it in `errno`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Errno(pub i32);

impl Errno {
    pub const EINVAL: Errno = Errno(libc::EINVAL);
    pub const EFAULT: Errno = Errno(libc::EFAULT);
    pub const ENOMEM: Errno = Errno(libc::ENOMEM);
    pub const EAGAIN: Errno = Errno(libc::EAGAIN);
    pub const EINTR: Errno = Errno(libc::EINTR);
    pub const ENOTSUP: Errno = Errno(libc::ENOTSUP);
    pub const ENOTSOCK: Errno = Errno(libc::ENOTSOCK);
    pub const EMFILE: Errno = Errno(libc::EMFILE);
    pub const ENOENT: Errno = Errno(libc::ENOENT);
    pub const EPROTONOSUPPORT: Errno = Errno(libc::EPROTONOSUPPORT);
    pub const EADDRINUSE: Errno = Errno(libc::EADDRINUSE);
    pub const EADDRNOTAVAIL: Errno = Errno(libc::EADDRNOTAVAIL);
    pub const ECONNREFUSED: Errno = Errno(libc::ECONNREFUSED);
    pub const EHOSTUNREACH: Errno = Errno(libc::EHOSTUNREACH);
    pub const EMSGSIZE: Errno = Errno(libc::EMSGSIZE);
    pub const ENODEV: Errno = Errno(libc::ENODEV);
    pub const EFSM: Errno = Errno(EFSM);
    pub const ENOCOMPATPROTO: Errno = Errno(ENOCOMPATPROTO);
    pub const ETERM: Errno = Errno(ETERM);
    pub const EMTHREAD: Errno = Errno(EMTHREAD);
    pub const EBUSY: Errno = Errno(libc::EBUSY);
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Errno({})", self.0)
    }
}

impl From<std::io::Error> for Errno {
    fn from(e: std::io::Error) -> Self {
        Errno(e.raw_os_error().unwrap_or(libc::EIO))
    }
}

pub type Result<T> = std::result::Result<T, Errno>;

/// Store `e` in the calling thread's C errno.
pub fn set_errno(e: Errno) {
    // SAFETY: __errno_location returns a valid pointer to this thread's errno.
    unsafe { *libc::__errno_location() = e.0 }
}

/// Read the calling thread's C errno.
pub fn errno() -> i32 {
    // SAFETY: __errno_location returns a valid pointer to this thread's errno.
    unsafe { *libc::__errno_location() }
}
