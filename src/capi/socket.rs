//! zmq_socket, zmq_close, options, endpoints, send and receive.
//!
//! A socket handle is a small tagged block that is never returned to the
//! allocator: zmq_close marks it dead and parks it for reuse. So a handle
//! used after close reads a valid tag and fails with ENOTSOCK, as libzmq's
//! does (pyzmq relies on this), instead of touching freed memory.
//!
//! Misuse across threads gets an errno, never undefined behaviour (libzmq's
//! is undefined):
//! - a classic socket takes one call at a time, libzmq's rule, but checked:
//!   a call swaps the handle's `busy` flag on at entry and stores it off at
//!   exit, and a call that finds it on fails with EBUSY, touching nothing;
//! - zmq_close while another thread is inside a call on the socket (blocked
//!   in zmq_recv, say) makes that call return ENOTSOCK and closes the socket
//!   only once the call has left it: a classic socket through a Closing
//!   command and the busy flag, a thread-safe one through its lock.
// The safety contract of each exported function is libzmq's: valid socket
// handles and the buffer sizes the C caller passes (see zmq_socket(3) etc.).
#![allow(clippy::missing_safety_doc)]

use crate::capi::ffi_try;
use crate::capi::types::zmq_msg_t;
use crate::ctx::registry::with_ctx;
use crate::error::{Errno, Result};
use crate::io::command::{Command, SocketMailbox};
use crate::msg::Msg;
use crate::socket::options::OptOut;
use crate::socket::Socket;
use parking_lot::{Mutex, MutexGuard};
use std::cell::UnsafeCell;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TAG_LIVE: u32 = 0xbadd_ecaf;
/// A live thread-safe socket: one compare tells the classic path from it.
const TAG_LIVE_SAFE: u32 = 0xbadd_ec5f;
/// A classic socket in zmq_close, which may be waiting for a call that
/// another thread has inside it to leave.
const TAG_CLOSING: u32 = 0xbadd_c105;
const TAG_DEAD: u32 = 0xdead_beef;

// On a cache line (pair) of its own: every classic call writes the busy
// flag, and two sockets' handles on one line (they are small, and made one
// after the other) would bounce it between the threads using them.
#[repr(C, align(128))]
pub struct SocketHandle {
    /// TAG_LIVE, TAG_LIVE_SAFE (a thread-safe type: every call then holds
    /// `lock`), TAG_CLOSING or TAG_DEAD.
    tag: AtomicU32,
    /// Classic sockets: a call is inside and owns `socket` until it clears
    /// the flag. zmq_close takes it for good; reuse clears it.
    busy: AtomicBool,
    lock: Mutex<()>,
    socket: UnsafeCell<Option<Box<Socket>>>,
    /// The socket's mailbox, for a zmq_close that finds a call inside a
    /// classic socket: it may not touch the socket, but can tell it to stop.
    /// Set before the tag goes live; read and cleared only by the zmq_close
    /// that moved the tag away from live.
    mailbox: UnsafeCell<Option<Arc<SocketMailbox>>>,
}

/// Closed handles, kept for reuse so that stale pointers stay readable.
struct Graveyard(Vec<*mut SocketHandle>);
// SAFETY: the raw pointers are only dereferenced by the thread that takes
// them out of the graveyard for reuse.
unsafe impl Send for Graveyard {}
static GRAVEYARD: Mutex<Graveyard> = Mutex::new(Graveyard(Vec::new()));

fn new_handle(socket: Socket) -> *mut SocketHandle {
    let live = if socket.is_thread_safe() {
        TAG_LIVE_SAFE
    } else {
        TAG_LIVE
    };
    let mailbox = Some(socket.base.mailbox.clone());
    let reused = GRAVEYARD.lock().0.pop();
    match reused {
        Some(h) => {
            // SAFETY: a graveyard handle is a live allocation no socket
            // uses: its busy flag is held (classic) or its tag dead
            // (thread-safe), so no call reads these fields until the tag
            // and the flag say so, with release ordering, below.
            unsafe {
                *(*h).socket.get() = Some(Box::new(socket));
                *(*h).mailbox.get() = mailbox;
                (*h).busy.store(false, Ordering::Release);
                (*h).tag.store(live, Ordering::Release);
            }
            h
        }
        None => Box::into_raw(Box::new(SocketHandle {
            tag: AtomicU32::new(live),
            busy: AtomicBool::new(false),
            lock: Mutex::new(()),
            socket: UnsafeCell::new(Some(Box::new(socket))),
            mailbox: UnsafeCell::new(mailbox),
        })),
    }
}

