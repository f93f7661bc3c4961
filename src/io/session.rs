//! Sessions: one per connection (or per connect endpoint), living in an I/O
//! thread. A session joins a socket's pipe to an engine: the transport stream
//! plus the sans-I/O ZMTP state machine (`crate::zmtp::Connection`).
//!
//! A connecter's session outlives its connections: its pipe is made at
//! zmq_connect time, so messages queue while disconnected and go out after
//! the reconnect. An accepted connection's session (and pipe) exists from the
//! end of the handshake until the connection ends.

use super::command::{Command, IoCommand, SessionOptions, Target};
use crate::constants::*;
use crate::msg::metadata::{self, Metadata};
use crate::msg::Msg;
use crate::pipe::{pipe_pair, Pipes};
use crate::socket::monitor::Ends;
use crate::transport::address::tcp_endpoint_string;
use crate::transport::stream::{Listener, Stream, Trim, MAX_IOV};
use crate::transport::{ipc, tcp};
use crate::util::clock::now_ms;
use crate::zmtp;
use mio::{Interest, Registry, Token};
use std::collections::HashMap;
use std::io::{self, IoSlice};
use std::sync::Arc;
use std::time::Duration;

mod accept_retry;
mod raw;
mod resolve;
mod udp;
pub use resolve::HostTarget;

pub struct Reactor<'a> {
    registry: &'a Registry,
}

