//! WebSocket frames (RFC 6455 section 5), sans I/O: the header a frame goes
//! out with, masking, and the [`FrameDecoder`] that turns received bytes
//! into whole messages and control frames.
//!
//! The decoder takes fragmented messages (libzmq's does not), control
//! frames between fragments, and refuses what RFC 6455 forbids: reserved
//! bits, unknown opcodes, control frames over 125 bytes or fragmented, a
//! continuation with no message begun, a new message before the last one
//! ended, a masked frame towards a client or an unmasked one towards a
//! server, a 64-bit length with its top bit set. A ZWS message's first
//! payload byte is its flags (RFC 45), so an empty binary message is refused
//! as libzmq refuses it. Memory follows what the peer actually sent: a body
//! up to [`LARGE_PREALLOC`] is allocated as announced, a larger one grows
//! with what arrives until a quarter of it is in (as the ZMTP decoder does).

use crate::msg::Msg;
use crate::zmtp::codec::LARGE_PREALLOC;
use crate::zmtp::ProtocolError;

pub const OP_CONTINUATION: u8 = 0x0;
pub const OP_TEXT: u8 = 0x1;
pub const OP_BINARY: u8 = 0x2;
pub const OP_CLOSE: u8 = 0x8;
pub const OP_PING: u8 = 0x9;
pub const OP_PONG: u8 = 0xA;

/// ZWS 2.0 flag bits (the first payload byte of a binary message).
pub const ZWS_MORE: u8 = 0x01;
pub const ZWS_COMMAND: u8 = 0x02;

/// The longest control frame payload.
pub const MAX_CONTROL: usize = 125;
/// The longest frame header: 2 bytes, a 64-bit length, a mask key.
pub const MAX_HEADER: usize = 14;

/// Write a frame header (FIN set) for `len` payload bytes into `out`;
/// returns its length.
pub fn header(opcode: u8, len: u64, mask: Option<[u8; 4]>, out: &mut [u8; MAX_HEADER]) -> usize {
    out[0] = 0x80 | opcode;
    let m = if mask.is_some() { 0x80 } else { 0 };
    let mut n = if len <= 125 {
        out[1] = m | len as u8;
        2
    } else if len <= 0xFFFF {
        out[1] = m | 126;
        out[2..4].copy_from_slice(&(len as u16).to_be_bytes());
        4
    } else {
        out[1] = m | 127;
        out[2..10].copy_from_slice(&len.to_be_bytes());
        10
    };
    if let Some(k) = mask {
        out[n..n + 4].copy_from_slice(&k);
        n += 4;
    }
    n
}

/// XOR `buf` with the mask `key`, `buf[0]` being payload byte `offset`.
pub fn mask_in_place(buf: &mut [u8], key: [u8; 4], offset: usize) {
    let r = offset % 4;
    let k = [key[r], key[(r + 1) % 4], key[(r + 2) % 4], key[(r + 3) % 4]];
    let k8 = u64::from_ne_bytes([k[0], k[1], k[2], k[3], k[0], k[1], k[2], k[3]]);
    let mut chunks = buf.chunks_exact_mut(8);
    for c in &mut chunks {
        let v = u64::from_ne_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) ^ k8;
        c.copy_from_slice(&v.to_ne_bytes());
    }
    for (i, b) in chunks.into_remainder().iter_mut().enumerate() {
        *b ^= k[i % 4];
    }
}

/// Copy `src` into `dst` (the same length) XORed with the mask `key`,
/// `src[0]` being payload byte `offset`.
pub fn copy_masked(dst: &mut [u8], src: &[u8], key: [u8; 4], offset: usize) {
    let r = offset % 4;
    let k = [key[r], key[(r + 1) % 4], key[(r + 2) % 4], key[(r + 3) % 4]];
    let k8 = u64::from_ne_bytes([k[0], k[1], k[2], k[3], k[0], k[1], k[2], k[3]]);
    let mut d = dst.chunks_exact_mut(8);
    let mut s = src.chunks_exact(8);
    for (dc, sc) in (&mut d).zip(&mut s) {
        let v = u64::from_ne_bytes(sc.try_into().expect("8 bytes")) ^ k8;
        dc.copy_from_slice(&v.to_ne_bytes());
    }
    for (i, (db, sb)) in d.into_remainder().iter_mut().zip(s.remainder()).enumerate() {
        *db = sb ^ k[i % 4];
    }
}

