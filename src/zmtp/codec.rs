//! Frame codec: ZMTP 2.0/3.x framing (`flags | size(1 or 8) | body`) and
//! ZMTP 1.0 framing (`length(1 or FF+8) | flags | body`, length counting the
//! flags byte).
//!
//! The [`Decoder`] owns one refcounted receive buffer ([`SharedBuf`]) that
//! the engine reads into directly. Frames of up to 30 bytes become inline
//! messages (no allocation), larger frames that arrived whole become slices
//! of the buffer (no copy), and frames that cannot fit the buffer get their
//! own message, which the engine then reads into directly.
//!
//! The [`Encoder`] copies headers and small bodies into one reusable batch
//! buffer and keeps large bodies as their own segments, so one `writev`
//! sends many small frames and large payloads without a staging copy.

use std::collections::VecDeque;
use std::io::IoSlice;

use std::sync::Arc;

use crate::msg::{Msg, MsgFill, ReadBuf, Recycler, SharedBuf};

use super::ProtocolError;

/// ZMTP 2.0/3.x flag bits.
pub const FLAG_MORE: u8 = 0x01;
pub const FLAG_LONG: u8 = 0x02;
pub const FLAG_COMMAND: u8 = 0x04;

/// Bodies at least this large are written from the message itself (their
/// own iovec) rather than copied into the batch buffer.
pub const LARGE_BODY: usize = 1024;
/// The engine should pull more messages while less than this is pending
/// (libzmq's out_batch_size).
pub const OUT_BATCH_SIZE: usize = 8192;
/// Smallest receive buffer: a whole ZMTP 3.x greeting must fit.
pub const MIN_IN_BATCH: usize = 64;
/// Receive buffer during the greeting and handshake: enough for a greeting
/// and a typical READY, small so that a flood of half-open connections
/// costs little memory (the full buffer comes with the handshake's end, see
/// [`Decoder::set_batch_size`]; a larger handshake command takes the large
/// frame path).
pub const HANDSHAKE_IN_BATCH: usize = 512;

/// Which framing the peer speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// ZMTP 1.0.
    V1,
    /// ZMTP 2.0 and 3.x.
    V2,
}

impl Framing {
    /// The longest frame header.
    pub fn max_header(self) -> usize {
        match self {
            Framing::V1 => 10,
            Framing::V2 => 9,
        }
    }
}

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
/// buffer with the bytes actually received (see [`Large`]).
pub const LARGE_PREALLOC: usize = 1 << 20;

/// A frame too large for the receive buffer.
///
/// The body is read straight into its own message. For claims above
/// [`LARGE_PREALLOC`], a peer announcing a huge frame must not make us commit
/// memory it never sends, so the bytes first go to a staging buffer that
/// grows with what arrives; once a quarter of the body is in, the message is
/// allocated whole, the staged part copied, and the rest read in place. Memory
/// stays within a few times what the peer sent, and at most a quarter of a
/// large body is copied.
enum Large {
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
    cap: usize,
    /// The configured size (in_batch_size); `cap` may be larger.
    base_cap: usize,
    /// The longest frame (header and body) seen since the buffer was last
    /// replaced: sizes the next one (see [`GROWN_IN_BATCH`]).
    longest: usize,
    framing: Framing,
    maxmsgsize: i64,
    large: Option<Large>,
    /// Storage of the last large message released, for the next one.
    recycler: Arc<Recycler>,
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
            framing: Framing::V2,
            maxmsgsize,
            large: None,
            recycler: Recycler::new(),
        })
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
            let start = self.pos + h.len;
            let mut msg = Msg::from_shared(&mut self.buf, start..start + h.size);
            msg.set_flags(h.flags);
            self.pos = start + h.size;
            return Ok(Some(msg));
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
            if h.size <= Msg::MAX_VSM_SIZE && avail.len() - h.len >= h.size {
                self.longest = self.longest.max(h.len + h.size);
                out.fill_vsm(&avail[h.len..h.len + h.size], h.flags);
                self.pos += h.len + h.size;
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
    /// configured size but short enough for four to fit the grown one.
    /// Longer frames take the large frame path whatever the buffer, and a
    /// big buffer behind them would only take in more of the next frame's
    /// body, to be copied out. A buffer configured smaller than libzmq's
    /// default in_batch_size (the handshake's, or one the application
    /// chose) never grows.
    fn next_cap(&self) -> usize {
        let grown = self.base_cap.max(GROWN_IN_BATCH);
        if self.base_cap < OUT_BATCH_SIZE || self.longest > grown / 4 {
            return self.base_cap;
        }
        self.longest.saturating_mul(8).clamp(self.base_cap, grown)
    }

    /// A new, empty receive buffer of [`next_cap`](Self::next_cap) bytes
    /// (never smaller than the unparsed tail it must take over).
    fn fresh_buf(&mut self) -> Result<SharedBuf, ProtocolError> {
        let cap = self.next_cap().max(self.buf.len() - self.pos);
        self.cap = cap;
        self.longest = 0;
        SharedBuf::with_capacity(cap).map_err(|_| ProtocolError::OutOfMemory)
    }
}

