//! ZMTP over WebSocket as libzmq's ws transport speaks it (ZWS 2.0, RFC 45,
//! on RFC 6455), sans I/O: bytes in, bytes and events out, like
//! [`Connection`], which it drives once the upgrade is done.
//!
//! - The client sends an HTTP/1.1 upgrade offering the subprotocols of its
//!   mechanism ("ZWS2.0/NULL,ZWS2.0", "ZWS2.0/PLAIN", "ZWS2.0/CURVE"); the
//!   server picks the first it accepts (handshake.rs).
//! - No ZMTP greeting: each ZMTP frame is one WebSocket binary message whose
//!   first payload byte holds the flags (1 more, 2 command). With a
//!   mechanism its handshake runs as command messages; with bare "ZWS2.0"
//!   each side's first message is its routing id.
//! - A client masks its frames; frames towards a client must not be masked
//!   (frame.rs checks both).
//! - Heartbeats are WebSocket pings (answered with pongs, any frame proves
//!   the peer alive); a close is echoed and then ends the connection.
//!
//! This layer never sees a descriptor: the engine reads into
//! [`read_spaces`](WsConnection::read_spaces) and writes
//! [`output`](WsConnection::output), so wss's TLS (`transport::tls`, under
//! the engine's reads and writes) sits below it without a change here.

pub mod frame;
pub mod handshake;

use std::io::IoSlice;

use crate::msg::{Msg, ReadBuf};

use super::mechanism::Mechanism;
use super::{Config, Connection, Event, ProtocolError};
use frame::{Frame, FrameDecoder, OP_CLOSE, OP_PONG};
use handshake::{Subprotocol, MAX_HEAD};

/// The receive buffer: a whole upgrade head must fit, and large messages
/// are read this much at a time.
const IN_BUF: usize = 2 * MAX_HEAD;

/// A body with at least this much left to come is read straight into its
/// message (see `FrameDecoder::body_space`), not through the buffer.
const DIRECT_MIN: u64 = 8192;

/// Which end of the upgrade we are.
pub enum Role {
    /// We connected: our request goes to `path` on `host` (the Host header).
    Client { host: String, path: String },
    /// We accepted.
    Server,
}

/// One ZWS 2.0 connection (see the module comment).
pub struct WsConnection {
    /// Until the upgrade is done: what the [`Connection`] is made of.
    pending: Option<(Config, Box<dyn Mechanism>)>,
    /// A client's Sec-WebSocket-Key (None: we are the server).
    key: Option<String>,
    conn: Option<Connection>,
    /// Our upgrade request or answer, written before anything else.
    http_out: Vec<u8>,
    http_off: usize,
    /// Zero-filled at creation: the watermark a ReadBuf over it needs
    /// (always its length).
    inbuf: Vec<u8>,
    inbuf_init: usize,
    /// The last read went into a message body in place (see
    /// `read_spaces`); its watermark (the body is zero-filled).
    direct: bool,
    direct_init: usize,
    start: usize,
    end: usize,
    /// How far the upgrade head has been searched for its end.
    scanned: usize,
    frames: Option<FrameDecoder>,
    decode_batch: usize,
    out_batch: Option<usize>,
    paused: bool,
    /// The peer's close was echoed: the connection ends once that is out.
    closing: bool,
    /// Bare "ZWS2.0" was chosen: no mechanism (see `peer_version`).
    bare: bool,
    /// The upgrade finished and nobody was told yet (see
    /// [`take_upgraded`](Self::take_upgraded)).
    upgraded: bool,
    error: Option<ProtocolError>,
}

