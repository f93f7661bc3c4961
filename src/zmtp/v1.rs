//! ZMTP/1.0 framing, as libzmq's v1_encoder / v1_decoder, which its pgm
//! transport carries inside each APDU: per message part a length (one
//! byte, or 0xff and eight bytes big-endian) counting a flags byte and the
//! body, the flags byte (bit 0: more parts follow), the body. Sans I/O.
//!
//! Also ZMTP/2.0's data frames ([`Encoder::v2`], [`Decoder::v2`]), which
//! libzmq's norm transport carries: the flags byte (bit 0: more, bit 1: an
//! eight-byte size), the size (one byte or eight big-endian), the body.

use crate::msg::Msg;

/// Encodes message parts into caller-provided buffers, a part possibly
/// spanning several of them.
#[derive(Default)]
pub struct Encoder {
    /// ZMTP/2.0 frames (else 1.0).
    v2: bool,
    head: [u8; 10],
    head_len: usize,
    head_pos: usize,
    body: Option<Msg>,
    body_pos: usize,
}

impl Encoder {
    /// An encoder of ZMTP/2.0 data frames.
    pub fn v2() -> Encoder {
        Encoder {
            v2: true,
            ..Encoder::default()
        }
    }

    /// Whether part of a loaded message is still to be encoded.
    pub fn busy(&self) -> bool {
        self.head_pos < self.head_len || self.body.is_some()
    }

    /// Start encoding `m` (call only when not [`busy`](Self::busy)).
    pub fn load(&mut self, m: Msg) {
        let flags = u8::from(m.more());
        if self.v2 {
            let size = m.size() as u64;
            if size <= 255 {
                self.head[..2].copy_from_slice(&[flags, size as u8]);
                self.head_len = 2;
            } else {
                self.head[0] = flags | 2;
                self.head[1..9].copy_from_slice(&size.to_be_bytes());
                self.head_len = 9;
            }
        } else if m.size() < 254 {
            let size = m.size() as u64 + 1;
            self.head[0] = size as u8;
            self.head[1] = flags;
            self.head_len = 2;
        } else {
            let size = m.size() as u64 + 1;
            self.head[0] = 0xff;
            self.head[1..9].copy_from_slice(&size.to_be_bytes());
            self.head[9] = flags;
            self.head_len = 10;
        }
        self.head_pos = 0;
        self.body_pos = 0;
        self.body = Some(m);
    }

    /// Copy as much of the loaded message as fits into `out`; the count.
    pub fn encode(&mut self, out: &mut [u8]) -> usize {
        let mut n = 0;
        if self.head_pos < self.head_len {
            let k = (self.head_len - self.head_pos).min(out.len());
            out[..k].copy_from_slice(&self.head[self.head_pos..self.head_pos + k]);
            self.head_pos += k;
            n += k;
            if self.head_pos < self.head_len {
                return n;
            }
        }
        if let Some(m) = &self.body {
            let data = m.data();
            let k = (data.len() - self.body_pos).min(out.len() - n);
            out[n..n + k].copy_from_slice(&data[self.body_pos..self.body_pos + k]);
            self.body_pos += k;
            n += k;
            if self.body_pos == data.len() {
                self.body = None;
            }
        }
        n
    }
}

/// Why a stream cannot be decoded further.
#[derive(Debug, PartialEq, Eq)]
pub enum Error {
    /// A length of 0 (no flags byte).
    Protocol,
    /// Over ZMQ_MAXMSGSIZE.
    TooLarge,
    /// No memory for the body.
    NoMemory,
}

enum State {
    /// ZMTP/2.0: the flags byte.
    Head,
    /// The one-byte size; `more` is known in 2.0 (None: 1.0, flags follow).
    Size { more: Option<bool> },
    LongSize {
        buf: [u8; 8],
        got: usize,
        more: Option<bool>,
    },
    /// ZMTP/1.0: the flags byte after the length.
    Flags { size: u64 },
    Body {
        more: bool,
        size: usize,
        buf: Vec<u8>,
    },
}

/// Decodes a byte stream into message parts. The body grows with the bytes
/// that arrive, so a length claimed by a peer allocates nothing before the
/// bytes are there.
pub struct Decoder {
    state: State,
    v2: bool,
    maxmsgsize: i64,
}

