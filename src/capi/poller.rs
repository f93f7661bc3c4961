//! The draft zmq_poller_* API: a reusable set of sockets and fds to wait on.
//!
//! Same waiting algorithm as zmq_poll (a zero-timeout first pass, then poll(2)
//! on every ZMQ_FD and raw fd, re-reading ZMQ_EVENTS after each wake-up), with
//! libzmq's error rules: EFAULT for a NULL or foreign poller, ENOTSOCK for a
//! bad socket, EBADF for fd -1, EINVAL for duplicates, unknown items and
//! unknown event bits, EAGAIN on timeout, EFAULT for an endless wait on nothing.
#![cfg(feature = "draft")]

use crate::capi::ffi_try;
use crate::capi::poll::{fd_poll_events, fd_revents, socket_fd, sys_poll};
use crate::capi::safe_watch::SafeWatch;
use crate::capi::socket::socket_mut;
use crate::capi::types::{zmq_fd_t, zmq_poller_event_t};
use crate::constants::*;
use crate::error::{Errno, Result};
use crate::io::command::SocketMailbox;
use std::ffi::{c_int, c_long, c_short, c_void};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TAG_LIVE: u32 = 0xcafe_f00d;
const TAG_DEAD: u32 = 0xdead_f00d;

struct Item {
    /// NULL for a raw fd item.
    socket: *mut c_void,
    fd: zmq_fd_t,
    user_data: *mut c_void,
    events: c_short,
    /// Index into `pfds` when `events != 0`.
    pfd: usize,
    /// A thread-safe socket's mailbox, which signals `Poller::safe`.
    mailbox: Option<Arc<SocketMailbox>>,
}

/// The tag comes first so a stray pointer (even `&null_poller`, as libzmq's
/// tests pass) is recognised by reading four bytes.
#[repr(C)]
struct Poller {
    tag: u32,
    items: Vec<Item>,
    pfds: Vec<libc::pollfd>,
    need_rebuild: bool,
    /// The signaler of the thread-safe sockets (zmq_poller_fd).
    safe: SafeWatch,
}

unsafe fn poller_mut<'a>(p: *mut c_void) -> Result<&'a mut Poller> {
    if p.is_null() {
        return Err(Errno::EFAULT);
    }
    let p = p as *mut Poller;
    // SAFETY: the caller passes a poller from zmq_poller_new or another
    // pointer to readable memory (libzmq reads its tag the same way).
    unsafe {
        if std::ptr::read_unaligned(p as *const u32) != TAG_LIVE {
            return Err(Errno::EFAULT);
        }
        Ok(&mut *p)
    }
}

