//! Sessions: one per connection (or per connect endpoint), living in an I/O
//! thread. A session joins a socket's pipe to an engine: the transport stream
//! plus the sans-I/O ZMTP state machine (`crate::zmtp::Connection`).
//!
//! A connecter's session outlives its connections: its pipe is made at
//! zmq_connect time, so messages queue while disconnected and go out after
//! the reconnect. An accepted connection's session (and pipe) exists from the
//! end of the handshake until the connection ends.
//!
//! [`Sessions`] is the I/O thread's table of what it runs: listeners
//! (listener.rs) and sessions, keyed by reactor token. Commands and
//! readiness arrive here and go to the role that owns them: connecting and
//! reconnecting to connecter.rs, the bytes to the engine (engine.rs),
//! deadlines to timers.rs.

use super::command::{Command, IoCommand, SessionOptions, Target};
use super::connecter::{
    connect_result, endpoint_ends, endpoint_forgotten, resolved_endpoint, Phase,
};
use super::engine::{engine_ends, flush_best_effort, norm, pgm, raw, udp, Down, Engine};
use super::monitor::Ends;
use super::thread::{token, Reactor};
use crate::constants::*;
use crate::msg::metadata::{self, Metadata};
use crate::msg::Msg;
use crate::pipe::{pipe_pair, Pipes};
use crate::transport::stream::{Listener, Stream};
use crate::util::clock::now_ms;
use crate::zmtp;
use mio::{Interest, Token};
use std::collections::HashMap;
use std::sync::Arc;

pub(super) struct Session {
    pub(super) opts: Arc<SessionOptions>,
    pub(super) endpoint: String,
    /// A connecter's endpoint as its monitor events name it: as given until
    /// a connection has been made, then the address it resolved to (libzmq
    /// makes every later connecter from the resolved address).
    pub(super) event_endpoint: String,
    /// Accepted through the listener bound to this endpoint.
    pub(super) listener_endpoint: Option<String>,
    /// Where a connecter (re)connects.
    pub(super) target: Option<Target>,
    pub(super) pipe: Option<usize>,
    pub(super) engine: Option<Engine>,
    pub(super) reconnect_at: Option<u64>,
    pub(super) reconnect_ivl: i32,
    /// The socket let go of the pipe: flush within linger, then end.
    pub(super) closing: bool,
    /// ZMQ_IMMEDIATE connecter: a pipe per connection, dropped with it.
    pub(super) pipe_per_connection: bool,
    /// A SUB/XSUB connecter lost its connection: on the next one the
    /// socket gets a fresh pipe, and so sends its subscriptions again.
    pub(super) resubscribe: bool,
    pub(super) linger_deadline: Option<u64>,
    /// A connect attempt ends unless it completes by then (see
    /// `connecter::connect_timed_out`).
    pub(super) connect_deadline: Option<u64>,
    /// The SOCKS exchange before the engine (connecter/socks.rs).
    pub(super) socks: Option<Box<super::connecter::SocksExchange>>,
}

pub(super) enum Entry {
    Listener {
        listener: Listener,
        endpoint: String,
        opts: Arc<SessionOptions>,
    },
    Session(Box<Session>),
}

/// The I/O thread's listeners and sessions, and the session ends of their
/// pipes.
pub struct Sessions {
    pub(super) mailbox: Arc<super::command::SocketMailbox>,
    pub(super) pipes: Pipes,
    pub(super) pipe_owner: HashMap<usize, usize>,
    pub(super) entries: Vec<Option<Entry>>,
    pub(super) free: Vec<usize>,
    pub(super) stopping: bool,
    /// Listeners to retry accepting on, and when (see listener.rs).
    pub(super) accept_retry: HashMap<usize, u64>,
    /// Since `take_traffic` last asked: a connection wrote to its peer /
    /// read from its peer.
    pub(super) wrote: bool,
    pub(super) read: bool,
    /// After the last pump: a connection waits for the rest of a large body
    /// on a transport that wakes its reader for every piece (see
    /// `Engine::awaits_large_body`, io::idle).
    pub(super) receiving: bool,
    pub(super) turns: super::turns::Turns,
}