/// A queued piece of output.
enum Seg {
    /// This many bytes of the batch buffer (segments consume it in order).
    Batch(usize),
    /// A large body, written from the message.
    Body(Msg),
}

/// Queues frames for writing (see the module comment).
pub struct Encoder {
    framing: Framing,
    batch: Vec<u8>,
    /// Bytes of `batch` already written.
    head: usize,
    segs: VecDeque<Seg>,
    /// Bytes of the front `Body` segment already written.
    front_off: usize,
    pending: usize,
}

impl Default for Encoder {
    fn default() -> Encoder {
        Encoder::new()
    }
}

impl Encoder {
    pub fn new() -> Encoder {
        Encoder {
            framing: Framing::V2,
            // Grows to a batch's worth once messages flow; a connection
            // that never gets past its handshake stays small.
            batch: Vec::with_capacity(128),
            head: 0,
            segs: VecDeque::with_capacity(16),
            front_off: 0,
            pending: 0,
        }
    }

    pub fn set_framing(&mut self, framing: Framing) {
        self.framing = framing;
    }

    /// Bytes queued and not yet written.
    pub fn pending(&self) -> usize {
        self.pending
    }

    /// Reclaim the written prefix once it dominates the buffer, so a
    /// connection that never fully drains does not grow it forever.
    #[inline]
    fn reclaim_written(&mut self) {
        if self.head >= 4096 && self.head * 2 >= self.batch.len() {
            self.batch.drain(..self.head);
            self.head = 0;
        }
    }

    fn append(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.reclaim_written();
        self.batch.extend_from_slice(bytes);
        self.pending += bytes.len();
        match self.segs.back_mut() {
            Some(Seg::Batch(n)) => *n += bytes.len(),
            _ => self.segs.push_back(Seg::Batch(bytes.len())),
        }
    }

    /// Queue raw bytes (greeting parts).
    pub fn push_raw(&mut self, bytes: &[u8]) {
        self.append(bytes);
    }

    fn header(&self, more: bool, command: bool, size: usize, out: &mut [u8; 10]) -> usize {
        match self.framing {
            Framing::V2 => {
                let mut f = 0;
                if more {
                    f |= FLAG_MORE;
                }
                if command {
                    f |= FLAG_COMMAND;
                }
                if size > 255 {
                    out[0] = f | FLAG_LONG;
                    out[1..9].copy_from_slice(&(size as u64).to_be_bytes());
                    9
                } else {
                    out[0] = f;
                    out[1] = size as u8;
                    2
                }
            }
            Framing::V1 => {
                let len = size as u64 + 1;
                let n = if len < 255 {
                    out[0] = len as u8;
                    1
                } else {
                    out[0] = 0xff;
                    out[1..9].copy_from_slice(&len.to_be_bytes());
                    9
                };
                out[n] = u8::from(more);
                n + 1
            }
        }
    }

