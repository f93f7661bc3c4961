//! An eventfd that one thread makes readable and another waits on.
//! A socket's signaler fd is also its ZMQ_FD.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

pub struct Signaler {
    fd: OwnedFd,
}

impl Signaler {
    pub fn new() -> io::Result<Signaler> {
        // SAFETY: eventfd has no memory-safety preconditions.
        let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fd is a freshly created descriptor that nothing else owns.
        Ok(Signaler {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    pub fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Make the fd readable.
    pub fn send(&self) {
        let one: u64 = 1;
        loop {
            // SAFETY: writes 8 bytes from a live u64 to our own eventfd.
            let rc = unsafe { libc::write(self.fd(), (&one as *const u64).cast(), 8) };
            if rc == 8 || io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                // EAGAIN means the counter is saturated: it is readable anyway.
                return;
            }
        }
    }

    /// Make the fd unreadable again (consume all pending signals).
    pub fn recv(&self) {
        let mut v: u64 = 0;
        loop {
            // SAFETY: reads 8 bytes into a live u64 from our own eventfd.
            let rc = unsafe { libc::read(self.fd(), (&mut v as *mut u64).cast(), 8) };
            if rc == 8 || io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                return;
            }
        }
    }

    /// Wait until the fd is readable or `timeout_ms` passes (-1: forever).
    /// Returns Ok(true) when signalled, Ok(false) on timeout; EINTR is an error
    /// the caller reports as libzmq does.
    pub fn wait(&self, timeout_ms: i32) -> io::Result<bool> {
        let mut pfd = libc::pollfd {
            fd: self.fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let rc = unsafe { libc::poll(&mut pfd, 1, timeout_ms) };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(rc > 0)
    }
}
