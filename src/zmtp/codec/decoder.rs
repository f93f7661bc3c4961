//! The frame decoder (see the module comment of codec/).

use std::sync::Arc;

use crate::msg::{Msg, MsgFill, ReadBuf, Recycler, SharedBuf};

use super::super::ProtocolError;
use super::*;

/// A decoded frame header: header length, body size, message flags.
struct Header {
    len: usize,
    size: usize,
    flags: u8,
}

fn be64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_be_bytes(a)
}

/// Frames of this size or more can never be held: the user address space
/// of x86-64 is 2^47 bytes. libzmq's allocation fails for such a claim and
/// it drops the peer at once; waiting for a body that can never fit would
/// only keep a hostile connection open.
pub const MAX_FRAME_SIZE: u64 = 1 << 47;

/// Check a frame length before anything is allocated for it.
fn check_size(size: u64, maxmsgsize: i64) -> Result<usize, ProtocolError> {
    if size >= MAX_FRAME_SIZE {
        return Err(ProtocolError::MessageTooLarge);
    }
    if maxmsgsize >= 0 && size > maxmsgsize as u64 {
        return Err(ProtocolError::MessageTooLarge);
    }
    usize::try_from(size).map_err(|_| ProtocolError::MessageTooLarge)
}

fn parse_header(
    framing: Framing,
    b: &[u8],
    maxmsgsize: i64,
) -> Result<Option<Header>, ProtocolError> {
    match framing {
        Framing::V2 => {
            // As libzmq's v2_decoder: the reserved bits are ignored, and so
            // is MORE on a command (RFC 23 forbids both; no peer is dropped
            // for them).
            let Some(&f) = b.first() else { return Ok(None) };
            let (len, size) = if f & FLAG_LONG != 0 {
                if b.len() < 9 {
                    return Ok(None);
                }
                (9, be64(&b[1..9]))
            } else {
                if b.len() < 2 {
                    return Ok(None);
                }
                (2, u64::from(b[1]))
            };
            let mut flags = 0;
            if f & FLAG_MORE != 0 {
                flags |= Msg::MORE;
            }
            if f & FLAG_COMMAND != 0 {
                flags |= Msg::COMMAND;
            }
            Ok(Some(Header {
                len,
                size: check_size(size, maxmsgsize)?,
                flags,
            }))
        }
        Framing::V1 => {
            let Some(&l) = b.first() else { return Ok(None) };
            let (len, total) = if l == 0xff {
                if b.len() < 9 {
                    return Ok(None);
                }
                (10, be64(&b[1..9]))
            } else {
                (2, u64::from(l))
            };
            // The length counts the flags byte, so it cannot be zero.
            if total == 0 {
                return Err(ProtocolError::MalformedFrame);
            }
            let size = check_size(total - 1, maxmsgsize)?;
            let Some(&f) = b.get(len - 1) else {
                return Ok(None);
            };
            Ok(Some(Header {
                len,
                size,
                // Only MORE exists in 1.0; libzmq ignores the other bits.
                flags: f & FLAG_MORE,
            }))
        }
    }
}

/// The receive buffer grows up to this size (or in_batch_size, if larger)
/// for a peer whose frames are too large for in_batch_size (when that is at
/// least libzmq's default, 8192): then frames of up to a quarter of it
/// still arrive several per read, as slices of the buffer, instead of each
/// taking the large frame path (its own storage and a read of its own). A
/// connection with small frames keeps the configured size.
pub const GROWN_IN_BATCH: usize = 64 * 1024;

/// Frames up to this size that do not fit the receive buffer get their
/// whole message allocated at once; larger claims first grow a staging
/// buffer with the bytes actually received (see [`Large`]). 1 MiB plus room
/// for a mechanism's framing: a 1 MiB message in a CURVE MESSAGE (33 bytes
/// more) is still read straight into its own buffer, not staged and copied.
pub const LARGE_PREALLOC: usize = (1 << 20) + 64;

/// A frame too large for the receive buffer.
///
/// The body is read straight into its own message. For claims above
/// [`LARGE_PREALLOC`], a peer announcing a huge frame must not make us commit
/// memory it never sends, so the bytes first go to a staging buffer that
/// grows with what arrives; once a quarter of the body is in, the message is
/// allocated whole, the staged part copied, and the rest read in place. Memory
/// stays within a few times what the peer sent, and at most a quarter of a
/// large body is copied.
pub(super) enum Large {
    Staging {
        buf: Vec<u8>,
        filled: usize,
        /// The watermark a [`ReadBuf`] needs; all of `buf` is initialised.
        init: usize,
        size: usize,
        flags: u8,
    },
    /// Allocated whole, not zero-filled: the bytes are read straight in.
    Direct(MsgFill),
}