/// A handshaken connection ended: the socket hears ZMQ_DISCONNECT_MSG (an
/// accepted peer) or ZMQ_HICCUP_MSG (a connection it made), as libzmq's
/// session does, whole messages only (the session never leaves half of one
/// in the pipe).
fn notify_lost(s: &Session, pipes: &mut Pipes) {
    let (Some(e), Some(slot)) = (&s.engine, s.pipe) else {
        return;
    };
    if e.connecting || e.metadata.is_none() || !e.zmtp.is_zmtp() {
        return;
    }
    let note = if s.target.is_none() {
        &s.opts.disconnect_msg
    } else {
        &s.opts.hiccup_msg
    };
    if note.is_empty() {
        return;
    }
    let pipe = pipes.get(slot);
    pipe.write(Msg::from_slice(note));
    pipe.flush();
}

/// A raw connection that was handed to the socket ended: with
/// ZMQ_STREAM_NOTIFY the socket gets a zero-length message from it (libzmq's
/// raw_engine_t::error), past the HWM if need be (one per connection).
fn notify_disconnect(s: &Session, pipes: &mut Pipes) {
    let Some(e) = s.engine.as_ref() else { return };
    if !s.opts.raw_notify || !e.zmtp.is_raw() {
        return;
    }
    let (Some(md), Some(slot)) = (e.metadata.as_ref(), s.pipe) else {
        return;
    };
    let mut m = Msg::new();
    m.set_metadata(md.clone());
    let pipe = pipes.get(slot);
    pipe.write(m);
    pipe.flush();
}

/// ZMQ_NOTIFY_CONNECT and ZMQ_NOTIFY_DISCONNECT (draft: constants.rs has
/// them only with the "draft" feature; the library always handles them).
const NOTIFY_CONNECT: i32 = 1;
const NOTIFY_DISCONNECT: i32 = 2;

/// A handshaken ZMTP connection of a ROUTER with ZMQ_NOTIFY_DISCONNECT
/// ended: the socket gets an empty message from that peer, as from libzmq's
/// stream_engine_base_t::error. libzmq rolls back the incomplete message
/// first; ours never wrote one (`Engine::in_parts` holds a message until it
/// is whole and is dropped with the engine). Past the HWM if need be (one
/// per connection).
fn notify_router_disconnect(s: &Session, pipes: &mut Pipes) {
    if s.opts.router_notify & NOTIFY_DISCONNECT == 0 {
        return;
    }
    let (Some(e), Some(slot)) = (&s.engine, s.pipe) else {
        return;
    };
    if e.connecting || e.metadata.is_none() || !e.zmtp.is_zmtp() {
        return;
    }
    let pipe = pipes.get(slot);
    pipe.write(Msg::new());
    pipe.flush();
}

/// Report a socket event to the monitor, if any.
pub(super) fn emit(opts: &SessionOptions, event: i32, value: i64, endpoint: &str) {
    super::monitor::emit(&*opts.monitor, event, value as u64, endpoint);
}

/// Report an event about a connection or connecter, named by both ends.
pub(super) fn emit_at(opts: &SessionOptions, event: i32, value: i64, ends: Ends) {
    super::monitor::emit_at(&*opts.monitor, event, value as u64, ends);
}

impl Sessions {
    pub fn new(mailbox: Arc<super::command::SocketMailbox>) -> Sessions {
        Sessions {
            mailbox,
            pipes: Pipes::default(),
            pipe_owner: HashMap::new(),
            entries: Vec::new(),
            free: Vec::new(),
            stopping: false,
            accept_retry: HashMap::new(),
            wrote: false,
            read: false,
            receiving: false,
            turns: Default::default(),
        }
    }

    /// (wrote, read, receiving): did connections write to / read from
    /// their peers since the last call, and does one wait for the rest of
    /// a large body? (see io::idle)
    pub fn take_traffic(&mut self) -> (bool, bool, bool) {
        (
            std::mem::take(&mut self.wrote),
            std::mem::take(&mut self.read),
            std::mem::take(&mut self.receiving),
        )
    }

    pub(super) fn insert(&mut self, e: Entry) -> usize {
        match self.free.pop() {
            Some(k) => {
                self.entries[k] = Some(e);
                k
            }
            None => {
                self.entries.push(Some(e));
                self.entries.len() - 1
            }
        }
    }

