//! zmq_proxy, zmq_proxy_steerable and the legacy zmq_device.
//!
//! The loop reads every socket's ZMQ_EVENTS, forwards a burst wherever a
//! source has input and its destination can take it, and only when a pass did
//! nothing sleeps in poll(2) on the sockets' ZMQ_FDs (which become readable
//! when a socket's state may have changed). Messages move whole: every part
//! is received and sent on with its MORE flag, and copied (sharing content)
//! to the capture socket when there is one.
//!
//! Control commands follow libzmq 4.3.5: PAUSE, RESUME, TERMINATE and
//! STATISTICS (eight native-endian uint64 frames); a REP control socket gets
//! an empty reply to everything else, unknown commands are ignored.
//! STATISTICS counts whole messages (a multipart message is one) and the
//! bytes of all their parts, as libzmq 4.3.4 and its test_proxy do; 4.3.5
//! counts parts, which no test of its checks.

use crate::capi::ffi_try;
use crate::capi::poll::{socket_fd, sys_poll};
use crate::capi::safe_watch::SafeWatch;
use crate::capi::socket::socket_mut;
use crate::constants::*;
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::socket::options::OptOut;
use crate::socket::Socket;
use std::ffi::{c_int, c_void};

/// Messages forwarded in one direction before looking at the other one.
const BURST: usize = 1000;

#[derive(Default, Clone, Copy)]
struct Counter {
    count: u64,
    bytes: u64,
}

#[derive(Default)]
struct Stats {
    front_recv: Counter,
    front_send: Counter,
    back_recv: Counter,
    back_send: Counter,
}

#[derive(PartialEq, Eq)]
enum State {
    Active,
    Paused,
    Terminated,
}

/// The sockets of one proxy run, as C handles: frontend and backend may be
/// the same socket, so each operation borrows its socket only for the call.
struct Proxy {
    frontend: *mut c_void,
    backend: *mut c_void,
    capture: *mut c_void,
    control: *mut c_void,
    state: State,
    stats: Stats,
    /// How thread-safe sockets (no ZMQ_FD) wake the proxy.
    safe: SafeWatch,
}

/// # Safety
/// `s` must satisfy `socket_mut`'s contract (a handle from zmq_socket).
unsafe fn events(s: *mut c_void) -> Result<c_int> {
    // SAFETY: forwarded contract; the borrow ends with this call.
    unsafe { socket_mut(s)? }.events()
}

impl Proxy {
    fn same(&self) -> bool {
        self.frontend == self.backend
    }

