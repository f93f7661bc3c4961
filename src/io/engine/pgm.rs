//! The pgm engine of PUB/XPUB senders and SUB/XSUB receivers over pgm:// and
//! epgm://, as libzmq's pgm_sender and pgm_receiver.
//!
//! - Sender: messages from the pipe are ZMTP/1.0-framed (zmtp/v1.rs) into
//!   APDUs of at most the socket's TSDU; each APDU starts with the 16-bit
//!   offset of the first message that begins in it (0xffff: none), so a
//!   receiver can join mid-stream. Over ZMQ_RATE libpgm says when to retry.
//! - Receiver: per sender (TSI) a decoder; a new or resynchronising sender
//!   is joined at the first message boundary an APDU announces. Loss
//!   libpgm cannot repair (PGM_IO_STATUS_RESET) or a malformed APDU ends
//!   that sender's stream: its partial message is dropped and it is joined
//!   again at its next boundary. Whole messages only reach the pipe.
//! - libpgm's timers (NAKs, SPMs, the rate limit) become the engine's
//!   deadline, which io::timers runs as a pump.

use super::{Down, Session};
use crate::io::command::SessionOptions;
use crate::msg::Msg;
use crate::pipe::Pipes;
use crate::transport::pgm::ffi::Tsi;
use crate::transport::pgm::{PgmConn, Recv, Sent};
use crate::util::clock::now_ms;
use crate::zmtp::v1;
use std::collections::{HashMap, VecDeque};

/// The offset value meaning "no message starts in this APDU".
const NO_BOUNDARY: u16 = 0xffff;

/// One sender a receiver hears.
struct Peer {
    /// Joined at a message boundary: decoding (None: waiting for one).
    decoder: Option<v1::Decoder>,
    /// The parts of the message being decoded.
    parts: Vec<Msg>,
}

pub struct PgmState {
    receiver: bool,
    maxmsgsize: i64,
    /// When libpgm wants to be called again (absolute ms).
    pub(in crate::io) deadline: Option<u64>,
    // Sender.
    encoder: v1::Encoder,
    /// The APDU being sent: its bytes (`out[..write_size]`), kept until
    /// libpgm takes it whole.
    out: Vec<u8>,
    write_size: usize,
    /// The last part taken from the pipe had MORE set.
    more: bool,
    // Receiver.
    peers: HashMap<Tsi, Peer>,
    /// Whole messages decoded, waiting for room in the pipe.
    ready: VecDeque<Msg>,
    pub(in crate::io) no_read: super::raw::NoRead,
}

impl PgmState {
    pub(in crate::io) fn new(o: &SessionOptions, receiver: bool) -> PgmState {
        PgmState::with_maxmsgsize(o.maxmsgsize, receiver)
    }

    fn with_maxmsgsize(maxmsgsize: i64, receiver: bool) -> PgmState {
        PgmState {
            receiver,
            maxmsgsize,
            deadline: None,
            encoder: v1::Encoder::default(),
            out: Vec::new(),
            write_size: 0,
            more: false,
            peers: HashMap::new(),
            ready: VecDeque::new(),
            no_read: Default::default(),
        }
    }

    /// An APDU or part of a message still to go out (linger waits for it).
    pub(in crate::io) fn has_output(&self) -> bool {
        self.write_size > 0 || self.encoder.busy()
    }

    fn later(&mut self, ms: u64) {
        let at = now_ms() + ms;
        self.deadline = Some(self.deadline.map_or(at, |d| d.min(at)));
    }

    /// One APDU from a sender: join, decode, queue whole messages.
    fn on_apdu(&mut self, tsi: Tsi, apdu: &[u8]) {
        let peer = self.peers.entry(tsi).or_insert_with(|| Peer {
            decoder: None,
            parts: Vec::new(),
        });
        let Some((head, mut body)) = apdu.split_first_chunk::<2>() else {
            // Too short for libzmq's offset: resynchronise.
            peer.decoder = None;
            peer.parts.clear();
            return;
        };
        let offset = u16::from_be_bytes(*head);
        if peer.decoder.is_none() {
            if offset == NO_BOUNDARY {
                return;
            }
            let Some(rest) = body.get(offset as usize..) else {
                return;
            };
            body = rest;
            peer.decoder = Some(v1::Decoder::new(self.maxmsgsize));
            peer.parts.clear();
        }
        let Some(decoder) = peer.decoder.as_mut() else {
            return;
        };
        let parts = &mut peer.parts;
        let ready = &mut self.ready;
        let r = decoder.decode(body, &mut |m: Msg| {
            let last = !m.more();
            parts.push(m);
            if last {
                ready.extend(parts.drain(..));
            }
        });
        if r.is_err() {
            // A malformed stream ends that sender's session only.
            peer.decoder = None;
            peer.parts.clear();
        }
    }
}

/// Move messages both ways until nothing more moves without waiting.
pub(in crate::io) fn pump(s: &mut Session, pipes: &mut Pipes) -> Result<(), Down> {
    let Some(slot) = s.pipe else { return Ok(()) };
    let Some(e) = s.engine.as_mut() else {
        return Ok(());
    };
    let super::raw::Wire::Pgm(st) = &mut e.zmtp else {
        return Ok(());
    };
    let Some(conn) = e.stream.pgm_mut() else {
        return Ok(());
    };
    if st.receiver {
        // Subscriptions have nowhere to go over multicast (libzmq drops
        // them too): the SUB filters what arrives.
        let pipe = pipes.get(slot);
        while pipe.read().is_some() {}
        receive(st, conn, pipes, slot, &mut e.read_blocked);
    } else {
        if let Some(ms) = conn.process_upstream() {
            st.later(ms);
        }
        send(st, conn, pipes, slot);
    }
    Ok(())
}

