//! The engine: the byte pump of one connection, libzmq's stream_engine. It
//! owns the transport stream and the protocol state machine
//! (`crate::zmtp::Connection`, raw bytes for STREAM, datagrams for DGRAM over
//! udp: see `raw::Wire`) and moves bytes between them: read, decode,
//! encode, write, with the large-body tricks (the head split of a large
//! burst, SO_RCVLOWAT while a large body arrives) and heartbeats (inside the
//! state machine; `io::timers` runs them). It knows frames and mechanisms,
//! not socket types: what it decodes its session delivers (see
//! `session::deliver`), and it encodes what it reads from the one pipe end
//! the session hands it.

use super::command::SessionOptions;
use super::monitor::Ends;
use crate::msg::metadata::Metadata;
use crate::msg::Msg;
use crate::pipe::PipeEnd;
use crate::transport::stream::{Stream, Trim, MAX_IOV};
use crate::util::clock::now_ms;
use crate::zmtp;
use mio::{Interest, Registry, Token};
use std::io::{self, IoSlice};
use std::sync::Arc;

pub(super) mod norm;
pub(super) mod pgm;
pub(super) mod raw;
pub(super) mod udp;
// udp.rs pumps a DGRAM/RADIO/DISH session's datagrams straight between its
// socket and its pipe, as libzmq's udp_engine does: it takes the session.
use super::session::Session;

pub(super) struct Engine {
    pub(super) stream: Stream,
    /// ZMTP; raw bytes for a STREAM socket; datagrams for DGRAM over udp.
    pub(super) zmtp: raw::Wire,
    /// A non-blocking connect is in progress.
    pub(super) connecting: bool,
    /// The last write hit EAGAIN: wait for writability.
    pub(super) write_blocked: bool,
    /// The pipe to the socket is full: stop reading until ActivateWrite.
    pub(super) read_blocked: bool,
    /// The stream may have bytes to read: false once a read said EAGAIN or
    /// came back short (the receive queue is empty, so new bytes raise a
    /// new edge), true again with the next readiness event. A pump woken by
    /// the socket (a message to send) then skips the read that would only
    /// say EAGAIN.
    pub(super) read_ready: bool,
    /// An event reported the peer's hang-up (EPOLLRDHUP/HUP/ERR): read to
    /// the end whatever a read returns.
    pub(super) hung_up: bool,
    /// Messages written to the pipe and not flushed yet (see
    /// `session::deliver`).
    pub(super) unflushed: bool,
    /// WRITABLE is in the stream's registered interest. Only while a
    /// connect is in progress or a write hit EAGAIN: with it always on, a
    /// Unix stream raises a writable edge every time the peer reads, which
    /// would wake this thread once more per message.
    pub(super) write_interest: bool,
    /// Parts of an incoming multipart message, written to the pipe whole so
    /// a connection dying mid-message never leaves half a message behind.
    pub(super) in_parts: Vec<Msg>,
    pub(super) metadata: Option<Arc<Metadata>>,
    pub(super) handshake_deadline: Option<u64>,
    /// The connection's ends as monitor events name them (libzmq's
    /// endpoint_uri_pair_t): "tcp://ip:port", "ipc://path". A connecter's
    /// remote end is its endpoint string.
    pub(super) local: String,
    pub(super) remote: String,
    /// The ZAP exchange of a server mechanism (or NULL with a domain).
    pub(super) zap: super::security::ZapClient,
    /// ZMQ_HELLO_MSG still to go out first once the handshake is done.
    pub(super) hello_due: bool,
    /// A tcp connection's MSS, once connected: writes with more queued
    /// end on a segment boundary (see Stream::write_vectored). 0: any.
    pub(super) segment: usize,
    /// Nothing was left to write after the last write: the next one starts
    /// a fresh burst (see [`LARGE_HEAD`]).
    pub(super) output_idle: bool,
    /// A message went out on this connection since the last large body came
    /// in: the peer may be waiting for an answer (see [`tune_rcvlowat`]).
    pub(super) answered: bool,
    /// The SO_RCVLOWAT in force (1, the kernel's default, until a large
    /// body comes; 0: the stream is not tcp, leave it alone).
    pub(super) rcvlowat: usize,
    /// The first body over LARGE_HEAD_MIN went out: the send buffer was
    /// grown (or the transport does not grow it). See [`grow_send_buffer`].
    pub(super) send_buffer_grown: bool,
    /// The last pump stopped writing on its turn's budget with more to
    /// write; `queued`: it waits in the thread's turn queue (io::turns).
    pub(super) yielded: bool,
    pub(super) queued: bool,
    _counted: super::turns::Counted,
}

