//! The norm engine of PUB/XPUB senders and SUB/XSUB receivers over norm://,
//! as libzmq's norm_engine (its wire: Debian's libzmq 4.3.4 reads ours).
//!
//! - Sender: each message part goes into the NORM stream as one NORM
//!   message: a byte saying whether it starts a ZMQ message (0x00) or
//!   continues one (0xff), then the part as a ZMTP/2.0 data frame; the
//!   stream is flushed (end of message, NORM_FLUSH_ACTIVE) after each part.
//! - Receiver: per sender stream a decoder. A stream is joined (and
//!   rejoined after loss NORM cannot repair, or a malformed frame) at the
//!   first NORM message start whose byte is 0x00; from then on the byte
//!   before each part is checked against the part before it. Whole
//!   messages only reach the pipe (libzmq hands up parts, so loss could
//!   leave half a message with it).
//! - NORM runs its own timers in its own thread and reports events through
//!   one descriptor; every wake-up takes all the pending events.

use super::{Down, Session};
use crate::io::command::SessionOptions;
use crate::msg::Msg;
use crate::pipe::Pipes;
use crate::transport::norm::ffi;
use crate::transport::norm::{Event, NormConn};
use crate::zmtp::v1;
use std::collections::{HashMap, VecDeque};

/// libzmq's tx_buffer: the most one stream write takes.
const CHUNK: usize = 2048;
/// How much one read from a stream takes.
const READ: usize = 64 * 1024;
/// The byte before a part that starts a message, and before the others.
const FIRST: u8 = 0x00;
const NOT_FIRST: u8 = 0xff;

/// One sender's stream a receiver reads.
struct RxStream {
    /// The remote sender it belongs to (its inactivity ends it).
    sender: usize,
    /// Joined at a message start: decoding (None: seeking one).
    decoder: Option<v1::Decoder>,
    /// The byte before the next part is still to be read and checked.
    expect_flag: bool,
    /// NORM said there is data to read.
    ready: bool,
    /// The parts of the message being decoded.
    parts: Vec<Msg>,
}

impl RxStream {
    fn resync(&mut self) {
        self.decoder = None;
        self.parts.clear();
    }
}

pub struct NormState {
    receiver: bool,
    maxmsgsize: i64,
    pub(in crate::io) no_read: super::raw::NoRead,
    // Sender.
    encoder: v1::Encoder,
    out: Vec<u8>,
    out_pos: usize,
    /// A part was loaded since the last flush.
    part_open: bool,
    /// The last part taken from the pipe had MORE set.
    more: bool,
    /// NORM's stream has room (else wait for NORM_TX_QUEUE_VACANCY).
    tx_ready: bool,
    // Receiver.
    streams: HashMap<usize, RxStream>,
    /// Whole messages decoded, waiting for room in the pipe.
    ready: VecDeque<Msg>,
    scratch: Vec<u8>,
}

impl NormState {
    pub(in crate::io) fn new(o: &SessionOptions, receiver: bool) -> NormState {
        NormState::with_maxmsgsize(o.maxmsgsize, receiver)
    }

    fn with_maxmsgsize(maxmsgsize: i64, receiver: bool) -> NormState {
        NormState {
            receiver,
            maxmsgsize,
            no_read: Default::default(),
            encoder: v1::Encoder::v2(),
            out: Vec::new(),
            out_pos: 0,
            part_open: false,
            more: false,
            tx_ready: true,
            streams: HashMap::new(),
            ready: VecDeque::new(),
            scratch: Vec::new(),
        }
    }

    /// Bytes of a part still to go into NORM's stream (linger waits).
    pub(in crate::io) fn has_output(&self) -> bool {
        self.out_pos < self.out.len() || self.encoder.busy()
    }

