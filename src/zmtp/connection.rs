//! One ZMTP connection's state machine: greeting, version downgrade,
//! mechanism handshake, then messages, commands and heartbeats.

use std::collections::VecDeque;
use std::io::IoSlice;
use std::sync::Arc;

use crate::constants as c;
use crate::msg::{Metadata, Msg, ReadBuf};

use super::codec::{Decoder, Encoder, Framing, HANDSHAKE_IN_BATCH, OUT_BATCH_SIZE};
use super::command::{self, CANCEL, JOIN, LEAVE, PING, PONG, SUBSCRIBE};
use super::greeting::{self, Detect, Protocol};
use super::mechanism::{Mechanism, NullMechanism, Status};
use super::radio_dish;
use super::zap::{ZapReply, ZapRequest};
use super::{Config, Event, ProtocolError};

// ZWS 2.0: the WebSocket entry points (constructor, whole frames in,
// control frames out).
mod zws;

#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    /// Waiting for (the rest of) the peer's greeting.
    Greeting,
    /// ZMTP 3.x: the mechanism handshake.
    Handshake,
    /// ZMTP 1.0/2.0: waiting for the peer's identity frame.
    AwaitIdentity,
    Ready,
    Failed(ProtocolError),
}

/// One ZMTP connection, sans I/O (see the module comment of `zmtp`).
pub struct Connection {
    config: Config,
    mechanism: Box<dyn Mechanism>,
    decoder: Decoder,
    encoder: Encoder,
    /// Ready (at most one, and before any message part).
    events: VecDeque<Event>,
    /// Received message parts, after `events`: kept apart so a part is
    /// moved fewer times on its way to the pipe (see `next_message`).
    inbox: VecDeque<Msg>,
    state: State,
    protocol: Option<Protocol>,
    sent_major: bool,
    sent_tail: bool,
    greeting_size: usize,
    /// The last part we sent had MORE (so the next is not a first part).
    send_more: bool,
    /// Ready, and every message goes out as one plain frame: no mechanism
    /// transforms it, and the socket type has no special frames (RADIO's
    /// groups, DISH's joins, SUB's subscriptions). The send path then skips
    /// all of those checks.
    plain_send: bool,
    /// PUB/XPUB talking to an unversioned 1.0 peer: inject a subscribe-all.
    subscription_required: bool,
    /// A local DISH: pairs the RADIO's group frames with their bodies.
    groups: Option<radio_dish::GroupDecoder>,
    hb_ivl_at: Option<u64>,
    hb_timeout_at: Option<u64>,
    hb_ttl_at: Option<u64>,
    /// Once ready, stop decoding with this many events queued (see
    /// [`set_decode_batch`](Self::set_decode_batch)).
    decode_batch: usize,
    /// Pull messages for output while fewer bytes than this are queued
    /// (ZMQ_OUT_BATCH_SIZE; see [`set_out_batch`](Self::set_out_batch)).
    out_batch: usize,
    /// Decoding stopped at `decode_batch` with complete frames left.
    paused: bool,
    /// ZWS 2.0 (ZMTP over WebSocket): frames come in whole through
    /// [`accept_ws_frame`](Self::accept_ws_frame) and go out as WebSocket
    /// messages; heartbeats are WebSocket pings (see `zmtp::ws`).
    ws: bool,
}

impl Connection {
    /// A connection using the NULL mechanism. Our signature is queued for
    /// output at once.
    pub fn new(config: Config) -> Connection {
        let mechanism = Box::new(NullMechanism::new(&config));
        Connection::with_mechanism(config, mechanism)
    }

    /// A connection using the given mechanism.
    ///
    /// If the receive buffer cannot be allocated, the connection starts out
    /// failed (every call reports [`ProtocolError::OutOfMemory`]).
    pub fn with_mechanism(config: Config, mechanism: Box<dyn Mechanism>) -> Connection {
        let mut conn = Connection::unstarted(config, mechanism);
        conn.encoder
            .push_raw(&greeting::signature(conn.config.routing_id.len()));
        conn
    }