    /// Queue one frame whose body is `prefix` followed by `body`'s bytes
    /// (the prefix carries a command name in front of a topic, say).
    pub fn push_frame(&mut self, more: bool, command: bool, prefix: &[u8], body: Msg) {
        let size = prefix.len() + body.size();
        if let (true, Some(inline)) = (prefix.is_empty(), body.inline_buf()) {
            self.push_inline_frame(more, command, size, inline);
            return;
        }
        let mut h = [0u8; 10];
        let n = self.header(more, command, size, &mut h);
        self.append(&h[..n]);
        self.append(prefix);
        if body.size() >= LARGE_BODY {
            self.pending += body.size();
            self.segs.push_back(Seg::Body(body));
        } else {
            self.append(body.data());
        }
    }

    /// Queue one frame of the first `size` bytes of `inline` (a message's
    /// inline buffer). Such a frame always has a 2-byte header (a short
    /// frame; for ZMTP 1.0, length and flags), so header and the whole
    /// inline buffer go in with one fixed-size copy and the tail is cut off
    /// again.
    #[inline]
    fn push_inline_frame(
        &mut self,
        more: bool,
        command: bool,
        size: usize,
        inline: &[u8; Msg::MAX_VSM_SIZE],
    ) {
        let mut h = [0u8; 10];
        let n = self.header(more, command, size, &mut h);
        debug_assert_eq!(n, 2);
        let mut block = [0u8; 2 + Msg::MAX_VSM_SIZE];
        block[..2].copy_from_slice(&h[..2]);
        block[2..].copy_from_slice(inline);
        self.reclaim_written();
        let at = self.batch.len();
        self.batch.extend_from_slice(&block);
        self.batch.truncate(at + 2 + size);
        self.pending += 2 + size;
        match self.segs.back_mut() {
            Some(Seg::Batch(len)) => *len += 2 + size,
            _ => self.segs.push_back(Seg::Batch(2 + size)),
        }
    }

    /// Queue one frame of `size` body bytes that `fill` writes in place in
    /// the batch buffer (CURVE seals each MESSAGE straight into it: no
    /// buffer per message). Returns what `fill` returns.
    pub fn push_frame_with<R>(
        &mut self,
        more: bool,
        command: bool,
        size: usize,
        fill: impl FnOnce(&mut [u8]) -> R,
    ) -> R {
        let mut h = [0u8; 10];
        let n = self.header(more, command, size, &mut h);
        self.append(&h[..n]);
        let at = self.batch.len();
        self.batch.resize(at + size, 0);
        self.pending += size;
        match self.segs.back_mut() {
            Some(Seg::Batch(len)) => *len += size,
            _ => self.segs.push_back(Seg::Batch(size)),
        }
        fill(&mut self.batch[at..])
    }

    /// Queue one frame with a small body given as bytes (commands).
    pub fn push_bytes_frame(&mut self, more: bool, command: bool, body: &[u8]) {
        let mut h = [0u8; 10];
        let n = self.header(more, command, body.len(), &mut h);
        self.append(&h[..n]);
        self.append(body);
    }

    /// Fill `slices` with what to write next; returns how many were filled.
    pub fn output<'a>(&'a self, slices: &mut [IoSlice<'a>]) -> usize {
        let mut n = 0;
        let mut bpos = self.head;
        for (i, seg) in self.segs.iter().enumerate() {
            let Some(slot) = slices.get_mut(n) else { break };
            match seg {
                Seg::Batch(len) => {
                    *slot = IoSlice::new(&self.batch[bpos..bpos + len]);
                    bpos += len;
                }
                Seg::Body(m) => {
                    let off = if i == 0 { self.front_off } else { 0 };
                    *slot = IoSlice::new(&m.data()[off..]);
                }
            }
            n += 1;
        }
        n
    }

    /// `n` bytes of [`output`](Self::output) were written.
    pub fn consume(&mut self, mut n: usize) {
        n = n.min(self.pending);
        self.pending -= n;
        while n > 0 {
            let Some(front) = self.segs.front_mut() else {
                break;
            };
            let done = match front {
                Seg::Batch(len) => {
                    let k = n.min(*len);
                    *len -= k;
                    self.head += k;
                    n -= k;
                    *len == 0
                }
                Seg::Body(m) => {
                    let k = n.min(m.size() - self.front_off);
                    self.front_off += k;
                    n -= k;
                    self.front_off == m.size()
                }
            };
            if done {
                self.segs.pop_front();
                self.front_off = 0;
            }
        }
        if self.segs.is_empty() {
            self.batch.clear();
            self.head = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(e: &mut Encoder) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let mut s = [IoSlice::new(&[]); 8];
            let n = e.output(&mut s);
            if n == 0 {
                break;
            }
            let total: usize = s[..n].iter().map(|x| x.len()).sum();
            for x in &s[..n] {
                out.extend_from_slice(x);
            }
            e.consume(total);
        }
        out
    }