    fn on_event(&mut self, conn: &mut NormConn, ev: Event) {
        match ev.kind {
            ffi::NORM_TX_QUEUE_VACANCY | ffi::NORM_TX_QUEUE_EMPTY => self.tx_ready = true,
            ffi::NORM_RX_OBJECT_NEW | ffi::NORM_RX_OBJECT_UPDATED if self.receiver => {
                if !self.streams.contains_key(&ev.object) && !conn.is_stream(ev.object) {
                    return;
                }
                let s = self.streams.entry(ev.object).or_insert_with(|| RxStream {
                    sender: ev.sender,
                    decoder: None,
                    expect_flag: false,
                    ready: false,
                    parts: Vec::new(),
                });
                s.ready = true;
            }
            ffi::NORM_RX_OBJECT_ABORTED => {
                self.streams.remove(&ev.object);
            }
            ffi::NORM_REMOTE_SENDER_INACTIVE => {
                // Its streams go with it (if it comes back, NORM_SYNC_STREAM
                // may deliver some messages again, as with libzmq).
                self.streams.retain(|_, s| s.sender != ev.sender);
                conn.delete_node(ev.sender);
            }
            _ => {}
        }
    }

    /// Decode what one read from stream `key` gives; a stream with nothing
    /// more for now is marked not ready (NORM_RX_OBJECT_UPDATED says when).
    fn read_stream(&mut self, conn: &mut NormConn, key: usize) {
        let Some(s) = self.streams.get_mut(&key) else {
            return;
        };
        if s.decoder.is_none() && !seek(conn, key, s, self.maxmsgsize) {
            s.ready = false;
            return;
        }
        self.scratch.resize(READ, 0);
        let Some(n) = conn.read(key, &mut self.scratch) else {
            // Loss NORM could not repair: rejoin at the next message start.
            s.resync();
            return;
        };
        if n == 0 {
            s.ready = false;
            return;
        }
        if feed(s, &self.scratch[..n], &mut self.ready).is_err() {
            // A malformed stream ends that sender's session only.
            s.resync();
        }
    }
}

/// Seek a message start whose byte says it begins a ZMQ message: whether
/// the stream is joined.
fn seek(conn: &mut NormConn, key: usize, s: &mut RxStream, maxmsgsize: i64) -> bool {
    // Bounded: a stream that stays broken waits for its next update.
    for _ in 0..64 {
        if !conn.seek_msg_start(key) {
            return false;
        }
        let mut flag = [0u8];
        match conn.read(key, &mut flag) {
            // Broken (a late joiner can see this): seek again.
            None => continue,
            Some(0) => return false,
            Some(_) if flag[0] == FIRST => {
                s.decoder = Some(v1::Decoder::v2(maxmsgsize));
                s.parts.clear();
                s.expect_flag = false;
                return true;
            }
            Some(_) => {}
        }
    }
    false
}

/// Decode `bytes` of a joined stream: the byte before each part, then the
/// part; whole messages go to `ready`.
fn feed(s: &mut RxStream, mut bytes: &[u8], ready: &mut VecDeque<Msg>) -> Result<(), ()> {
    let decoder = s.decoder.as_mut().ok_or(())?;
    while !bytes.is_empty() {
        if s.expect_flag {
            let want = if s.parts.is_empty() { FIRST } else { NOT_FIRST };
            if bytes[0] != want {
                return Err(());
            }
            bytes = &bytes[1..];
            s.expect_flag = false;
            continue;
        }
        let (used, part) = decoder.decode_one(bytes).map_err(|_| ())?;
        bytes = &bytes[used..];
        if let Some(m) = part {
            let last = !m.more();
            s.parts.push(m);
            if last {
                ready.extend(s.parts.drain(..));
            }
            s.expect_flag = true;
        }
    }
    Ok(())
}

/// Move messages both ways until nothing more moves without waiting.
pub(in crate::io) fn pump(s: &mut Session, pipes: &mut Pipes) -> Result<(), Down> {
    let Some(slot) = s.pipe else { return Ok(()) };
    let Some(e) = s.engine.as_mut() else {
        return Ok(());
    };
    let super::raw::Wire::Norm(st) = &mut e.zmtp else {
        return Ok(());
    };
    let Some(conn) = e.stream.norm_mut() else {
        return Ok(());
    };
    // The descriptor is watched edge-triggered: take every pending event.
    while let Some(ev) = conn.next_event() {
        st.on_event(conn, ev);
    }
    if st.receiver {
        // Subscriptions have nowhere to go over multicast (libzmq drops
        // them too): the SUB filters what arrives.
        let pipe = pipes.get(slot);
        while pipe.read().is_some() {}
        receive(st, conn, pipes, slot, &mut e.read_blocked);
    } else {
        send(st, conn, pipes, slot);
    }
    Ok(())
}