/// A classic socket's busy flag, held for one call and cleared on drop
/// (also when the call unwinds). Release: what this call did to the socket
/// happens before whatever the next caller (or zmq_close) does.
pub(crate) struct Busy<'a>(&'a AtomicBool);

impl Drop for Busy<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// What a `SocketRef` holds that makes the socket its own.
enum Hold<'a> {
    /// A classic socket's busy flag.
    Busy(#[allow(dead_code)] Busy<'a>),
    /// A thread-safe socket's lock (held for its drop, the unlock).
    Lock(#[allow(dead_code)] MutexGuard<'a, ()>),
    /// Nothing any more (a thread-safe call about to sleep).
    Released,
}

/// A socket borrowed for one C call. A classic socket is held by the
/// handle's busy flag; a thread-safe one by the handle's lock, and
/// releasing that wakes the threads blocked on the socket so they look at
/// its new state.
pub(crate) struct SocketRef<'a> {
    handle: &'a SocketHandle,
    socket: &'a mut Socket,
    hold: Hold<'a>,
}

impl std::ops::Deref for SocketRef<'_> {
    type Target = Socket;
    fn deref(&self) -> &Socket {
        self.socket
    }
}

impl std::ops::DerefMut for SocketRef<'_> {
    fn deref_mut(&mut self) -> &mut Socket {
        self.socket
    }
}

impl Drop for SocketRef<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        // A classic socket's flag clears as the field drops.
        if let Hold::Lock(_) = self.hold {
            self.release();
        }
    }
}

/// Milliseconds from now to `deadline` (None: no deadline).
fn deadline_after(timeout_ms: i32) -> Option<Instant> {
    (timeout_ms >= 0).then(|| Instant::now() + Duration::from_millis(timeout_ms as u64))
}

impl<'a> SocketRef<'a> {
    /// Send, blocking as the socket's options say. A thread-safe socket
    /// sleeps with its lock released, so other threads can use it.
    #[inline(always)]
    pub(crate) fn send(self, msg: &mut Msg, flags: c_int) -> Result<()> {
        if let Hold::Busy(_) = self.hold {
            // The classic path: the call owns the socket until it returns.
            return self.socket.send(msg, flags);
        }
        self.send_locked(msg, flags)
    }

    /// Receive, blocking as the socket's options say (see `send`).
    #[inline(always)]
    pub(crate) fn recv(self, flags: c_int) -> Result<Msg> {
        if let Hold::Busy(_) = self.hold {
            return self.socket.recv(flags);
        }
        self.recv_locked(flags)
    }

    #[inline(never)]
    fn send_locked(self, msg: &mut Msg, flags: c_int) -> Result<()> {
        self.blocking(flags, true, |s| s.send_nowait(msg, flags))
    }

    #[inline(never)]
    fn recv_locked(self, flags: c_int) -> Result<Msg> {
        self.blocking(flags, false, |s| s.recv_nowait())
    }

    /// Unlock, waking the threads blocked on the socket to look again.
    #[cold]
    fn release(&mut self) {
        self.socket.base.mailbox.kick_waiters();
        self.hold = Hold::Released;
    }

    /// The wait loop of a thread-safe socket: try under the lock; on EAGAIN
    /// note the mailbox's sequence number (read before the attempt, so no
    /// command slips by), release the lock without kicking and sleep until
    /// a command or another thread's call changes the socket. Asleep, the
    /// call holds nothing of the socket but its mailbox, so zmq_close in
    /// another thread may close it meanwhile: ENOTSOCK.
    fn blocking<T>(
        self,
        flags: c_int,
        sending: bool,
        mut attempt: impl FnMut(&mut Socket) -> Result<T>,
    ) -> Result<T> {
        let handle = self.handle;
        let mut locked = self;
        let mut deadline: Option<Option<Instant>> = None;
        loop {
            let mailbox = locked.socket.base.mailbox.clone();
            let seen = mailbox.seq();
            match attempt(&mut *locked.socket) {
                Err(e) if e == Errno::EAGAIN => {}
                other => return other,
            }
            let Some(timeout) = locked.socket.wait_timeout(flags, sending) else {
                return Err(Errno::EAGAIN);
            };
            let until = *deadline.get_or_insert_with(|| deadline_after(timeout));
            if until.is_some_and(|d| Instant::now() >= d) {
                return Err(Errno::EAGAIN);
            }
            mailbox.add_waiter();
            // Unlock without the kick of Drop: waking the other waiters
            // for nothing would make blocked threads wake each other forever.
            locked.hold = Hold::Released;
            drop(locked);
            mailbox.wait_change(seen, until);
            locked = lock(handle)?;
            // Closed meanwhile and the handle reused by a new socket: only
            // the same mailbox means the same socket.
            if !Arc::ptr_eq(&locked.socket.base.mailbox, &mailbox) {
                locked.hold = Hold::Released;
                return Err(Errno::ENOTSOCK);
            }
        }
    }
}