    fn decode_all(d: &mut Decoder, bytes: &[u8]) -> Result<Vec<Msg>, ProtocolError> {
        let mut out = Vec::new();
        let mut rest = bytes;
        loop {
            while let Some(m) = d.decode()? {
                out.push(m);
            }
            d.make_room(0)?;
            if rest.is_empty() {
                return Ok(out);
            }
            let n = d.read_buf().put_slice(&rest[..rest.len().min(7777)]);
            d.commit(n);
            rest = &rest[n..];
        }
    }

    #[test]
    fn v2_frame_forms() {
        let mut e = Encoder::new();
        e.push_frame(false, false, b"", Msg::from_slice(b"hi"));
        e.push_frame(true, false, b"", Msg::from_slice(b""));
        e.push_bytes_frame(false, true, b"\x04PING\x00\x00");
        e.push_frame(false, false, b"", Msg::from_slice(&[9u8; 255]));
        e.push_frame(false, false, b"", Msg::from_slice(&[8u8; 256]));
        let out = drain(&mut e);
        assert_eq!(&out[..4], b"\x00\x02hi");
        assert_eq!(&out[4..6], b"\x01\x00");
        assert_eq!(&out[6..15], b"\x04\x07\x04PING\x00\x00");
        assert_eq!(&out[15..17], b"\x00\xff");
        assert_eq!(
            &out[17 + 255..17 + 255 + 9],
            b"\x02\x00\x00\x00\x00\x00\x00\x01\x00"
        );
        assert_eq!(out.len(), 17 + 255 + 9 + 256);
        assert_eq!(e.pending(), 0);

        let mut d = Decoder::new(8192, -1).unwrap();
        let msgs = decode_all(&mut d, &out).unwrap();
        assert_eq!(msgs.len(), 5);
        assert_eq!(msgs[0].data(), b"hi");
        assert!(msgs[1].more() && msgs[1].is_empty());
        assert!(msgs[2].is_command());
        assert_eq!(msgs[3].size(), 255);
        assert_eq!(msgs[4].data(), &[8u8; 256][..]);
        assert!(!msgs[4].more() && !msgs[4].is_command());
    }

