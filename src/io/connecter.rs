//! The connecter: a connecting session's way to a peer, libzmq's
//! tcp_connecter / ipc_connecter. It starts the attempts (after a name
//! lookup for a tcp host name, see resolve.rs), finishes a non-blocking
//! connect, and decides when and whether to try again: the reconnect
//! back-off (ZMQ_RECONNECT_IVL, ZMQ_RECONNECT_IVL_MAX, jitter) and
//! ZMQ_RECONNECT_STOP.

use super::command::{SessionOptions, Target};
use super::engine::{engine_ends, udp, Down};
use super::monitor::Ends;
use super::session::{emit_at, Entry, Session, Sessions};
use super::thread::Reactor;
use crate::constants::*;
use crate::pipe::PipeEnd;
use crate::transport::address::tcp_endpoint_string;
use crate::transport::endpoint::Dest;
use crate::util::clock::now_ms;
use std::sync::Arc;

mod resolve;
mod socks;
pub use resolve::HostTarget;
pub(super) use socks::abandon as abandon_socks;
pub use socks::{Exchange as SocksExchange, SocksTarget};

impl Sessions {
    /// Start a connecter session; `pipe` is its end of the socket's pipe
    /// (None with ZMQ_IMMEDIATE: the pipe is made once connected).
    pub(super) fn connect(
        &mut self,
        r: &Reactor,
        target: Target,
        endpoint: String,
        opts: Arc<SessionOptions>,
        pipe: Option<PipeEnd>,
    ) {
        let ivl = opts.reconnect_ivl;
        let key = self.insert(Entry::Session(Box::new(Session {
            opts,
            event_endpoint: socks::event_endpoint(&target, &endpoint),
            endpoint,
            listener_endpoint: None,
            target: Some(target),
            pipe: None,
            engine: None,
            reconnect_at: None,
            reconnect_ivl: ivl,
            closing: false,
            pipe_per_connection: pipe.is_none(),
            resubscribe: false,
            linger_deadline: None,
            connect_deadline: None,
            socks: None,
        })));
        if let Some(end) = pipe {
            let slot = self.pipes.insert(end, &self.mailbox);
            self.pipe_owner.insert(slot, key);
            if let Some(s) = self.session(key) {
                s.pipe = Some(slot);
            }
        }
        self.start_connect(r, key);
        // The socket may have let go of its end before we attached
        // ours, when no PipeTerm could reach us: close now.
        let gone = match self.session(key).and_then(|s| s.pipe) {
            Some(slot) => self.pipes.get(slot).peer_closed(),
            None => false,
        };
        if gone {
            self.start_closing(r, key);
        }
    }

    pub(super) fn start_connect(&mut self, r: &Reactor, key: usize) {
        let mailbox = self.mailbox.clone();
        let Some(s) = self.session(key) else { return };
        // Through a SOCKS proxy the tcp connect goes to the proxy.
        let (mut target, via_socks) = match &s.target {
            Some(Target::Socks(st)) => (st.proxy.clone(), true),
            Some(t) => (t.clone(), false),
            None => return,
        };
        if let Target::TcpHost(_) = target {
            match resolve::next_attempt(s, key, &mailbox) {
                Some(t) => target = t,
                None => return,
            }
        }
        let stream = match &target {
            Target::Dial(d) => d.dial(&s.opts.transport),
            Target::TcpHost(_) | Target::Socks(_) => return,
            Target::Multicast(conn) => {
                // One engine for the life of the endpoint: nothing to redo.
                if let Some(stream) = conn.lock().take() {
                    self.start_engine(r, key, stream, false);
                }
                return;
            }
            Target::Udp(sock) => {
                match sock.try_clone() {
                    Ok(dup) => self.start_engine(r, key, udp::stream(dup), false),
                    Err(_) => self.schedule_reconnect(key),
                }
                return;
            }
        };
        match stream {
            Ok(stream) if via_socks => self.start_socks(r, key, stream),
            Ok(stream) => {
                if matches!(&target, Target::Dial(d) if d.delayed()) {
                    // A non-blocking tcp connect is under way, for at most
                    // ZMQ_CONNECT_TIMEOUT (libzmq's tcp connecter only).
                    s.connect_deadline = socks::deadline(s.opts.connect_timeout);
                    emit_at(
                        &s.opts,
                        ZMQ_EVENT_CONNECT_DELAYED,
                        libc::EINPROGRESS as i64,
                        Ends::connect("", &s.event_endpoint),
                    );
                }
                self.start_engine(r, key, stream, true)
            }
            Err(errno) => {
                // The attempt's socket is closed already (libzmq: CLOSED,
                // then CONNECT_RETRIED). libzmq's socks connecter retries
                // whatever the error.
                let ends = Ends::connect("", &s.event_endpoint);
                super::monitor::emit_closed_unknown_fd(&*s.opts.monitor, ends);
                if !via_socks && refusal_ends(s, errno) {
                    self.destroy(r, key)
                } else {
                    self.schedule_reconnect(key)
                }
            }
        }
    }

