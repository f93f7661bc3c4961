//! The engine's protocol: ZMTP for every socket type but STREAM, whose
//! connections carry raw bytes (libzmq's raw_engine): no greeting, no
//! framing. Each read becomes one message; each message's bytes go out as
//! they are. With ZMQ_STREAM_NOTIFY the socket hears of the connection's
//! start and end by a zero-length message.
//!
//! [`Wire`] offers the subset of `zmtp::Connection`'s interface the session
//! drives, so the session does not care which protocol a connection speaks
//! (a DGRAM socket's udp engine, engine/udp.rs, does its own I/O and only
//! answers these calls).

use super::Engine;
use crate::msg::metadata::Metadata;
use crate::msg::{Msg, ReadBuf};
use crate::zmtp::ws::WsConnection;
use crate::zmtp::{self, Event, ProtocolError};
use std::collections::VecDeque;
use std::io::IoSlice;
use std::sync::Arc;

// ZMTP is the common case: kept inline, no indirection on its hot path (the
// engine lives inside a boxed session anyway).
#[allow(clippy::large_enum_variant)]
pub enum Wire {
    Zmtp(zmtp::Connection),
    /// ZMTP over WebSocket (ws): the upgrade, then ZWS 2.0 framing.
    Ws(Box<WsConnection>),
    Raw(RawConnection),
    /// DGRAM over udp: driven by engine/udp.rs, which does its own I/O.
    Udp(super::udp::UdpState),
    /// pgm/epgm: driven by engine/pgm.rs, which does its own I/O.
    Pgm(Box<super::pgm::PgmState>),
    /// norm: driven by engine/norm.rs, which does its own I/O.
    Norm(Box<super::norm::NormState>),
}

/// The read buffer of an engine that does its own reads (pgm, norm): the
/// session never reads into it.
#[derive(Default)]
pub struct NoRead {
    buf: Vec<u8>,
    init: usize,
}

impl NoRead {
    pub fn space(&mut self) -> ReadBuf<'_> {
        ReadBuf::from_bytes(&mut self.buf, 0, &mut self.init)
    }
}

/// Move the whole messages of `ready` (a multicast receiver's, pgm or
/// norm) into `pipe` while it has room: room is asked for before a
/// message's first part, and its other parts follow it in (as libzmq's
/// pipes allow). Whether `ready` is empty now.
pub fn deliver_whole(ready: &mut VecDeque<Msg>, pipe: &mut crate::pipe::PipeEnd) -> bool {
    let mut wrote = false;
    let mut first = true;
    while let Some(m) = ready.pop_front() {
        if first && !pipe.check_write() {
            ready.push_front(m);
            break;
        }
        first = !m.more();
        pipe.write(m);
        wrote = true;
    }
    if wrote {
        pipe.flush();
    }
    ready.is_empty()
}

/// A raw (STREAM) connection, sans I/O.
pub struct RawConnection {
    /// Bytes are read here, then copied into a message of their size.
    buf: Vec<u8>,
    /// `buf` is zero-filled at creation: the watermark a ReadBuf over it
    /// needs (always its length).
    buf_init: usize,
    events: VecDeque<Event>,
    /// Messages queued for the peer; the first may be partly written.
    out: VecDeque<Msg>,
    out_offset: usize,
    pending: usize,
    /// ZMQ_OUT_BATCH_SIZE: take messages while fewer bytes are queued.
    out_batch: usize,
}

impl RawConnection {
    /// A connection that is ready at once: the Ready event comes first, then
    /// (with `notify`) the zero-length connect notification.
    pub fn new(in_batch_size: usize, out_batch_size: usize, notify: bool) -> RawConnection {
        let mut events = VecDeque::new();
        events.push_back(Event::Ready {
            peer: Arc::new(Metadata::new()),
            peer_routing_id: None,
        });
        if notify {
            events.push_back(Event::Message(Msg::new()));
        }
        let buf = vec![0; in_batch_size.max(1)];
        RawConnection {
            buf_init: buf.len(),
            buf,
            events,
            out: VecDeque::new(),
            out_offset: 0,
            pending: 0,
            out_batch: out_batch_size.max(1),
        }
    }