/// A handle resolved for one call: a classic socket, held by its busy
/// flag, to use directly, or a thread-safe one still to be locked.
pub(crate) enum Resolved<'a> {
    Classic(&'a mut Socket, Busy<'a>),
    ThreadSafe(&'a SocketHandle),
}

/// The tag check every call starts with: ENOTSOCK for NULL, closed or
/// foreign pointers (as far as a tag check can tell, exactly like libzmq);
/// EBUSY for a classic socket another thread has a call inside.
///
/// # Safety
/// As `socket_mut`.
#[inline(always)]
pub(crate) unsafe fn resolve<'a>(s: *mut c_void) -> Result<Resolved<'a>> {
    if s.is_null() {
        return Err(Errno::ENOTSOCK);
    }
    let h = s as *mut SocketHandle;
    // SAFETY: the caller passes a pointer it got from zmq_socket (or garbage
    // that libzmq would also have dereferenced); handles are never freed.
    // Only a live tag leads to a write (the busy flag), so garbage is only
    // ever read.
    unsafe {
        let handle: &'a SocketHandle = &*h;
        let tag = handle.tag.load(Ordering::Acquire);
        if tag == TAG_LIVE {
            return enter_classic(handle);
        } else if tag == TAG_LIVE_SAFE {
            return Ok(Resolved::ThreadSafe(handle));
        }
        Err(Errno::ENOTSOCK)
    }
}

/// Take a classic socket's busy flag for one call: the one atomic
/// read-modify-write a classic call pays for being checked.
///
/// # Safety
/// `handle` is a handle (its tag was live when read).
#[inline(always)]
unsafe fn enter_classic(handle: &SocketHandle) -> Result<Resolved<'_>> {
    // Acquire: everything the previous holder did to the socket is visible.
    if handle.busy.swap(true, Ordering::Acquire) {
        return Err(busy_or_closed(handle));
    }
    // SAFETY: the busy flag makes this thread the only one touching the
    // socket; a handle whose flag could be taken holds one (zmq_close takes
    // the socket only with the flag, and keeps the flag).
    match unsafe { (*handle.socket.get()).as_deref_mut() } {
        Some(socket) => Ok(Resolved::Classic(socket, Busy(&handle.busy))),
        None => {
            handle.busy.store(false, Ordering::Release);
            Err(Errno::ENOTSOCK)
        }
    }
}

/// Why the busy flag was taken: another thread's call (EBUSY) or a close
/// (ENOTSOCK).
#[cold]
#[inline(never)]
fn busy_or_closed(handle: &SocketHandle) -> Errno {
    if handle.tag.load(Ordering::Acquire) == TAG_LIVE {
        Errno::EBUSY
    } else {
        Errno::ENOTSOCK
    }
}

/// Lock a thread-safe socket's handle.
#[inline(never)]
fn lock<'a>(handle: &'a SocketHandle) -> Result<SocketRef<'a>> {
    let guard = handle.lock.lock();
    // Closed while we waited for the lock?
    if handle.tag.load(Ordering::Acquire) != TAG_LIVE_SAFE {
        return Err(Errno::ENOTSOCK);
    }
    // SAFETY: a thread-safe socket is only touched under its lock, which
    // we hold; the handle is live (checked under the lock).
    let socket = unsafe { (*handle.socket.get()).as_deref_mut() }.ok_or(Errno::ENOTSOCK)?;
    Ok(SocketRef {
        handle,
        socket,
        hold: Hold::Lock(guard),
    })
}

