//! ZMTP/1.0 framing, as libzmq's v1_encoder / v1_decoder, which its pgm
//! transport carries inside each APDU: per message part a length (one
//! byte, or 0xff and eight bytes big-endian) counting a flags byte and the
//! body, the flags byte (bit 0: more parts follow), the body. Sans I/O.

use crate::msg::Msg;

/// Encodes message parts into caller-provided buffers, a part possibly
/// spanning several of them.
#[derive(Default)]
pub struct Encoder {
    head: [u8; 10],
    head_len: usize,
    head_pos: usize,
    body: Option<Msg>,
    body_pos: usize,
}

impl Encoder {
    /// Whether part of a loaded message is still to be encoded.
    pub fn busy(&self) -> bool {
        self.head_pos < self.head_len || self.body.is_some()
    }

    /// Start encoding `m` (call only when not [`busy`](Self::busy)).
    pub fn load(&mut self, m: Msg) {
        let size = m.size() as u64 + 1;
        let flags = u8::from(m.more());
        if size < 255 {
            self.head[0] = size as u8;
            self.head[1] = flags;
            self.head_len = 2;
        } else {
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
    Size,
    LongSize {
        buf: [u8; 8],
        got: usize,
    },
    Flags {
        size: u64,
    },
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
    maxmsgsize: i64,
}

impl Decoder {
    pub fn new(maxmsgsize: i64) -> Decoder {
        Decoder {
            state: State::Size,
            maxmsgsize,
        }
    }

    fn sized(&self, len: u64) -> Result<State, Error> {
        if len == 0 {
            return Err(Error::Protocol);
        }
        let size = len - 1;
        if self.maxmsgsize >= 0 && size > self.maxmsgsize as u64 {
            return Err(Error::TooLarge);
        }
        if size > isize::MAX as u64 {
            return Err(Error::TooLarge);
        }
        Ok(State::Flags { size })
    }

    /// Decode `data`, handing each complete part to `out`.
    pub fn decode(&mut self, mut data: &[u8], out: &mut impl FnMut(Msg)) -> Result<(), Error> {
        while !data.is_empty() {
            match &mut self.state {
                State::Size => {
                    let b = data[0];
                    data = &data[1..];
                    self.state = if b == 0xff {
                        State::LongSize {
                            buf: [0; 8],
                            got: 0,
                        }
                    } else {
                        self.sized(u64::from(b))?
                    };
                }
                State::LongSize { buf, got } => {
                    let k = (8 - *got).min(data.len());
                    buf[*got..*got + k].copy_from_slice(&data[..k]);
                    *got += k;
                    data = &data[k..];
                    if *got == 8 {
                        let len = u64::from_be_bytes(*buf);
                        self.state = self.sized(len)?;
                    }
                }
                State::Flags { size } => {
                    let more = data[0] & 1 != 0;
                    data = &data[1..];
                    let size = *size as usize;
                    self.state = State::Body {
                        more,
                        size,
                        buf: Vec::new(),
                    };
                }
                State::Body { size, buf, .. } => {
                    let k = (*size - buf.len()).min(data.len());
                    buf.try_reserve(k).map_err(|_| Error::NoMemory)?;
                    buf.extend_from_slice(&data[..k]);
                    data = &data[k..];
                }
            }
            if let State::Body { more, size, buf } = &mut self.state {
                if buf.len() == *size {
                    let mut m = Msg::try_from_slice(buf).map_err(|_| Error::NoMemory)?;
                    if *more {
                        m.set_flags(Msg::MORE);
                    }
                    self.state = State::Size;
                    out(m);
                }
            }
        }
        Ok(())
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
        // A huge claimed length allocates nothing until bytes come.
        let mut d = Decoder::new(-1);
        assert_eq!(
            parts(&mut d, b"\xff\x7f\xff\xff\xff\xff\xff\xff\xff\x00ab"),
            Ok(vec![])
        );
    }
}