    fn commit_read(&mut self, n: usize) -> Result<(), ProtocolError> {
        let n = n.min(self.buf.len());
        if n == 0 {
            return Ok(());
        }
        let m = Msg::try_from_slice(&self.buf[..n]).map_err(|_| ProtocolError::OutOfMemory)?;
        self.events.push_back(Event::Message(m));
        Ok(())
    }

    fn send(&mut self, mut msg: Msg) {
        // The socket closes a connection instead of sending an empty frame,
        // so an empty message has nothing to say.
        if msg.size() == 0 {
            return;
        }
        msg.reset_flags(Msg::MORE);
        self.pending += msg.size();
        self.out.push_back(msg);
    }

    fn output<'a>(&'a self, slices: &mut [IoSlice<'a>]) -> usize {
        let mut k = 0;
        for (i, m) in self.out.iter().enumerate() {
            if k == slices.len() {
                break;
            }
            let data = if i == 0 {
                &m.data()[self.out_offset..]
            } else {
                m.data()
            };
            slices[k] = IoSlice::new(data);
            k += 1;
        }
        k
    }

    fn consume_output(&mut self, mut n: usize) {
        n = n.min(self.pending);
        self.pending -= n;
        while n > 0 {
            let Some(front) = self.out.front() else {
                break;
            };
            let left = front.size() - self.out_offset;
            if n < left {
                self.out_offset += n;
                return;
            }
            n -= left;
            self.out.pop_front();
            self.out_offset = 0;
        }
    }
}

impl Wire {
    pub fn is_raw(&self) -> bool {
        matches!(self, Wire::Raw(_))
    }

    /// ZMTP, over a byte stream or a WebSocket.
    pub fn is_zmtp(&self) -> bool {
        matches!(self, Wire::Zmtp(_) | Wire::Ws(_))
    }

    /// Whether a WebSocket upgrade finished since last asked.
    pub fn take_upgraded(&mut self) -> bool {
        match self {
            Wire::Ws(w) => w.take_upgraded(),
            _ => false,
        }
    }

    /// The ZMTP state machine, where there is one yet (a ws connection
    /// makes it when its upgrade is done).
    pub fn connection_mut(&mut self) -> Option<&mut zmtp::Connection> {
        match self {
            Wire::Zmtp(c) => Some(c),
            Wire::Ws(w) => w.connection_mut(),
            _ => None,
        }
    }

    /// Where the next read goes (see zmtp::Connection::read_spaces).
    pub fn read_spaces(&mut self) -> (ReadBuf<'_>, Option<ReadBuf<'_>>) {
        match self {
            Wire::Zmtp(c) => c.read_spaces(),
            Wire::Ws(w) => w.read_spaces(),
            Wire::Raw(r) => (ReadBuf::from_bytes(&mut r.buf, 0, &mut r.buf_init), None),
            Wire::Udp(u) => (u.read_space(), None),
            Wire::Pgm(p) => (p.no_read.space(), None),
            Wire::Norm(n) => (n.no_read.space(), None),
        }
    }

    /// `n` bytes were read; `now` gives the time (ms) if a frame needs it.
    pub fn commit_read(
        &mut self,
        n: usize,
        now: &mut dyn FnMut() -> u64,
    ) -> Result<(), ProtocolError> {
        match self {
            Wire::Zmtp(c) => c.commit_read_with(n, now),
            Wire::Ws(w) => w.commit_read(n, now),
            Wire::Raw(r) => r.commit_read(n),
            Wire::Udp(_) | Wire::Pgm(_) | Wire::Norm(_) => Ok(()),
        }
    }

    /// Bytes of a large body the stream has still to deliver (ZMTP only).
    pub fn body_remaining(&self) -> usize {
        match self {
            Wire::Zmtp(c) => c.body_remaining(),
            Wire::Ws(_) | Wire::Raw(_) | Wire::Udp(_) | Wire::Pgm(_) | Wire::Norm(_) => 0,
        }
    }

    /// The size of the large body being read in place (ZMTP only; 0: none).
    pub fn body_size(&self) -> usize {
        match self {
            Wire::Zmtp(c) => c.body_size(),
            Wire::Ws(_) | Wire::Raw(_) | Wire::Udp(_) | Wire::Pgm(_) | Wire::Norm(_) => 0,
        }
    }