    pub(super) fn session(&mut self, key: usize) -> Option<&mut Session> {
        match self.entries.get_mut(key) {
            Some(Some(Entry::Session(s))) => Some(s),
            _ => None,
        }
    }

    /// The I/O thread may exit: stopping and nothing left to flush.
    pub fn finished(&self) -> bool {
        self.stopping && self.entries.iter().all(|e| e.is_none())
    }

    pub fn command(&mut self, r: &Reactor, cmd: Command) {
        match cmd {
            Command::Io(io) => self.io_command(r, *io),
            Command::ActivateRead(p) => {
                if let Some(slot) = self.pipes.resolve(&p) {
                    if let Some(&key) = self.pipe_owner.get(&slot) {
                        self.pump(r, key);
                    }
                } else if let Some(key) = super::security::zap_session(&p) {
                    // The ZAP handler answered.
                    self.pump(r, key);
                }
            }
            Command::ActivateWrite(p) => {
                if let Some(slot) = self.pipes.resolve(&p) {
                    if let Some(&key) = self.pipe_owner.get(&slot) {
                        if let Some(s) = self.session(key) {
                            if let Some(e) = s.engine.as_mut() {
                                e.read_blocked = false;
                            }
                        }
                        self.pump(r, key);
                    }
                }
            }
            Command::PipeTerm(p) => {
                if let Some(slot) = self.pipes.resolve(&p) {
                    self.pipes.get(slot).set_peer_gone();
                    if let Some(&key) = self.pipe_owner.get(&slot) {
                        self.start_closing(r, key);
                    }
                }
            }
            Command::PipeStats(p, query) => {
                let Some(slot) = self.pipes.resolve(&p) else {
                    return;
                };
                let inbound = self.pipes.get(slot).unread_by_peer();
                let Some(&key) = self.pipe_owner.get(&slot) else {
                    return;
                };
                if let Some(Some(Entry::Session(s))) = self.entries.get(key) {
                    // libzmq names the socket's end of the pipe: a
                    // connecter's pipe by its endpoint, a connection's by
                    // its two addresses.
                    let ends = match &s.engine {
                        _ if s.target.is_some() && !s.pipe_per_connection => {
                            Ends::connect("", &s.endpoint)
                        }
                        Some(e) => engine_ends(e, s.target.is_none()),
                        None => Ends::connect("", &s.endpoint),
                    };
                    query.answer(inbound, ends);
                }
            }
            Command::Bind(..)
            | Command::Own
            | Command::Stop
            | Command::Closing
            | Command::EndpointEnded(_) => {}
        }
    }

    fn io_command(&mut self, r: &Reactor, cmd: IoCommand) {
        match cmd {
            IoCommand::Listen {
                listener,
                endpoint,
                opts,
            } => self.listen(r, listener, endpoint, opts),
            IoCommand::Connect {
                target,
                endpoint,
                opts,
                pipe,
            } => self.connect(r, target, endpoint, opts, pipe),
            IoCommand::Unbind {
                socket_id,
                endpoint,
            } => {
                for key in 0..self.entries.len() {
                    let hit = match &self.entries[key] {
                        Some(Entry::Listener {
                            endpoint: ep, opts, ..
                        }) => opts.socket_id == socket_id && *ep == endpoint,
                        Some(Entry::Session(s)) => {
                            s.opts.socket_id == socket_id
                                && s.listener_endpoint.as_deref() == Some(endpoint.as_str())
                        }
                        None => false,
                    };
                    if hit {
                        self.destroy(r, key);
                    }
                }
            }
            IoCommand::Disconnect {
                socket_id,
                endpoint,
            } => {
                for key in 0..self.entries.len() {
                    let hit = matches!(&self.entries[key], Some(Entry::Session(s))
                        if s.opts.socket_id == socket_id && s.target.is_some() && s.endpoint == endpoint);
                    if hit {
                        self.start_closing(r, key);
                    }
                }
            }
            IoCommand::SocketClosed { socket_id } => {
                for key in 0..self.entries.len() {
                    let hit = match &self.entries[key] {
                        Some(Entry::Listener { opts, .. }) => opts.socket_id == socket_id,
                        // Not yet handed to the socket: nothing to flush.
                        Some(Entry::Session(s)) => {
                            s.opts.socket_id == socket_id && s.pipe.is_none()
                        }
                        None => false,
                    };
                    if hit {
                        self.destroy(r, key);
                    }
                }
            }
            IoCommand::Resolved {
                key,
                socket_id,
                endpoint,
                addr,
            } => self.resolved(r, key, socket_id, &endpoint, addr),
            IoCommand::Stop => {
                self.stopping = true;
                for key in 0..self.entries.len() {
                    match &self.entries[key] {
                        Some(Entry::Listener { .. }) => self.destroy(r, key),
                        Some(Entry::Session(s)) if s.pipe.is_none() => self.destroy(r, key),
                        _ => {}
                    }
                }
            }
        }
    }