    fn unstarted(config: Config, mechanism: Box<dyn Mechanism>) -> Connection {
        let handshake_batch = config.in_batch_size.min(HANDSHAKE_IN_BATCH);
        let (decoder, state) = match Decoder::new(handshake_batch, config.maxmsgsize) {
            Ok(d) => (d, State::Greeting),
            Err(e) => (
                // A minimal decoder keeps the struct whole; the state says failed.
                Decoder::new(0, config.maxmsgsize).unwrap_or_else(|_| {
                    std::alloc::handle_alloc_error(std::alloc::Layout::new::<[u8; 64]>())
                }),
                State::Failed(e),
            ),
        };
        let encoder = Encoder::new();
        let groups = (config.socket_type == c::ZMQ_DISH).then(Default::default);
        Connection {
            config,
            mechanism,
            decoder,
            encoder,
            events: VecDeque::new(),
            inbox: VecDeque::new(),
            state,
            protocol: None,
            sent_major: false,
            sent_tail: false,
            greeting_size: greeting::V2_GREETING_SIZE,
            send_more: false,
            plain_send: false,
            subscription_required: false,
            groups,
            hb_ivl_at: None,
            hb_timeout_at: None,
            hb_ttl_at: None,
            decode_batch: usize::MAX,
            out_batch: OUT_BATCH_SIZE,
            paused: false,
            ws: false,
        }
    }

    /// Message parts decoded and not yet taken.
    pub fn queued_messages(&self) -> usize {
        self.inbox.len()
    }

    /// Once ready, decode at most this many messages ahead of
    /// [`next_event`](Self::next_event): the rest of a read waits in the
    /// receive buffer until [`has_pending_frames`](Self::has_pending_frames)
    /// says so and `commit_read(0, ..)` resumes. A read of small frames then
    /// never fans out into thousands of queued events (which would go cold
    /// in the cache between being queued and taken). Unlimited by default.
    pub fn set_decode_batch(&mut self, n: usize) {
        self.decode_batch = n.max(1);
    }

    /// ZMQ_OUT_BATCH_SIZE: [`want_more_output`](Self::want_more_output)
    /// asks for messages until this many bytes are queued, so the engine
    /// writes small frames in batches of about this size (libzmq's encoder
    /// fills a buffer of exactly this size before each write; ours stops at
    /// the frame that reaches it). Large bodies are their own segments of
    /// the same write either way.
    pub fn set_out_batch(&mut self, n: usize) {
        self.out_batch = n.max(1);
    }

    /// ZMQ_ZERO_COPY_RECV: off, received bodies are copied out of the
    /// receive buffer (see `Decoder::set_zero_copy`).
    pub fn set_zero_copy_recv(&mut self, on: bool) {
        self.decoder.set_zero_copy(on);
    }

    /// Complete frames are waiting in the receive buffer (decoding stopped
    /// at the decode batch): `commit_read(0, ..)` goes on, and no read may
    /// happen before (the receive buffer has not been readied for one).
    pub fn has_pending_frames(&self) -> bool {
        self.paused
    }

    fn failed(&self) -> Result<(), ProtocolError> {
        match &self.state {
            State::Failed(e) => Err(e.clone()),
            _ => Ok(()),
        }
    }

    fn fail<T>(&mut self, r: Result<T, ProtocolError>) -> Result<T, ProtocolError> {
        if let Err(e) = &r {
            self.state = State::Failed(e.clone());
            self.plain_send = false;
        }
        r
    }

    fn enter_ready(&mut self) {
        self.state = State::Ready;
        self.plain_send = !self.mechanism.transforms_messages()
            && !matches!(
                self.config.socket_type,
                c::ZMQ_RADIO | c::ZMQ_DISH | c::ZMQ_SUB | c::ZMQ_XSUB
            );
    }

    // ---------------------------------------------------------------- input