fn receive(
    st: &mut NormState,
    conn: &mut NormConn,
    pipes: &mut Pipes,
    slot: usize,
    blocked: &mut bool,
) {
    loop {
        if !super::raw::deliver_whole(&mut st.ready, pipes.get(slot)) {
            *blocked = true;
            return;
        }
        // Round robin over the streams with data.
        let keys: Vec<usize> = st
            .streams
            .iter()
            .filter(|(_, s)| s.ready)
            .map(|(&k, _)| k)
            .collect();
        if keys.is_empty() {
            return;
        }
        for k in keys {
            st.read_stream(conn, k);
        }
    }
}

fn send(st: &mut NormState, conn: &mut NormConn, pipes: &mut Pipes, slot: usize) {
    while st.tx_ready {
        if st.out_pos < st.out.len() {
            st.out_pos += conn.write(&st.out[st.out_pos..]);
            if st.out_pos < st.out.len() {
                // NORM's stream buffer is full: NORM_TX_QUEUE_VACANCY.
                st.tx_ready = false;
                return;
            }
        }
        st.out.clear();
        st.out_pos = 0;
        if st.encoder.busy() {
            st.out.resize(CHUNK, 0);
            let n = st.encoder.encode(&mut st.out);
            st.out.truncate(n);
            continue;
        }
        if st.part_open {
            // The part is all in the stream: end the NORM message and send
            // it now.
            conn.flush_message();
            st.part_open = false;
        }
        let Some(m) = pipes.get(slot).read() else {
            return;
        };
        let flag = if st.more { NOT_FIRST } else { FIRST };
        st.more = m.more();
        st.encoder.load(m);
        st.out.resize(CHUNK, 0);
        st.out[0] = flag;
        let n = st.encoder.encode(&mut st.out[1..]);
        st.out.truncate(1 + n);
        st.part_open = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(maxmsgsize: i64) -> RxStream {
        RxStream {
            sender: 1,
            decoder: Some(v1::Decoder::v2(maxmsgsize)),
            expect_flag: false,
            ready: true,
            parts: Vec::new(),
        }
    }

    fn bodies(q: &mut VecDeque<Msg>) -> Vec<(Vec<u8>, bool)> {
        q.drain(..).map(|m| (m.data().to_vec(), m.more())).collect()
    }

    #[test]
    fn parts_with_their_flag_bytes() {
        // After the joining 0x00 (consumed by the seek): [t, more] then
        // 0xff [body], then 0x00 [x], split anywhere.
        let wire = b"\x01\x01t\xff\x00\x04body\x00\x00\x01x";
        let mut s = stream(-1);
        let mut q = VecDeque::new();
        for chunk in wire.chunks(3) {
            feed(&mut s, chunk, &mut q).unwrap();
        }
        assert_eq!(
            bodies(&mut q),
            vec![
                (b"t".to_vec(), true),
                (b"body".to_vec(), false),
                (b"x".to_vec(), false)
            ]
        );
    }

    #[test]
    fn malformed_streams_are_refused() {
        let mut q = VecDeque::new();
        // A wrong flag byte between parts, a command frame, a message
        // over MAXMSGSIZE (after a first part that was not).
        for (wire, max) in [
            (&b"\x01\x01t\x00\x00\x01x"[..], -1),
            (&b"\x04\x00"[..], -1),
            (&b"\x01\x02ab\xff\x00\x04cdef"[..], 3),
        ] {
            let mut s = stream(max);
            assert!(feed(&mut s, wire, &mut q).is_err(), "{wire:?}");
        }
        assert!(q.is_empty(), "half messages are never handed up");
    }

    #[test]
    fn random_streams_never_panic_or_split_messages() {
        // A little xorshift: bytes biased towards small values, so frames
        // and flag bytes often look right.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..2000 {
            let mut s = stream(64);
            let mut q = VecDeque::new();
            let len = (next() % 200) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| match next() % 4 {
                    0 => 0xff,
                    1 => (next() % 8) as u8,
                    _ => next() as u8,
                })
                .collect();
            for chunk in bytes.chunks(1 + (next() % 7) as usize) {
                if feed(&mut s, chunk, &mut q).is_err() {
                    s = stream(64);
                }
            }
            // Whatever was handed up ends with a last part.
            assert!(q.back().is_none_or(|m| !m.more()));
        }
    }
}