    /// Decoded frames wait to be taken before the next read (see
    /// `Connection::has_pending_frames`).
    pub fn has_pending_frames(&self) -> bool {
        match self {
            Wire::Zmtp(c) => c.has_pending_frames(),
            Wire::Ws(w) => w.has_pending_frames(),
            Wire::Raw(_) | Wire::Udp(_) | Wire::Pgm(_) | Wire::Norm(_) => false,
        }
    }

    /// The next event if it is a message part (see Connection::next_message).
    #[inline]
    pub fn next_message(&mut self) -> Option<Msg> {
        match self {
            Wire::Zmtp(c) => c.next_message(),
            Wire::Ws(w) => w.next_message(),
            _ => None,
        }
    }

    /// The next message part offered in place (see
    /// Connection::offer_message).
    ///
    /// # Safety
    /// As `Connection::offer_message`.
    #[inline]
    pub unsafe fn offer_message(&mut self, take: impl FnOnce(&Msg) -> bool) -> Option<bool> {
        // SAFETY: the caller keeps offer_message's contract.
        unsafe {
            match self {
                Wire::Zmtp(c) => c.offer_message(take),
                Wire::Ws(w) => w.offer_message(take),
                _ => None,
            }
        }
    }

    pub fn next_event(&mut self) -> Option<Event> {
        match self {
            Wire::Zmtp(c) => c.next_event(),
            Wire::Ws(w) => w.next_event(),
            Wire::Raw(r) => r.events.pop_front(),
            Wire::Udp(_) | Wire::Pgm(_) | Wire::Norm(_) => None,
        }
    }

    pub fn send(&mut self, msg: Msg) -> Result<(), ProtocolError> {
        match self {
            Wire::Zmtp(c) => c.send(msg),
            Wire::Ws(w) => w.send(msg),
            Wire::Raw(r) => {
                r.send(msg);
                Ok(())
            }
            Wire::Udp(_) | Wire::Pgm(_) | Wire::Norm(_) => Ok(()),
        }
    }

    pub fn has_output(&self) -> bool {
        match self {
            Wire::Zmtp(c) => c.has_output(),
            Wire::Ws(w) => w.has_output(),
            Wire::Raw(r) => r.pending > 0,
            Wire::Udp(u) => u.has_output(),
            Wire::Pgm(p) => p.has_output(),
            Wire::Norm(n) => n.has_output(),
        }
    }

    pub fn output<'a>(&'a self, slices: &mut [IoSlice<'a>]) -> usize {
        match self {
            Wire::Zmtp(c) => c.output(slices),
            Wire::Ws(w) => w.output(slices),
            Wire::Raw(r) => r.output(slices),
            Wire::Udp(_) | Wire::Pgm(_) | Wire::Norm(_) => 0,
        }
    }

    pub fn consume_output(&mut self, n: usize) {
        match self {
            Wire::Zmtp(c) => c.consume_output(n),
            Wire::Ws(w) => w.consume_output(n),
            Wire::Raw(r) => r.consume_output(n),
            Wire::Udp(_) | Wire::Pgm(_) | Wire::Norm(_) => {}
        }
    }

    /// Bytes waiting to be written.
    pub fn pending_output(&self) -> usize {
        match self {
            Wire::Zmtp(c) => c.pending_output(),
            Wire::Ws(w) => w.pending_output(),
            Wire::Raw(r) => r.pending,
            Wire::Udp(_) | Wire::Pgm(_) | Wire::Norm(_) => 0,
        }
    }

    /// See [`zmtp::Connection::large_body`]: ZMTP and ws only (the others
    /// write bytes as they come).
    pub fn large_body(&self, min: usize, max_segs: usize) -> Option<(usize, usize)> {
        match self {
            Wire::Zmtp(c) => c.large_body(min, max_segs),
            Wire::Ws(w) => w.large_body(min, max_segs),
            _ => None,
        }
    }

    pub fn want_more_output(&self) -> bool {
        match self {
            Wire::Zmtp(c) => c.want_more_output(),
            Wire::Ws(w) => w.want_more_output(),
            Wire::Raw(r) => r.pending < r.out_batch,
            Wire::Udp(_) | Wire::Pgm(_) | Wire::Norm(_) => false,
        }
    }

