//! The frame encoder (see the module comment of codec/).

use std::collections::VecDeque;
use std::io::IoSlice;

use crate::msg::Msg;
use crate::util::small_copy::copy_bytes;
use crate::zmtp::ws::frame as ws_frame;

use super::*;

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
    pub(super) batch: Vec<u8>,
    /// Bytes of `batch` already written.
    head: usize,
    segs: VecDeque<Seg>,
    /// Bytes of the front `Body` segment already written.
    front_off: usize,
    pending: usize,
    /// Frames go out as WebSocket messages (ZWS 2.0), see
    /// [`set_websocket`](Encoder::set_websocket).
    ws: Option<WsOut>,
}

/// The WebSocket side of an encoder: whether frames are masked (a client's
/// are), and the generator of mask keys.
struct WsOut {
    mask: bool,
    /// xorshift64* state, seeded from the system: RFC 6455 wants keys the
    /// peer cannot predict, not secret ones, and a system call per frame
    /// would cost more than the frame.
    rng: u64,
}

impl WsOut {
    fn key(&mut self) -> Option<[u8; 4]> {
        if !self.mask {
            return None;
        }
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let v = self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D);
        Some(((v >> 32) as u32).to_ne_bytes())
    }
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
            ws: None,
        }
    }

    /// From now on every frame goes out as one WebSocket binary message
    /// whose first payload byte is the ZWS flags (RFC 45), masked when
    /// `mask` (a client's frames are, RFC 6455 5.3). A masked large body is
    /// copied (masked) into the batch, never masked in place: the message
    /// may be shared or constant.
    pub fn set_websocket(&mut self, mask: bool) {
        let mut seed = [0u8; 8];
        let _ = getrandom::getrandom(&mut seed);
        self.ws = Some(WsOut {
            mask,
            rng: u64::from_ne_bytes(seed) | 1,
        });
    }

    /// Queue a WebSocket control frame (ping, pong, close; at most 125
    /// bytes of payload, cut there).
    pub fn push_ws_control(&mut self, opcode: u8, payload: &[u8]) {
        let payload = &payload[..payload.len().min(ws_frame::MAX_CONTROL)];
        let key = self.ws.as_mut().and_then(WsOut::key);
        let mut h = [0u8; ws_frame::MAX_HEADER];
        let n = ws_frame::header(opcode, payload.len() as u64, key, &mut h);
        self.append(&h[..n]);
        self.append(payload);
        if let Some(k) = key {
            let at = self.batch.len() - payload.len();
            ws_frame::mask_in_place(&mut self.batch[at..], k, 0);
        }
    }

    /// One ZWS message: flags, `prefix`, `body`. True when the body was
    /// left for the caller to queue as its own segment (large, unmasked,
    /// and `may_ref`): no copy.
    fn push_ws_binary(
        &mut self,
        more: bool,
        command: bool,
        prefix: &[u8],
        body: &[u8],
        may_ref: bool,
    ) -> bool {
        let key = self.ws.as_mut().and_then(WsOut::key);
        let size = 1 + prefix.len() + body.len();
        let mut h = [0u8; ws_frame::MAX_HEADER];
        let n = ws_frame::header(ws_frame::OP_BINARY, size as u64, key, &mut h);
        self.append(&h[..n]);
        let flags = u8::from(more) * ws_frame::ZWS_MORE + u8::from(command) * ws_frame::ZWS_COMMAND;
        self.append(&[flags]);
        self.append(prefix);
        let by_ref = key.is_none() && body.len() >= LARGE_BODY && may_ref;
        if !by_ref {
            self.append(body);
        }
        if let Some(k) = key {
            let at = self.batch.len() - size;
            ws_frame::mask_in_place(&mut self.batch[at..], k, 0);
        }
        by_ref
    }

    pub fn set_framing(&mut self, framing: Framing) {
        self.framing = framing;
    }

    /// Bytes queued and not yet written.
    pub fn pending(&self) -> usize {
        self.pending
    }

    /// The first queued body of at least `min` bytes among the segments one
    /// write can take (`max_segs`): the bytes queued before it and its
    /// bytes not yet written.
    pub fn large_body(&self, min: usize, max_segs: usize) -> Option<(usize, usize)> {
        let mut before = 0;
        for (i, seg) in self.segs.iter().take(max_segs).enumerate() {
            let off = if i == 0 { self.front_off } else { 0 };
            match seg {
                Seg::Batch(len) => before += len,
                Seg::Body(m) if m.size() >= min => return Some((before, m.size() - off)),
                Seg::Body(m) => before += m.size() - off,
            }
        }
        None
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
        self.batch_grew(bytes.len());
    }

    /// Queue the `len` bytes just added to the end of the batch: they join
    /// the last segment if it is the batch's, else start one.
    #[inline]
    fn batch_grew(&mut self, len: usize) {
        self.pending += len;
        match self.segs.back_mut() {
            Some(Seg::Batch(n)) => *n += len,
            _ => self.segs.push_back(Seg::Batch(len)),
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
        if self.ws.is_some() {
            if self.push_ws_binary(more, command, prefix, body.data(), true) {
                self.pending += body.size();
                self.segs.push_back(Seg::Body(body));
            }
            return;
        }
        let size = prefix.len() + body.size();
        if let (true, Some(inline)) = (prefix.is_empty(), body.inline_buf()) {
            self.push_inline_frame(more, command, size, inline);
            return;
        }
        let mut h = [0u8; 10];
        let n = self.header(more, command, size, &mut h);
        if body.size() >= LARGE_BODY {
            self.append(&h[..n]);
            self.append(prefix);
            self.pending += body.size();
            self.segs.push_back(Seg::Body(body));
        } else {
            self.append_frame(&h, n, prefix, body.data());
        }
    }

    /// Append a whole small frame (header, prefix, body) to the batch: one
    /// room check and one segment update for the three, and the bytes
    /// copied inline (util::small_copy). Two processes, 64-byte messages
    /// over tcp: the sender's instructions per message 909 -> 857
    /// (callgrind, scripts/ir-count.sh).
    ///
    /// The header goes in as its whole 10-byte array (a fixed-size copy),
    /// of which the first `n` bytes count: the rest is overwritten by the
    /// prefix and body or left beyond the end.
    #[inline]
    fn append_frame(&mut self, header: &[u8; 10], n: usize, prefix: &[u8], body: &[u8]) {
        let len = n + prefix.len() + body.len();
        self.reclaim_written();
        self.batch.reserve(len.max(header.len()));
        let at = self.batch.len();
        // SAFETY: `reserve` made room for `len` (and at least the header's
        // 10) more bytes after `at`; the copies fill the first `len` of them
        // (from sources disjoint from the batch) before the length covers
        // them.
        unsafe {
            let dst = self.batch.as_mut_ptr().add(at);
            dst.cast::<[u8; 10]>().write_unaligned(*header);
            let dst = dst.add(n);
            if !prefix.is_empty() {
                copy_bytes(prefix.as_ptr(), dst, prefix.len());
            }
            copy_bytes(body.as_ptr(), dst.add(prefix.len()), body.len());
            self.batch.set_len(at + len);
        }
        self.batch_grew(len);
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
        self.reclaim_written();
        self.batch.reserve(2 + Msg::MAX_VSM_SIZE);
        let at = self.batch.len();
        // SAFETY: `reserve` made room for the header and the whole inline
        // buffer after `at`; the length then covers the header and the
        // `size <= MAX_VSM_SIZE` bytes that count (written straight into
        // place: no block built on the stack first).
        unsafe {
            let dst = self.batch.as_mut_ptr().add(at);
            dst.cast::<[u8; 2]>().write_unaligned([h[0], h[1]]);
            dst.add(2)
                .cast::<[u8; Msg::MAX_VSM_SIZE]>()
                .write_unaligned(*inline);
            self.batch.set_len(at + 2 + size);
        }
        self.batch_grew(2 + size);
    }

    /// Queue one frame of `size` body bytes that `fill` appends to the
    /// batch buffer (CURVE seals each MESSAGE straight into it: no buffer
    /// per message, and no zero fill before the ciphertext is written).
    /// `fill` must append exactly `size` bytes. Returns what `fill` returns.
    pub fn push_frame_append<R>(
        &mut self,
        more: bool,
        command: bool,
        size: usize,
        fill: impl FnOnce(&mut Vec<u8>) -> R,
    ) -> R {
        // ws: the frame header, then the ZWS flags byte, which the client's
        // mask covers together with the body.
        let mut mask = None;
        if self.ws.is_some() {
            mask = self.ws.as_mut().and_then(WsOut::key);
            let mut h = [0u8; ws_frame::MAX_HEADER];
            let n = ws_frame::header(ws_frame::OP_BINARY, size as u64 + 1, mask, &mut h);
            self.append(&h[..n]);
            let flags =
                u8::from(more) * ws_frame::ZWS_MORE + u8::from(command) * ws_frame::ZWS_COMMAND;
            self.append(&[flags]);
        } else {
            let mut h = [0u8; 10];
            let n = self.header(more, command, size, &mut h);
            self.append(&h[..n]);
        }
        let at = self.batch.len();
        self.batch.reserve(size);
        let r = fill(&mut self.batch);
        debug_assert_eq!(
            self.batch.len(),
            at + size,
            "push_frame_append: wrong length"
        );
        // Keep the frame its announced length whatever `fill` did.
        self.batch.resize(at + size, 0);
        self.batch_grew(size);
        if let Some(k) = mask {
            ws_frame::mask_in_place(&mut self.batch[at - 1..], k, 0);
        }
        r
    }

    /// Queue one frame with a small body given as bytes (commands).
    pub fn push_bytes_frame(&mut self, more: bool, command: bool, body: &[u8]) {
        if self.ws.is_some() {
            self.push_ws_binary(more, command, b"", body, false);
            return;
        }
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