impl WsConnection {
    pub fn new(config: Config, mechanism: Box<dyn Mechanism>, role: Role) -> WsConnection {
        let (key, http_out) = match role {
            Role::Client { host, path } => {
                let key = handshake::new_key();
                let mech = std::str::from_utf8(mechanism.name()).unwrap_or("NULL");
                let req = handshake::request(&path, &host, &key, Subprotocol::offer(mech));
                (Some(key), req)
            }
            Role::Server => (None, Vec::new()),
        };
        WsConnection {
            pending: Some((config, mechanism)),
            key,
            conn: None,
            http_out,
            http_off: 0,
            inbuf: vec![0; IN_BUF],
            inbuf_init: IN_BUF,
            direct: false,
            direct_init: 0,
            start: 0,
            end: 0,
            scanned: 0,
            frames: None,
            decode_batch: usize::MAX,
            out_batch: None,
            paused: false,
            closing: false,
            upgraded: false,
            bare: false,
            error: None,
        }
    }

    /// Whether the upgrade finished since last asked (libzmq reports it as
    /// a handshake of its own: HANDSHAKE_SUCCEEDED, and again when a
    /// mechanism is ready).
    pub fn take_upgraded(&mut self) -> bool {
        std::mem::take(&mut self.upgraded)
    }

    /// See `Connection::set_decode_batch`.
    pub fn set_decode_batch(&mut self, n: usize) {
        self.decode_batch = n.max(1);
    }

    /// See `Connection::set_out_batch`.
    pub fn set_out_batch(&mut self, n: usize) {
        self.out_batch = Some(n);
        if let Some(c) = &mut self.conn {
            c.set_out_batch(n);
        }
    }

    /// The ZMTP state machine, once the upgrade is done (ZAP talks to it).
    pub fn connection_mut(&mut self) -> Option<&mut Connection> {
        self.conn.as_mut()
    }

    /// Where the next read goes.
    pub fn read_spaces(&mut self) -> (ReadBuf<'_>, Option<ReadBuf<'_>>) {
        self.direct = self.start == self.end
            && self.error.is_none()
            && self
                .frames
                .as_mut()
                .is_some_and(|f| f.payload_remaining() >= DIRECT_MIN && f.body_space().is_some());
        if self.direct {
            let space = self.frames.as_mut().and_then(|f| f.body_space());
            let space = space.expect("checked just above");
            return (ReadBuf::from_bytes(space, 0, &mut self.direct_init), None);
        }
        if self.end == self.inbuf.len() && self.start > 0 {
            self.compact();
        }
        let end = self.end;
        let (_, free) = self.inbuf.split_at_mut(end);
        (ReadBuf::from_bytes(free, end, &mut self.inbuf_init), None)
    }

    fn compact(&mut self) {
        self.inbuf.copy_within(self.start..self.end, 0);
        self.scanned = self.scanned.saturating_sub(self.start);
        self.end -= self.start;
        self.start = 0;
    }

    /// Complete frames wait in the buffer (decoding stopped at the decode
    /// batch): `commit_read(0, ..)` goes on.
    pub fn has_pending_frames(&self) -> bool {
        self.paused
    }

    /// `n` bytes were read into [`read_spaces`](Self::read_spaces).
    pub fn commit_read(
        &mut self,
        n: usize,
        now: &mut dyn FnMut() -> u64,
    ) -> Result<(), ProtocolError> {
        if let Some(e) = &self.error {
            if self.conn.as_ref().is_some_and(|c| c.queued_messages() > 0) {
                self.paused = true;
                return Ok(());
            }
            return Err(e.clone());
        }
        let r = if std::mem::take(&mut self.direct) {
            self.body_read(n, now)
        } else {
            self.end = (self.end + n).min(self.inbuf.len());
            self.process(now)
        };
        if let Err(e) = &r {
            self.error = Some(e.clone());
            // The whole messages before the bad frame (or the close) still
            // count, as libzmq's engine pushes each one as it decodes it:
            // the error waits until they are taken (`has_pending_frames`
            // makes the engine come back for it).
            if self.conn.as_ref().is_some_and(|c| c.queued_messages() > 0) {
                self.paused = true;
                return Ok(());
            }
        }
        r
    }

