//! zmq_poll and zmq_ppoll: wait on sockets and plain fds at once.
//!
//! A socket item is polled through its ZMQ_FD (the mailbox eventfd), which
//! only says "the socket's state may have changed"; the truth comes from
//! ZMQ_EVENTS, read after every wake-up. As in libzmq, the first pass polls
//! with a zero timeout so ready sockets are reported without sleeping, then
//! the loop sleeps on all fds until something is ready or the time is up.

use crate::capi::ffi_try;
use crate::capi::safe_watch::SafeWatch;
use crate::capi::socket::socket_mut;
use crate::capi::types::zmq_pollitem_t;
use crate::constants::*;
use crate::error::{Errno, Result};
use crate::socket::options::OptOut;
use crate::socket::Socket;
use std::ffi::{c_int, c_long, c_short};
use std::time::{Duration, Instant};

/// Items up to this many are polled without touching the allocator.
const STACK_ITEMS: usize = ZMQ_POLLITEMS_DFLT as usize;

const EMPTY_PFD: libc::pollfd = libc::pollfd {
    fd: -1,
    events: 0,
    revents: 0,
};

/// ZMQ_FD through getsockopt, so a socket of a terminated context reports
/// ETERM exactly where libzmq does.
pub(crate) fn socket_fd(socket: &mut Socket) -> Result<c_int> {
    let mut buf = [0u8; std::mem::size_of::<c_int>()];
    let mut out = OptOut::new(&mut buf);
    socket.getsockopt(ZMQ_FD, &mut out)?;
    Ok(c_int::from_ne_bytes(buf))
}

/// Translate zmq poll bits to poll(2) bits for a raw fd.
pub(crate) fn fd_poll_events(events: c_short) -> c_short {
    let events = events as c_int;
    let mut ev = 0;
    if events & ZMQ_POLLIN != 0 {
        ev |= libc::POLLIN;
    }
    if events & ZMQ_POLLOUT != 0 {
        ev |= libc::POLLOUT;
    }
    if events & ZMQ_POLLPRI != 0 {
        ev |= libc::POLLPRI;
    }
    ev
}

/// Translate poll(2) results back; anything but IN/OUT/PRI (ERR, HUP, NVAL)
/// is reported as ZMQ_POLLERR, whatever was asked for, as libzmq does.
pub(crate) fn fd_revents(revents: c_short) -> c_short {
    let mut ev = 0;
    if revents & libc::POLLIN != 0 {
        ev |= ZMQ_POLLIN;
    }
    if revents & libc::POLLOUT != 0 {
        ev |= ZMQ_POLLOUT;
    }
    if revents & libc::POLLPRI != 0 {
        ev |= ZMQ_POLLPRI;
    }
    if revents & !(libc::POLLIN | libc::POLLOUT | libc::POLLPRI) != 0 {
        ev |= ZMQ_POLLERR;
    }
    ev as c_short
}

/// One poll(2)/ppoll(2) call; EINTR is returned to the caller as libzmq does.
pub(crate) fn sys_poll(
    pfds: &mut [libc::pollfd],
    timeout_ms: i32,
    sigmask: Option<*const libc::sigset_t>,
) -> Result<()> {
    let rc = match sigmask {
        None => {
            // SAFETY: pfds is a valid, exclusively borrowed array of pollfd.
            unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, timeout_ms) }
        }
        Some(mask) => {
            let ts = libc::timespec {
                tv_sec: (timeout_ms.max(0) / 1000) as libc::time_t,
                tv_nsec: ((timeout_ms.max(0) % 1000) as libc::c_long) * 1_000_000,
            };
            let tsp = if timeout_ms < 0 {
                std::ptr::null()
            } else {
                &ts as *const libc::timespec
            };
            // SAFETY: pfds as above; tsp is NULL or a live timespec; mask is
            // NULL or the caller's sigset_t.
            unsafe { libc::ppoll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, tsp, mask) }
        }
    };
    if rc < 0 {
        let e = std::io::Error::last_os_error();
        return Err(e.into());
    }
    Ok(())
}

/// Sleep for an empty item list as libzmq does (usleep of timeout ms).
fn sleep_ms(timeout: c_long) {
    // libzmq passes `timeout * 1000` to usleep (an unsigned int): -1 wraps.
    let us = timeout.wrapping_mul(1000) as u32;
    std::thread::sleep(Duration::from_micros(us as u64));
}