impl Large {
    fn promote_if_due(&mut self) -> Result<(), ProtocolError> {
        if let Large::Staging {
            buf,
            filled,
            size,
            flags,
            ..
        } = self
        {
            if *filled * 4 >= *size {
                let mut msg = MsgFill::new(*size).map_err(|_| ProtocolError::OutOfMemory)?;
                msg.extend_from_slice(&buf[..*filled]);
                msg.set_flags(*flags);
                *self = Large::Direct(msg);
            }
        }
        Ok(())
    }

    /// Make sure the staging buffer has room for the next read.
    fn grow(&mut self) -> Result<(), ProtocolError> {
        if let Large::Staging {
            buf, filled, size, ..
        } = self
        {
            if *filled == buf.len() {
                let target = (*size).min((*filled * 2).max(64 * 1024));
                buf.try_reserve_exact(target - buf.len())
                    .map_err(|_| ProtocolError::OutOfMemory)?;
                buf.resize(target, 0);
            }
        }
        Ok(())
    }
}

/// Turns received bytes into messages (see the module comment).
pub struct Decoder {
    buf: SharedBuf,
    /// Start of the unparsed bytes in `buf`.
    pos: usize,
    pub(super) cap: usize,
    /// The configured size (in_batch_size); `cap` may be larger.
    base_cap: usize,
    /// The longest frame (header and body) seen since the buffer was last
    /// replaced: sizes the next one (see [`GROWN_IN_BATCH`]).
    longest: usize,
    /// A read filled the buffer since it was last replaced: the peer
    /// streams faster than we read (see [`GROWN_IN_BATCH`]).
    filled_up: bool,
    framing: Framing,
    maxmsgsize: i64,
    pub(super) large: Option<Large>,
    /// Storage of the last large message released, for the next one.
    recycler: Arc<Recycler>,
    /// ZMQ_ZERO_COPY_RECV: a frame that arrived whole becomes a slice of the
    /// receive buffer (true, the default) or a copy in its own storage, so
    /// a message held long does not keep a whole buffer alive.
    zero_copy: bool,
}

impl Drop for Decoder {
    fn drop(&mut self) {
        self.recycler.close();
    }
}

impl Decoder {
    /// A decoder with a receive buffer of `in_batch_size` bytes (at least
    /// [`MIN_IN_BATCH`]).
    pub fn new(in_batch_size: usize, maxmsgsize: i64) -> Result<Decoder, ProtocolError> {
        let cap = in_batch_size.max(MIN_IN_BATCH);
        Ok(Decoder {
            buf: SharedBuf::with_capacity(cap).map_err(|_| ProtocolError::OutOfMemory)?,
            pos: 0,
            cap,
            base_cap: cap,
            longest: 0,
            filled_up: false,
            framing: Framing::V2,
            maxmsgsize,
            large: None,
            recycler: Recycler::new(),
            zero_copy: true,
        })
    }

    /// ZMQ_ZERO_COPY_RECV (see [`Decoder::zero_copy`]): off, every frame
    /// of more than MAX_VSM_SIZE bytes that arrived whole is copied into
    /// its own message, as libzmq's v2_decoder does.
    pub fn set_zero_copy(&mut self, on: bool) {
        self.zero_copy = on;
    }

    pub fn set_framing(&mut self, framing: Framing) {
        self.framing = framing;
    }

    /// Switch to a receive buffer of `in_batch_size` bytes (at least
    /// [`MIN_IN_BATCH`]), keeping the unparsed bytes. Messages already
    /// carved out of the old buffer keep it alive as long as they need it.
    pub fn set_batch_size(&mut self, in_batch_size: usize) -> Result<(), ProtocolError> {
        let cap = in_batch_size.max(MIN_IN_BATCH);
        let pending = self.buf.len() - self.pos;
        if cap == self.cap || pending > cap {
            return Ok(());
        }
        self.base_cap = cap;
        let mut nb = SharedBuf::with_capacity(cap).map_err(|_| ProtocolError::OutOfMemory)?;
        nb.extend_from_slice(&self.buf.filled()[self.pos..]);
        self.buf = nb;
        self.pos = 0;
        self.cap = cap;
        Ok(())
    }

    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// Bytes received but not yet parsed (e.g. the greeting).
    pub fn unparsed(&self) -> &[u8] {
        &self.buf.filled()[self.pos..]
    }