    /// ZMQ_CONNECT_TIMEOUT (or, through a proxy, ZMQ_HANDSHAKE_IVL for its
    /// exchange) ran out before the attempt completed: as libzmq's
    /// tcp_connecter timer_event, close it (CLOSED) and retry later.
    pub(super) fn connect_timed_out(&mut self, r: &Reactor, key: usize) {
        let Some(s) = self.session(key) else { return };
        if s.socks.is_some() {
            self.socks_failed(r, key);
            return;
        }
        if !s.engine.as_ref().is_some_and(|e| e.connecting) {
            return;
        }
        let Some(mut e) = s.engine.take() else { return };
        let _ = r.registry.deregister(&mut e.stream);
        let fd = e.stream.fd() as i64;
        drop(e);
        self.attempt_failed(r, key, fd);
    }

    /// An attempt's socket `fd` was closed before a connection came of it:
    /// CLOSED, then the reconnect (CONNECT_RETRIED).
    pub(super) fn attempt_failed(&mut self, r: &Reactor, key: usize, fd: i64) {
        let Some(s) = self.session(key) else { return };
        s.connect_deadline = None;
        let ends = Ends::connect("", &s.event_endpoint);
        emit_at(&s.opts, ZMQ_EVENT_CLOSED, fd, ends);
        let closing = s.closing;
        self.schedule_reconnect(key);
        if closing {
            // Ends here unless messages are still waiting for a peer.
            self.check_done(r, key);
        }
    }

    pub(super) fn schedule_reconnect(&mut self, key: usize) {
        let Some(s) = self.session(key) else { return };
        // libzmq retries only with a positive interval (0 and -1 both mean
        // never).
        if s.opts.reconnect_ivl <= 0 {
            return;
        }
        let base = s.reconnect_ivl.max(1);
        // Up to one ZMQ_RECONNECT_IVL of jitter, as libzmq, so peers that
        // lost the same server do not all come back in step.
        let ivl = base.saturating_add(jitter(s.opts.reconnect_ivl));
        s.reconnect_at = Some(now_ms() + ivl as u64);
        let ends = Ends::connect("", &s.event_endpoint);
        emit_at(&s.opts, ZMQ_EVENT_CONNECT_RETRIED, ivl as i64, ends);
        // Exponential back-off up to ZMQ_RECONNECT_IVL_MAX, as libzmq.
        let max = s.opts.reconnect_ivl_max;
        if max > 0 && max > s.opts.reconnect_ivl {
            s.reconnect_ivl = (base.saturating_mul(2)).min(max);
        }
    }
}

/// The connecter's target for a transport's [`Dest`] (not
/// [`Dest::Session`], which the socket starts itself); `ipv6` and the SOCKS
/// credentials as the socket's options were at zmq_connect.
pub fn target(dest: Dest, ipv6: bool, socks_username: &[u8], socks_password: &[u8]) -> Target {
    match dest {
        Dest::Dial(d) => Target::Dial(d),
        Dest::TcpHost(addr) => Target::TcpHost(Box::new(HostTarget::new(&addr, ipv6))),
        Dest::Socks { proxy, dest } => Target::Socks(Box::new(SocksTarget::new(
            &proxy,
            &dest,
            socks_username,
            socks_password,
            ipv6,
        ))),
        Dest::Session(sock) => Target::Udp(Arc::new(sock)),
        Dest::Multicast(s) => Target::Multicast(Arc::new(parking_lot::Mutex::new(Some(s)))),
    }
}