    /// Readiness from the reactor.
    /// `hangup`: the event also said the peer shut its side (or an error),
    /// which no later edge will repeat.
    pub fn ready(&mut self, r: &Reactor, tok: Token, readable: bool, writable: bool, hangup: bool) {
        let key = tok.0 - 1;
        if matches!(self.entries.get(key), Some(Some(Entry::Session(s))) if s.socks.is_some()) {
            self.socks_ready(r, key, readable || writable);
            return;
        }
        let connect_result = match self.entries.get_mut(key) {
            Some(Some(Entry::Listener { .. })) => {
                self.accept(r, key);
                return;
            }
            Some(Some(Entry::Session(s))) => {
                let Some(e) = s.engine.as_mut() else { return };
                if writable {
                    e.write_blocked = false;
                }
                // Not on a writable edge alone: an edge reports every
                // condition in force, so waiting bytes would show too.
                e.read_ready |= readable || hangup;
                e.hung_up |= hangup;
                if e.connecting {
                    if !(readable || writable) {
                        return;
                    }
                    Some(connect_result(s))
                } else {
                    None
                }
            }
            _ => return,
        };
        if let Some(Err(errno)) = connect_result {
            self.connection_down(r, key, Down::Failed(errno));
            return;
        }
        self.pump(r, key);
    }

    pub(super) fn start_engine(
        &mut self,
        r: &Reactor,
        key: usize,
        mut stream: Stream,
        connecting: bool,
    ) {
        let Some(s) = self.session(key) else { return };
        if r.registry
            .register(
                &mut stream,
                token(key),
                Interest::READABLE | Interest::WRITABLE,
            )
            .is_err()
        {
            self.destroy(r, key);
            return;
        }
        let (local, remote) = match &s.target {
            Some(_) => (stream.local_name(), s.event_endpoint.clone()),
            None => (stream.local_name(), stream.remote_name()),
        };
        s.engine = Some(Engine::new(stream, &s.opts, connecting, local, remote));
        if !connecting {
            self.pump(r, key);
        }
    }

    /// Move data both ways until nothing more can move without waiting.
    pub(super) fn pump(&mut self, r: &Reactor, key: usize) {
        match self
            .pump_inner(key)
            .and_then(|()| self.update_interest(r, key))
        {
            Ok(()) => self.requeue(key),
            Err(down) => {
                self.connection_down(r, key, down);
                return;
            }
        }
        self.check_done(r, key);
    }

    fn update_interest(&mut self, r: &Reactor, key: usize) -> Result<(), Down> {
        let Some(Some(Entry::Session(s))) = self.entries.get_mut(key) else {
            return Ok(());
        };
        let Some(e) = s.engine.as_mut() else {
            return Ok(());
        };
        e.update_interest(r.registry, token(key))
    }