impl Decoder {
    pub fn new(maxmsgsize: i64) -> Decoder {
        Decoder {
            state: State::Size { more: None },
            v2: false,
            maxmsgsize,
        }
    }

    /// A decoder of ZMTP/2.0 data frames.
    pub fn v2(maxmsgsize: i64) -> Decoder {
        Decoder {
            state: State::Head,
            v2: true,
            maxmsgsize,
        }
    }

    fn start(&self) -> State {
        if self.v2 {
            State::Head
        } else {
            State::Size { more: None }
        }
    }

    /// The state after a size: 1.0's counts the flags byte that follows.
    fn sized(&self, len: u64, more: Option<bool>) -> Result<State, Error> {
        let size = match more {
            Some(_) => len,
            None if len == 0 => return Err(Error::Protocol),
            None => len - 1,
        };
        if self.maxmsgsize >= 0 && size > self.maxmsgsize as u64 {
            return Err(Error::TooLarge);
        }
        if size >= super::codec::MAX_FRAME_SIZE {
            // Never holdable (see codec::MAX_FRAME_SIZE): libzmq's
            // allocation fails and drops the stream at once.
            return Err(Error::TooLarge);
        }
        Ok(match more {
            Some(more) => State::Body {
                more,
                size: size as usize,
                buf: Vec::new(),
            },
            None => State::Flags { size },
        })
    }

    /// Decode `data`, handing each complete part to `out`.
    pub fn decode(&mut self, mut data: &[u8], out: &mut impl FnMut(Msg)) -> Result<(), Error> {
        while !data.is_empty() {
            let (used, m) = self.decode_one(data)?;
            data = &data[used..];
            if let Some(m) = m {
                out(m);
            }
        }
        Ok(())
    }