    /// `n` bytes of a body were read in place.
    fn body_read(&mut self, n: usize, now: &mut dyn FnMut() -> u64) -> Result<(), ProtocolError> {
        let (Some(conn), Some(frames)) = (self.conn.as_mut(), self.frames.as_mut()) else {
            return Err(ProtocolError::NotReady);
        };
        if let Some(frame) = frames.body_filled(n)? {
            on_frame(conn, &mut self.closing, frame, now)?;
        }
        Ok(())
    }

    fn process(&mut self, now: &mut dyn FnMut() -> u64) -> Result<(), ProtocolError> {
        self.paused = false;
        if self.conn.is_none() && !self.upgrade()? {
            return Ok(());
        }
        let (Some(conn), Some(frames)) = (self.conn.as_mut(), self.frames.as_mut()) else {
            return Ok(());
        };
        while !self.closing {
            if conn.queued_messages() >= self.decode_batch {
                self.paused = true;
                return Ok(());
            }
            let (used, frame) = frames.decode(&self.inbuf[self.start..self.end])?;
            self.start += used;
            match frame {
                None => break,
                Some(f) => on_frame(conn, &mut self.closing, f, now)?,
            }
        }
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.start > self.inbuf.len() / 2 {
            self.compact();
        }
        if self.closing {
            return Err(ProtocolError::WsClosed);
        }
        Ok(())
    }

    /// Look for the peer's whole upgrade head; once it is there, check it
    /// and start the ZMTP connection. True when done.
    fn upgrade(&mut self) -> Result<bool, ProtocolError> {
        let start: &[u8] = if self.key.is_some() {
            b"HTTP/"
        } else {
            b"GET "
        };
        if !handshake::starts_like(&self.inbuf[self.start..self.end], start) {
            return Err(ws_error(handshake::UpgradeError::Malformed));
        }
        let from = self
            .scanned
            .max(self.start)
            .saturating_sub(3)
            .max(self.start);
        let Some(len) = handshake::head_end(&self.inbuf[from..self.end]).map_err(ws_error)? else {
            if self.end - self.start >= MAX_HEAD {
                return Err(ws_error(handshake::UpgradeError::TooLarge));
            }
            self.scanned = self.end;
            return Ok(false);
        };
        // Searched from where the last read ended: the head as a whole
        // must still be within the limit.
        if from + len - self.start > MAX_HEAD {
            return Err(ws_error(handshake::UpgradeError::TooLarge));
        }
        let head = &self.inbuf[self.start..from + len];
        let (config, mechanism) = self.pending.take().expect("upgrade runs once");
        let mech = std::str::from_utf8(mechanism.name()).unwrap_or("NULL");
        let protocol = match &self.key {
            Some(key) => handshake::check_response(head, key, mech).map_err(ws_error)?,
            None => {
                let a = handshake::accept_request(head, mech).map_err(ws_error)?;
                self.http_out = a.response;
                self.http_off = 0;
                a.protocol
            }
        };
        self.start = from + len;
        self.bare = protocol == Subprotocol::Plain;
        let client = self.key.is_some();
        let maxmsgsize = config.maxmsgsize;
        let mut conn =
            Connection::websocket(config, mechanism, client, protocol != Subprotocol::Plain);
        if let Some(n) = self.out_batch {
            conn.set_out_batch(n);
        }
        if let Some(e) = conn.error() {
            return Err(e.clone());
        }
        self.conn = Some(conn);
        self.upgraded = true;
        // Towards a client nothing is masked; towards a server everything.
        self.frames = Some(FrameDecoder::new(!client, maxmsgsize));
        Ok(true)
    }

    pub fn next_event(&mut self) -> Option<Event> {
        self.conn.as_mut()?.next_event()
    }

    #[inline]
    pub fn next_message(&mut self) -> Option<Msg> {
        self.conn.as_mut()?.next_message()
    }

    /// See `Connection::offer_message`.
    ///
    /// # Safety
    /// As `Connection::offer_message`.
    #[inline]
    pub unsafe fn offer_message(&mut self, take: impl FnOnce(&Msg) -> bool) -> Option<bool> {
        // SAFETY: the caller keeps offer_message's contract.
        unsafe { self.conn.as_mut()?.offer_message(take) }
    }