fn receive(
    st: &mut PgmState,
    conn: &mut PgmConn,
    pipes: &mut Pipes,
    slot: usize,
    blocked: &mut bool,
) {
    let mut batches = 0;
    loop {
        if !super::raw::deliver_whole(&mut st.ready, pipes.get(slot)) {
            *blocked = true;
            return;
        }
        if batches == 1 {
            // One batch per reactor round, as libzmq's receiver reads one
            // per event: the next round comes at once (a deadline now).
            st.later(0);
            return;
        }
        batches += 1;
        match conn.recv() {
            Recv::Data => conn.for_each_apdu(|tsi, bytes| st.on_apdu(tsi, bytes)),
            Recv::Reset(tsi) => {
                // Unrecoverable loss: that sender's stream restarts at its
                // next message boundary.
                if let Some(p) = st.peers.get_mut(&tsi) {
                    p.decoder = None;
                    p.parts.clear();
                }
            }
            Recv::Later(ms) => {
                st.later(ms);
                return;
            }
            Recv::WouldBlock => return,
        }
    }
}

/// Send at most one APDU: one per reactor round, as libzmq's out_event
/// sends one per POLLOUT (back-to-back bursts overrun receivers' socket
/// buffers at high ZMQ_RATE); the next round comes at once (a deadline
/// now), after the thread's other work.
fn send(st: &mut PgmState, conn: &mut PgmConn, pipes: &mut Pipes, slot: usize) {
    let tsdu = conn.max_tsdu();
    if st.out.len() != tsdu {
        st.out.resize(tsdu, 0);
    }
    if st.write_size == 0 {
        let buf = &mut st.out[2..];
        let room = buf.len();
        let mut offset = NO_BOUNDARY;
        let mut bytes = st.encoder.encode(buf);
        while bytes < room {
            if !st.more && offset == NO_BOUNDARY {
                offset = bytes as u16;
            }
            let Some(m) = pipes.get(slot).read() else {
                break;
            };
            st.more = m.more();
            st.encoder.load(m);
            bytes += st.encoder.encode(&mut buf[bytes..]);
        }
        if bytes == 0 {
            return;
        }
        st.out[..2].copy_from_slice(&offset.to_be_bytes());
        st.write_size = 2 + bytes;
    }
    match conn.send(&st.out[..st.write_size]) {
        Sent::Done => {
            st.write_size = 0;
            st.later(0);
        }
        Sent::RateLimited(ms) => st.later(ms),
        // The send descriptor's writability (in the epoll set) wakes us.
        Sent::WouldBlock => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tsi(n: u8) -> Tsi {
        Tsi {
            gsi: [n; 6],
            sport: 1,
        }
    }

    /// An APDU: the boundary offset, then the bytes.
    fn apdu(offset: u16, bytes: &[u8]) -> Vec<u8> {
        let mut v = offset.to_be_bytes().to_vec();
        v.extend_from_slice(bytes);
        v
    }

    fn bodies(st: &mut PgmState) -> Vec<(Vec<u8>, bool)> {
        st.ready
            .drain(..)
            .map(|m| (m.data().to_vec(), m.more()))
            .collect()
    }

    #[test]
    fn joins_at_a_boundary_and_keeps_messages_whole() {
        let mut st = PgmState::with_maxmsgsize(-1, true);
        // Mid-message with no boundary: ignored until one comes.
        st.on_apdu(tsi(1), &apdu(NO_BOUNDARY, b"\x04\x00abc"));
        assert!(st.ready.is_empty());
        // The tail of an earlier message, then [topic, body] split across
        // two APDUs: joined at offset 2.
        st.on_apdu(tsi(1), &apdu(2, b"zz\x02\x01t\x05\x00he"));
        assert!(st.ready.is_empty(), "half a message is held back");
        st.on_apdu(tsi(1), &apdu(NO_BOUNDARY, b"ll"));
        assert_eq!(
            bodies(&mut st),
            vec![(b"t".to_vec(), true), (b"hell".to_vec(), false)]
        );
        // Another sender is joined on its own.
        st.on_apdu(tsi(2), &apdu(0, b"\x01\x00"));
        assert_eq!(bodies(&mut st), vec![(vec![], false)]);
    }

    #[test]
    fn hostile_apdus_end_only_that_senders_stream() {
        let mut st = PgmState::with_maxmsgsize(10, true);
        st.on_apdu(tsi(2), &apdu(0, b"\x02\x01a"));
        // Too short for the offset; an offset past the end; a zero
        // length; over MAXMSGSIZE: each drops the sender's partial message
        // and it is joined again at its next boundary.
        st.on_apdu(tsi(1), b"\x00");
        st.on_apdu(tsi(1), &apdu(9, b"\x01\x00"));
        assert!(st.peers[&tsi(1)].decoder.is_none());
        st.on_apdu(tsi(1), &apdu(0, b"\x02\x01a\x00"));
        assert!(st.peers[&tsi(1)].decoder.is_none());
        st.on_apdu(tsi(1), &apdu(0, b"\x20\x00"));
        assert!(st.peers[&tsi(1)].decoder.is_none());
        assert!(st.ready.is_empty());
        st.on_apdu(tsi(1), &apdu(0, b"\x02\x00b"));
        st.on_apdu(tsi(2), &apdu(NO_BOUNDARY, b"\x02\x00c"));
        assert_eq!(
            bodies(&mut st),
            vec![
                (b"b".to_vec(), false),
                (b"a".to_vec(), true),
                (b"c".to_vec(), false)
            ]
        );
    }
}