    /// Free space to read into (never empty while the connection lives),
    /// not zero-filled: only what a read records as written in it counts.
    pub fn read_space(&mut self) -> ReadBuf<'_> {
        self.decoder.read_buf()
    }

    /// See [`Decoder::body_remaining`](super::codec::Decoder::body_remaining).
    pub fn body_remaining(&self) -> usize {
        self.decoder.body_remaining()
    }

    /// See [`Decoder::body_size`](super::codec::Decoder::body_size).
    pub fn body_size(&self) -> usize {
        self.decoder.body_size()
    }

    /// [`read_space`](Self::read_space), plus a second region to fill after
    /// it with the same read (`readv`), if there is one.
    pub fn read_spaces(&mut self) -> (ReadBuf<'_>, Option<ReadBuf<'_>>) {
        self.decoder.read_bufs()
    }

    /// [`read_space`](Self::read_space) as bytes, zero-filled where never
    /// written (for `std::io::Read` and tests).
    pub fn read_buf(&mut self) -> &mut [u8] {
        self.decoder.read_buf().into_initialized()
    }

    /// `n` new bytes were read into [`read_buf`](Self::read_buf): parse
    /// them. Events queue up for [`next_event`](Self::next_event). After an
    /// error the connection is dead and keeps returning that error.
    pub fn commit_read(&mut self, n: usize, now_ms: u64) -> Result<(), ProtocolError> {
        self.commit_read_with(n, &mut || now_ms)
    }

    /// [`commit_read`](Self::commit_read) with the time (ms) asked of
    /// `now` only if a frame needs it (the handshake's end, a PING's TTL):
    /// most reads carry only messages, and a clock read costs about as much
    /// as decoding one.
    pub fn commit_read_with(
        &mut self,
        n: usize,
        now: &mut dyn FnMut() -> u64,
    ) -> Result<(), ProtocolError> {
        self.failed()?;
        self.decoder.commit(n);
        let r = self.process(now);
        self.fail(r)
    }

    fn process(&mut self, now: &mut dyn FnMut() -> u64) -> Result<(), ProtocolError> {
        self.paused = false;
        loop {
            // `matches!`, not `==`: the derived comparison of a State
            // (which may carry an error) is a call per frame.
            if matches!(self.state, State::Greeting) {
                if !self.greeting_step()? {
                    break;
                }
                continue;
            }
            let ready = matches!(self.state, State::Ready);
            if ready && self.inbox.len() >= self.decode_batch {
                self.paused = true;
                return Ok(());
            }
            if ready {
                // Frames are decoded where they are queued. One that needs
                // more than queuing (a command, a CURVE box, a RADIO group
                // frame) comes back out for on_frame.
                self.inbox.push_back(Msg::new());
                let slot = self.inbox.back_mut().expect("just queued");
                match self.decoder.decode_into(slot) {
                    Ok(true) => {}
                    Ok(false) => {
                        self.inbox.pop_back();
                        break;
                    }
                    Err(e) => {
                        self.inbox.pop_back();
                        return Err(e);
                    }
                }
                let queued = !slot.is_command()
                    && self.groups.is_none()
                    && !self.mechanism.transforms_messages();
                if queued {
                    self.peer_alive();
                } else {
                    let msg = self.inbox.pop_back().expect("just queued");
                    self.on_frame(msg, now)?;
                }
                continue;
            }
            let Some(msg) = self.decoder.decode()? else {
                break;
            };
            self.on_frame(msg, now)?;
        }
        let min_need = if self.state == State::Greeting {
            self.greeting_size
        } else {
            0
        };
        self.decoder.make_room(min_need)
    }

    /// Advance the greeting; true once it is complete.
    fn greeting_step(&mut self) -> Result<bool, ProtocolError> {
        let bytes = self.decoder.unparsed();
        match greeting::detect(bytes) {
            Detect::NeedMore => return Ok(false),
            Detect::Unversioned => {
                self.start_old_peer(Protocol::V1Unversioned)?;
                return Ok(true);
            }
            Detect::Versioned => {}
        }
        if !self.sent_major {
            self.sent_major = true;
            self.encoder.push_raw(&[greeting::ZMTP_3_X]);
        }
        let Some(&revision) = bytes.get(greeting::REVISION_POS) else {
            return Ok(false);
        };
        if !self.sent_tail {
            self.sent_tail = true;
            if revision == greeting::ZMTP_1_0 || revision == greeting::ZMTP_2_0 {
                self.encoder.push_raw(&[self.config.socket_type as u8]);
            } else {
                self.encoder
                    .push_raw(&greeting::v3_tail(self.mechanism.name()));
                self.greeting_size = greeting::V3_GREETING_SIZE;
            }
        }
        if bytes.len() < self.greeting_size {
            return Ok(false);
        }
        if self.greeting_size == greeting::V2_GREETING_SIZE {
            self.decoder.consume(greeting::V2_GREETING_SIZE);
            self.start_old_peer(Protocol::from_version(revision, 0))?;
            return Ok(true);
        }
        let minor = bytes[greeting::MINOR_POS];
        let mech =
            &bytes[greeting::MECHANISM_POS..greeting::MECHANISM_POS + greeting::MECHANISM_LEN];
        if mech != greeting::mechanism_field(self.mechanism.name()) {
            return Err(ProtocolError::MechanismMismatch);
        }
        self.decoder.consume(greeting::V3_GREETING_SIZE);
        self.protocol = Some(Protocol::from_version(revision, minor));
        self.state = State::Handshake;
        self.pump_handshake()?;
        Ok(true)
    }

    /// ZMTP 1.0/2.0: switch framing and exchange identity frames.
    fn start_old_peer(&mut self, protocol: Protocol) -> Result<(), ProtocolError> {
        if !self.mechanism.allows_old_peers() {
            return Err(ProtocolError::OldPeerRefused);
        }
        self.protocol = Some(protocol);
        let framing = if protocol == Protocol::V2 {
            Framing::V2
        } else {
            Framing::V1
        };
        self.decoder.set_framing(framing);
        self.encoder.set_framing(framing);
        let id = &self.config.routing_id;
        if protocol == Protocol::V1Unversioned {
            // Our signature already went out as the header of our identity
            // frame; only its body is left to send.
            self.encoder.push_raw(id);
            self.subscription_required =
                matches!(self.config.socket_type, c::ZMQ_PUB | c::ZMQ_XPUB);
        } else {
            let id = Msg::try_from_slice(id).map_err(|_| ProtocolError::OutOfMemory)?;
            self.encoder.push_frame(false, false, b"", id);
        }
        self.state = State::AwaitIdentity;
        Ok(())
    }

    fn pump_handshake(&mut self) -> Result<(), ProtocolError> {
        while let Some(cmd) = self.mechanism.next_handshake_command()? {
            self.encoder.push_bytes_frame(false, true, &cmd);
        }
        Ok(())
    }

    fn on_frame(&mut self, msg: Msg, now: &mut dyn FnMut() -> u64) -> Result<(), ProtocolError> {
        match self.state {
            State::Handshake => {
                if !msg.is_command() {
                    return Err(ProtocolError::UnexpectedCommand);
                }
                self.mechanism.process_handshake_command(msg.data())?;
                self.handshake_step(now())
            }
            State::AwaitIdentity => {
                let rid = (!msg.is_empty()).then(|| msg.data().to_vec());
                self.events.push_back(Event::Ready {
                    peer: Arc::new(Metadata::new()),
                    peer_routing_id: rid,
                });
                if self.ws {
                    // Plain ZWS 2.0 has no mechanism but heartbeats all
                    // the same (libzmq arms them when it picks it).
                    if self.config.heartbeat_ivl > 0 {
                        self.hb_ivl_at = Some(now() + self.config.heartbeat_ivl as u64);
                    }
                } else {
                    self.decoder.set_batch_size(self.config.in_batch_size)?;
                }
                self.enter_ready();
                if self.subscription_required {
                    self.inbox.push_back(Msg::from_slice(&[1]));
                }
                Ok(())
            }
            State::Ready => {
                let msg = if self.mechanism.transforms_messages() {
                    self.mechanism.decode(msg)?
                } else {
                    msg
                };
                self.peer_alive();
                if msg.is_command() {
                    self.on_command(&msg, now)
                } else {
                    let msg = match &mut self.groups {
                        Some(groups) => match groups.push(msg)? {
                            Some(m) => m,
                            None => return Ok(()),
                        },
                        None => msg,
                    };
                    self.inbox.push_back(msg);
                    Ok(())
                }
            }
            State::Greeting | State::Failed(_) => Ok(()),
        }
    }

    /// Any traffic proves the peer alive: libzmq cancels both timers.
    #[inline]
    fn peer_alive(&mut self) {
        self.hb_timeout_at = None;
        self.hb_ttl_at = None;
    }

    /// Send what the mechanism has for the peer, then act on its status.
    fn handshake_step(&mut self, now: u64) -> Result<(), ProtocolError> {
        self.pump_handshake()?;
        match self.mechanism.status() {
            Status::Ready => self.become_ready(now),
            Status::Error => Err(ProtocolError::Mechanism(
                c::ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED,
            )),
            Status::Handshaking => Ok(()),
        }
    }

    // ------------------------------------------------------------------ ZAP

    /// A ZAP request the mechanism is waiting on, for the engine to send to
    /// the handler (each handed out once, and only after the greeting).
    pub fn take_zap_request(&mut self) -> Option<ZapRequest> {
        if self.state != State::Handshake {
            return None;
        }
        self.mechanism.take_zap_request()
    }

    /// The answer to that request: the handler's reply, `Ok(None)` when no
    /// handler is bound, or the error a malformed reply is (the connection
    /// then fails with it).
    pub fn zap_answer(
        &mut self,
        answer: Result<Option<ZapReply>, ProtocolError>,
        now_ms: u64,
    ) -> Result<(), ProtocolError> {
        self.failed()?;
        let r = answer
            .and_then(|reply| self.mechanism.zap_reply(reply))
            .and_then(|()| self.handshake_step(now_ms));
        self.fail(r)
    }

    fn become_ready(&mut self, now: u64) -> Result<(), ProtocolError> {
        // ZAP's User-Id and metadata first: libzmq's map keeps them over the
        // peer's properties of the same name.
        let peer = Arc::new(Metadata::from_pairs(
            self.mechanism
                .zap_properties()
                .iter()
                .chain(self.mechanism.peer_properties())
                .map(|(n, v)| (&n[..], &v[..])),
        ));
        self.events.push_back(Event::Ready {
            peer,
            peer_routing_id: self.mechanism.peer_routing_id().map(<[u8]>::to_vec),
        });
        // The handshake is over: now the full receive buffer (ZWS has its
        // own, see zmtp::ws).
        if !self.ws {
            self.decoder.set_batch_size(self.config.in_batch_size)?;
        }
        self.enter_ready();
        if self.config.heartbeat_ivl > 0 {
            self.hb_ivl_at = Some(now + self.config.heartbeat_ivl as u64);
        }
        Ok(())
    }

    /// A command after the handshake: PING/PONG handled here,
    /// SUBSCRIBE/CANCEL passed up as 0x01/0x00-prefixed parts, the rest
    /// ignored (as libzmq's session drops them). A malformed one is ignored
    /// too, as libzmq's engine ignores it; a PING too short for its TTL
    /// still gets its PONG.
    fn on_command(&mut self, msg: &Msg, now: &mut dyn FnMut() -> u64) -> Result<(), ProtocolError> {
        let Some((name, data)) = command::split(msg.data()) else {
            return Ok(());
        };
        match name {
            PING => {
                let ttl = command::ping_ttl_ms(data).unwrap_or(0);
                if self.hb_ttl_at.is_none() && ttl > 0 {
                    self.hb_ttl_at = Some(now() + ttl);
                }
                // A peer that pings without reading must not make us queue
                // PONGs without end: with output backed up, skip it (libzmq
                // keeps at most one PONG pending). The output itself proves
                // us alive to the peer once it reads.
                if self.encoder.pending() < OUT_BATCH_SIZE {
                    let (body, n) = command::pong(data);
                    self.queue_command(&body[..n])?;
                }
            }
            SUBSCRIBE | CANCEL => {
                let mut m =
                    Msg::with_size(data.len() + 1).map_err(|_| ProtocolError::OutOfMemory)?;
                if let Some(d) = m.data_mut() {
                    d[0] = u8::from(name == SUBSCRIBE);
                    d[1..].copy_from_slice(data);
                }
                self.inbox.push_back(m);
            }
            JOIN | LEAVE if self.config.socket_type == c::ZMQ_RADIO => {
                let notice = radio_dish::parse_notice(name, data)?;
                self.inbox.push_back(notice);
            }
            PONG => {}
            _ => {}
        }
        Ok(())
    }

    fn queue_command(&mut self, body: &[u8]) -> Result<(), ProtocolError> {
        if self.mechanism.transforms_messages() {
            let mut m = Msg::try_from_slice(body).map_err(|_| ProtocolError::OutOfMemory)?;
            m.set_flags(Msg::COMMAND);
            self.mechanism.encode_into(&m, &mut self.encoder)?;
        } else {
            self.encoder.push_bytes_frame(false, true, body);
        }
        Ok(())
    }

    /// The next queued event. Messages carry no properties: the peer's come
    /// once, with `Event::Ready`, and the session has the pipe attach them.
    #[inline]
    pub fn next_event(&mut self) -> Option<Event> {
        match self.events.pop_front() {
            Some(ev) => Some(ev),
            None => self.inbox.pop_front().map(Event::Message),
        }
    }

    /// The next event if it is a message part (None when there is none, or
    /// when Ready comes first: take that with `next_event`).
    #[inline]
    pub fn next_message(&mut self) -> Option<Msg> {
        if !self.events.is_empty() {
            return None;
        }
        self.inbox.pop_front()
    }

    /// Offer the next message part (None as [`next_message`](Self::next_message)
    /// gives None) where it lies to `take`, which either moves it out
    /// bitwise (into a pipe slot: `PipeEnd::write_moved`) and says true, and
    /// the queue then forgets it, or says false and leaves it queued. Popped
    /// and passed on by value, a part went through the stack on its way,
    /// its copy split around the atomic flags byte into pieces the next
    /// load could not take from the store buffer.
    ///
    /// # Safety
    /// `take` says true only when a bitwise copy of the message now owns it.
    #[inline]
    pub unsafe fn offer_message(&mut self, take: impl FnOnce(&Msg) -> bool) -> Option<bool> {
        if !self.events.is_empty() {
            return None;
        }
        let taken = take(self.inbox.front()?);
        if taken {
            // The copy owns it now (the caller's word): no drop here.
            std::mem::forget(self.inbox.pop_front());
        }
        Some(taken)
    }

    // --------------------------------------------------------------- output

    /// Queue one message part for the peer (only once Ready). For a local
    /// SUB/XSUB, a single-part message starting with 0x01/0x00 goes to a
    /// ZMTP 3.1 peer as a SUBSCRIBE/CANCEL command, as-is to older peers.
    #[inline]
    pub fn send(&mut self, msg: Msg) -> Result<(), ProtocolError> {
        if self.plain_send {
            let (more, command) = (msg.more(), msg.is_command());
            self.send_more = more;
            self.encoder.push_frame(more, command, b"", msg);
            return Ok(());
        }
        self.send_special(msg)
    }

    /// [`send`](Self::send) off the plain path: not ready, failed, or a
    /// message that may need a frame of its own.
    fn send_special(&mut self, msg: Msg) -> Result<(), ProtocolError> {
        self.failed()?;
        if self.state != State::Ready {
            return Err(ProtocolError::NotReady);
        }
        if let Some(body) = radio_dish::notice_command(&msg) {
            // A DISH's join or leave (any other socket never has them).
            let r = self.queue_command(&body);
            return self.fail(r);
        }
        if self.config.socket_type == c::ZMQ_RADIO && !self.send_more {
            let g = radio_dish::group_frame(&msg);
            if self.mechanism.transforms_messages() {
                let r = self.mechanism.encode_into(&g, &mut self.encoder);
                self.fail(r)?;
            } else {
                let (more, command) = (g.more(), g.is_command());
                self.encoder.push_frame(more, command, b"", g);
            }
            self.send_more = true;
        }
        let first = !self.send_more;
        let more = msg.more();
        self.send_more = more;
        // Over ZWS a subscription is a message with its 0x01/0x00 byte, as
        // libzmq's ws encoder writes it, inside CURVE too: libzmq's ws
        // engine seals SUBSCRIBE commands in CURVE but drops them when they
        // arrive (only its ZMTP engine recognises the command), so its own
        // PUB/SUB over ws with CURVE gets no subscriptions; a message it
        // takes. Both forms are taken here.
        let sub_commands = !self.ws;
        if first
            && !more
            && sub_commands
            && self.protocol == Some(Protocol::V31)
            && matches!(self.config.socket_type, c::ZMQ_SUB | c::ZMQ_XSUB)
            && matches!(msg.data().first(), Some(0) | Some(1))
        {
            let subscribe = msg.data()[0] == 1;
            let prefix: &[u8] = if subscribe {
                b"\x09SUBSCRIBE"
            } else {
                b"\x06CANCEL"
            };
            let mut topic = msg;
            topic.advance(1);
            if self.mechanism.transforms_messages() {
                let mut body = Vec::with_capacity(prefix.len() + topic.size());
                body.extend_from_slice(prefix);
                body.extend_from_slice(topic.data());
                let r = self.queue_command(&body);
                return self.fail(r);
            }
            self.encoder.push_frame(false, true, prefix, topic);
            return Ok(());
        }
        if self.mechanism.transforms_messages() {
            let r = self.mechanism.encode_into(&msg, &mut self.encoder);
            return self.fail(r);
        }
        let (more, command) = (msg.more(), msg.is_command());
        self.encoder.push_frame(more, command, b"", msg);
        Ok(())
    }

    /// Whether anything is waiting to be written.
    pub fn has_output(&self) -> bool {
        self.encoder.pending() > 0
    }

    /// Bytes waiting to be written.
    pub fn pending_output(&self) -> usize {
        self.encoder.pending()
    }

    /// See [`Encoder::large_body`](super::codec::Encoder::large_body).
    pub fn large_body(&self, min: usize, max_segs: usize) -> Option<(usize, usize)> {
        self.encoder.large_body(min, max_segs)
    }

    /// What to write next, for `writev`: returns how many of `slices` were
    /// filled.
    pub fn output<'a>(&'a self, slices: &mut [IoSlice<'a>]) -> usize {
        self.encoder.output(slices)
    }

    /// `n` bytes of [`output`](Self::output) were written.
    pub fn consume_output(&mut self, n: usize) {
        self.encoder.consume(n);
    }

    /// Whether the engine should pull more messages from the pipe now.
    pub fn want_more_output(&self) -> bool {
        self.state == State::Ready && self.encoder.pending() < self.out_batch
    }

    // --------------------------------------------------------------- timers

    /// When [`on_timer`](Self::on_timer) must be called next (absolute ms).
    pub fn next_timer(&self) -> Option<u64> {
        if matches!(self.state, State::Failed(_)) {
            return None;
        }
        [self.hb_ivl_at, self.hb_timeout_at, self.hb_ttl_at]
            .into_iter()
            .flatten()
            .min()
    }

    /// Run due timers: queue a PING, or fail on a heartbeat timeout.
    pub fn on_timer(&mut self, now_ms: u64) -> Result<(), ProtocolError> {
        self.failed()?;
        let due = |t: Option<u64>| t.is_some_and(|t| t <= now_ms);
        if due(self.hb_ttl_at) || due(self.hb_timeout_at) {
            return self.fail(Err(ProtocolError::HeartbeatTimeout));
        }
        if due(self.hb_ivl_at) {
            let ivl = self.config.heartbeat_ivl.max(1) as u64;
            self.hb_ivl_at = Some(now_ms + ivl);
            if self.ws {
                // A WebSocket ping (libzmq's ws engine sends no TTL).
                self.encoder.push_ws_control(super::ws::frame::OP_PING, b"");
            } else {
                let r = self.queue_command(&command::ping(self.config.heartbeat_ttl));
                self.fail(r)?;
            }
            let timeout = match self.config.heartbeat_timeout {
                -1 => self.config.heartbeat_ivl,
                t => t,
            };
            if self.hb_timeout_at.is_none() && timeout > 0 {
                self.hb_timeout_at = Some(now_ms + timeout as u64);
            }
        }
        Ok(())
    }

    // ---------------------------------------------------------------- state

    /// Whether the handshake has finished (and the connection not failed).
    pub fn is_ready(&self) -> bool {
        self.state == State::Ready
    }

    /// The error the connection failed with, if it did.
    pub fn error(&self) -> Option<&ProtocolError> {
        match &self.state {
            State::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the connection is still in its greeting or handshake (for
    /// ZMQ_HANDSHAKE_IVL and the monitor's HANDSHAKE_FAILED_* events).
    pub fn is_handshaking(&self) -> bool {
        matches!(
            self.state,
            State::Greeting | State::Handshake | State::AwaitIdentity
        )
    }

    /// The protocol version in use once the greeting is done: (1,0), (2,0),
    /// (3,0) or (3,1).
    pub fn peer_version(&self) -> Option<(u8, u8)> {
        self.protocol.map(Protocol::version)
    }

    /// The protocol in use once the greeting is done.
    pub fn protocol(&self) -> Option<Protocol> {
        self.protocol
    }
}