fn check_events(events: c_short) -> Result<()> {
    let all = (ZMQ_POLLIN | ZMQ_POLLOUT | ZMQ_POLLERR | ZMQ_POLLPRI) as c_short;
    if events & !all != 0 {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

unsafe fn check_socket(s: *mut c_void) -> Result<()> {
    // SAFETY: see socket_mut.
    unsafe { socket_mut(s)? };
    Ok(())
}

fn check_fd(fd: zmq_fd_t) -> Result<()> {
    if fd == -1 {
        return Err(Errno(libc::EBADF));
    }
    Ok(())
}

impl Poller {
    fn find_socket(&self, s: *mut c_void) -> Option<usize> {
        self.items.iter().position(|i| i.socket == s)
    }

    fn find_fd(&self, fd: zmq_fd_t) -> Option<usize> {
        self.items
            .iter()
            .position(|i| i.socket.is_null() && i.fd == fd)
    }

    /// Rebuild the pollfd array from the items that ask for events.
    unsafe fn rebuild(&mut self) -> Result<()> {
        self.pfds.clear();
        let mut safe_pfd = None;
        for item in &mut self.items {
            if item.events == 0 {
                continue;
            }
            if item.mailbox.is_some() {
                // All thread-safe sockets share the signaler's one entry.
                item.pfd = *safe_pfd.get_or_insert_with(|| {
                    self.pfds.push(libc::pollfd {
                        fd: self.safe.fd().unwrap_or(-1),
                        events: libc::POLLIN,
                        revents: 0,
                    });
                    self.pfds.len() - 1
                });
                continue;
            }
            let pfd = if item.socket.is_null() {
                libc::pollfd {
                    fd: item.fd,
                    events: fd_poll_events(item.events),
                    revents: 0,
                }
            } else {
                // SAFETY: registered sockets come from zmq_socket.
                let mut socket = unsafe { socket_mut(item.socket)? };
                libc::pollfd {
                    fd: socket_fd(&mut socket)?,
                    events: libc::POLLIN,
                    revents: 0,
                }
            };
            item.pfd = self.pfds.len();
            self.pfds.push(pfd);
        }
        self.need_rebuild = false;
        Ok(())
    }

    /// Fill `out` with ready items; returns how many.
    unsafe fn check(&mut self, out: &mut [zmq_poller_event_t]) -> Result<usize> {
        let mut found = 0;
        for item in &self.items {
            if found >= out.len() {
                break;
            }
            let events = if !item.socket.is_null() {
                // SAFETY: registered sockets come from zmq_socket.
                let mut socket = unsafe { socket_mut(item.socket)? };
                item.events & socket.events()? as c_short
            } else if item.events != 0 {
                fd_revents(self.pfds[item.pfd].revents)
            } else {
                0
            };
            if events != 0 {
                out[found] = zmq_poller_event_t {
                    socket: item.socket,
                    fd: if item.socket.is_null() { item.fd } else { -1 },
                    user_data: item.user_data,
                    events,
                };
                found += 1;
            }
        }
        Ok(found)
    }

    unsafe fn wait(&mut self, out: &mut [zmq_poller_event_t], timeout: c_long) -> Result<usize> {
        if self.items.is_empty() && timeout < 0 {
            return Err(Errno::EFAULT);
        }
        if self.need_rebuild {
            // SAFETY: forwarded contract.
            unsafe { self.rebuild()? };
        }
        if self.pfds.is_empty() {
            if timeout < 0 {
                // Nothing could ever wake us: fail instead of hanging.
                return Err(Errno::EFAULT);
            }
            if timeout > 0 {
                std::thread::sleep(Duration::from_millis(timeout as u64));
            }
            return Err(Errno::EAGAIN);
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
                left.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32
            };
            sys_poll(&mut self.pfds, wait_ms, None)?;
            self.safe.reset();
            // SAFETY: forwarded contract.
            let found = unsafe { self.check(out)? };
            if found > 0 {
                for ev in &mut out[found..] {
                    *ev = empty_event();
                }
                return Ok(found);
            }
            if timeout == 0 {
                break;
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
                Some(e) if now >= e => break,
                Some(_) => {}
            }
        }
        Err(Errno::EAGAIN)
    }
}

fn empty_event() -> zmq_poller_event_t {
    zmq_poller_event_t {
        socket: std::ptr::null_mut(),
        fd: -1,
        user_data: std::ptr::null_mut(),
        events: 0,
    }
}

#[cfg(feature = "draft")]
#[no_mangle]
pub extern "C" fn zmq_poller_new() -> *mut c_void {
    ffi_try!(std::ptr::null_mut(), {
        let p = Box::new(Poller {
            tag: TAG_LIVE,
            items: Vec::new(),
            pfds: Vec::new(),
            need_rebuild: false,
            safe: SafeWatch::default(),
        });
        Ok(Box::into_raw(p) as *mut c_void)
    })
}

/// # Safety
/// `poller_p` is NULL or points at a poller handle variable.
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_destroy(poller_p: *mut *mut c_void) -> c_int {
    ffi_try!(-1, {
        if poller_p.is_null() {
            return Err(Errno::EFAULT);
        }
        // SAFETY: the caller passes a pointer to its poller variable.
        let p = unsafe { *poller_p };
        // SAFETY: see poller_mut.
        let poller = unsafe { poller_mut(p)? };
        poller.tag = TAG_DEAD;
        // SAFETY: a live poller is a Box from zmq_poller_new.
        drop(unsafe { Box::from_raw(p as *mut Poller) });
        // SAFETY: as above.
        unsafe { *poller_p = std::ptr::null_mut() };
        Ok(0)
    })
}

/// # Safety
/// `poller` is NULL or a handle from zmq_poller_new.
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_size(poller: *mut c_void) -> c_int {
    // SAFETY: see poller_mut.
    ffi_try!(-1, Ok(unsafe { poller_mut(poller)? }.items.len() as c_int))
}

/// # Safety
/// `poller` is NULL or from zmq_poller_new; `socket` NULL or from zmq_socket.
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_add(
    poller: *mut c_void,
    socket: *mut c_void,
    user_data: *mut c_void,
    events: c_short,
) -> c_int {
    ffi_try!(-1, {
        // SAFETY: see poller_mut / socket_mut.
        let p = unsafe { poller_mut(poller)? };
        unsafe { check_socket(socket)? };
        check_events(events)?;
        if p.find_socket(socket).is_some() {
            return Err(Errno::EINVAL);
        }
        // SAFETY: checked above.
        let sock = unsafe { socket_mut(socket)? };
        let mailbox = if sock.is_thread_safe() {
            let mb = sock.base.mailbox.clone();
            p.safe.watch(&mb)?;
            Some(mb)
        } else {
            None
        };
        drop(sock);
        p.items.push(Item {
            socket,
            fd: -1,
            user_data,
            events,
            pfd: 0,
            mailbox,
        });
        p.need_rebuild = true;
        Ok(0)
    })
}

/// # Safety
/// As zmq_poller_add.
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_modify(
    poller: *mut c_void,
    socket: *mut c_void,
    events: c_short,
) -> c_int {
    ffi_try!(-1, {
        // SAFETY: see poller_mut / socket_mut.
        let p = unsafe { poller_mut(poller)? };
        unsafe { check_socket(socket)? };
        check_events(events)?;
        let i = p.find_socket(socket).ok_or(Errno::EINVAL)?;
        p.items[i].events = events;
        p.need_rebuild = true;
        Ok(0)
    })
}

/// # Safety
/// As zmq_poller_add.
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_remove(poller: *mut c_void, socket: *mut c_void) -> c_int {
    ffi_try!(-1, {
        // SAFETY: see poller_mut / socket_mut.
        let p = unsafe { poller_mut(poller)? };
        unsafe { check_socket(socket)? };
        let i = p.find_socket(socket).ok_or(Errno::EINVAL)?;
        if let Some(mb) = p.items.remove(i).mailbox {
            p.safe.unwatch(&mb);
        }
        p.need_rebuild = true;
        Ok(0)
    })
}

/// # Safety
/// `poller` is NULL or a handle from zmq_poller_new.
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_add_fd(
    poller: *mut c_void,
    fd: zmq_fd_t,
    user_data: *mut c_void,
    events: c_short,
) -> c_int {
    ffi_try!(-1, {
        // SAFETY: see poller_mut.
        let p = unsafe { poller_mut(poller)? };
        check_fd(fd)?;
        check_events(events)?;
        if p.find_fd(fd).is_some() {
            return Err(Errno::EINVAL);
        }
        p.items.push(Item {
            socket: std::ptr::null_mut(),
            fd,
            user_data,
            events,
            pfd: 0,
            mailbox: None,
        });
        p.need_rebuild = true;
        Ok(0)
    })
}

/// # Safety
/// `poller` is NULL or a handle from zmq_poller_new.
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_modify_fd(
    poller: *mut c_void,
    fd: zmq_fd_t,
    events: c_short,
) -> c_int {
    ffi_try!(-1, {
        // SAFETY: see poller_mut.
        let p = unsafe { poller_mut(poller)? };
        check_fd(fd)?;
        check_events(events)?;
        let i = p.find_fd(fd).ok_or(Errno::EINVAL)?;
        p.items[i].events = events;
        p.need_rebuild = true;
        Ok(0)
    })
}

/// # Safety
/// `poller` is NULL or a handle from zmq_poller_new.
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_remove_fd(poller: *mut c_void, fd: zmq_fd_t) -> c_int {
    ffi_try!(-1, {
        // SAFETY: see poller_mut.
        let p = unsafe { poller_mut(poller)? };
        check_fd(fd)?;
        let i = p.find_fd(fd).ok_or(Errno::EINVAL)?;
        p.items.remove(i);
        p.need_rebuild = true;
        Ok(0)
    })
}

unsafe fn wait_all(
    poller: *mut c_void,
    events: *mut zmq_poller_event_t,
    n: c_int,
    timeout: c_long,
) -> Result<c_int> {
    // SAFETY: see poller_mut.
    let p = unsafe { poller_mut(poller)? };
    if events.is_null() {
        return Err(Errno::EFAULT);
    }
    if n < 0 {
        return Err(Errno::EINVAL);
    }
    // SAFETY: the caller provides n writable events.
    let out = unsafe { std::slice::from_raw_parts_mut(events, n as usize) };
    // SAFETY: registered sockets come from zmq_socket.
    Ok(unsafe { p.wait(out, timeout)? } as c_int)
}

/// # Safety
/// `poller` is NULL or from zmq_poller_new; `events` is NULL or holds `n_events` entries.
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_wait_all(
    poller: *mut c_void,
    events: *mut zmq_poller_event_t,
    n_events: c_int,
    timeout: c_long,
) -> c_int {
    // SAFETY: forwarded C contract.
    ffi_try!(-1, unsafe { wait_all(poller, events, n_events, timeout) })
}

/// # Safety
/// `poller` is NULL or from zmq_poller_new; `event` is NULL or writable.
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_wait(
    poller: *mut c_void,
    event: *mut zmq_poller_event_t,
    timeout: c_long,
) -> c_int {
    // SAFETY: forwarded C contract.
    let rc = ffi_try!(-1, unsafe { wait_all(poller, event, 1, timeout) });
    if rc < 0 {
        if !event.is_null() {
            let e = crate::error::errno();
            // SAFETY: non-NULL event points to the caller's struct.
            unsafe { *event = empty_event() };
            crate::error::set_errno(Errno(e));
        }
        return -1;
    }
    0
}

/// The poller's signaler: readable when one of its thread-safe sockets may
/// have changed state (then zmq_poller_wait with timeout 0 tells which).
/// As libzmq, only a poller that has held a thread-safe socket has one;
/// otherwise EINVAL. It stays after such sockets are removed.
///
/// # Safety
/// `poller` is NULL or a handle from zmq_poller_new; `fd` NULL or writable.
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_fd(poller: *mut c_void, fd: *mut zmq_fd_t) -> c_int {
    ffi_try!(-1, {
        // SAFETY: see poller_mut.
        let p = unsafe { poller_mut(poller)? };
        let sig = p.safe.fd().ok_or(Errno::EINVAL)?;
        if fd.is_null() {
            return Err(Errno::EFAULT);
        }
        // SAFETY: non-NULL, the caller's zmq_fd_t.
        unsafe { *fd = sig };
        Ok(0)
    })
}