impl<'a> Reactor<'a> {
    pub fn new(registry: &'a Registry) -> Reactor<'a> {
        Reactor { registry }
    }
}

struct Engine {
    stream: Stream,
    /// ZMTP; raw bytes for a STREAM socket; datagrams for DGRAM over udp.
    zmtp: raw::Wire,
    /// A non-blocking connect is in progress.
    connecting: bool,
    /// The last write hit EAGAIN: wait for writability.
    write_blocked: bool,
    /// The pipe to the socket is full: stop reading until ActivateWrite.
    read_blocked: bool,
    /// The stream may have bytes to read: false once a read said EAGAIN or
    /// came back short (the receive queue is empty, so new bytes raise a
    /// new edge), true again with the next readiness event. A pump woken by
    /// the socket (a message to send) then skips the read that would only
    /// say EAGAIN.
    read_ready: bool,
    /// An event reported the peer's hang-up (EPOLLRDHUP/HUP/ERR): read to
    /// the end whatever a read returns.
    hung_up: bool,
    /// Messages written to the pipe and not flushed yet (see `deliver`).
    unflushed: bool,
    /// WRITABLE is in the stream's registered interest. Only while a
    /// connect is in progress or a write hit EAGAIN: with it always on, a
    /// Unix stream raises a writable edge every time the peer reads, which
    /// would wake this thread once more per message.
    write_interest: bool,
    /// Parts of an incoming multipart message, written to the pipe whole so
    /// a connection dying mid-message never leaves half a message behind.
    in_parts: Vec<Msg>,
    metadata: Option<Arc<Metadata>>,
    handshake_deadline: Option<u64>,
    /// The connection's ends as monitor events name them (libzmq's
    /// endpoint_uri_pair_t): "tcp://ip:port", "ipc://path". A connecter's
    /// remote end is its endpoint string.
    local: String,
    remote: String,
    /// The ZAP exchange of a server mechanism (or NULL with a domain).
    zap: super::security::ZapClient,
    /// ZMQ_HELLO_MSG still to go out first once the handshake is done.
    hello_due: bool,
    /// A tcp connection's MSS, once connected: writes with more queued
    /// end on a segment boundary (see Stream::write_vectored). 0: any.
    segment: usize,
    /// Nothing was left to write after the last write: the next one starts
    /// a fresh burst (see [`LARGE_HEAD`]).
    output_idle: bool,
    /// A message went out on this connection since the last large body came
    /// in: the peer may be waiting for an answer (see [`tune_rcvlowat`]).
    answered: bool,
    /// The SO_RCVLOWAT in force (1, the kernel's default, until a large
    /// body comes; 0: the stream is not tcp, leave it alone).
    rcvlowat: usize,
}

struct Session {
    opts: Arc<SessionOptions>,
    endpoint: String,
    /// A connecter's endpoint as its monitor events name it: as given until
    /// a connection has been made, then the address it resolved to (libzmq
    /// makes every later connecter from the resolved address).
    event_endpoint: String,
    /// Accepted through the listener bound to this endpoint.
    listener_endpoint: Option<String>,
    /// Where a connecter (re)connects.
    target: Option<Target>,
    pipe: Option<usize>,
    engine: Option<Engine>,
    reconnect_at: Option<u64>,
    reconnect_ivl: i32,
    /// The socket let go of the pipe: flush within linger, then end.
    closing: bool,
    /// ZMQ_IMMEDIATE connecter: a pipe per connection, dropped with it.
    pipe_per_connection: bool,
    /// A SUB/XSUB connecter lost its connection: on the next one the
    /// socket gets a fresh pipe, and so sends its subscriptions again.
    resubscribe: bool,
    linger_deadline: Option<u64>,
}

enum Entry {
    Listener {
        listener: Listener,
        endpoint: String,
        opts: Arc<SessionOptions>,
    },
    Session(Box<Session>),
}

pub struct Sessions {
    mailbox: Arc<super::command::SocketMailbox>,
    pipes: Pipes,
    pipe_owner: HashMap<usize, usize>,
    entries: Vec<Option<Entry>>,
    free: Vec<usize>,
    stopping: bool,
    /// Listeners to retry accepting on, and when (see accept_retry.rs).
    accept_retry: HashMap<usize, u64>,
    /// Since `take_traffic` last asked: a connection wrote to its peer /
    /// read from its peer.
    wrote: bool,
    read: bool,
}

/// Messages decoded ahead of delivery to the pipe: enough to amortise a
/// pass through the pump, few enough to stay in the cache (see
/// `Connection::set_decode_batch`). Also how often the pipe is flushed
/// (see the end of `deliver`).
const DECODE_BATCH: usize = 64;

/// A large body of at least this many bytes arriving over tcp is read when
/// it is all in (see [`tune_rcvlowat`]).
const RCVLOWAT_MIN: usize = 256 * 1024;

/// A burst of output that starts with more than [`LARGE_HEAD_MIN`] bytes has
/// its first LARGE_HEAD bytes written alone, as libzmq's encoder does (it
/// fills its 8 KiB batch first): the peer's I/O thread wakes on them, learns
/// the size and sets up the body while our kernel copies the rest, so both
/// copies overlap instead of running one after the other. 1 MiB round trips
/// over tcp loopback, 15 interleaved runs: one-way latency 421 -> 249 us
/// (with the peer's SO_RCVLOWAT off as well, 188; libzmq 269). A burst is
/// rare in a stream of large messages (the queue seldom runs dry), so
/// throughput pays about one system call per burst.
const LARGE_HEAD: usize = 8192;
/// Bursts up to this size go in one write (the peer reads them whole anyway).
const LARGE_HEAD_MIN: usize = 256 * 1024;

/// While a large body arrives over tcp, ask the kernel (SO_RCVLOWAT) to wake
/// this thread only once the rest of it is queued, instead of once per
/// segment batch the peer's kernel delivers: 1 MiB messages over loopback
/// took ~8 wake-ups and ~25 reads each, now ~3 and ~10; the sender, whose
/// kernel runs our side's wake-ups, spends ~9% less CPU per message, the
/// receiver ~20% less, and throughput rose ~10%. Linux caps the value at half
/// the largest receive buffer, so a body bigger than that is read a cap at a
/// time. The value never exceeds what the peer still owes us, and Linux
/// reports readable anyway when the receive window closes or on a hang-up,
/// so nothing waits forever. Heartbeats are unaffected: only a whole frame
/// proves the peer alive (as in libzmq), and the body's last byte still
/// wakes us.
///
/// Not when we answered the last large body on this connection: a peer that
/// sends one and waits for the reply (request-reply) is better served by
/// reading the body as it comes, our copy overlapping the peer's: 1 MiB
/// round trips, one-way 249 -> 191 us (libzmq 226). A stream of messages
/// that are never answered (PUSH, PUB) keeps the single wake-up.
fn tune_rcvlowat(e: &mut Engine) {
    if e.rcvlowat == 0 {
        return;
    }
    let rem = e.zmtp.body_remaining();
    let want = if rem >= RCVLOWAT_MIN && !e.answered {
        rem
    } else {
        1
    };
    if want != e.rcvlowat && !e.stream.set_rcvlowat(want) {
        e.rcvlowat = 0;
        return;
    }
    e.rcvlowat = want;
}

/// A handshaken connection ended: the socket hears ZMQ_DISCONNECT_MSG (an
/// accepted peer) or ZMQ_HICCUP_MSG (a connection it made), as libzmq's
/// session does, whole messages only (the session never leaves half of one
/// in the pipe).
fn notify_lost(s: &Session, pipes: &mut Pipes) {
    let (Some(e), Some(slot)) = (&s.engine, s.pipe) else {
        return;
    };
    if e.connecting || e.metadata.is_none() || !matches!(e.zmtp, raw::Wire::Zmtp(_)) {
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

fn token(key: usize) -> Token {
    Token(key + 1)
}

/// Why a connection ended.
enum Down {
    /// The peer closed, or the stream failed.
    Closed,
    /// Handshake timeout or an I/O error, with the errno libzmq reports
    /// for it (EAGAIN for a timeout, as libzmq leaves it).
    Failed(i32),
    /// The ZMTP state machine refused the peer.
    Protocol(zmtp::ProtocolError),
}

/// Report a socket event to the monitor, if any.
fn emit(opts: &SessionOptions, event: i32, value: i64, endpoint: &str) {
    crate::socket::monitor::emit(&opts.monitor, event, value as u64, endpoint);
}

/// Write what the state machine has queued, without waiting.
fn flush_best_effort(e: &mut Engine) {
    while e.zmtp.has_output() {
        let written = {
            let mut slices = [IoSlice::new(&[]); MAX_IOV];
            let k = e.zmtp.output(&mut slices);
            e.stream.write_vectored(&slices[..k], Trim::None)
        };
        match written {
            Ok(n) if n > 0 => e.zmtp.consume_output(n),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            _ => return,
        }
    }
}

/// Report an event about a connection or connecter, named by both ends.
fn emit_at(opts: &SessionOptions, event: i32, value: i64, ends: Ends) {
    crate::socket::monitor::emit_at(&opts.monitor, event, value as u64, ends);
}

fn engine_ends(e: &Engine, bound: bool) -> Ends<'_> {
    Ends {
        local: &e.local,
        remote: &e.remote,
        bound,
    }
}

/// A stream's local address as libzmq names it ("tcp://127.0.0.1:5555",
/// "ipc:///tmp/x"); empty if the kernel will not say.
fn local_name(stream: &Stream) -> String {
    match stream {
        Stream::Tcp(s) => s.local_addr().map(|a| tcp_endpoint_string(&a)),
        Stream::Ipc(s) => s.local_addr().map(|a| ipc_name(&a)),
        Stream::Udp(s) => s.local_addr().map(|a| udp::endpoint_name(&a)),
    }
    .unwrap_or_default()
}

/// The peer's address, named as `local_name` names ours.
fn remote_name(stream: &Stream) -> String {
    match stream {
        Stream::Tcp(s) => s.peer_addr().map(|a| tcp_endpoint_string(&a)),
        Stream::Ipc(s) => s.peer_addr().map(|a| ipc_name(&a)),
        Stream::Udp(_) => Ok(String::new()),
    }
    .unwrap_or_default()
}

/// "ipc://path", "ipc://@abstract", or "ipc://" for an unnamed socket.
fn ipc_name(a: &std::os::unix::net::SocketAddr) -> String {
    use std::os::linux::net::SocketAddrExt;
    if let Some(p) = a.as_pathname() {
        format!("ipc://{}", p.display())
    } else if let Some(n) = a.as_abstract_name() {
        format!("ipc://@{}", String::from_utf8_lossy(n))
    } else {
        "ipc://".to_owned()
    }
}

/// A connecter's address once resolved, as libzmq prints it.
fn resolved_endpoint(t: &Target) -> String {
    match t {
        Target::Tcp { addr, .. } => tcp_endpoint_string(addr),
        Target::Ipc(path) => format!("ipc://{path}"),
        Target::Udp(sock) => sock
            .local_addr()
            .map(|a| udp::endpoint_name(&a))
            .unwrap_or_default(),
        Target::TcpHost(h) => match h.last {
            Some(a) => tcp_endpoint_string(&a),
            None => String::new(),
        },
    }
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
        }
    }