/// What the decoder hands up.
#[derive(Debug)]
pub enum Frame {
    /// A whole binary message: its ZWS flags and its body.
    Message {
        flags: u8,
        body: Msg,
    },
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(Vec<u8>),
}

/// The header of the frame whose payload is being read.
#[derive(Clone, Copy)]
struct Current {
    fin: bool,
    opcode: u8,
    len: u64,
    got: u64,
    mask: Option<[u8; 4]>,
}

/// Where a message's body goes.
enum Body {
    /// Allocated whole; this much filled.
    Direct(Msg, usize),
    /// A large announced body, staged until a quarter of it is in.
    Staged(Vec<u8>, usize),
    /// A fragmented message: its length is not known before its end.
    Growing(Vec<u8>),
}

/// A binary message being assembled.
struct Partial {
    flags: Option<u8>,
    body: Option<Body>,
    /// Body bytes so far (all fragments).
    size: u64,
}

/// Turns received bytes into [`Frame`]s (see the module comment).
pub struct FrameDecoder {
    /// Frames must come masked (we are the server) or unmasked (client).
    masked: bool,
    /// ZMQ_MAXMSGSIZE (-1: none): the largest body.
    max_body: u64,
    head: [u8; MAX_HEADER],
    head_len: usize,
    cur: Option<Current>,
    msg: Option<Partial>,
    control: Vec<u8>,
}

fn malformed<T>() -> Result<T, ProtocolError> {
    Err(ProtocolError::MalformedFrame)
}

impl FrameDecoder {
    pub fn new(masked: bool, maxmsgsize: i64) -> FrameDecoder {
        FrameDecoder {
            masked,
            max_body: u64::try_from(maxmsgsize).unwrap_or(u64::MAX),
            head: [0; MAX_HEADER],
            head_len: 0,
            cur: None,
            msg: None,
            control: Vec::new(),
        }
    }

    /// Bytes of the announced payload of the current frame still to come
    /// (0 between frames).
    pub fn payload_remaining(&self) -> u64 {
        self.cur.map_or(0, |c| c.len - c.got)
    }

    /// Where the rest of the current frame's payload goes, when that is
    /// straight into its message (an unfragmented binary frame past its
    /// flags byte): a large body is then read in place, with no copy from
    /// the receive buffer. None otherwise.
    pub fn body_space(&mut self) -> Option<&mut [u8]> {
        let cur = self.cur.as_ref()?;
        let m = self.msg.as_mut()?;
        m.flags?;
        let rem = usize::try_from(cur.len - cur.got).ok()?;
        match m.body.as_mut()? {
            Body::Direct(msg, filled) => msg.data_mut()?.get_mut(*filled..*filled + rem),
            _ => None,
        }
    }

    /// `n` bytes were read into [`body_space`](Self::body_space): unmask
    /// them; the frame they complete, if any.
    pub fn body_filled(&mut self, n: usize) -> Result<Option<Frame>, ProtocolError> {
        let cur = self.cur.as_mut().ok_or(ProtocolError::MalformedFrame)?;
        let n = n.min(usize::try_from(cur.len - cur.got).unwrap_or(usize::MAX));
        let offset = cur.got as usize;
        cur.got += n as u64;
        let (mask, done) = (cur.mask, cur.got == cur.len);
        let m = self.msg.as_mut().ok_or(ProtocolError::MalformedFrame)?;
        m.size += n as u64;
        let Some(Body::Direct(msg, filled)) = m.body.as_mut() else {
            return malformed();
        };
        let d = msg.data_mut().ok_or(ProtocolError::OutOfMemory)?;
        let d = d
            .get_mut(*filled..*filled + n)
            .ok_or(ProtocolError::MalformedFrame)?;
        if let Some(k) = mask {
            mask_in_place(d, k, offset);
        }
        *filled += n;
        if !done {
            return Ok(None);
        }
        let cur = self.cur.take().expect("a frame");
        self.head_len = 0;
        self.end_frame(cur)
    }