    /// The session's half of a pump: between the engine's reads it runs the
    /// ZAP exchange and delivers what the engine decoded; then the engine
    /// writes what the pipe holds.
    fn pump_inner(&mut self, key: usize) -> Result<(), Down> {
        let Some(Some(Entry::Session(s))) = self.entries.get_mut(key) else {
            return Ok(());
        };
        let Some(e) = s.engine.as_mut() else {
            return Ok(());
        };
        if e.connecting {
            return Ok(());
        }
        // Datagram and multicast wires have pumps of their own.
        match e.zmtp {
            raw::Wire::Udp(_) => return udp::pump(s, &mut self.pipes),
            raw::Wire::Pgm(_) => return pgm::pump(s, &mut self.pipes),
            raw::Wire::Norm(_) => return norm::pump(s, &mut self.pipes),
            _ => {}
        }
        let pipes = &mut self.pipes;
        // Inbound: socket stream -> ZMTP -> pipe.
        loop {
            // First deliver what the state machine already decoded.
            // A ZAP request to send or a reply to take, first: either may
            // move the handshake on.
            let e = s.engine.as_mut().expect("engine");
            let stream = &e.stream;
            let peer = || stream.peer_address();
            let zap = match e.zmtp.connection_mut() {
                Some(conn) => e.zap.drive(conn, &s.opts, &self.mailbox, key, peer),
                None => Ok(()),
            };
            if let Err(p) = zap {
                flush_best_effort(e);
                return Err(Down::Protocol(p));
            }
            deliver(s, pipes, &self.mailbox, &mut self.pipe_owner, key)?;
            let e = s.engine.as_mut().expect("engine");
            let pipe = s.pipe.map(|slot| pipes.get(slot));
            if !e.read_step(pipe, &mut self.read)? {
                self.receiving |= e.awaits_large_body();
                break;
            }
        }
        // Outbound: pipe -> ZMTP -> socket stream.
        let e = s.engine.as_mut().expect("engine");
        let pipe = s.pipe.map(|slot| pipes.get(slot));
        let budget = self.turns.write_budget();
        e.write_out(&s.opts.hello_msg, pipe, budget, &mut self.wrote)
    }

    pub(super) fn start_closing(&mut self, r: &Reactor, key: usize) {
        let Some(s) = self.session(key) else { return };
        if s.closing {
            return;
        }
        // A connecter keeps (re)connecting within the linger to deliver
        // what is left, as libzmq's does.
        s.closing = true;
        let linger = s.opts.linger.load(std::sync::atomic::Ordering::Relaxed);
        if linger == 0 {
            self.destroy(r, key);
            return;
        }
        if linger > 0 {
            s.linger_deadline = Some(now_ms() + linger as u64);
        }
        self.pump(r, key);
    }

    /// A closing session ends once what the socket left is on the wire.
    pub(super) fn check_done(&mut self, r: &Reactor, key: usize) {
        let Some(Some(Entry::Session(s))) = self.entries.get_mut(key) else {
            return;
        };
        if !s.closing {
            return;
        }
        let drained = match s.pipe {
            Some(slot) => !self.pipes.get(slot).has_unread(),
            None => true,
        };
        // Without a connection there is nothing in flight; with one, wait
        // until what it took from the pipe is written.
        let flushed = match &s.engine {
            Some(e) => !e.connecting && !e.zmtp.has_output() && !e.stream.wants_write(),
            None => true,
        };
        if drained && flushed {
            self.destroy(r, key);
        }
    }

    pub(super) fn connection_down(&mut self, r: &Reactor, key: usize, why: Down) {
        if let Some(Some(Entry::Session(s))) = self.entries.get(key) {
            notify_disconnect(s, &mut self.pipes);
            notify_router_disconnect(s, &mut self.pipes);
            notify_lost(s, &mut self.pipes);
        }
        let Some(s) = self.session(key) else { return };
        let phase = match &s.engine {
            Some(e) if e.connecting => Phase::Connecting,
            Some(e) if e.metadata.is_some() => Phase::Established,
            _ => Phase::Handshaking,
        };
        if let Some(mut e) = s.engine.take() {
            let _ = r.registry.deregister(&mut e.stream);
            let fd = e.stream.fd() as i64;
            if e.connecting {
                // A failed connect attempt: CLOSED was reported already.
            } else {
                // As libzmq: a protocol fault during the handshake is
                // reported with its code (or not at all, e.g. a framing
                // error); an I/O failure or timeout with no mechanism ready
                // (handshaking, or a ZMTP 1.0/2.0 peer at any time) is
                // NO_DETAIL with its errno; DISCONNECTED always follows.
                let handshaking = e.metadata.is_none()
                    || matches!(e.zmtp.peer_version(), Some((1, _)) | Some((2, _)))
                    || raw::ends_as_handshake(&e);
                let failed = match &why {
                    Down::Protocol(p) => p.monitor_event(e.metadata.is_none()),
                    Down::Failed(errno) if handshaking => {
                        Some((ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, *errno as i64))
                    }
                    Down::Closed if handshaking => {
                        Some((ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, libc::EPIPE as i64))
                    }
                    _ => None,
                };
                let ends = engine_ends(&e, s.target.is_none());
                if let Some((event, value)) = failed {
                    emit_at(&s.opts, event, value, ends);
                }
                emit_at(&s.opts, ZMQ_EVENT_DISCONNECTED, fd, ends);
                if let Some(t) = &s.target {
                    s.event_endpoint = resolved_endpoint(t);
                }
            }
        }
        if s.target.is_none() || endpoint_ends(s, phase, &why) {
            if endpoint_forgotten(s, phase, &why) {
                s.opts
                    .socket_mailbox
                    .send(Command::EndpointEnded(s.endpoint.clone()));
            }
            self.destroy(r, key);
            return;
        }
        let closing = s.closing;
        if phase == Phase::Established
            && matches!(s.opts.socket_type, ZMQ_SUB | ZMQ_XSUB | ZMQ_DISH)
        {
            s.resubscribe = true;
        }
        if s.pipe_per_connection && phase != Phase::Connecting {
            // ZMQ_IMMEDIATE: nothing queues for a peer that is not there.
            if let Some(slot) = s.pipe.take() {
                self.pipe_owner.remove(&slot);
                if let Some(end) = self.pipes.remove(slot) {
                    end.close(false);
                }
            }
        }
        self.schedule_reconnect(key);
        if closing {
            // Ends here unless messages are still waiting for a peer.
            self.check_done(r, key);
        }
    }