    /// Decode from `data` up to the end of one part: the bytes used, and
    /// the part if it is complete.
    pub fn decode_one(&mut self, data: &[u8]) -> Result<(usize, Option<Msg>), Error> {
        let mut used = 0;
        loop {
            if let State::Body { more, size, buf } = &mut self.state {
                if buf.len() == *size {
                    let mut m = Msg::try_from_slice(buf).map_err(|_| Error::NoMemory)?;
                    if *more {
                        m.set_flags(Msg::MORE);
                    }
                    self.state = self.start();
                    return Ok((used, Some(m)));
                }
            }
            let Some(rest) = data.get(used..).filter(|r| !r.is_empty()) else {
                return Ok((used, None));
            };
            match &mut self.state {
                State::Head => {
                    let b = rest[0];
                    used += 1;
                    if b & 4 != 0 {
                        // A command has no place in a message stream.
                        return Err(Error::Protocol);
                    }
                    let more = Some(b & 1 != 0);
                    self.state = if b & 2 != 0 {
                        State::LongSize {
                            buf: [0; 8],
                            got: 0,
                            more,
                        }
                    } else {
                        State::Size { more }
                    };
                }
                State::Size { more } => {
                    let more = *more;
                    let b = rest[0];
                    used += 1;
                    self.state = if b == 0xff && more.is_none() {
                        State::LongSize {
                            buf: [0; 8],
                            got: 0,
                            more,
                        }
                    } else {
                        self.sized(u64::from(b), more)?
                    };
                }
                State::LongSize { buf, got, more } => {
                    let k = (8 - *got).min(rest.len());
                    buf[*got..*got + k].copy_from_slice(&rest[..k]);
                    *got += k;
                    used += k;
                    if *got == 8 {
                        let (len, more) = (u64::from_be_bytes(*buf), *more);
                        self.state = self.sized(len, more)?;
                    }
                }
                State::Flags { size } => {
                    let more = rest[0] & 1 != 0;
                    used += 1;
                    let size = *size as usize;
                    self.state = State::Body {
                        more,
                        size,
                        buf: Vec::new(),
                    };
                }
                State::Body { size, buf, .. } => {
                    let k = (*size - buf.len()).min(rest.len());
                    buf.try_reserve(k).map_err(|_| Error::NoMemory)?;
                    buf.extend_from_slice(&rest[..k]);
                    used += k;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(d: &mut Decoder, bytes: &[u8]) -> Result<Vec<(Vec<u8>, bool)>, Error> {
        let mut v = Vec::new();
        d.decode(bytes, &mut |m: Msg| v.push((m.data().to_vec(), m.more())))?;
        Ok(v)
    }

    #[test]
    fn round_trip_in_small_buffers() {
        let mut e = Encoder::default();
        let mut wire = Vec::new();
        let mut first = Msg::from_slice(b"topic");
        first.set_flags(Msg::MORE);
        let msgs = [first, Msg::from_slice(&[7u8; 300]), Msg::new()];
        for m in msgs {
            e.load(m);
            while e.busy() {
                let mut buf = [0u8; 7];
                let n = e.encode(&mut buf);
                wire.extend_from_slice(&buf[..n]);
            }
        }
        assert_eq!(&wire[..7], b"\x06\x01topic");
        assert_eq!(&wire[7..17], b"\xff\x00\x00\x00\x00\x00\x00\x01\x2d\x00");
        assert_eq!(&wire[wire.len() - 2..], b"\x01\x00");
        let mut d = Decoder::new(-1);
        let mut got = Vec::new();
        for chunk in wire.chunks(3) {
            got.extend(parts(&mut d, chunk).unwrap());
        }
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], (b"topic".to_vec(), true));
        assert_eq!(got[1], (vec![7u8; 300], false));
        assert_eq!(got[2], (vec![], false));
    }

    #[test]
    fn v2_frames_as_libzmq_writes_them() {
        let mut e = Encoder::v2();
        let mut wire = Vec::new();
        let mut first = Msg::from_slice(b"t");
        first.set_flags(Msg::MORE);
        for m in [first, Msg::from_slice(&[7u8; 256]), Msg::new()] {
            e.load(m);
            let mut buf = [0u8; 5];
            while e.busy() {
                let n = e.encode(&mut buf);
                wire.extend_from_slice(&buf[..n]);
            }
        }
        assert_eq!(&wire[..3], b"\x01\x01t");
        assert_eq!(&wire[3..12], b"\x02\x00\x00\x00\x00\x00\x00\x01\x00");
        assert_eq!(&wire[wire.len() - 2..], b"\x00\x00");
        let mut d = Decoder::v2(-1);
        let mut got = Vec::new();
        for chunk in wire.chunks(4) {
            got.extend(parts(&mut d, chunk).unwrap());
        }
        assert_eq!(
            got,
            vec![
                (b"t".to_vec(), true),
                (vec![7u8; 256], false),
                (vec![], false)
            ]
        );
        // One part at a time: the bytes after it are left alone.
        let mut d = Decoder::v2(-1);
        let (used, m) = d.decode_one(b"\x00\x01a\xff").unwrap();
        assert_eq!((used, m.unwrap().data()), (3, &b"a"[..]));
        // A command, or a part over MAXMSGSIZE, is malformed.
        assert_eq!(
            parts(&mut Decoder::v2(-1), b"\x04\x00"),
            Err(Error::Protocol)
        );
        assert_eq!(
            parts(&mut Decoder::v2(2), b"\x00\x03"),
            Err(Error::TooLarge)
        );
        // A size no address space holds fails at once.
        assert_eq!(
            parts(
                &mut Decoder::v2(-1),
                b"\x02\x00\x00\x80\x00\x00\x00\x00\x00"
            ),
            Err(Error::TooLarge)
        );
    }

    #[test]
    fn malformed() {
        assert_eq!(parts(&mut Decoder::new(-1), b"\x00"), Err(Error::Protocol));
        assert_eq!(
            parts(&mut Decoder::new(-1), b"\xff\0\0\0\0\0\0\0\0"),
            Err(Error::Protocol)
        );
        assert_eq!(
            parts(&mut Decoder::new(3), b"\x05\x00"),
            Err(Error::TooLarge)
        );
        // A large claimed length allocates nothing until bytes come; one
        // no address space holds fails at once (libzmq's allocation fails).
        let mut d = Decoder::new(-1);
        assert_eq!(
            parts(&mut d, b"\xff\x00\x00\x01\x00\x00\x00\x00\x00\x00ab"),
            Ok(vec![])
        );
        assert_eq!(
            parts(
                &mut Decoder::new(-1),
                b"\xff\x7f\xff\xff\xff\xff\xff\xff\xff"
            ),
            Err(Error::TooLarge)
        );
    }
}