/// Resolve a C socket handle (see `resolve`). The socket is the caller's
/// (busy flag or lock) for as long as the returned borrow lives.
///
/// # Safety
/// `s` must be NULL or point to readable memory of at least 4 bytes.
pub(crate) unsafe fn socket_mut<'a>(s: *mut c_void) -> Result<SocketRef<'a>> {
    // SAFETY: forwarded contract.
    match unsafe { resolve(s)? } {
        Resolved::Classic(socket, busy) => Ok(SocketRef {
            // SAFETY: `s` passed the tag check: it is a handle.
            handle: unsafe { &*(s as *const SocketHandle) },
            socket,
            hold: Hold::Busy(busy),
        }),
        Resolved::ThreadSafe(handle) => lock(handle),
    }
}

impl Resolved<'_> {
    /// Send, blocking as the socket's options say: the message path, with
    /// no lock for classic sockets.
    #[inline(always)]
    pub(crate) fn send(self, msg: &mut Msg, flags: c_int) -> Result<()> {
        match self {
            // `_busy` clears the flag as the call returns.
            Resolved::Classic(socket, _busy) => socket.send(msg, flags),
            Resolved::ThreadSafe(handle) => send_thread_safe(handle, msg, flags),
        }
    }

    /// Receive, blocking as the socket's options say (see `send`).
    #[inline(always)]
    pub(crate) fn recv(self, flags: c_int) -> Result<Msg> {
        match self {
            Resolved::Classic(socket, _busy) => socket.recv(flags),
            Resolved::ThreadSafe(handle) => recv_thread_safe(handle, flags),
        }
    }

    /// Receive into the caller's message (zmq_msg_recv): classic sockets
    /// read straight into it; a thread-safe one replaces it on success.
    #[inline(always)]
    pub(crate) fn recv_into(self, flags: c_int, out: &mut Msg) -> Result<()> {
        match self {
            Resolved::Classic(socket, _busy) => socket.recv_into(flags, out),
            Resolved::ThreadSafe(handle) => {
                *out = recv_thread_safe(handle, flags)?;
                Ok(())
            }
        }
    }
}

// Out of line, so the classic callers carry none of the lock's code.
#[cold]
#[inline(never)]
fn send_thread_safe(handle: &SocketHandle, msg: &mut Msg, flags: c_int) -> Result<()> {
    lock(handle)?.send_locked(msg, flags)
}

#[cold]
#[inline(never)]
fn recv_thread_safe(handle: &SocketHandle, flags: c_int) -> Result<Msg> {
    lock(handle)?.recv_locked(flags)
}