/// Messages decoded ahead of delivery to the pipe: enough to amortise a
/// pass through the pump, few enough to stay in the cache (see
/// `Connection::set_decode_batch`). Also how often the pipe is flushed
/// (see the end of `deliver`).
const DECODE_BATCH: usize = 64;

/// A large body of at least this many bytes arriving over tcp is read when
/// it is all in (see [`tune_rcvlowat`]).
const RCVLOWAT_MIN: usize = 256 * 1024;

/// Bodies from this size on keep their reader's I/O thread spinning while
/// they come in over a transport without SO_RCVLOWAT (see
/// [`Engine::awaits_large_body`], io::idle). Two processes over ipc, 15
/// interleaved runs: 1 MiB 2251 -> 2574 msg/s (libzmq 2129), and one process
/// with two I/O threads 2230 -> 2572 (9 runs: 2206 -> 2624, libzmq 2125);
/// 512 KiB level (-8% and +3% in two sets); but 256 KiB -5 to -8% in three
/// sets when it spun too (a body of seven socket buffers: the spinning
/// reader takes the CPU the application threads need more than the sender
/// saves). Over tcp the kernel holds the wake-up back until the
/// body is in, and a reader spinning meanwhile only takes CPU from the
/// stack (1 MiB, 9 runs: 2487 -> 2278 msg/s when tcp spun too).
const RECV_SPIN_MIN: usize = 512 * 1024;

/// A burst of output that starts with more than [`LARGE_HEAD_MIN`] bytes has
/// its first LARGE_HEAD bytes written alone, as libzmq's encoder does (it
/// fills its 8 KiB batch first): the peer's I/O thread wakes on them, learns
/// the size and sets up the body while our kernel copies the rest, so both
/// copies overlap instead of running one after the other. 1 MiB round trips
/// over tcp loopback, 15 interleaved runs: one-way latency 421 -> 249 us
/// (with the peer's SO_RCVLOWAT off as well, 188; libzmq 269). A burst is
/// rare in a stream of large messages (the queue seldom runs dry), so
/// throughput pays about one system call per burst.
///
/// On a thread that runs other engines too (see io::turns), every message
/// whose body is larger than LARGE_HEAD_MIN goes out that way, as libzmq
/// sends each one: first what is queued before it with the body's first
/// bytes, LARGE_HEAD in all (more if more was queued before), then the rest
/// of the body alone, ending where the message ends. When the reader is on
/// this thread too (both ends in one process, one I/O thread), it then
/// reads the body in one call, right after the copy in, while it is still in
/// the cache; writes that run on into the next message left it reading the
/// body in pieces, and (with TCP pacing, BBR's, the Linux default here) the
/// kernel sending part of it later from a timer. 1 MiB messages, PUSH ->
/// PULL in one process over tcp, one I/O thread, pinned, 3000 messages:
/// 2.6-3.0k -> 3.8-4.0k msg/s (libzmq 3.1-3.9k); with Reno's unpaced
/// sending 3.5-3.7k -> 3.9k. A thread with a single engine keeps streaming
/// across messages: its peer is elsewhere, and there the head of every
/// 512 KiB message in a write of its own cost the receiving process a
/// wake-up each (two processes, 5.9k -> 4.4k msg/s).
const LARGE_HEAD: usize = 8192;
/// Bursts and bodies up to this size go in one write with what surrounds
/// them.
const LARGE_HEAD_MIN: usize = 256 * 1024;

/// How a write ends around the first large body queued, on a thread shared
/// with other engines (see [`LARGE_HEAD`]), if there is one within what one
/// write takes.
fn large_body_trim(e: &Engine) -> Option<Trim> {
    let (before, rest) = e.zmtp.large_body(LARGE_HEAD_MIN + 1, MAX_IOV)?;
    Some(if before == 0 {
        Trim::Cap(rest)
    } else {
        Trim::Cap(before.max(LARGE_HEAD))
    })
}

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

/// The kernel send buffer (as SO_SNDBUF reports it) of a connection that
/// carries bodies over [`LARGE_HEAD_MIN`], where the transport's buffer does
/// not grow by itself (ipc). A Unix socket's default (208 KiB here) takes a
/// fifth of a 1 MiB body per write; the writer then waits for the reader to
/// drain it, five times a message, and a thread serving both ends
/// alternates between them at that grain. 1 MiB messages, PUSH -> PULL in
/// one process over ipc, I/O threads pinned to one CPU and the application
/// to the other, 3000 messages: one I/O thread 3841 -> 4070 msg/s (libzmq
/// 3782), two 3116 -> 4114 (libzmq 3577). Streams of 64 KiB messages never
/// grow it, and two processes measured the same either way (pinned, 2286 /
/// 2270 msg/s, libzmq 2278).
const LARGE_SNDBUF: usize = 1 << 20;