    /// Mark `n` unparsed bytes as consumed.
    pub fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.buf.len());
    }

    /// Where the next read should go: the free part of the receive buffer,
    /// or the rest of a large message's body. Neither is zero-filled first:
    /// the [`ReadBuf`] records what the read wrote.
    pub fn read_buf(&mut self) -> ReadBuf<'_> {
        match &mut self.large {
            Some(Large::Direct(msg)) => msg.read_buf(),
            Some(Large::Staging {
                buf, filled, init, ..
            }) => {
                // The staging buffer is zero-filled as it grows (it is only
                // for claims above LARGE_PREALLOC, and only up to a quarter).
                let (_, rest) = buf.split_at_mut(*filled);
                ReadBuf::from_bytes(rest, *filled, init)
            }
            None => self.buf.read_buf(),
        }
    }

    /// Bytes of a large body being read in place that the stream has still
    /// to deliver (0 between frames, and while a claim above
    /// [`LARGE_PREALLOC`] is staged: what a hostile peer announces is not
    /// trusted).
    pub fn body_remaining(&self) -> usize {
        match &self.large {
            Some(Large::Direct(msg)) => msg.size() - msg.filled(),
            _ => 0,
        }
    }

    /// The whole size of the large body being read in place (0 if none; see
    /// [`body_remaining`](Self::body_remaining) for what is still owed).
    pub fn body_size(&self) -> usize {
        match &self.large {
            Some(Large::Direct(msg)) => msg.size(),
            _ => 0,
        }
    }

    /// [`read_buf`](Self::read_buf), plus, while a large body is being read
    /// in place, the receive buffer after it: one `readv` then completes the
    /// body and brings in the frames behind it, instead of a second read.
    /// [`commit`](Self::commit) fills the first region before the second.
    pub fn read_bufs(&mut self) -> (ReadBuf<'_>, Option<ReadBuf<'_>>) {
        let direct = matches!(self.large, Some(Large::Direct(_)));
        if !direct || self.pos != self.buf.len() {
            return (self.read_buf(), None);
        }
        match &mut self.large {
            Some(Large::Direct(msg)) => (msg.read_buf(), Some(self.buf.read_buf())),
            _ => (self.buf.read_buf(), None),
        }
    }

    /// `n` bytes were read into [`read_buf`](Self::read_buf) or
    /// [`read_bufs`](Self::read_bufs) (only what they recorded as written
    /// can count).
    pub fn commit(&mut self, n: usize) {
        match &mut self.large {
            Some(Large::Direct(msg)) => {
                let body = n.min(msg.size() - msg.filled());
                msg.commit(body);
                if n > body && self.pos == self.buf.len() {
                    let spill = (n - body).min(self.buf.written_spare());
                    self.buf.commit(spill);
                }
            }
            Some(Large::Staging { buf, filled, .. }) => *filled = (*filled + n).min(buf.len()),
            None => {
                let n = n.min(self.buf.written_spare());
                self.buf.commit(n);
                self.filled_up |= self.buf.len() == self.cap;
            }
        }
    }

    /// The next complete frame as a message (flags MORE/COMMAND set), or
    /// None when more bytes are needed.
    pub fn decode(&mut self) -> Result<Option<Msg>, ProtocolError> {
        if let Some(l) = &mut self.large {
            l.promote_if_due()?;
            return match l {
                Large::Direct(msg) if msg.is_complete() => {
                    Ok(self.large.take().and_then(|l| match l {
                        Large::Direct(msg) => msg.finish().ok(),
                        Large::Staging { .. } => None,
                    }))
                }
                _ => Ok(None),
            };
        }
        let avail = &self.buf.filled()[self.pos..];
        let Some(h) = parse_header(self.framing, avail, self.maxmsgsize)? else {
            return Ok(None);
        };
        let have = avail.len() - h.len;
        self.longest = self.longest.max(h.len + h.size);
        if have >= h.size {
            return self.take_frame(&h).map(Some);
        }
        if h.len + h.size > self.cap {
            // Too big for the buffer even after compaction: give the frame
            // its own storage and read the rest of its body into it.
            let body = &avail[h.len..];
            let large = if h.size <= LARGE_PREALLOC {
                let mut msg = MsgFill::with_recycler(h.size, &self.recycler)
                    .map_err(|_| ProtocolError::OutOfMemory)?;
                msg.extend_from_slice(body);
                msg.set_flags(h.flags);
                Large::Direct(msg)
            } else {
                let mut buf = Vec::new();
                buf.try_reserve_exact(have.max(64 * 1024))
                    .map_err(|_| ProtocolError::OutOfMemory)?;
                buf.extend_from_slice(body);
                Large::Staging {
                    buf,
                    filled: have,
                    init: have,
                    size: h.size,
                    flags: h.flags,
                }
            };
            self.pos = self.buf.len();
            self.large = Some(large);
            // The large frame may already be complete (a staged one never is).
            return self.decode();
        }
        Ok(None)
    }

    /// The frame `h` heads at `pos`, all of it in the buffer, as a message;
    /// `pos` moves past it. Always inline: out of line, the message comes
    /// back through memory and is moved again (~70 instructions a frame).
    #[inline(always)]
    fn take_frame(&mut self, h: &Header) -> Result<Msg, ProtocolError> {
        let start = self.pos + h.len;
        let mut msg = if self.zero_copy {
            self.buf.slice(start..start + h.size)
        } else {
            Msg::try_from_slice(&self.buf.filled()[start..start + h.size])
                .map_err(|_| ProtocolError::OutOfMemory)?
        };
        msg.set_flags(h.flags);
        self.pos = start + h.size;
        Ok(msg)
    }

    /// [`decode`](Self::decode) into `out`, an empty message (from
    /// `Msg::new`) where the caller keeps it: a frame of at most
    /// MAX_VSM_SIZE bytes is copied straight in, saving the moves of a
    /// 64-byte value on the way. False, `out` untouched, when no frame is
    /// complete.
    #[inline]
    pub fn decode_into(&mut self, out: &mut Msg) -> Result<bool, ProtocolError> {
        if self.large.is_none() {
            let avail = &self.buf.filled()[self.pos..];
            let Some(h) = parse_header(self.framing, avail, self.maxmsgsize)? else {
                return Ok(false);
            };
            if avail.len() - h.len >= h.size {
                self.longest = self.longest.max(h.len + h.size);
                if h.size <= Msg::MAX_VSM_SIZE {
                    out.fill_vsm(&avail[h.len..h.len + h.size], h.flags);
                    self.pos += h.len + h.size;
                } else {
                    // Complete: no second look at the header (as `decode`
                    // would take), and `out`, empty, has nothing to drop.
                    let msg = self.take_frame(&h)?;
                    out.fill_blank(msg);
                }
                return Ok(true);
            }
        }
        match self.decode()? {
            Some(m) => {
                *out = m;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// How many unparsed bytes the frame in progress needs in total.
    fn need(&self) -> usize {
        let avail = self.unparsed();
        match parse_header(self.framing, avail, self.maxmsgsize) {
            Ok(Some(h)) => h.len + h.size,
            _ => self.framing.max_header(),
        }
    }

    /// After parsing: make sure [`read_buf`](Self::read_buf) is non-empty
    /// and the unit in progress (a frame, or `min_need` bytes such as a
    /// greeting) can complete in the buffer, by reusing the buffer when no
    /// message holds it or moving the unparsed tail to a fresh one.
    pub fn make_room(&mut self, min_need: usize) -> Result<(), ProtocolError> {
        if let Some(l) = &mut self.large {
            l.grow()?;
            if !matches!(l, Large::Direct(_)) || self.pos != self.buf.len() {
                return Ok(());
            }
            // A body read in place: ready the buffer for what follows it
            // (see `read_bufs`).
        }
        let len = self.buf.len();
        let grow = self.next_cap() > self.cap;
        if self.pos == len {
            if grow || !self.buf.clear() {
                self.buf = self.fresh_buf()?;
            }
            self.pos = 0;
            return Ok(());
        }
        let need = self.need().max(min_need).min(self.cap);
        let spare = self.cap - len;
        // Compact when the unit cannot complete here, or when the spare room
        // is so small that reads would trickle.
        if self.pos + need <= self.cap && (spare >= 512 || self.pos < self.cap / 2) && spare > 0 {
            return Ok(());
        }
        // No message refers to the buffer: slide the tail to the front.
        // Else move the tail to a fresh buffer.
        if grow || !self.buf.compact(self.pos) {
            let mut nb = self.fresh_buf()?;
            nb.extend_from_slice(&self.buf.filled()[self.pos..]);
            self.buf = nb;
        }
        self.pos = 0;
        Ok(())
    }

    /// The size for the next receive buffer: the configured one, or up to
    /// [`GROWN_IN_BATCH`] while frames are longer than an eighth of the
    /// configured size but short enough for four to fit the grown one, or
    /// while reads fill the buffer (a stream of small frames: fewer, larger
    /// reads). Longer frames take the large frame path whatever the buffer,
    /// and a big buffer behind them would only take in more of the next
    /// frame's body, to be copied out. A buffer configured smaller than
    /// libzmq's default in_batch_size (the handshake's, or one the
    /// application chose) never grows.
    fn next_cap(&self) -> usize {
        let grown = self.base_cap.max(GROWN_IN_BATCH);
        if self.base_cap < OUT_BATCH_SIZE || self.longest > grown / 4 {
            return self.base_cap;
        }
        if self.filled_up {
            return grown;
        }
        self.longest.saturating_mul(8).clamp(self.base_cap, grown)
    }

    /// A new, empty receive buffer of [`next_cap`](Self::next_cap) bytes
    /// (never smaller than the unparsed tail it must take over).
    fn fresh_buf(&mut self) -> Result<SharedBuf, ProtocolError> {
        let cap = self.next_cap().max(self.buf.len() - self.pos);
        self.cap = cap;
        self.longest = 0;
        self.filled_up = false;
        SharedBuf::with_capacity(cap).map_err(|_| ProtocolError::OutOfMemory)
    }
}