    /// (wrote, read): did connections write to / read from their peers
    /// since the last call? (see io::idle)
    pub fn take_traffic(&mut self) -> (bool, bool) {
        (
            std::mem::take(&mut self.wrote),
            std::mem::take(&mut self.read),
        )
    }

    fn insert(&mut self, e: Entry) -> usize {
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

    fn session(&mut self, key: usize) -> Option<&mut Session> {
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
            Command::Bind(..) | Command::Own | Command::Stop | Command::EndpointEnded(_) => {}
        }
    }

    fn io_command(&mut self, r: &Reactor, cmd: IoCommand) {
        match cmd {
            IoCommand::Listen {
                listener,
                endpoint,
                opts,
            } => {
                let key = self.insert(Entry::Listener {
                    listener,
                    endpoint,
                    opts,
                });
                let ok = match &mut self.entries[key] {
                    Some(Entry::Listener { listener, .. }) => r
                        .registry
                        .register(listener, token(key), Interest::READABLE)
                        .is_ok(),
                    _ => false,
                };
                if !ok {
                    self.destroy(r, key);
                }
            }
            IoCommand::Connect {
                target,
                endpoint,
                opts,
                pipe,
            } => {
                let ivl = opts.reconnect_ivl;
                let key = self.insert(Entry::Session(Box::new(Session {
                    opts,
                    event_endpoint: endpoint.clone(),
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
                // Any event (an error or hang-up comes as either) may mean
                // a read has something to say.
                e.read_ready = true;
                e.hung_up |= hangup;
                if e.connecting {
                    if !(readable || writable) {
                        return;
                    }
                    let res = e.stream.take_connect_error();
                    let fd = e.stream.fd() as i64;
                    if res.is_ok() {
                        e.connecting = false;
                        e.write_blocked = false;
                        e.segment = e.stream.segment_size();
                        s.reconnect_ivl = s.opts.reconnect_ivl;
                        emit_at(&s.opts, ZMQ_EVENT_CONNECTED, fd, engine_ends(e, false));
                    } else {
                        let ends = Ends::connect("", &s.event_endpoint);
                        emit_at(&s.opts, ZMQ_EVENT_CLOSED, fd, ends);
                    }
                    Some(res.map_err(|err| err.raw_os_error().unwrap_or(0)))
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

    fn accept(&mut self, r: &Reactor, key: usize) {
        loop {
            let (stream, endpoint, opts) = match &self.entries[key] {
                Some(Entry::Listener {
                    listener,
                    endpoint,
                    opts,
                }) => match listener.accept() {
                    Ok(s) => (s, endpoint.clone(), opts.clone()),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    // EMFILE and friends: this connection is lost, the
                    // listener keeps serving.
                    Err(e) => {
                        let errno = e.raw_os_error().unwrap_or(0) as i64;
                        emit(opts, ZMQ_EVENT_ACCEPT_FAILED, errno, endpoint);
                        self.accept_failed(key);
                        return;
                    }
                },
                _ => return,
            };
            if !opts.transport.accept_filters.admits(&stream) {
                // Refused before any engine or pipe exists, as libzmq's
                // listener closes it (its monitor says ACCEPT_FAILED).
                let errno = i64::from(libc::EACCES);
                emit(&opts, ZMQ_EVENT_ACCEPT_FAILED, errno, &endpoint);
                continue;
            }
            tcp::accepted(&stream, &opts.transport);
            let (local, remote) = (local_name(&stream), remote_name(&stream));
            let ends = Ends::bound(&local, &remote);
            emit_at(&opts, ZMQ_EVENT_ACCEPTED, stream.fd() as i64, ends);
            let skey = self.insert(Entry::Session(Box::new(Session {
                opts: opts.clone(),
                endpoint: endpoint.clone(),
                event_endpoint: String::new(),
                listener_endpoint: Some(endpoint),
                target: None,
                pipe: None,
                engine: None,
                reconnect_at: None,
                reconnect_ivl: opts.reconnect_ivl,
                closing: false,
                pipe_per_connection: false,
                resubscribe: false,
                linger_deadline: None,
            })));
            self.start_engine(r, skey, stream, false);
        }
    }

    fn start_connect(&mut self, r: &Reactor, key: usize) {
        let mailbox = self.mailbox.clone();
        let Some(s) = self.session(key) else { return };
        let Some(mut target) = s.target.clone() else {
            return;
        };
        if let Target::TcpHost(_) = target {
            match resolve::next_attempt(s, key, &mailbox) {
                Some(t) => target = t,
                None => return,
            }
        }
        let stream = match &target {
            Target::Tcp { addr, source } => tcp::connect(*addr, *source, &s.opts.transport)
                .map_err(|err| err.raw_os_error().unwrap_or(0)),
            Target::Ipc(path) => ipc::connect(path).map_err(|err| err.0),
            Target::TcpHost(_) => return,
            Target::Udp(sock) => {
                match sock.try_clone() {
                    Ok(dup) => self.start_engine(r, key, udp::stream(dup), false),
                    Err(_) => self.schedule_reconnect(key),
                }
                return;
            }
        };
        match stream {
            Ok(stream) => {
                if matches!(target, Target::Tcp { .. }) {
                    // A non-blocking tcp connect is under way.
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
                // then CONNECT_RETRIED).
                let ends = Ends::connect("", &s.event_endpoint);
                crate::socket::monitor::emit_closed_unknown_fd(&s.opts.monitor, ends);
                if refusal_ends(s, errno) {
                    self.destroy(r, key)
                } else {
                    self.schedule_reconnect(key)
                }
            }
        }
    }

    fn start_engine(&mut self, r: &Reactor, key: usize, mut stream: Stream, connecting: bool) {
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
        let o = &s.opts;
        let config = zmtp::Config {
            socket_type: o.socket_type,
            routing_id: o.routing_id.clone(),
            as_server: o.as_server,
            maxmsgsize: o.maxmsgsize,
            metadata: o.metadata.clone(),
            in_batch_size: o.in_batch_size,
            heartbeat_ivl: o.heartbeat_ivl,
            heartbeat_ttl: o.heartbeat_ttl,
            heartbeat_timeout: o.heartbeat_timeout,
        };
        let mechanism = super::security::mechanism(o, &config);
        let handshake_deadline = (o.handshake_ivl > 0).then(|| now_ms() + o.handshake_ivl as u64);
        let (local, remote) = match &s.target {
            Some(_) => (local_name(&stream), s.event_endpoint.clone()),
            None => (local_name(&stream), remote_name(&stream)),
        };
        let wire = if matches!(stream, Stream::Udp(_)) {
            raw::Wire::Udp(Default::default())
        } else if o.raw_socket {
            raw::Wire::Raw(raw::RawConnection::new(o.in_batch_size, o.raw_notify))
        } else {
            let mut conn = zmtp::Connection::with_mechanism(config, mechanism);
            conn.set_decode_batch(DECODE_BATCH);
            raw::Wire::Zmtp(conn)
        };
        let hello_due = !o.hello_msg.is_empty() && matches!(wire, raw::Wire::Zmtp(_));
        let segment = if connecting { 0 } else { stream.segment_size() };
        s.engine = Some(Engine {
            stream,
            zmtp: wire,
            connecting,
            write_blocked: connecting,
            read_blocked: false,
            read_ready: true,
            hung_up: false,
            unflushed: false,
            write_interest: true,
            in_parts: Vec::new(),
            metadata: None,
            handshake_deadline,
            local,
            remote,
            zap: Default::default(),
            hello_due,
            segment,
            output_idle: true,
            answered: false,
            rcvlowat: 1,
        });
        if !connecting {
            self.pump(r, key);
        }
    }

    /// Move data both ways until nothing more can move without waiting.
    fn pump(&mut self, r: &Reactor, key: usize) {
        match self
            .pump_inner(key)
            .and_then(|()| self.update_interest(r, key))
        {
            Ok(()) => {}
            Err(down) => {
                self.connection_down(r, key, down);
                return;
            }
        }
        self.check_done(r, key);
    }

    /// Ask for writability only while it is awaited (see
    /// `Engine::write_interest`). Re-registering with EPOLLET reports a
    /// stream that became writable meanwhile, so no edge is lost.
    fn update_interest(&mut self, r: &Reactor, key: usize) -> Result<(), Down> {
        let Some(Some(Entry::Session(s))) = self.entries.get_mut(key) else {
            return Ok(());
        };
        let Some(e) = s.engine.as_mut() else {
            return Ok(());
        };
        let want = e.connecting || e.write_blocked || matches!(e.stream, Stream::Udp(_));
        if want == e.write_interest {
            return Ok(());
        }
        let interest = if want {
            Interest::READABLE | Interest::WRITABLE
        } else {
            Interest::READABLE
        };
        r.registry
            .reregister(&mut e.stream, token(key), interest)
            .map_err(|err| Down::Failed(err.raw_os_error().unwrap_or(libc::EIO)))?;
        e.write_interest = want;
        Ok(())
    }

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
        if let raw::Wire::Udp(_) = e.zmtp {
            return udp::pump(s, &mut self.pipes);
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
            let zap = match &mut e.zmtp {
                raw::Wire::Zmtp(conn) => e.zap.drive(conn, &s.opts, &self.mailbox, key, peer),
                _ => Ok(()),
            };
            if let Err(p) = zap {
                flush_best_effort(e);
                return Err(Down::Protocol(p));
            }
            deliver(s, pipes, &self.mailbox, &mut self.pipe_owner, key)?;
            let e = s.engine.as_mut().expect("engine");
            if e.read_blocked {
                break;
            }
            if e.zmtp.has_pending_frames() {
                // The rest of the last read, a decode batch at a time.
                if let Err(p) = e.zmtp.commit_read(0, &mut now_ms) {
                    // The whole messages before the bad frame still count.
                    if std::mem::take(&mut e.unflushed) {
                        if let Some(slot) = s.pipe {
                            pipes.get(slot).flush();
                        }
                    }
                    flush_best_effort(e);
                    return Err(Down::Protocol(p));
                }
                continue;
            }
            if !e.read_ready {
                break;
            }
            let owed = e.zmtp.body_remaining();
            let (buf, more) = e.zmtp.read_spaces();
            let room = buf.len() + more.as_ref().map_or(0, |b| b.len());
            match e.stream.read_into_vectored(buf, more) {
                Ok(0) => return Err(Down::Closed),
                Ok(n) => {
                    self.read = true;
                    if owed >= RCVLOWAT_MIN && n >= owed {
                        e.answered = false;
                    }
                    // A short read emptied the socket's receive queue: data
                    // arriving later raises a new edge, so skip the read
                    // that would only say EAGAIN (as tokio does). Not once
                    // the peer hung up: its end-of-stream came with the
                    // data, no new edge will announce it, and only a read
                    // returning 0 reports it.
                    e.read_ready = n >= room || e.hung_up;
                    if let Err(p) = e.zmtp.commit_read(n, &mut now_ms) {
                        // What we already owe the peer (our READY, say) goes
                        // out first, so it learns why, as from libzmq, whose
                        // engine writes each handshake step at once.
                        flush_best_effort(e);
                        return Err(Down::Protocol(p));
                    }
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    e.read_ready = false;
                    break;
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(Down::Failed(err.raw_os_error().unwrap_or(libc::EIO))),
            }
        }
        // Outbound: pipe -> ZMTP -> socket stream.
        let e = s.engine.as_mut().expect("engine");
        tune_rcvlowat(e);
        loop {
            if e.zmtp.is_ready() {
                if e.hello_due {
                    // ZMQ_HELLO_MSG: the first message of every connection.
                    e.hello_due = false;
                    e.zmtp
                        .send(Msg::from_slice(&s.opts.hello_msg))
                        .map_err(Down::Protocol)?;
                }
                if let Some(slot) = s.pipe {
                    let pipe = pipes.get(slot);
                    while e.zmtp.want_more_output() {
                        // What the pipe is known to hold first; ask it for
                        // more only with nothing to write. An engine that
                        // keeps up with the socket would otherwise poll the
                        // pipe's shared word after every message.
                        let m = match pipe.read_known() {
                            Some(m) => m,
                            None if e.zmtp.has_output() => break,
                            None => match pipe.read() {
                                Some(m) => m,
                                None => break,
                            },
                        };
                        e.zmtp.send(m).map_err(Down::Protocol)?;
                        e.answered = true;
                    }
                }
            }
            if e.write_blocked || !e.zmtp.has_output() {
                break;
            }
            // Whole segments only while more messages wait behind them: the
            // last one goes whole, as its tail in a write of its own would
            // cost a peer waiting for it one more wake-up.
            let pending = e.zmtp.pending_output();
            let trim = if e.output_idle && pending > LARGE_HEAD_MIN {
                Trim::Cap(LARGE_HEAD)
            } else if e.segment > 0
                && pending > e.segment
                && s.pipe.is_some_and(|slot| pipes.get(slot).has_unread())
            {
                Trim::Segments(e.segment)
            } else {
                Trim::None
            };
            let written = {
                let mut slices = [IoSlice::new(&[]); MAX_IOV];
                let k = e.zmtp.output(&mut slices);
                e.stream.write_vectored(&slices[..k], trim)
            };
            match written {
                Ok(n) => {
                    e.zmtp.consume_output(n);
                    e.output_idle = !e.zmtp.has_output();
                    self.wrote = true;
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => e.write_blocked = true,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(Down::Failed(err.raw_os_error().unwrap_or(libc::EIO))),
            }
        }
        Ok(())
    }

    fn start_closing(&mut self, r: &Reactor, key: usize) {
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
    fn check_done(&mut self, r: &Reactor, key: usize) {
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
            Some(e) => !e.connecting && !e.zmtp.has_output(),
            None => true,
        };
        if drained && flushed {
            self.destroy(r, key);
        }
    }

    fn connection_down(&mut self, r: &Reactor, key: usize, why: Down) {
        if let Some(Some(Entry::Session(s))) = self.entries.get(key) {
            raw::notify_disconnect(s, &mut self.pipes);
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

    fn schedule_reconnect(&mut self, key: usize) {
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

    /// End an entry: deregister, close its pipe end (the socket then drains
    /// and drops its end).
    fn destroy(&mut self, r: &Reactor, key: usize) {
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

    /// How long the reactor may sleep: until [`next_deadline`](Self::next_deadline).
    pub fn timeout_until(deadline: Option<u64>) -> Option<Duration> {
        deadline.map(|d| Duration::from_millis(d.saturating_sub(now_ms())))
    }

    /// The earliest timer of any session or listener (absolute ms).
    pub fn next_deadline(&self) -> Option<u64> {
        let mut next: Option<u64> = self.next_accept_retry();
        for e in self.entries.iter().flatten() {
            if let Entry::Session(s) = e {
                let mut t = [s.reconnect_at, s.linger_deadline, None, None];
                if let Some(eng) = &s.engine {
                    t[2] = eng.zmtp.next_timer();
                    if !eng.zmtp.is_ready() {
                        t[3] = eng.handshake_deadline;
                    }
                }
                for d in t.into_iter().flatten() {
                    next = Some(next.map_or(d, |n| n.min(d)));
                }
            }
        }
        next
    }

    /// Run what is due. The reactor calls it only after a wake-up that had
    /// a deadline: without one nothing can be due yet, and skipping the
    /// clock read saves as much as decoding a message costs (a timer set
    /// meanwhile lies in the future, and bounds the next sleep).
    pub fn timers(&mut self, r: &Reactor) {
        let now = now_ms();
        self.retry_accepts(r, now);
        for key in 0..self.entries.len() {
            enum Due {
                Nothing,
                Linger,
                Reconnect,
                Down,
                Pump,
            }
            let due = match self.session(key) {
                None => Due::Nothing,
                Some(s) => {
                    if s.linger_deadline.is_some_and(|d| d <= now) {
                        Due::Linger
                    } else if s.reconnect_at.is_some_and(|d| d <= now) {
                        s.reconnect_at = None;
                        Due::Reconnect
                    } else if let Some(e) = s.engine.as_mut() {
                        if !e.zmtp.is_ready() && e.handshake_deadline.is_some_and(|d| d <= now) {
                            Due::Down
                        } else if e.zmtp.next_timer().is_some_and(|d| d <= now) {
                            if e.zmtp.on_timer(now).is_err() {
                                Due::Down
                            } else {
                                Due::Pump
                            }
                        } else {
                            Due::Nothing
                        }
                    } else {
                        Due::Nothing
                    }
                }
            };
            match due {
                Due::Nothing => {}
                Due::Linger => self.destroy(r, key),
                Due::Reconnect => self.start_connect(r, key),
                Due::Down => self.connection_down(r, key, Down::Failed(libc::EAGAIN)),
                Due::Pump => self.pump(r, key),
            }
        }
    }
}

/// How far a connecter's connection had got when it ended.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Connecting,
    Handshaking,
    Established,
}

/// ZMQ_RECONNECT_STOP_CONN_REFUSED: a refused connect ends the endpoint.
fn refusal_ends(s: &Session, errno: i32) -> bool {
    errno == libc::ECONNREFUSED && s.opts.reconnect_stop & ZMQ_RECONNECT_STOP_CONN_REFUSED != 0
}

/// Whether a connecter gives up instead of reconnecting, as libzmq: after a
/// protocol error (the peer is not one we can talk to), after a lost
/// connection when reconnection is off (ZMQ_RECONNECT_IVL 0 or -1), and as
/// ZMQ_RECONNECT_STOP asks.
fn endpoint_ends(s: &Session, phase: Phase, why: &Down) -> bool {
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
fn endpoint_forgotten(s: &Session, phase: Phase, why: &Down) -> bool {
    let stop = s.opts.reconnect_stop;
    match (phase, why) {
        (Phase::Connecting, _) | (_, Down::Protocol(_)) => false,
        (Phase::Handshaking, _) if stop & ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED != 0 => false,
        (Phase::Established, _) if stop & ZMQ_RECONNECT_STOP_AFTER_DISCONNECT != 0 => true,
        _ => s.opts.reconnect_ivl <= 0,
    }
}

/// A random number in [0, range) (0 if range <= 0).
fn jitter(range: i32) -> i32 {
    if range <= 0 {
        return 0;
    }
    let mut b = [0u8; 4];
    if getrandom::getrandom(&mut b).is_err() {
        return 0;
    }
    (u32::from_ne_bytes(b) % range as u32) as i32
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
        if let Some(m) = e.zmtp.next_message() {
            // A single-part message goes straight into the pipe when it has
            // room; anything else waits in in_parts until it is whole.
            if e.in_parts.is_empty() && !m.more() {
                let pipe = pipes.get(s.pipe.expect("pipe after handshake"));
                if pipe.check_write() {
                    pipe.write(m);
                    e.unflushed = true;
                    continue;
                }
            }
            e.in_parts.push(m);
            continue;
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