/// Grow the send buffer once, when the first large body is queued (see
/// [`LARGE_SNDBUF`]). Connections of small messages keep the default.
fn grow_send_buffer(e: &mut Engine) {
    if e.send_buffer_grown || e.zmtp.pending_output() <= LARGE_HEAD_MIN {
        return;
    }
    if e.zmtp.large_body(LARGE_HEAD_MIN + 1, MAX_IOV).is_some() {
        e.send_buffer_grown = true;
        e.stream.grow_send_buffer(LARGE_SNDBUF);
    }
}

/// Why a connection ended.
pub(super) enum Down {
    /// The peer closed, or the stream failed.
    Closed,
    /// Handshake timeout or an I/O error, with the errno libzmq reports
    /// for it (EAGAIN for a timeout, as libzmq leaves it).
    Failed(i32),
    /// The ZMTP state machine refused the peer.
    Protocol(zmtp::ProtocolError),
}

/// How a failed read ends the connection: a WebSocket close (echoed by
/// now) as a hang-up, as libzmq's ws engine ends it; the rest as the
/// protocol errors they are.
fn protocol_down(p: zmtp::ProtocolError) -> Down {
    match p {
        zmtp::ProtocolError::WsClosed => Down::Closed,
        p => Down::Protocol(p),
    }
}