    #[test]
    fn v2_long_form_for_small_sizes_accepted() {
        let mut d = Decoder::new(8192, -1).unwrap();
        let m = decode_all(&mut d, b"\x03\0\0\0\0\0\0\0\x03abc\x06\0\0\0\0\0\0\0\x00").unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].data(), b"abc");
        assert!(m[0].more());
        assert!(m[1].is_command() && m[1].is_empty());
    }

    #[test]
    fn v2_malformed() {
        for (bytes, err) in [
            (
                &b"\x02\x80\0\0\0\0\0\0\0"[..],
                ProtocolError::MessageTooLarge,
            ), // 2^63
            (
                b"\x02\x7f\xff\xff\xff\xff\xff\xff\xff",
                ProtocolError::MessageTooLarge,
            ),
            (b"\x02\0\0\x80\0\0\0\0\0", ProtocolError::MessageTooLarge), // 2^47
            (
                b"\x02\xff\xff\xff\xff\xff\xff\xff\xff",
                ProtocolError::MessageTooLarge,
            ),
        ] {
            let mut d = Decoder::new(8192, -1).unwrap();
            assert_eq!(decode_all(&mut d, bytes).err(), Some(err), "{bytes:?}");
        }
        let mut d = Decoder::new(8192, 10).unwrap();
        assert_eq!(
            decode_all(&mut d, b"\x00\x0b").err(),
            Some(ProtocolError::MessageTooLarge)
        );
        let mut d = Decoder::new(8192, 10).unwrap();
        assert_eq!(decode_all(&mut d, b"\x00\x0a0123456789").unwrap().len(), 1);
        // A huge but legal claim under an unlimited maxmsgsize commits
        // memory only as bytes arrive.
        let mut d = Decoder::new(8192, -1).unwrap();
        let mut wire = b"\x02\0\0\x7f\xff\xff\xff\xff\xff".to_vec();
        wire.extend_from_slice(&[0u8; 100_000]);
        assert!(decode_all(&mut d, &wire).unwrap().is_empty());
        match &d.large {
            Some(Large::Staging { buf, filled, .. }) => {
                assert_eq!(*filled, 100_000);
                assert!(buf.capacity() <= 256 * 1024, "{}", buf.capacity());
            }
            _ => panic!("expected staging"),
        }
    }

    #[test]
    fn v2_reserved_bits_ignored() {
        let mut d = Decoder::new(8192, -1).unwrap();
        let m = decode_all(&mut d, b"\x08\x01a\x81\x01b\x05\x00\xf8\x00").unwrap();
        assert_eq!(m.len(), 4);
        assert!(m[0].data() == b"a" && !m[0].more() && !m[0].is_command());
        assert!(m[1].data() == b"b" && m[1].more());
        assert!(m[2].is_command() && m[2].more());
        assert!(m[3].is_empty() && !m[3].more() && !m[3].is_command());
    }

    #[test]
    fn truncated_frame_waits() {
        let mut d = Decoder::new(8192, -1).unwrap();
        assert!(decode_all(&mut d, b"\x00\x05abc").unwrap().is_empty());
        let mut d = Decoder::new(8192, -1).unwrap();
        assert!(decode_all(&mut d, b"\x02\0\0").unwrap().is_empty());
    }

    #[test]
    fn v1_frame_forms() {
        let mut e = Encoder::new();
        e.set_framing(Framing::V1);
        e.push_frame(true, false, b"", Msg::from_slice(b"ab"));
        e.push_frame(false, false, b"", Msg::from_slice(&[1u8; 253]));
        e.push_frame(false, false, b"", Msg::from_slice(&[2u8; 254]));
        let out = drain(&mut e);
        assert_eq!(&out[..4], b"\x03\x01ab");
        assert_eq!(&out[4..6], b"\xfe\x00");
        let o = 6 + 253;
        assert_eq!(&out[o..o + 10], b"\xff\0\0\0\0\0\0\0\xff\x00");
        let mut d = Decoder::new(8192, -1).unwrap();
        d.set_framing(Framing::V1);
        let m = decode_all(&mut d, &out).unwrap();
        assert_eq!(m.len(), 3);
        assert!(m[0].more());
        assert_eq!(m[1].size(), 253);
        assert_eq!(m[2].size(), 254);
        // Zero length (no room for the flags) is malformed; other flag bits
        // are ignored as libzmq does.
        let mut d = Decoder::new(8192, -1).unwrap();
        d.set_framing(Framing::V1);
        assert_eq!(
            decode_all(&mut d, b"\x00").err(),
            Some(ProtocolError::MalformedFrame)
        );
        let mut d = Decoder::new(8192, -1).unwrap();
        d.set_framing(Framing::V1);
        let m = decode_all(&mut d, b"\x02\x7fx").unwrap();
        assert!(m[0].more() && m[0].data() == b"x");
        let mut d = Decoder::new(8192, 3).unwrap();
        d.set_framing(Framing::V1);
        assert_eq!(
            decode_all(&mut d, b"\x05\x00abcd").err(),
            Some(ProtocolError::MessageTooLarge)
        );
    }

    #[test]
    fn zero_copy_and_large_frames() {
        // Many messages of mixed sizes through a small buffer, read in odd
        // chunks: shared slices, compaction, and dedicated large messages.
        let sizes = [
            0usize, 1, 30, 31, 100, 255, 256, 1000, 1023, 1024, 5000, 70_000, 3, 200_000,
        ];
        let mut e = Encoder::new();
        for (i, &s) in sizes.iter().enumerate() {
            let body: Vec<u8> = (0..s).map(|j| (i * 7 + j) as u8).collect();
            e.push_frame(i % 3 == 0, false, b"", Msg::from_slice(&body));
        }
        let wire = drain(&mut e);
        for cap in [64usize, 300, 8192] {
            let mut d = Decoder::new(cap, -1).unwrap();
            let msgs = decode_all(&mut d, &wire).unwrap();
            assert_eq!(msgs.len(), sizes.len());
            for (i, (m, &s)) in msgs.iter().zip(&sizes).enumerate() {
                let body: Vec<u8> = (0..s).map(|j| (i * 7 + j) as u8).collect();
                assert_eq!(m.data(), &body[..], "cap {cap} msg {i}");
                assert_eq!(m.more(), i % 3 == 0);
                assert_eq!(m.is_vsm(), s <= 30);
            }
        }
    }

    #[test]
    fn body_remaining_counts_what_the_stream_still_owes() {
        // Exact while a body is read in place (the engine's SO_RCVLOWAT may
        // never ask for more than this); 0 between frames and while a claim
        // above LARGE_PREALLOC is only staged.
        let mut d = Decoder::new(8192, -1).unwrap();
        assert_eq!(d.body_remaining(), 0);
        let size = 300_000usize;
        let mut wire = vec![0x02];
        wire.extend_from_slice(&(size as u64).to_be_bytes());
        wire.extend((0..size).map(|i| i as u8));
        let first = 5000;
        let n = d.read_buf().put_slice(&wire[..first]);
        d.commit(n);
        assert!(d.decode().unwrap().is_none());
        assert_eq!(d.body_remaining(), wire.len() - first);
        let mut at = first;
        while at < wire.len() {
            let n = d
                .read_buf()
                .put_slice(&wire[at..(at + 70_000).min(wire.len())]);
            d.commit(n);
            at += n;
            if at < wire.len() {
                assert!(d.decode().unwrap().is_none());
                assert_eq!(d.body_remaining(), wire.len() - at);
            }
        }
        let m = d.decode().unwrap().expect("the whole message");
        assert_eq!(m.size(), size);
        assert_eq!(d.body_remaining(), 0);

        let mut d = Decoder::new(8192, -1).unwrap();
        let mut claim = vec![0x02];
        claim.extend_from_slice(&((LARGE_PREALLOC as u64) * 4).to_be_bytes());
        claim.extend_from_slice(&[7u8; 4000]);
        let n = d.read_buf().put_slice(&claim);
        d.commit(n);
        assert!(d.decode().unwrap().is_none());
        assert_eq!(d.body_remaining(), 0);
    }

    #[test]
    fn large_body_and_following_frames_in_one_read() {
        // As the engine's readv: the rest of a large body, then the receive
        // buffer, filled by one read.
        let mut e = Encoder::new();
        let big: Vec<u8> = (0..20_000u32).map(|i| i as u8).collect();
        for _ in 0..3 {
            e.push_frame(false, false, b"", Msg::from_slice(&big));
            e.push_frame(true, false, b"", Msg::from_slice(b"small after big"));
        }
        let wire = drain(&mut e);
        let mut d = Decoder::new(8192, -1).unwrap();
        let mut rest = &wire[..];
        let mut msgs = Vec::new();
        let mut two_region_reads = 0;
        while !rest.is_empty() {
            let n = match d.read_bufs() {
                (mut a, Some(mut b)) => {
                    two_region_reads += 1;
                    let k = a.put_slice(rest);
                    k + b.put_slice(&rest[k..])
                }
                (mut a, None) => a.put_slice(rest),
            };
            d.commit(n);
            rest = &rest[n..];
            while let Some(m) = d.decode().unwrap() {
                msgs.push(m);
            }
            d.make_room(0).unwrap();
        }
        assert!(two_region_reads >= 3, "{two_region_reads}");
        assert_eq!(msgs.len(), 6);
        for pair in msgs.chunks(2) {
            assert_eq!(pair[0].data(), &big[..]);
            assert_eq!(pair[1].data(), b"small after big");
            assert!(pair[1].more());
        }
    }

    #[test]
    fn receive_buffer_grows_only_for_frames_beyond_it() {
        let wire = |size: usize, count: usize| {
            let mut e = Encoder::new();
            for i in 0..count {
                e.push_frame(false, false, b"", Msg::from_slice(&vec![i as u8; size]));
            }
            drain(&mut e)
        };
        let check = |batch: usize, size: usize, count: usize, cap: usize| {
            let mut d = Decoder::new(batch, -1).unwrap();
            let msgs = decode_all(&mut d, &wire(size, count)).unwrap();
            assert_eq!(msgs.len(), count);
            for (i, m) in msgs.iter().enumerate() {
                assert_eq!(m.data(), &vec![i as u8; size][..], "{batch} {size} #{i}");
            }
            assert_eq!(d.cap, cap, "in_batch {batch}, frames of {size}");
        };
        // 8 KiB bodies overflow the default buffer: it grows, and later
        // frames arrive several per buffer.
        check(8192, 8192, 40, GROWN_IN_BATCH);
        check(8192, 16_000, 20, GROWN_IN_BATCH);
        // Frames that fit, frames too long to gain from it, and a buffer
        // configured small (as during the handshake) keep their size.
        check(8192, 1000, 200, 8192);
        check(8192, 100_000, 4, 8192);
        check(4096, 8192, 20, 4096);
        check(HANDSHAKE_IN_BATCH, 2000, 20, HANDSHAKE_IN_BATCH);
        // Back to small frames: the next new buffer (this one is still held
        // by messages) is the configured size again.
        let mut d = Decoder::new(8192, -1).unwrap();
        let mut w = wire(8192, 20);
        w.extend_from_slice(&wire(100, 2000));
        let msgs = decode_all(&mut d, &w).unwrap();
        assert_eq!(msgs.len(), 2020);
        assert_eq!(d.cap, 8192);
    }

    #[test]
    fn compaction_keeps_unparsed_bytes_when_buffer_is_reused() {
        // A frame split across the buffer end with no message holding the
        // buffer: the tail is slid to the front of the same buffer.
        let mut d = Decoder::new(64, -1).unwrap();
        let mut wire = Vec::new();
        for i in 0..10u8 {
            wire.extend_from_slice(&[0, 10]);
            wire.extend_from_slice(&[i; 10]);
        }
        let msgs = decode_all(&mut d, &wire).unwrap();
        assert_eq!(msgs.len(), 10);
        for (i, m) in msgs.iter().enumerate() {
            assert_eq!(m.data(), &[i as u8; 10]);
        }
    }

    #[test]
    fn large_bodies_are_not_copied_into_the_batch() {
        let big = Msg::from_slice(&[5u8; 4096]);
        let ptr = big.data().as_ptr();
        let mut e = Encoder::new();
        e.push_frame(false, false, b"", Msg::from_slice(b"small"));
        e.push_frame(true, false, b"", big);
        e.push_frame(false, false, b"", Msg::from_slice(b"tail"));
        {
            let mut s = [IoSlice::new(&[]); 8];
            let n = e.output(&mut s);
            assert_eq!(n, 3);
            assert_eq!(&*s[0], b"\x00\x05small\x03\x00\x00\x00\x00\x00\x00\x10\x00");
            assert_eq!(s[1].as_ptr(), ptr);
            assert_eq!(&*s[2], b"\x00\x04tail");
        }
        // Partial writes resume mid-segment.
        e.consume(10);
        {
            let mut s = [IoSlice::new(&[]); 8];
            assert_eq!(e.output(&mut s), 3);
            assert_eq!(s[0].len(), 6);
        }
        e.consume(6 + 100);
        {
            let mut s = [IoSlice::new(&[]); 8];
            assert_eq!(e.output(&mut s), 2);
            assert_eq!(s[0].len(), 3996);
        }
        e.consume(3996 + 6);
        assert_eq!(e.pending(), 0);
        let mut s = [IoSlice::new(&[]); 8];
        assert_eq!(e.output(&mut s), 0);
    }

    #[test]
    fn batch_reclaims_written_prefix() {
        let mut e = Encoder::new();
        for _ in 0..100_000 {
            e.push_frame(false, false, b"", Msg::from_slice(&[1u8; 20]));
            // Write all but a little, so the queue never drains.
            let p = e.pending();
            e.consume(p - 5);
        }
        assert!(e.batch.capacity() < 64 * 1024, "{}", e.batch.capacity());
    }
}