#[no_mangle]
pub unsafe extern "C" fn zmq_socket(ctx: *mut c_void, type_: c_int) -> *mut c_void {
    ffi_try!(std::ptr::null_mut(), {
        let ctx = with_ctx(ctx)?;
        let socket = Socket::new(ctx, type_)?;
        Ok(new_handle(socket) as *mut c_void)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_close(s: *mut c_void) -> c_int {
    ffi_try!(-1, {
        if s.is_null() {
            return Err(Errno::ENOTSOCK);
        }
        let h = s as *mut SocketHandle;
        // SAFETY: as in `resolve`: handles are never freed.
        let handle = unsafe { &*h };
        let socket = match handle.tag.load(Ordering::Acquire) {
            // SAFETY: a live tag: `handle` is a handle.
            TAG_LIVE => unsafe { take_classic(handle)? },
            TAG_LIVE_SAFE => take_thread_safe(handle)?,
            _ => return Err(Errno::ENOTSOCK),
        };
        socket.close();
        GRAVEYARD.lock().0.push(h);
        Ok(0)
    })
}

/// zmq_close's half for a classic socket: take it out of its handle,
/// first stopping a call another thread has inside it (a blocked one
/// returns ENOTSOCK) and waiting for that call to leave.
///
/// # Safety
/// `handle` is a handle (its tag was live when read).
unsafe fn take_classic(handle: &SocketHandle) -> Result<Box<Socket>> {
    // One zmq_close wins; a concurrent one finds the socket closed.
    if handle
        .tag
        .compare_exchange(TAG_LIVE, TAG_CLOSING, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        return Err(Errno::ENOTSOCK);
    }
    if handle.busy.swap(true, Ordering::Acquire) {
        // SAFETY: the mailbox field is this closer's now (see the field).
        if let Some(mailbox) = unsafe { (*handle.mailbox.get()).as_ref() } {
            mailbox.send(Command::Closing);
        }
        wait_for_busy(handle);
    }
    handle.tag.store(TAG_DEAD, Ordering::Release);
    // SAFETY: the busy flag is ours for good: no call touches the socket.
    unsafe {
        *handle.mailbox.get() = None;
        (*handle.socket.get()).take().ok_or(Errno::ENOTSOCK)
    }
}

/// Take the busy flag of a classic socket another thread has a call
/// inside; the call was told to stop, so this is short (a blocked call
/// wakes at once). Rare, so it polls rather than keep a wake-up per handle.
#[cold]
fn wait_for_busy(handle: &SocketHandle) {
    let mut pause = Duration::from_micros(20);
    let mut spins = 0;
    while handle.busy.swap(true, Ordering::Acquire) {
        if spins < 100 {
            spins += 1;
            std::thread::yield_now();
        } else {
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(1));
        }
    }
}

/// zmq_close's half for a thread-safe socket: take it out of its handle
/// under the lock. Threads blocked on it wake (the kick of the lock's
/// release) and find the handle dead: ENOTSOCK.
fn take_thread_safe(handle: &SocketHandle) -> Result<Box<Socket>> {
    let locked = lock(handle)?;
    handle.tag.store(TAG_DEAD, Ordering::Release);
    let mailbox = locked.base.mailbox.clone();
    drop(locked);
    mailbox.kick_waiters();
    // SAFETY: the tag is dead, so no call touches the socket or the mailbox
    // field any more (a locker checks the tag first); this zmq_close is the
    // one that killed it.
    unsafe {
        *handle.mailbox.get() = None;
        (*handle.socket.get()).take().ok_or(Errno::ENOTSOCK)
    }
}

/// String options libzmq clears only with (NULL, 0): an empty string at a
/// real pointer is EINVAL (its do_setsockopt_string_allow_empty_strict).
/// The slice the socket gets cannot tell the two apart, so it is checked here.
fn empty_needs_null(option: c_int) -> bool {
    matches!(
        option,
        crate::constants::ZMQ_SOCKS_PROXY
            | crate::constants::ZMQ_BINDTODEVICE
            | crate::constants::ZMQ_TCP_ACCEPT_FILTER
    )
}

/// Borrow the C option value as a slice (NULL is allowed with length 0).
unsafe fn opt_slice<'a>(val: *const c_void, len: usize) -> Result<&'a [u8]> {
    if val.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(Errno::EINVAL)
        };
    }
    // SAFETY: the caller promises `len` readable bytes at `val`.
    Ok(unsafe { std::slice::from_raw_parts(val as *const u8, len) })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_setsockopt(
    s: *mut c_void,
    option: c_int,
    optval: *const c_void,
    optvallen: usize,
) -> c_int {
    ffi_try!(-1, {
        // SAFETY: see socket_mut / opt_slice.
        let mut socket = unsafe { socket_mut(s)? };
        if optvallen == 0 && !optval.is_null() && empty_needs_null(option) {
            return Err(Errno::EINVAL);
        }
        let val = unsafe { opt_slice(optval, optvallen)? };
        socket.setsockopt(option, val)?;
        Ok(0)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_getsockopt(
    s: *mut c_void,
    option: c_int,
    optval: *mut c_void,
    optvallen: *mut usize,
) -> c_int {
    ffi_try!(-1, {
        // SAFETY: see socket_mut.
        let mut socket = unsafe { socket_mut(s)? };
        if optvallen.is_null() {
            return Err(Errno::EFAULT);
        }
        // SAFETY: optvallen is non-null and points to the caller's size_t.
        let len = unsafe { *optvallen };
        let buf: &mut [u8] = if optval.is_null() || len == 0 {
            &mut []
        } else {
            // SAFETY: the caller promises *optvallen writable bytes.
            unsafe { std::slice::from_raw_parts_mut(optval as *mut u8, len) }
        };
        let mut out = OptOut::new(buf);
        socket.getsockopt(option, &mut out)?;
        // SAFETY: as above.
        unsafe { *optvallen = out.len() };
        Ok(0)
    })
}

unsafe fn endpoint<'a>(addr: *const c_char) -> Result<&'a str> {
    if addr.is_null() {
        return Err(Errno::EINVAL);
    }
    // SAFETY: the caller passes a NUL-terminated string.
    unsafe { CStr::from_ptr(addr) }
        .to_str()
        .map_err(|_| Errno::EINVAL)
}

#[no_mangle]
pub unsafe extern "C" fn zmq_bind(s: *mut c_void, addr: *const c_char) -> c_int {
    ffi_try!(-1, {
        // SAFETY: see socket_mut / endpoint.
        let mut socket = unsafe { socket_mut(s)? };
        socket.bind(unsafe { endpoint(addr)? })?;
        Ok(0)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_connect(s: *mut c_void, addr: *const c_char) -> c_int {
    ffi_try!(-1, {
        // SAFETY: see socket_mut / endpoint.
        let mut socket = unsafe { socket_mut(s)? };
        socket.connect(unsafe { endpoint(addr)? })?;
        Ok(0)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_unbind(s: *mut c_void, addr: *const c_char) -> c_int {
    ffi_try!(-1, {
        // SAFETY: see socket_mut / endpoint.
        let mut socket = unsafe { socket_mut(s)? };
        socket.term_endpoint(unsafe { endpoint(addr)? }, true)?;
        Ok(0)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_disconnect(s: *mut c_void, addr: *const c_char) -> c_int {
    ffi_try!(-1, {
        // SAFETY: see socket_mut / endpoint.
        let mut socket = unsafe { socket_mut(s)? };
        socket.term_endpoint(unsafe { endpoint(addr)? }, false)?;
        Ok(0)
    })
}

/// Byte counts are reported as int, clamped like libzmq's.
fn clamp(n: usize) -> c_int {
    n.min(c_int::MAX as usize) as c_int
}

#[no_mangle]
pub unsafe extern "C" fn zmq_send(
    s: *mut c_void,
    buf: *const c_void,
    len: usize,
    flags: c_int,
) -> c_int {
    ffi_try!(-1, {
        // SAFETY: see socket_mut / opt_slice (same contract: len bytes at buf).
        let socket = unsafe { resolve(s)? };
        let data = unsafe { opt_slice(buf, len).map_err(|_| Errno::EFAULT)? };
        let mut msg = Msg::from_slice(data);
        socket.send(&mut msg, flags)?;
        Ok(clamp(len))
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_send_const(
    s: *mut c_void,
    buf: *const c_void,
    len: usize,
    flags: c_int,
) -> c_int {
    ffi_try!(-1, {
        // SAFETY: see socket_mut.
        let socket = unsafe { resolve(s)? };
        if buf.is_null() && len != 0 {
            return Err(Errno::EFAULT);
        }
        // SAFETY: the caller keeps the constant buffer alive and unchanged.
        let mut msg =
            unsafe { Msg::from_raw_parts(buf as *mut u8, len, None, std::ptr::null_mut())? };
        socket.send(&mut msg, flags)?;
        Ok(clamp(len))
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_recv(
    s: *mut c_void,
    buf: *mut c_void,
    len: usize,
    flags: c_int,
) -> c_int {
    ffi_try!(-1, {
        // SAFETY: see socket_mut.
        let socket = unsafe { resolve(s)? };
        if buf.is_null() && len != 0 {
            return Err(Errno::EFAULT);
        }
        let msg = socket.recv(flags)?;
        let data = msg.data();
        let n = data.len().min(len);
        if n > 0 {
            // SAFETY: the caller provides len writable bytes; n <= len.
            unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), buf as *mut u8, n) };
        }
        // The full size is reported even when truncated, as libzmq does.
        Ok(clamp(data.len()))
    })
}

/// Resolve a C message pointer for send/recv.
unsafe fn msg_mut<'a>(m: *mut zmq_msg_t) -> Result<&'a mut Msg> {
    if m.is_null() {
        return Err(Errno::EFAULT);
    }
    // SAFETY: zmq_msg_t holds a Msg (same size and alignment); is_live reads
    // only the marker bytes, so an uninitialised or closed one is refused.
    if !unsafe { Msg::is_live(m as *const Msg) } {
        return Err(Errno::EFAULT);
    }
    // SAFETY: checked live above.
    Ok(unsafe { &mut *(m as *mut Msg) })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_send(msg: *mut zmq_msg_t, s: *mut c_void, flags: c_int) -> c_int {
    ffi_try!(-1, {
        // SAFETY: see socket_mut / msg_mut.
        let socket = unsafe { resolve(s)? };
        let msg = unsafe { msg_mut(msg)? };
        let size = msg.size();
        // On success the pattern took the content and left an empty message.
        socket.send(msg, flags)?;
        if !msg.is_blank() {
            *msg = Msg::new();
        }
        Ok(clamp(size))
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_recv(msg: *mut zmq_msg_t, s: *mut c_void, flags: c_int) -> c_int {
    ffi_try!(-1, {
        // SAFETY: see socket_mut / msg_mut.
        let socket = unsafe { resolve(s)? };
        let msg = unsafe { msg_mut(msg)? };
        socket.recv_into(flags, msg)?;
        Ok(clamp(msg.size()))
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_sendmsg(s: *mut c_void, msg: *mut zmq_msg_t, flags: c_int) -> c_int {
    // SAFETY: same contract as zmq_msg_send.
    unsafe { zmq_msg_send(msg, s, flags) }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_recvmsg(s: *mut c_void, msg: *mut zmq_msg_t, flags: c_int) -> c_int {
    // SAFETY: same contract as zmq_msg_recv.
    unsafe { zmq_msg_recv(msg, s, flags) }
}

/// zmq_sendiov (undocumented in libzmq but exported): send `count` buffers,
/// each with the caller's flags except that SNDMORE is cleared on the last
/// (so `ZMQ_SNDMORE` makes them one multipart message, as in libzmq).
#[no_mangle]
pub unsafe extern "C" fn zmq_sendiov(
    s: *mut c_void,
    iov: *mut libc::iovec,
    count: usize,
    flags: c_int,
) -> c_int {
    ffi_try!(-1, {
        // SAFETY: see socket_mut (checked once up front, then per part so a
        // thread-safe socket is not locked while a part blocks).
        drop(unsafe { socket_mut(s)? });
        if count == 0 || iov.is_null() {
            return Err(Errno::EINVAL);
        }
        // SAFETY: the caller provides `count` iovecs.
        let parts = unsafe { std::slice::from_raw_parts(iov, count) };
        let mut last = 0;
        for (i, part) in parts.iter().enumerate() {
            // SAFETY: each iovec describes iov_len readable bytes.
            let data = unsafe { opt_slice(part.iov_base, part.iov_len)? };
            let mut msg = Msg::from_slice(data);
            let f = if i + 1 < count {
                flags
            } else {
                flags & !crate::constants::ZMQ_SNDMORE
            };
            // SAFETY: as above.
            unsafe { resolve(s)? }.send(&mut msg, f)?;
            last = clamp(part.iov_len);
        }
        Ok(last)
    })
}

/// zmq_recviov: receive up to *count parts into malloc'd buffers the caller
/// frees; *count becomes the number of parts received, which is returned.
#[no_mangle]
pub unsafe extern "C" fn zmq_recviov(
    s: *mut c_void,
    iov: *mut libc::iovec,
    count: *mut usize,
    flags: c_int,
) -> c_int {
    ffi_try!(-1, {
        // SAFETY: see socket_mut (checked once up front, then per part).
        drop(unsafe { socket_mut(s)? });
        // libzmq's rules: a null count, a zero *count or a null iov is
        // EINVAL, checked before anything is received.
        // SAFETY: count is read only once it is known to be non-null.
        if count.is_null() || unsafe { *count } == 0 || iov.is_null() {
            return Err(Errno::EINVAL);
        }
        // SAFETY: count is non-null; iov has *count entries.
        let max = unsafe { *count };
        unsafe { *count = 0 };
        let parts = unsafe { std::slice::from_raw_parts_mut(iov, max) };
        let mut n = 0;
        for part in parts.iter_mut() {
            // SAFETY: as above.
            let msg = unsafe { resolve(s)? }.recv(flags)?;
            let data = msg.data();
            // SAFETY: malloc of the part size (1 for empty parts so the caller
            // can always free); the copy stays inside it.
            let buf = unsafe { libc::malloc(data.len().max(1)) } as *mut u8;
            if buf.is_null() {
                return Err(Errno::ENOMEM);
            }
            unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), buf, data.len()) };
            part.iov_base = buf as *mut c_void;
            part.iov_len = data.len();
            n += 1;
            // SAFETY: count is non-null.
            unsafe { *count = n };
            if !msg.more() {
                break;
            }
        }
        Ok(n as c_int)
    })
}
