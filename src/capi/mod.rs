//! The C ABI: `extern "C"` functions, pointer checks and errno. No socket logic.
//!
//! Every exported body runs inside [`ffi_try!`], which turns an `Err(errno)` into
//! "set errno, return the documented failure value" and a panic into EFAULT
//! (libzmq would have aborted the host process; we report and carry on).

pub mod ctx;
pub mod draft_socket;
pub mod errors;
pub mod monitor;
pub mod msg;
pub mod poll;
pub mod poller;
pub mod proxy;
pub mod router;
mod safe_watch;
pub mod socket;
pub mod types;
pub mod util;

/// Run `$body` (an expression of type `error::Result<T>`) at the C boundary.
/// On `Err(e)` errno is set to `e` and `$fail` is returned; a panic is caught,
/// reported on stderr by the panic hook, and treated as EFAULT.
macro_rules! ffi_try {
    ($fail:expr, $body:expr) => {{
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(
            || -> $crate::error::Result<_> { $body },
        )) {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => {
                $crate::error::set_errno(e);
                $fail
            }
            Err(_) => {
                $crate::error::set_errno($crate::error::Errno::EFAULT);
                $fail
            }
        }
    }};
}

/// Return `Err(errno)` from the enclosing `ffi_try!` body when `$ptr` is null.
macro_rules! check_null {
    ($ptr:expr, $errno:expr) => {
        if $ptr.is_null() {
            return Err($errno);
        }
    };
}

pub(crate) use check_null;
pub(crate) use ffi_try;
