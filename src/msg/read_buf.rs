//! Reading network bytes into memory that has not been initialised.
//!
//! Zero-filling a receive buffer or a large message before `read(2)`
//! overwrites it costs as much as the copy the kernel then does. A
//! [`ReadBuf`] hands out the uninitialised region as `MaybeUninit<u8>` (never
//! as `&mut [u8]`) and records in its owner's watermark how many bytes at its
//! start are known to be initialised; the owner only ever exposes bytes below
//! that watermark as `&[u8]`. The same idea as std's unstable `BorrowedBuf`
//! and tokio's `ReadBuf`.

use std::mem::MaybeUninit;

use std::sync::Arc;

use super::content::Recycler;
use super::{Msg, MAX_VSM_SIZE};
use crate::error::Result;

/// A region to read into, borrowed from a buffer that tracks how far it is
/// initialised (see the module comment).
pub struct ReadBuf<'a> {
    buf: &'a mut [MaybeUninit<u8>],
    /// Offset of `buf` in the owner, whose watermark `init` is absolute.
    base: usize,
    /// The owner's watermark: bytes before `init` are initialised.
    init: &'a mut usize,
}

impl<'a> ReadBuf<'a> {
    /// A region `buf` starting at offset `base` of an owner whose bytes below
    /// `*init` are initialised.
    ///
    /// # Safety
    /// `buf[..init - base]` (if any) must be initialised, and the owner must
    /// expose as initialised only bytes below `*init`.
    pub(crate) unsafe fn new(
        buf: &'a mut [MaybeUninit<u8>],
        base: usize,
        init: &'a mut usize,
    ) -> Self {
        ReadBuf { buf, base, init }
    }

    /// A region of initialised bytes (`init` is set to cover them).
    pub fn from_bytes(buf: &'a mut [u8], base: usize, init: &'a mut usize) -> Self {
        let len = buf.len();
        // SAFETY: `u8` and `MaybeUninit<u8>` share their layout; the bytes
        // are initialised and `as_uninit_mut`'s contract forbids writing
        // uninitialised values back into them.
        let buf = unsafe { std::slice::from_raw_parts_mut(buf.as_mut_ptr().cast(), len) };
        *init = (*init).max(base + len);
        ReadBuf { buf, base, init }
    }

    /// An empty region (nothing can be read into it).
    pub fn empty(init: &'a mut usize) -> Self {
        let base = *init;
        ReadBuf {
            buf: &mut [],
            base,
            init,
        }
    }

    /// Room in bytes.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// No room at all.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// How many bytes at the start are initialised.
    pub fn initialized(&self) -> usize {
        self.init.saturating_sub(self.base).min(self.buf.len())
    }

    /// The whole region, for a source (such as `read(2)`) to write into.
    ///
    /// # Safety
    /// The caller must not write uninitialised bytes (`MaybeUninit::uninit()`)
    /// into it: the first [`initialized`](Self::initialized) bytes may already
    /// be exposed as initialised.
    pub unsafe fn as_uninit_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        self.buf
    }

    /// The first `n` bytes of the region now hold initialised bytes.
    ///
    /// # Safety
    /// The caller must have written every one of those `n` bytes (through
    /// [`as_uninit_mut`](Self::as_uninit_mut)), unless they were already
    /// [`initialized`](Self::initialized).
    pub unsafe fn assume_init(&mut self, n: usize) {
        let end = self.base + n.min(self.buf.len());
        if end > *self.init {
            *self.init = end;
        }
    }

    /// Copy `bytes` (as many as fit) to the start; returns how many were copied.
    pub fn put_slice(&mut self, bytes: &[u8]) -> usize {
        let n = bytes.len().min(self.buf.len());
        for (d, s) in self.buf[..n].iter_mut().zip(bytes) {
            d.write(*s);
        }
        // SAFETY: the loop above wrote the first `n` bytes.
        unsafe { self.assume_init(n) };
        n
    }

    /// [`initialize`](Self::initialize), keeping the borrow of the owner.
    pub fn into_initialized(mut self) -> &'a mut [u8] {
        self.initialize();
        let len = self.buf.len();
        // SAFETY: `initialize` initialised all `len` bytes and raised the
        // watermark over them; the slice takes over this exclusive borrow.
        unsafe { std::slice::from_raw_parts_mut(self.buf.as_mut_ptr().cast::<u8>(), len) }
    }

    /// The whole region as bytes, zero-filling what is not yet initialised
    /// (for sources that want `&mut [u8]`, such as `std::io::Read`; tests).
    pub fn initialize(&mut self) -> &mut [u8] {
        let done = self.initialized();
        for b in &mut self.buf[done..] {
            b.write(0);
        }
        let len = self.buf.len();
        // SAFETY: every byte was initialised by the loop above or before.
        unsafe { self.assume_init(len) };
        // SAFETY: all `len` bytes are initialised; `MaybeUninit<u8>` has the
        // layout of `u8`, and the borrow of `self` keeps the slice exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.buf.as_mut_ptr().cast::<u8>(), len) }
    }
}

