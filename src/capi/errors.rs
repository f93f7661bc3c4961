//! `zmq_errno` and `zmq_strerror`.

use std::ffi::{c_char, c_int, CStr};

use super::ffi_try;
use crate::error::{self, EFSM, EMTHREAD, ENOCOMPATPROTO, ETERM};

/// The calling thread's C `errno`, which every failing call sets.
#[no_mangle]
pub extern "C" fn zmq_errno() -> c_int {
    // The body cannot fail, so errno is only read, never written.
    ffi_try!(libc::EFAULT, Ok(error::errno()))
}

/// The message for an error number: libzmq's own texts for the ZeroMQ codes
/// (and for EHOSTUNREACH), the C library's `strerror` for everything else.
/// The pointer stays valid: it is a static string or libc's.
#[no_mangle]
pub extern "C" fn zmq_strerror(errnum: c_int) -> *const c_char {
    ffi_try!(
        c"Unknown error".as_ptr(),
        Ok(zmq_message(errnum).map_or_else(
            // SAFETY: strerror accepts any int and returns a NUL-terminated
            // string owned by libc (static, or a per-thread buffer for unknown
            // numbers), exactly what libzmq hands out.
            || unsafe { libc::strerror(errnum) }.cast_const(),
            CStr::as_ptr,
        ))
    )
}

/// libzmq's texts for the codes it defines itself.
fn zmq_message(errnum: c_int) -> Option<&'static CStr> {
    Some(match errnum {
        EFSM => c"Operation cannot be accomplished in current state",
        ENOCOMPATPROTO => c"The protocol is not compatible with the socket type",
        ETERM => c"Context was terminated",
        EMTHREAD => c"No thread available",
        libc::EHOSTUNREACH => c"Host unreachable",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{set_errno, Errno};

    fn text(errnum: c_int) -> String {
        // SAFETY: zmq_strerror always returns a valid NUL-terminated string.
        unsafe { CStr::from_ptr(zmq_strerror(errnum)) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn zmq_codes() {
        assert_eq!(
            text(EFSM),
            "Operation cannot be accomplished in current state"
        );
        assert_eq!(
            text(ENOCOMPATPROTO),
            "The protocol is not compatible with the socket type"
        );
        assert_eq!(text(ETERM), "Context was terminated");
        assert_eq!(text(EMTHREAD), "No thread available");
        assert_eq!(text(libc::EHOSTUNREACH), "Host unreachable");
    }

    #[test]
    fn os_codes() {
        assert_eq!(text(libc::EINVAL), "Invalid argument");
        assert_eq!(text(libc::EAGAIN), "Resource temporarily unavailable");
        assert_eq!(text(0), "Success");
        assert_eq!(text(99999), "Unknown error 99999");
    }

    #[test]
    fn errno_round_trip() {
        set_errno(Errno::ETERM);
        assert_eq!(zmq_errno(), ETERM);
        set_errno(Errno(0));
        assert_eq!(zmq_errno(), 0);
    }
}