    pub fn send(&mut self, msg: Msg) -> Result<(), ProtocolError> {
        match &mut self.conn {
            Some(c) => c.send(msg),
            None => Err(ProtocolError::NotReady),
        }
    }

    fn http_pending(&self) -> usize {
        self.http_out.len() - self.http_off
    }

    pub fn pending_output(&self) -> usize {
        self.http_pending() + self.conn.as_ref().map_or(0, |c| c.pending_output())
    }

    /// See [`Connection::large_body`]; none while the HTTP upgrade is
    /// still going out.
    pub fn large_body(&self, min: usize, max_segs: usize) -> Option<(usize, usize)> {
        if self.http_pending() > 0 {
            return None;
        }
        self.conn.as_ref()?.large_body(min, max_segs)
    }

    pub fn has_output(&self) -> bool {
        self.pending_output() > 0
    }

    pub fn output<'a>(&'a self, slices: &mut [IoSlice<'a>]) -> usize {
        let mut k = 0;
        if self.http_pending() > 0 && !slices.is_empty() {
            slices[0] = IoSlice::new(&self.http_out[self.http_off..]);
            k = 1;
        }
        if let Some(c) = &self.conn {
            k += c.output(&mut slices[k..]);
        }
        k
    }

    pub fn consume_output(&mut self, n: usize) {
        let h = n.min(self.http_pending());
        self.http_off += h;
        if self.http_pending() == 0 && !self.http_out.is_empty() {
            self.http_out = Vec::new();
            self.http_off = 0;
        }
        if let Some(c) = &mut self.conn {
            c.consume_output(n - h);
        }
    }

    pub fn want_more_output(&self) -> bool {
        !self.closing && self.conn.as_ref().is_some_and(|c| c.want_more_output())
    }

    pub fn next_timer(&self) -> Option<u64> {
        self.conn.as_ref()?.next_timer()
    }

    pub fn on_timer(&mut self, now_ms: u64) -> Result<(), ProtocolError> {
        match &mut self.conn {
            Some(c) => c.on_timer(now_ms),
            None => Ok(()),
        }
    }

    pub fn is_ready(&self) -> bool {
        !self.closing && self.conn.as_ref().is_some_and(|c| c.is_ready())
    }

    /// ZMTP 3.1 once a subprotocol with a mechanism is chosen. Bare
    /// "ZWS2.0" runs no mechanism, so it is reported as a ZMTP 2.0 peer,
    /// whose sessions libzmq treats alike: no HANDSHAKE_SUCCEEDED when it
    /// is ready (only the upgrade's), no ROUTER_NOTIFY connect notice, and
    /// its end reported as a failed handshake.
    pub fn peer_version(&self) -> Option<(u8, u8)> {
        let v = self.conn.as_ref()?.peer_version()?;
        Some(if self.bare { (2, 0) } else { v })
    }
}

/// Hand one decoded frame to the ZMTP connection, or answer it.
fn on_frame(
    conn: &mut Connection,
    closing: &mut bool,
    frame: Frame,
    now: &mut dyn FnMut() -> u64,
) -> Result<(), ProtocolError> {
    match frame {
        Frame::Message { flags, body } => conn.accept_ws_frame(flags, body, now)?,
        Frame::Ping(p) => {
            conn.ws_peer_alive();
            conn.ws_control(OP_PONG, &p);
        }
        Frame::Pong(_) => conn.ws_peer_alive(),
        Frame::Close(p) => {
            // Echo it, as RFC 6455 and libzmq do; the engine ends the
            // connection once it is written.
            conn.ws_control(OP_CLOSE, &p);
            *closing = true;
        }
    }
    Ok(())
}

fn ws_error(_: handshake::UpgradeError) -> ProtocolError {
    ProtocolError::WsHandshake
}

#[cfg(test)]
mod tests;