    /// End an entry: deregister, close its pipe end (the socket then drains
    /// and drops its end).
    pub(super) fn destroy(&mut self, r: &Reactor, key: usize) {
        let Some(entry) = self.entries.get_mut(key).and_then(|e| e.take()) else {
            return;
        };
        self.free.push(key);
        self.accept_retry.remove(&key);
        match entry {
            Entry::Listener {
                mut listener,
                endpoint,
                opts,
            } => {
                let _ = r.registry.deregister(&mut listener);
                emit(&opts, ZMQ_EVENT_CLOSED, listener.fd() as i64, &endpoint);
            }
            Entry::Session(mut s) => {
                super::connecter::abandon_socks(r, &mut s);
                if let Some(mut e) = s.engine.take() {
                    let _ = r.registry.deregister(&mut e.stream);
                    if e.connecting {
                        let ends = Ends::connect("", &s.event_endpoint);
                        emit_at(&s.opts, ZMQ_EVENT_CLOSED, e.stream.fd() as i64, ends);
                    }
                }
                if let Some(slot) = s.pipe.take() {
                    self.pipe_owner.remove(&slot);
                    if let Some(end) = self.pipes.remove(slot) {
                        end.close(false);
                    }
                }
            }
        }
    }
}

/// Hand decoded events to the socket: the handshake result, then message
/// parts, whole messages at a time, as long as the pipe has room.
fn deliver(
    s: &mut Session,
    pipes: &mut Pipes,
    mailbox: &Arc<super::command::SocketMailbox>,
    pipe_owner: &mut HashMap<usize, usize>,
    key: usize,
) -> Result<(), Down> {
    if s.engine.as_mut().is_some_and(|e| e.zmtp.take_upgraded()) {
        // libzmq's ws engine reports the WebSocket upgrade as a handshake
        // of its own (and the mechanism's, if any, again when it is done).
        let e = s.engine.as_ref().expect("engine");
        emit_at(
            &s.opts,
            ZMQ_EVENT_HANDSHAKE_SUCCEEDED,
            0,
            engine_ends(e, s.target.is_none()),
        );
    }
    loop {
        let e = s.engine.as_mut().expect("engine");
        if e.read_blocked {
            break;
        }
        // A complete message waiting for room goes first.
        if e.in_parts.last().is_some_and(|m| !m.more()) {
            let slot = s.pipe.expect("pipe after handshake");
            let pipe = pipes.get(slot);
            if !pipe.check_write() {
                e.read_blocked = true;
                break;
            }
            for m in e.in_parts.drain(..) {
                pipe.write(m);
            }
            e.unflushed = true;
            continue;
        }
        // A single-part message goes straight into the pipe when it has
        // room, moved from where the decoder left it; anything else waits in
        // in_parts until it is whole.
        let whole = e.in_parts.is_empty();
        let pipe_slot = s.pipe;
        // SAFETY: the closure says true only after write_moved, whose pipe
        // slot then owns the message.
        let offered = unsafe {
            e.zmtp.offer_message(|m| {
                if !whole || m.more() {
                    return false;
                }
                let pipe = pipes.get(pipe_slot.expect("pipe after handshake"));
                if !pipe.check_write() {
                    return false;
                }
                pipe.write_moved(m);
                true
            })
        };
        match offered {
            Some(true) => {
                e.unflushed = true;
                continue;
            }
            Some(false) => {
                let m = e.zmtp.next_message().expect("offered just now");
                e.in_parts.push(m);
                continue;
            }
            None => {}
        }
        let Some(ev) = e.zmtp.next_event() else { break };
        match ev {
            zmtp::Event::Ready {
                peer,
                peer_routing_id,
            } => {
                let mut md = Metadata::from_pairs(peer.iter());
                md.set(metadata::PEER_ADDRESS, e.stream.peer_address());
                md.set(metadata::FD, e.stream.fd().to_string());
                e.metadata = Some(Arc::new(md));
                let o = s.opts.clone();
                // libzmq reports it when a ZMTP 3 mechanism is ready; a
                // ZMTP 1.0/2.0 peer has no mechanism and gets no event.
                if matches!(e.zmtp.peer_version(), Some((3, _))) {
                    let ends = engine_ends(e, s.target.is_none());
                    emit_at(&o, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0, ends);
                }
                if std::mem::take(&mut s.resubscribe) {
                    if let Some(old) = s.pipe.take() {
                        // What the socket queued while we were away goes
                        // out first; the fresh pipe below makes the socket
                        // send its subscriptions again (libzmq's hiccup).
                        let pipe = pipes.get(old);
                        while let Some(m) = pipe.read() {
                            e.zmtp.send(m).map_err(Down::Protocol)?;
                        }
                        pipe_owner.remove(&old);
                        if let Some(end) = pipes.remove(old) {
                            end.close(false);
                        }
                    }
                }
                let slot = match s.pipe {
                    Some(slot) => slot,
                    None => {
                        // Towards the socket: its RCVHWM; towards us: SNDHWM.
                        let hwm = |h: i32| if o.conflate { 0 } else { h.max(0) as u64 };
                        let (socket_end, session_end) = pipe_pair(hwm(o.rcvhwm), hwm(o.sndhwm));
                        let slot = pipes.insert(session_end, mailbox);
                        pipe_owner.insert(slot, key);
                        s.pipe = Some(slot);
                        o.socket_mailbox
                            .send(Command::Bind(socket_end, s.endpoint.clone()));
                        slot
                    }
                };
                // The socket's end gives every message from this connection
                // its properties (see PipeEnd::write_metadata).
                if let Some(md) = &e.metadata {
                    pipes.get(slot).write_metadata(md.clone());
                }
                if o.recv_routing_id {
                    let mut m = Msg::from_slice(peer_routing_id.as_deref().unwrap_or(&[]));
                    m.set_flags(Msg::ROUTING_ID);
                    let pipe = pipes.get(slot);
                    pipe.write(m);
                    e.unflushed = true;
                }
                // ZMQ_NOTIFY_CONNECT: an empty message from the new peer,
                // right after its routing id, as libzmq's engine pushes it
                // when the mechanism is ready (so a ZMTP 1.0/2.0 peer,
                // which has none, gets no notice).
                if o.router_notify & NOTIFY_CONNECT != 0
                    && matches!(e.zmtp.peer_version(), Some((3, _)))
                {
                    pipes.get(slot).write(Msg::new());
                    e.unflushed = true;
                }
            }
            zmtp::Event::Message(m) => e.in_parts.push(m),
        }
    }
    // One flush per decode batch, not per read: a read can hold thousands
    // of small messages, and a socket thread on another core that slept on
    // the empty pipe should start on the first batch while we decode the
    // rest, not wait for the whole read (the two used to take turns, each
    // idle while the other worked: 1-byte throughput fell by a third
    // whenever the scheduler put the application threads on one core and
    // the I/O threads on the other). The flush costs one atomic per batch.
    let e = s.engine.as_mut().expect("engine");
    if std::mem::take(&mut e.unflushed) {
        if let Some(slot) = s.pipe {
            pipes.get(slot).flush();
        }
    }
    Ok(())
}