/// Write what the state machine has queued, without waiting.
pub(super) fn flush_best_effort(e: &mut Engine) {
    while e.zmtp.has_output() || e.stream.wants_write() {
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

pub(super) fn engine_ends(e: &Engine, bound: bool) -> Ends<'_> {
    Ends {
        local: &e.local,
        remote: &e.remote,
        bound,
    }
}

impl Engine {
    /// An engine for a stream just accepted or connected (`connecting`: a
    /// non-blocking connect is still under way), speaking what the socket
    /// speaks: ZMTP with its mechanism, raw bytes, or datagrams.
    pub(super) fn new(
        stream: Stream,
        o: &SessionOptions,
        connecting: bool,
        local: String,
        remote: String,
    ) -> Engine {
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
        let wire = if let Some(receiver) = stream.pgm_receiver() {
            raw::Wire::Pgm(Box::new(pgm::PgmState::new(o, receiver)))
        } else if let Some(receiver) = stream.norm_receiver() {
            raw::Wire::Norm(Box::new(norm::NormState::new(o, receiver)))
        } else if stream.is_datagram() {
            raw::Wire::Udp(Default::default())
        } else if let Some(end) = stream.websocket() {
            // libzmq's ws listener and connecter always make a ws engine.
            let role = if end.client {
                zmtp::ws::Role::Client {
                    host: end.host.clone(),
                    path: end.path.clone(),
                }
            } else {
                zmtp::ws::Role::Server
            };
            let mut ws = zmtp::ws::WsConnection::new(config, mechanism, role);
            ws.set_decode_batch(DECODE_BATCH);
            ws.set_out_batch(o.out_batch_size);
            raw::Wire::Ws(Box::new(ws))
        } else if o.raw_socket {
            raw::Wire::Raw(raw::RawConnection::new(
                o.in_batch_size,
                o.out_batch_size,
                o.raw_notify,
            ))
        } else {
            let mut conn = zmtp::Connection::with_mechanism(config, mechanism);
            conn.set_decode_batch(DECODE_BATCH);
            conn.set_out_batch(o.out_batch_size);
            conn.set_zero_copy_recv(o.zero_copy_recv);
            raw::Wire::Zmtp(conn)
        };
        let hello_due = !o.hello_msg.is_empty() && wire.is_zmtp();
        let segment = if connecting { 0 } else { stream.segment_size() };
        Engine {
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
            send_buffer_grown: false,
            yielded: false,
            queued: false,
            _counted: super::turns::Counted::new(),
        }
    }

    /// Ask for writability only while it is awaited (see
    /// `Engine::write_interest`). Re-registering with EPOLLET reports a
    /// stream that became writable meanwhile, so no edge is lost.
    pub(super) fn update_interest(
        &mut self,
        registry: &Registry,
        token: Token,
    ) -> Result<(), Down> {
        let e = self;
        let want = e.connecting || e.write_blocked || e.stream.is_datagram();
        if want == e.write_interest {
            return Ok(());
        }
        let interest = if want {
            Interest::READABLE | Interest::WRITABLE
        } else {
            Interest::READABLE
        };
        registry
            .reregister(&mut e.stream, token, interest)
            .map_err(|err| Down::Failed(err.raw_os_error().unwrap_or(libc::EIO)))?;
        e.write_interest = want;
        Ok(())
    }

    /// Part-way through a body of [`RECV_SPIN_MIN`] or more on a transport
    /// that ignores SO_RCVLOWAT (ipc; `tune_rcvlowat` found so): its reader
    /// wakes for every piece the sender queues.
    pub(super) fn awaits_large_body(&self) -> bool {
        self.rcvlowat == 0
            && self.zmtp.body_size() >= RECV_SPIN_MIN
            && self.zmtp.body_remaining() > 0
    }

    /// One step of the inbound pump (socket stream -> ZMTP), once the
    /// session has delivered what was decoded: decode the rest of the last
    /// read, a decode batch at a time, or read. `pipe` is the session's end
    /// towards the socket; `read` is set when bytes came in. Ok(false):
    /// nothing more moves without waiting (or the pipe is full).
    pub(super) fn read_step(
        &mut self,
        pipe: Option<&mut PipeEnd>,
        read: &mut bool,
    ) -> Result<bool, Down> {
        let e = self;
        if e.read_blocked {
            return Ok(false);
        }
        if e.zmtp.has_pending_frames() {
            // The rest of the last read, a decode batch at a time.
            if let Err(p) = e.zmtp.commit_read(0, &mut now_ms) {
                // The whole messages before the bad frame still count.
                if std::mem::take(&mut e.unflushed) {
                    if let Some(pipe) = pipe {
                        pipe.flush();
                    }
                }
                flush_best_effort(e);
                return Err(protocol_down(p));
            }
            return Ok(true);
        }
        if !e.read_ready {
            return Ok(false);
        }
        let owed = e.zmtp.body_remaining();
        let (buf, more) = e.zmtp.read_spaces();
        let room = buf.len() + more.as_ref().map_or(0, |b| b.len());
        match e.stream.read_into_vectored(buf, more) {
            Ok(0) => Err(Down::Closed),
            Ok(n) => {
                *read = true;
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
                    return Err(protocol_down(p));
                }
                Ok(true)
            }
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                e.read_ready = false;
                Ok(false)
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => Ok(true),
            Err(err) => Err(Down::Failed(err.raw_os_error().unwrap_or(libc::EIO))),
        }
    }

    /// The outbound pump (pipe -> ZMTP -> socket stream): encode what the
    /// pipe holds and write until the stream would block or nothing is
    /// left, or `budget` bytes went out with more to come (then `yielded`
    /// asks for another turn: see io::turns). `hello_msg` is ZMQ_HELLO_MSG;
    /// `wrote` is set when bytes went out.
    pub(super) fn write_out(
        &mut self,
        hello_msg: &[u8],
        mut pipe: Option<&mut PipeEnd>,
        budget: usize,
        wrote: &mut bool,
    ) -> Result<(), Down> {
        let e = self;
        tune_rcvlowat(e);
        e.yielded = false;
        let mut sent = 0usize;
        loop {
            if e.zmtp.is_ready() {
                if e.hello_due {
                    // ZMQ_HELLO_MSG: the first message of every connection.
                    e.hello_due = false;
                    e.zmtp
                        .send(Msg::from_slice(hello_msg))
                        .map_err(Down::Protocol)?;
                }
                if let Some(pipe) = pipe.as_deref_mut() {
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
            // The transport's own output (wss: TLS handshake records) goes
            // out even when the protocol has nothing to say.
            if e.write_blocked || !(e.zmtp.has_output() || e.stream.wants_write()) {
                break;
            }
            if sent >= budget {
                e.yielded = true;
                break;
            }
            grow_send_buffer(e);
            // Whole segments only while more messages wait behind them: the
            // last one goes whole, as its tail in a write of its own would
            // cost a peer waiting for it one more wake-up.
            let pending = e.zmtp.pending_output();
            // A budget: the thread runs other engines too (io::turns).
            let shared = budget < usize::MAX;
            let trim = if e.output_idle && pending > LARGE_HEAD_MIN {
                Trim::Cap(LARGE_HEAD)
            } else if let Some(trim) = shared.then(|| large_body_trim(e)).flatten() {
                trim
            } else if e.segment > 0
                && pending > e.segment
                && pipe.as_deref().is_some_and(|p| p.has_unread())
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
                    *wrote = true;
                    sent += n;
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => e.write_blocked = true,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(Down::Failed(err.raw_os_error().unwrap_or(libc::EIO))),
            }
        }
        Ok(())
    }
}