    pub fn next_timer(&self) -> Option<u64> {
        match self {
            Wire::Zmtp(c) => c.next_timer(),
            Wire::Ws(w) => w.next_timer(),
            Wire::Raw(_) | Wire::Udp(_) | Wire::Norm(_) => None,
            Wire::Pgm(p) => p.deadline,
        }
    }

    pub fn on_timer(&mut self, now_ms: u64) -> Result<(), ProtocolError> {
        match self {
            Wire::Zmtp(c) => c.on_timer(now_ms),
            Wire::Ws(w) => w.on_timer(now_ms),
            Wire::Raw(_) | Wire::Udp(_) | Wire::Norm(_) => Ok(()),
            Wire::Pgm(p) => {
                p.deadline = None;
                Ok(())
            }
        }
    }

    /// A raw connection has no handshake: it is ready from the start.
    pub fn is_ready(&self) -> bool {
        match self {
            Wire::Zmtp(c) => c.is_ready(),
            Wire::Ws(w) => w.is_ready(),
            Wire::Raw(_) | Wire::Udp(_) | Wire::Pgm(_) | Wire::Norm(_) => true,
        }
    }

    pub fn peer_version(&self) -> Option<(u8, u8)> {
        match self {
            Wire::Zmtp(c) => c.peer_version(),
            Wire::Ws(w) => w.peer_version(),
            Wire::Raw(_) | Wire::Udp(_) | Wire::Pgm(_) | Wire::Norm(_) => None,
        }
    }
}

/// libzmq reports the end of a raw connection as a handshake that failed
/// (it never has a mechanism), then DISCONNECTED.
pub(in crate::io) fn ends_as_handshake(e: &Engine) -> bool {
    e.zmtp.is_raw()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zmtp::codec::OUT_BATCH_SIZE;

    #[test]
    fn raw_ready_then_notification_then_data() {
        let mut w = Wire::Raw(RawConnection::new(16, OUT_BATCH_SIZE, true));
        assert!(w.is_ready());
        assert!(matches!(w.next_event(), Some(Event::Ready { .. })));
        match w.next_event() {
            Some(Event::Message(m)) => assert_eq!(m.size(), 0),
            _ => panic!("no notification"),
        }
        assert!(w.next_event().is_none());
        let (mut buf, more) = w.read_spaces();
        assert!(more.is_none());
        assert_eq!(buf.len(), 16);
        assert_eq!(buf.put_slice(b"abc"), 3);
        w.commit_read(3, &mut || 0).unwrap();
        match w.next_event() {
            Some(Event::Message(m)) => {
                assert_eq!(m.data(), b"abc");
                assert!(!m.more());
            }
            _ => panic!("no data"),
        }
        // A bogus count cannot read past the buffer.
        w.commit_read(1000, &mut || 0).unwrap();
        match w.next_event() {
            Some(Event::Message(m)) => assert_eq!(m.size(), 16),
            _ => panic!("no data"),
        }
    }

    #[test]
    fn raw_without_notification() {
        let mut w = Wire::Raw(RawConnection::new(8, OUT_BATCH_SIZE, false));
        assert!(matches!(w.next_event(), Some(Event::Ready { .. })));
        assert!(w.next_event().is_none());
    }

    #[test]
    fn raw_output_partial_writes() {
        let mut w = Wire::Raw(RawConnection::new(8, OUT_BATCH_SIZE, false));
        let mut a = Msg::from_slice(b"hello");
        a.set_flags(Msg::MORE);
        w.send(a).unwrap();
        w.send(Msg::new()).unwrap();
        w.send(Msg::from_slice(b" world")).unwrap();
        assert!(w.has_output());
        let collect = |w: &Wire| {
            let mut slices = [IoSlice::new(&[]); 4];
            let k = w.output(&mut slices);
            slices[..k]
                .iter()
                .flat_map(|s| s.to_vec())
                .collect::<Vec<u8>>()
        };
        assert_eq!(collect(&w), b"hello world");
        w.consume_output(3);
        assert_eq!(collect(&w), b"lo world");
        w.consume_output(4);
        assert_eq!(collect(&w), b"orld");
        w.consume_output(100);
        assert!(!w.has_output());
        assert!(w.want_more_output());
    }
}