/// A connecter's address once resolved, as libzmq prints it.
pub(super) fn resolved_endpoint(t: &Target) -> String {
    match t {
        Target::Dial(d) => d.name(),
        Target::Udp(sock) => sock
            .local_addr()
            .map(|a| udp::endpoint_name(&a))
            .unwrap_or_default(),
        Target::TcpHost(h) => match h.last {
            Some(a) => tcp_endpoint_string(&a),
            None => String::new(),
        },
        Target::Socks(st) => st.endpoint.clone(),
        Target::Multicast(_) => String::new(),
    }
}

/// How far a connecter's connection had got when it ended.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    Connecting,
    Handshaking,
    Established,
}

/// ZMQ_RECONNECT_STOP_CONN_REFUSED: a refused connect ends the endpoint.
pub(super) fn refusal_ends(s: &Session, errno: i32) -> bool {
    errno == libc::ECONNREFUSED && s.opts.reconnect_stop & ZMQ_RECONNECT_STOP_CONN_REFUSED != 0
}

/// Whether a connecter gives up instead of reconnecting, as libzmq: after a
/// protocol error (the peer is not one we can talk to), after a lost
/// connection when reconnection is off (ZMQ_RECONNECT_IVL 0 or -1), and as
/// ZMQ_RECONNECT_STOP asks.
pub(super) fn endpoint_ends(s: &Session, phase: Phase, why: &Down) -> bool {
    let stop = s.opts.reconnect_stop;
    match (phase, why) {
        (_, Down::Protocol(_)) => true,
        (Phase::Connecting, Down::Failed(errno)) => refusal_ends(s, *errno),
        (Phase::Connecting, _) => false,
        (Phase::Handshaking, _) if stop & ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED != 0 => true,
        (Phase::Established, _) if stop & ZMQ_RECONNECT_STOP_AFTER_DISCONNECT != 0 => true,
        _ => s.opts.reconnect_ivl <= 0,
    }
}

/// Whether the socket forgets the endpoint of a connecter that gives up, as
/// libzmq's session does when it would reconnect but may not (reconnection
/// off after a connection was made); a refused connect or a protocol error
/// leaves the endpoint known to zmq_disconnect.
pub(super) fn endpoint_forgotten(s: &Session, phase: Phase, why: &Down) -> bool {
    let stop = s.opts.reconnect_stop;
    match (phase, why) {
        (Phase::Connecting, _) | (_, Down::Protocol(_)) => false,
        (Phase::Handshaking, _) if stop & ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED != 0 => false,
        (Phase::Established, _) if stop & ZMQ_RECONNECT_STOP_AFTER_DISCONNECT != 0 => true,
        _ => s.opts.reconnect_ivl <= 0,
    }
}

/// A random number in [0, range) (0 if range <= 0).
pub(super) fn jitter(range: i32) -> i32 {
    if range <= 0 {
        return 0;
    }
    let mut b = [0u8; 4];
    if getrandom::getrandom(&mut b).is_err() {
        return 0;
    }
    (u32::from_ne_bytes(b) % range as u32) as i32
}

/// The first event on a stream whose non-blocking connect was under way:
/// did the connect succeed (Err: its errno)?
pub(super) fn connect_result(s: &mut Session) -> Result<(), i32> {
    let Some(e) = s.engine.as_mut() else {
        return Ok(());
    };
    let res = e.stream.take_connect_error();
    let fd = e.stream.fd() as i64;
    s.connect_deadline = None;
    if res.is_ok() {
        e.connecting = false;
        // The handshake's time starts now, as libzmq's engine arms its
        // timer when plugged after the connect: an unanswered connect is the
        // kernel's (or ZMQ_CONNECT_TIMEOUT's) to end, with CLOSED.
        if s.opts.handshake_ivl > 0 {
            e.handshake_deadline = Some(now_ms() + s.opts.handshake_ivl as u64);
        }
        e.write_blocked = false;
        e.segment = e.stream.segment_size();
        s.reconnect_ivl = s.opts.reconnect_ivl;
        emit_at(&s.opts, ZMQ_EVENT_CONNECTED, fd, engine_ends(e, false));
    } else {
        let ends = Ends::connect("", &s.event_endpoint);
        emit_at(&s.opts, ZMQ_EVENT_CLOSED, fd, ends);
    }
    res.map_err(|err| err.raw_os_error().unwrap_or(0))
}