/// The zmq_poll algorithm over a slice of items.
///
/// # Safety
/// Every non-NULL `socket` in `items` must satisfy `socket_mut`'s contract.
pub(crate) unsafe fn poll_items(
    items: &mut [zmq_pollitem_t],
    timeout: c_long,
    sigmask: Option<*const libc::sigset_t>,
) -> Result<c_int> {
    let n = items.len();
    let mut stack = [EMPTY_PFD; STACK_ITEMS];
    let mut heap = Vec::new();
    let pfds: &mut [libc::pollfd] = if n <= STACK_ITEMS {
        &mut stack[..n]
    } else {
        heap.resize(n, EMPTY_PFD);
        &mut heap
    };

    // Thread-safe sockets (no ZMQ_FD) are watched through one signaler, as
    // libzmq's draft zmq_poll does through its poller.
    let mut safe = SafeWatch::default();
    for (item, pfd) in items.iter().zip(pfds.iter_mut()) {
        if item.socket.is_null() {
            pfd.fd = item.fd;
            pfd.events = fd_poll_events(item.events);
        } else {
            // SAFETY: the caller's contract.
            let mut socket = unsafe { socket_mut(item.socket)? };
            pfd.fd = if socket.is_thread_safe() {
                safe.watch(&socket.base.mailbox)?
            } else {
                socket_fd(&mut socket)?
            };
            pfd.events = if item.events != 0 { libc::POLLIN } else { 0 };
        }
    }

    let mut first_pass = true;
    let mut end: Option<Instant> = None;
    loop {
        let wait_ms = if first_pass {
            0
        } else if timeout < 0 {
            -1
        } else {
            let left = end.map_or(Duration::ZERO, |e| {
                e.saturating_duration_since(Instant::now())
            });
            // Round up so we never wake just before the deadline and spin.
            let ms = left.as_micros().div_ceil(1000);
            ms.min(i32::MAX as u128) as i32
        };
        sys_poll(pfds, wait_ms, sigmask)?;
        safe.reset();

        let mut nevents = 0;
        for (item, pfd) in items.iter_mut().zip(pfds.iter()) {
            item.revents = 0;
            if item.socket.is_null() {
                item.revents = fd_revents(pfd.revents);
            } else {
                // SAFETY: the caller's contract.
                let mut socket = unsafe { socket_mut(item.socket)? };
                let ev = socket.events()? as c_short;
                item.revents = item.events & ev & (ZMQ_POLLIN | ZMQ_POLLOUT) as c_short;
            }
            if item.revents != 0 {
                nevents += 1;
            }
        }

        if timeout == 0 || nevents > 0 {
            return Ok(nevents);
        }
        if timeout < 0 {
            first_pass = false;
            continue;
        }
        let now = Instant::now();
        match end {
            None => {
                end = Some(now + Duration::from_millis(timeout as u64));
                first_pass = false;
            }
            Some(e) if now >= e => return Ok(0),
            Some(_) => {}
        }
    }
}

/// Shared entry of zmq_poll and zmq_ppoll: argument checks, then the loop.
unsafe fn poll_entry(
    items: *mut zmq_pollitem_t,
    nitems: c_int,
    timeout: c_long,
    sigmask: Option<*const libc::sigset_t>,
) -> Result<c_int> {
    if nitems < 0 {
        return Err(Errno::EINVAL);
    }
    if nitems == 0 {
        if timeout != 0 {
            match sigmask {
                None => sleep_ms(timeout),
                Some(_) => sys_poll(
                    &mut [],
                    timeout.clamp(-1, i32::MAX as c_long) as i32,
                    sigmask,
                )?,
            }
        }
        return Ok(0);
    }
    if items.is_null() {
        return Err(Errno::EFAULT);
    }
    // SAFETY: the caller passes nitems valid pollitems at items.
    let items = unsafe { std::slice::from_raw_parts_mut(items, nitems as usize) };
    // SAFETY: sockets in the items come from zmq_socket (the C contract).
    unsafe { poll_items(items, timeout, sigmask) }
}

/// Wait until one of `items` is ready or `timeout` ms pass (-1: forever).
///
/// # Safety
/// `items` points at `nitems` pollitems whose sockets are NULL or come from zmq_socket.
#[no_mangle]
pub unsafe extern "C" fn zmq_poll(
    items: *mut zmq_pollitem_t,
    nitems: c_int,
    timeout: c_long,
) -> c_int {
    // SAFETY: forwarded C contract.
    ffi_try!(-1, unsafe { poll_entry(items, nitems, timeout, None) })
}

/// zmq_ppoll (draft, 4.3.5): zmq_poll with the signal mask of ppoll(2)
/// applied while waiting; a NULL mask behaves as zmq_poll.
///
/// # Safety
/// As zmq_poll; `sigmask` is NULL or a valid `sigset_t`.
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_ppoll(
    items: *mut zmq_pollitem_t,
    nitems: c_int,
    timeout: c_long,
    sigmask: *const libc::sigset_t,
) -> c_int {
    let mask = if sigmask.is_null() {
        None
    } else {
        Some(sigmask)
    };
    // SAFETY: forwarded C contract.
    ffi_try!(-1, unsafe { poll_entry(items, nitems, timeout, mask) })
}