    /// Forward up to BURST whole messages from `from` to `to`.
    unsafe fn forward(
        &mut self,
        from: *mut c_void,
        to: *mut c_void,
        front_to_back: bool,
    ) -> Result<()> {
        let mut recv = Counter::default();
        let mut send = Counter::default();
        let mut result = Ok(());
        'burst: for i in 0..BURST {
            loop {
                // SAFETY: the proxy's sockets satisfy socket_mut's contract.
                let got = unsafe { socket_mut(from)? }.recv(ZMQ_DONTWAIT);
                let mut msg = match got {
                    Ok(m) => m,
                    Err(e) if e == Errno::EAGAIN && i > 0 => break 'burst,
                    Err(e) => {
                        result = Err(e);
                        break 'burst;
                    }
                };
                let size = msg.size() as u64;
                recv.bytes += size;
                let more = msg.more();
                let flags = if more { ZMQ_SNDMORE } else { 0 };
                if !self.capture.is_null() {
                    let mut copy = msg.clone();
                    // SAFETY: as above.
                    if let Err(e) = unsafe { socket_mut(self.capture)? }.send(&mut copy, flags) {
                        result = Err(e);
                        break 'burst;
                    }
                }
                // SAFETY: as above.
                if let Err(e) = unsafe { socket_mut(to)? }.send(&mut msg, flags) {
                    result = Err(e);
                    break 'burst;
                }
                send.bytes += size;
                if !more {
                    recv.count += 1;
                    send.count += 1;
                    break;
                }
            }
        }
        let (r, s) = if front_to_back {
            (&mut self.stats.front_recv, &mut self.stats.back_send)
        } else {
            (&mut self.stats.back_recv, &mut self.stats.front_send)
        };
        r.count += recv.count;
        r.bytes += recv.bytes;
        s.count += send.count;
        s.bytes += send.bytes;
        result
    }

    unsafe fn handle_control(&mut self) -> Result<()> {
        // SAFETY: the proxy's sockets satisfy socket_mut's contract.
        let mut control = unsafe { socket_mut(self.control)? };
        let cmd = Socket::recv(&mut control, ZMQ_DONTWAIT)?;
        if cmd.data() == b"STATISTICS" {
            let s = &self.stats;
            let vals = [
                s.front_recv.count,
                s.front_recv.bytes,
                s.front_send.count,
                s.front_send.bytes,
                s.back_recv.count,
                s.back_recv.bytes,
                s.back_send.count,
                s.back_send.bytes,
            ];
            for (i, v) in vals.iter().enumerate() {
                let mut part = Msg::from_slice(&v.to_ne_bytes());
                Socket::send(&mut control, &mut part, if i < 7 { ZMQ_SNDMORE } else { 0 })?;
            }
            return Ok(());
        }
        match cmd.data() {
            b"PAUSE" => self.state = State::Paused,
            b"RESUME" => self.state = State::Active,
            b"TERMINATE" => self.state = State::Terminated,
            _ => {}
        }
        let mut buf = [0u8; 4];
        let mut out = OptOut::new(&mut buf);
        control.getsockopt(ZMQ_TYPE, &mut out)?;
        if c_int::from_ne_bytes(buf) == ZMQ_REP {
            // A REP must answer before it can take the next command.
            Socket::send(&mut control, &mut Msg::new(), 0)?;
        }
        Ok(())
    }

    /// Sleep until one of the sockets may have changed state.
    unsafe fn sleep(&mut self) -> Result<()> {
        let mut pfds = [libc::pollfd {
            fd: -1,
            events: libc::POLLIN,
            revents: 0,
        }; 3];
        let backend = if self.same() {
            std::ptr::null_mut()
        } else {
            self.backend
        };
        let mut n = 0;
        for s in [self.frontend, backend, self.control] {
            if s.is_null() {
                continue;
            }
            // SAFETY: the proxy's sockets satisfy socket_mut's contract.
            let mut socket = unsafe { socket_mut(s)? };
            pfds[n].fd = if socket.is_thread_safe() {
                self.safe.watch(&socket.base.mailbox)?
            } else {
                socket_fd(&mut socket)?
            };
            n += 1;
        }
        let r = sys_poll(&mut pfds[..n], -1, None);
        self.safe.reset();
        r
    }

    unsafe fn run(&mut self) -> Result<()> {
        // Thread-safe sockets signal the proxy from the start, so nothing
        // that happens before the first sleep is missed.
        for s in [self.frontend, self.backend, self.control] {
            if !s.is_null() {
                // SAFETY: the proxy's sockets satisfy socket_mut's contract.
                let socket = unsafe { socket_mut(s)? };
                if socket.is_thread_safe() {
                    self.safe.watch(&socket.base.mailbox)?;
                }
            }
        }
        loop {
            let mut worked = false;
            if !self.control.is_null() {
                // SAFETY: the proxy's sockets satisfy socket_mut's contract.
                if unsafe { events(self.control)? } & ZMQ_POLLIN != 0 {
                    // SAFETY: as above.
                    unsafe { self.handle_control()? };
                    worked = true;
                }
                if self.state == State::Terminated {
                    return Ok(());
                }
            }
            // SAFETY: as above.
            let ev_f = unsafe { events(self.frontend)? };
            let ev_b = if self.same() {
                ev_f
            } else {
                unsafe { events(self.backend)? }
            };
            if self.state == State::Active {
                let f_in = ev_f & ZMQ_POLLIN != 0;
                let f_out = ev_f & ZMQ_POLLOUT != 0;
                let b_in = ev_b & ZMQ_POLLIN != 0;
                let b_out = ev_b & ZMQ_POLLOUT != 0;
                if f_in && (b_out || self.same()) {
                    // SAFETY: as above.
                    unsafe { self.forward(self.frontend, self.backend, true)? };
                    worked = true;
                }
                if !self.same() && b_in && f_out {
                    // SAFETY: as above.
                    unsafe { self.forward(self.backend, self.frontend, false)? };
                    worked = true;
                }
            }
            if !worked {
                // SAFETY: as above.
                unsafe { self.sleep()? };
            }
        }
    }
}

unsafe fn proxy(
    frontend: *mut c_void,
    backend: *mut c_void,
    capture: *mut c_void,
    control: *mut c_void,
) -> Result<c_int> {
    if frontend.is_null() || backend.is_null() {
        return Err(Errno::EFAULT);
    }
    let mut p = Proxy {
        frontend,
        backend,
        capture,
        control,
        state: State::Active,
        stats: Stats::default(),
        safe: SafeWatch::default(),
    };
    // SAFETY: the C contract: the handles come from zmq_socket and the
    // calling thread owns them for the duration of the proxy.
    unsafe { p.run()? };
    Ok(0)
}

/// Move messages between `frontend` and `backend` until the context ends.
///
/// # Safety
/// The sockets come from zmq_socket (capture may be NULL) and are owned by the calling thread.
#[no_mangle]
pub unsafe extern "C" fn zmq_proxy(
    frontend: *mut c_void,
    backend: *mut c_void,
    capture: *mut c_void,
) -> c_int {
    // SAFETY: forwarded C contract.
    ffi_try!(-1, unsafe {
        proxy(frontend, backend, capture, std::ptr::null_mut())
    })
}

/// zmq_proxy with a control socket (PAUSE, RESUME, TERMINATE, STATISTICS).
///
/// # Safety
/// As zmq_proxy; `control` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn zmq_proxy_steerable(
    frontend: *mut c_void,
    backend: *mut c_void,
    capture: *mut c_void,
    control: *mut c_void,
) -> c_int {
    // SAFETY: forwarded C contract.
    ffi_try!(-1, unsafe { proxy(frontend, backend, capture, control) })
}

/// Legacy: the device type is ignored, as in libzmq.
///
/// # Safety
/// As zmq_proxy.
#[no_mangle]
pub unsafe extern "C" fn zmq_device(
    type_: c_int,
    frontend: *mut c_void,
    backend: *mut c_void,
) -> c_int {
    let _ = type_;
    // SAFETY: forwarded C contract.
    ffi_try!(-1, unsafe {
        proxy(
            frontend,
            backend,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    })
}