    /// Decode from `input`: returns how many bytes were used and the frame
    /// they completed, if any (call again with the rest). After an error
    /// the connection is to be dropped.
    pub fn decode(&mut self, input: &[u8]) -> Result<(usize, Option<Frame>), ProtocolError> {
        if let Some((used, frame)) = self.decode_small(input)? {
            return Ok((used, Some(frame)));
        }
        let mut used = 0;
        loop {
            if self.cur.is_none() {
                // The first two bytes say how long the rest of the header is.
                loop {
                    let need = self.header_need();
                    if self.head_len == need {
                        break;
                    }
                    let take = (need - self.head_len).min(input.len() - used);
                    if take == 0 {
                        return Ok((used, None));
                    }
                    self.head[self.head_len..self.head_len + take]
                        .copy_from_slice(&input[used..used + take]);
                    self.head_len += take;
                    used += take;
                    if self.head_len == 2 {
                        self.check_first_two()?;
                    }
                }
                self.start_frame()?;
            }
            let cur = self.cur.as_mut().expect("a frame");
            let take = ((cur.len - cur.got).min((input.len() - used) as u64)) as usize;
            let offset = cur.got as usize;
            cur.got += take as u64;
            let (mask, opcode, done) = (cur.mask, cur.opcode, cur.got == cur.len);
            self.payload(&input[used..used + take], mask, offset, opcode)?;
            used += take;
            if done {
                let cur = self.cur.take().expect("a frame");
                self.head_len = 0;
                if let Some(f) = self.end_frame(cur)? {
                    return Ok((used, Some(f)));
                }
            } else {
                return Ok((used, None));
            }
        }
    }

    /// The common case in one step: between messages, a whole short
    /// (under 126 bytes) unfragmented binary frame at the start of `input`
    /// becomes its message straight from the header, without the general
    /// path's header staging. None for anything else (another frame kind,
    /// a longer or incomplete frame, a bad header), which the general path
    /// then decodes or refuses: this path accepts nothing it would not.
    #[inline]
    fn decode_small(&mut self, input: &[u8]) -> Result<Option<(usize, Frame)>, ProtocolError> {
        if self.cur.is_some() || self.head_len != 0 || self.msg.is_some() {
            return Ok(None);
        }
        let (Some(&b0), Some(&b1)) = (input.first(), input.get(1)) else {
            return Ok(None);
        };
        let len = usize::from(b1 & 0x7F);
        if b0 != 0x80 | OP_BINARY
            || (b1 & 0x80 != 0) != self.masked
            || len == 0
            || len >= 126
            || (len - 1) as u64 > self.max_body
        {
            return Ok(None);
        }
        let at = if self.masked { 6 } else { 2 };
        let Some(payload) = input.get(at..at + len) else {
            return Ok(None);
        };
        let mut body = Msg::with_size(len - 1).map_err(|_| ProtocolError::OutOfMemory)?;
        let dst = body.data_mut().ok_or(ProtocolError::OutOfMemory)?;
        let flags = if self.masked {
            let key = [input[2], input[3], input[4], input[5]];
            copy_masked(dst, &payload[1..], key, 1);
            payload[0] ^ key[0]
        } else {
            dst.copy_from_slice(&payload[1..]);
            payload[0]
        };
        Ok(Some((at + len, Frame::Message { flags, body })))
    }