/// A message whose bytes arrive in order (a frame body read from the
/// network): allocated once without zero-filling, filled through
/// [`read_buf`](Self::read_buf) or [`extend_from_slice`](Self::extend_from_slice),
/// and handed out by [`finish`](Self::finish) only once every byte is written.
pub struct MsgFill {
    /// Created by `Msg::with_size_uninit`; only this value refers to its
    /// content, and its bytes are never read before `filled == size`.
    msg: Msg,
    filled: usize,
    /// Bytes before this offset are initialised (`filled <= init <= size`).
    init: usize,
}

impl MsgFill {
    /// A message of `size` bytes to fill. ENOMEM if it cannot be allocated.
    pub fn new(size: usize) -> Result<MsgFill> {
        // SAFETY: `finish` releases the message only when every byte has
        // been written (`filled == size`, and `filled <= init`), and nothing
        // reads the bytes before that.
        let msg = unsafe { Msg::with_size_uninit(size)? };
        Ok(MsgFill {
            msg,
            filled: 0,
            init: 0,
        })
    }

    /// As [`new`](Self::new), with storage from `recycler` (the storage of
    /// an earlier message released since, when one fits).
    pub fn with_recycler(size: usize, recycler: &Arc<Recycler>) -> Result<MsgFill> {
        if size <= MAX_VSM_SIZE {
            return MsgFill::new(size);
        }
        let (content, data) = recycler.take(size)?;
        // SAFETY: the message takes over the one reference of the content,
        // which holds at least `size` bytes at `data`, and nothing else refers
        // to it. Its bytes are not read before `finish`, which requires every
        // byte written (as for `new`).
        let msg = unsafe { Msg::from_content(content, data, size) };
        Ok(MsgFill {
            msg,
            filled: 0,
            init: 0,
        })
    }

    /// The message's size.
    pub fn size(&self) -> usize {
        self.msg.size()
    }

    /// Bytes filled so far.
    pub fn filled(&self) -> usize {
        self.filled
    }

    /// Set the message flags (MORE, COMMAND) it will carry.
    pub fn set_flags(&mut self, flags: u8) {
        self.msg.set_flags(flags);
    }

    /// The unfilled rest of the body, to read into.
    pub fn read_buf(&mut self) -> ReadBuf<'_> {
        let size = self.msg.size();
        let p = self.msg.data_ptr();
        if p.is_null() || size == self.filled {
            return ReadBuf::empty(&mut self.init);
        }
        // SAFETY: `p` points at `size` bytes owned by the message alone (a
        // fresh allocation, or inline bytes of `self.msg`, which `&mut self`
        // keeps in place), `filled < size`; viewed as `MaybeUninit`, so they
        // may be uninitialised. Nothing else reads or writes them meanwhile.
        let rest = unsafe {
            std::slice::from_raw_parts_mut(
                p.add(self.filled).cast::<MaybeUninit<u8>>(),
                size - self.filled,
            )
        };
        // SAFETY: `init` is this value's watermark over the same bytes.
        unsafe { ReadBuf::new(rest, self.filled, &mut self.init) }
    }

    /// `n` bytes were read into [`read_buf`](Self::read_buf) (at most what
    /// it recorded as written counts).
    pub fn commit(&mut self, n: usize) {
        self.filled = (self.filled + n).min(self.init);
    }

    /// Copy `bytes` (as many as fit) in and commit them; returns how many.
    pub fn extend_from_slice(&mut self, bytes: &[u8]) -> usize {
        let n = self.read_buf().put_slice(bytes);
        self.commit(n);
        n
    }

    /// Every byte is in.
    pub fn is_complete(&self) -> bool {
        self.filled == self.msg.size()
    }

    /// The message, once [complete](Self::is_complete); else `Err(self)`.
    pub fn finish(self) -> std::result::Result<Msg, MsgFill> {
        if self.is_complete() {
            Ok(self.msg)
        } else {
            Err(self)
        }
    }
}