    /// How many header bytes the frame needs, as far as known.
    fn header_need(&self) -> usize {
        if self.head_len < 2 {
            return 2;
        }
        let ext = match self.head[1] & 0x7F {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        2 + ext + if self.head[1] & 0x80 != 0 { 4 } else { 0 }
    }

    fn check_first_two(&self) -> Result<(), ProtocolError> {
        let (b0, b1) = (self.head[0], self.head[1]);
        let (fin, opcode) = (b0 & 0x80 != 0, b0 & 0x0F);
        if b0 & 0x70 != 0 || (b1 & 0x80 != 0) != self.masked {
            return malformed();
        }
        match opcode {
            OP_CLOSE | OP_PING | OP_PONG => {
                if !fin || usize::from(b1 & 0x7F) > MAX_CONTROL {
                    return malformed();
                }
            }
            // ZWS is binary; a text frame is refused, as libzmq does.
            OP_BINARY if self.msg.is_none() => {}
            OP_CONTINUATION if self.msg.is_some() => {}
            _ => return malformed(),
        }
        Ok(())
    }

    fn start_frame(&mut self) -> Result<(), ProtocolError> {
        let h = &self.head;
        let (len, at) = match h[1] & 0x7F {
            126 => (u64::from(u16::from_be_bytes([h[2], h[3]])), 4),
            127 => {
                let v = u64::from_be_bytes(h[2..10].try_into().expect("8 bytes"));
                if v >> 63 != 0 {
                    return malformed();
                }
                (v, 10)
            }
            n => (u64::from(n), 2),
        };
        let mask = (h[1] & 0x80 != 0).then(|| [h[at], h[at + 1], h[at + 2], h[at + 3]]);
        let (fin, opcode) = (h[0] & 0x80 != 0, h[0] & 0x0F);
        if matches!(opcode, OP_BINARY | OP_CONTINUATION) {
            if opcode == OP_BINARY {
                if fin && len == 0 {
                    return malformed();
                }
                self.msg = Some(Partial {
                    flags: None,
                    body: None,
                    size: 0,
                });
            }
            let m = self.msg.as_mut().expect("checked with the opcode");
            // The flags byte is not body.
            let body_bytes = len - u64::from(m.flags.is_none() && len > 0);
            if m.size.saturating_add(body_bytes) > self.max_body {
                return Err(ProtocolError::MessageTooLarge);
            }
            if usize::try_from(m.size + body_bytes).is_err() {
                return Err(ProtocolError::MessageTooLarge);
            }
            if opcode == OP_BINARY && fin {
                m.body = Some(if body_bytes as usize <= LARGE_PREALLOC {
                    Body::Direct(
                        Msg::with_size(body_bytes as usize)
                            .map_err(|_| ProtocolError::OutOfMemory)?,
                        0,
                    )
                } else {
                    Body::Staged(Vec::with_capacity(LARGE_PREALLOC), body_bytes as usize)
                });
            } else if m.body.is_none() {
                m.body = Some(Body::Growing(Vec::new()));
            }
        } else {
            self.control.clear();
        }
        self.cur = Some(Current {
            fin,
            opcode,
            len,
            got: 0,
            mask,
        });
        Ok(())
    }

    fn payload(
        &mut self,
        bytes: &[u8],
        mask: Option<[u8; 4]>,
        offset: usize,
        opcode: u8,
    ) -> Result<(), ProtocolError> {
        if bytes.is_empty() {
            return Ok(());
        }
        if !matches!(opcode, OP_BINARY | OP_CONTINUATION) {
            let at = self.control.len();
            self.control.extend_from_slice(bytes);
            if let Some(k) = mask {
                mask_in_place(&mut self.control[at..], k, offset);
            }
            return Ok(());
        }
        let m = self.msg.as_mut().expect("a message");
        let (mut bytes, mut offset) = (bytes, offset);
        if m.flags.is_none() {
            let k = mask.map_or(0, |k| k[offset % 4]);
            m.flags = Some(bytes[0] ^ k);
            bytes = &bytes[1..];
            offset += 1;
        }
        if bytes.is_empty() {
            return Ok(());
        }
        m.size += bytes.len() as u64;
        let body = m.body.as_mut().expect("set with the frame");
        let dst: &mut [u8] = match body {
            Body::Direct(msg, filled) => {
                let d = msg.data_mut().ok_or(ProtocolError::OutOfMemory)?;
                let dst = d
                    .get_mut(*filled..*filled + bytes.len())
                    .ok_or(ProtocolError::MalformedFrame)?;
                *filled += bytes.len();
                dst
            }
            Body::Staged(v, _) | Body::Growing(v) => {
                let at = v.len();
                v.resize(at + bytes.len(), 0);
                &mut v[at..]
            }
        };
        // One pass: copy and unmask together.
        match mask {
            Some(k) => copy_masked(dst, bytes, k, offset),
            None => dst.copy_from_slice(bytes),
        }
        // A staged body a quarter in: allocate it whole from here on.
        if let Body::Staged(v, total) = body {
            if v.len() >= *total / 4 {
                let mut msg = Msg::with_size(*total).map_err(|_| ProtocolError::OutOfMemory)?;
                let d = msg.data_mut().ok_or(ProtocolError::OutOfMemory)?;
                d[..v.len()].copy_from_slice(v);
                *body = Body::Direct(msg, v.len());
            }
        }
        Ok(())
    }

    fn end_frame(&mut self, cur: Current) -> Result<Option<Frame>, ProtocolError> {
        let frame = match cur.opcode {
            OP_PING => Frame::Ping(std::mem::take(&mut self.control)),
            OP_PONG => Frame::Pong(std::mem::take(&mut self.control)),
            OP_CLOSE => Frame::Close(std::mem::take(&mut self.control)),
            _ if !cur.fin => return Ok(None),
            _ => {
                let m = self.msg.take().expect("a message");
                // A fragmented message may end without any payload at all.
                let flags = m.flags.ok_or(ProtocolError::MalformedFrame)?;
                let body = match m.body {
                    Some(Body::Direct(msg, filled)) if filled == msg.size() => msg,
                    Some(Body::Growing(v)) => {
                        Msg::try_from_slice(&v).map_err(|_| ProtocolError::OutOfMemory)?
                    }
                    None => Msg::new(),
                    _ => return malformed(),
                };
                Frame::Message { flags, body }
            }
        };
        Ok(Some(frame))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame as a peer would send it.
    fn frame(fin: bool, opcode: u8, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
        let mut h = [0u8; MAX_HEADER];
        let n = header(opcode, payload.len() as u64, mask, &mut h);
        if !fin {
            h[0] &= 0x7F;
        }
        let mut v = h[..n].to_vec();
        let at = v.len();
        v.extend_from_slice(payload);
        if let Some(k) = mask {
            mask_in_place(&mut v[at..], k, 0);
        }
        v
    }

    const K: Option<[u8; 4]> = Some([0x12, 0x34, 0x56, 0x78]);

    fn all(d: &mut FrameDecoder, mut input: &[u8]) -> Result<Vec<Frame>, ProtocolError> {
        let mut out = Vec::new();
        while !input.is_empty() {
            let (n, f) = d.decode(input)?;
            input = &input[n..];
            out.extend(f);
            if n == 0 {
                break;
            }
        }
        Ok(out)
    }

    #[test]
    fn headers_by_length() {
        let mut h = [0u8; MAX_HEADER];
        assert_eq!(header(OP_BINARY, 125, None, &mut h), 2);
        assert_eq!(&h[..2], &[0x82, 125]);
        assert_eq!(header(OP_BINARY, 126, K, &mut h), 8);
        assert_eq!(&h[..4], &[0x82, 0xFE, 0, 126]);
        assert_eq!(header(OP_PING, 70000, None, &mut h), 10);
        assert_eq!(&h[..10], &[0x89, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
    }

    #[test]
    fn masking_matches_bytewise_at_any_offset() {
        let key = [1, 2, 3, 4];
        for off in 0..5 {
            let mut a: Vec<u8> = (0..37).collect();
            let want: Vec<u8> = a
                .iter()
                .enumerate()
                .map(|(i, b)| b ^ key[(i + off) % 4])
                .collect();
            let mut b = vec![0u8; a.len()];
            copy_masked(&mut b, &a, key, off);
            assert_eq!(b, want);
            mask_in_place(&mut a, key, off);
            assert_eq!(a, want);
        }
    }

    #[test]
    fn messages_of_every_length_class_byte_by_byte() {
        for size in [0usize, 1, 29, 31, 124, 125, 126, 65535, 65536, 200_000] {
            let body: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            let mut payload = vec![ZWS_MORE];
            payload.extend_from_slice(&body);
            for (masked, key) in [(true, K), (false, None)] {
                let bytes = frame(true, OP_BINARY, &payload, key);
                let mut d = FrameDecoder::new(masked, -1);
                // Whole, then in odd pieces.
                let got = all(&mut d, &bytes).unwrap();
                match &got[..] {
                    [Frame::Message { flags, body: m }] => {
                        assert_eq!(*flags, ZWS_MORE);
                        assert_eq!(m.data(), &body[..]);
                    }
                    _ => panic!("{size}: {got:?}"),
                }
                let mut d = FrameDecoder::new(masked, -1);
                let mut frames = Vec::new();
                for piece in bytes.chunks(7) {
                    frames.extend(all(&mut d, piece).unwrap());
                }
                assert_eq!(frames.len(), 1);
            }
        }
    }

    /// A stream of short frames (the one-step path) mixed with others
    /// (the general path) decodes the same whole as one byte at a time.
    #[test]
    fn short_frames_in_a_stream_match_byte_by_byte() {
        let mut bytes = Vec::new();
        for i in 0..300usize {
            let size = i % 130;
            let mut payload = vec![(i % 2) as u8];
            payload.extend((0..size).map(|j| (i + j) as u8));
            bytes.extend(frame(true, OP_BINARY, &payload, K));
            if i % 37 == 0 {
                bytes.extend(frame(true, OP_PING, b"hi", K));
            }
        }
        let describe = |fs: Vec<Frame>| -> Vec<(u8, Vec<u8>)> {
            fs.into_iter()
                .map(|f| match f {
                    Frame::Message { flags, body } => (flags, body.data().to_vec()),
                    Frame::Ping(p) => (0xFF, p),
                    other => panic!("{other:?}"),
                })
                .collect()
        };
        let whole = describe(all(&mut FrameDecoder::new(true, -1), &bytes).unwrap());
        let mut d = FrameDecoder::new(true, -1);
        let mut one_by_one = Vec::new();
        for b in bytes.chunks(1) {
            one_by_one.extend(all(&mut d, b).unwrap());
        }
        assert_eq!(whole.len(), 300 + 9);
        assert_eq!(whole, describe(one_by_one));
    }

    /// A body read in place: the same message as through `decode`.
    #[test]
    fn body_read_in_place() {
        let body: Vec<u8> = (0..5000).map(|i| (i % 253) as u8).collect();
        let mut payload = vec![0u8];
        payload.extend_from_slice(&body);
        let bytes = frame(true, OP_BINARY, &payload, K);
        let mut d = FrameDecoder::new(true, -1);
        // Header, flags and a little body the usual way.
        let (n, f) = d.decode(&bytes[..20]).unwrap();
        assert_eq!((n, f.is_none()), (20, true));
        let mut at = 20;
        let mut got = None;
        while got.is_none() {
            let space = d.body_space().expect("in place");
            let k = space.len().min(777);
            space[..k].copy_from_slice(&bytes[at..at + k]);
            at += k;
            got = d.body_filled(k).unwrap();
        }
        assert_eq!(at, bytes.len());
        match got {
            Some(Frame::Message { flags: 0, body: m }) => assert_eq!(m.data(), &body[..]),
            f => panic!("{f:?}"),
        }
        assert!(d.body_space().is_none());
    }

    #[test]
    fn fragments_with_a_ping_between() {
        let mut bytes = frame(false, OP_BINARY, b"", K);
        bytes.extend(frame(false, OP_CONTINUATION, b"\x02he", K));
        bytes.extend(frame(true, OP_PING, b"hi", K));
        bytes.extend(frame(true, OP_CONTINUATION, b"llo", K));
        let mut d = FrameDecoder::new(true, -1);
        let got = all(&mut d, &bytes).unwrap();
        assert!(matches!(&got[0], Frame::Ping(p) if p == b"hi"));
        match &got[1] {
            Frame::Message { flags, body } => {
                assert_eq!(*flags, ZWS_COMMAND);
                assert_eq!(body.data(), b"hello");
            }
            f => panic!("{f:?}"),
        }
    }

    #[test]
    fn refusals() {
        let long_ping = frame(true, OP_PING, &[0; 126], K);
        let mut frag_ping = frame(true, OP_PING, b"x", K);
        frag_ping[0] &= 0x7F;
        let mut rsv = frame(true, OP_BINARY, b"\0x", K);
        rsv[0] |= 0x40;
        let mut lying = vec![0x82, 0xFF];
        lying.extend_from_slice(&u64::MAX.to_be_bytes());
        lying.extend_from_slice(&[0; 4]);
        let mut cont_then_binary = frame(false, OP_BINARY, b"\0a", K);
        cont_then_binary.extend(frame(true, OP_BINARY, b"\0b", K));
        for (name, bytes, masked) in [
            (
                "unmasked to a server",
                frame(true, OP_BINARY, b"\0x", None),
                true,
            ),
            (
                "masked to a client",
                frame(true, OP_BINARY, b"\0x", K),
                false,
            ),
            ("control over 125", long_ping, true),
            ("fragmented control", frag_ping, true),
            ("reserved bit", rsv, true),
            ("text", frame(true, OP_TEXT, b"\0x", K), true),
            ("empty binary", frame(true, OP_BINARY, b"", K), true),
            (
                "stray continuation",
                frame(true, OP_CONTINUATION, b"\0x", K),
                true,
            ),
            ("binary inside a message", cont_then_binary, true),
            ("64-bit length top bit", lying, true),
            ("unknown opcode", frame(true, 0x3, b"\0x", K), true),
        ] {
            let mut d = FrameDecoder::new(masked, -1);
            assert!(all(&mut d, &bytes).is_err(), "{name}");
        }
    }

    #[test]
    fn size_limits() {
        let mut d = FrameDecoder::new(true, 4);
        assert!(all(&mut d, &frame(true, OP_BINARY, b"\0abcd", K)).is_ok());
        let e = all(&mut d, &frame(true, OP_BINARY, b"\0abcde", K)).unwrap_err();
        assert_eq!(e, ProtocolError::MessageTooLarge);
        // Over fragments too.
        let mut d = FrameDecoder::new(true, 4);
        let mut bytes = frame(false, OP_BINARY, b"\0abc", K);
        bytes.extend(frame(true, OP_CONTINUATION, b"de", K));
        assert_eq!(
            all(&mut d, &bytes).unwrap_err(),
            ProtocolError::MessageTooLarge
        );
    }

    /// A peer announcing 1 TiB and sending 3 MiB holds a few MiB, not 1 TiB.
    #[test]
    fn lying_length_costs_what_was_sent() {
        let mut d = FrameDecoder::new(false, -1);
        let mut h = [0u8; MAX_HEADER];
        let n = header(OP_BINARY, 1 << 40, None, &mut h);
        let (used, f) = d.decode(&h[..n]).unwrap();
        assert_eq!((used, f.is_none()), (n, true));
        let chunk = vec![0u8; 1 << 20];
        for _ in 0..3 {
            assert_eq!(d.decode(&chunk).unwrap().0, chunk.len());
        }
        match &d.msg {
            Some(Partial {
                body: Some(Body::Staged(v, _)),
                ..
            }) => assert!(v.capacity() < 8 << 20),
            _ => panic!("not staged"),
        }
    }
}
