//! Refcounted message content.
//!
//! Every message larger than the inline limit refers to one `Content` header.
//! The header is the unit of sharing: `zmq_msg_copy`, PUB fan-out and the
//! decoder's receive buffer all just add a reference to it. It comes in three
//! shapes, all released the same way (last reference wins, from any thread):
//!
//! - header and bytes in ONE allocation (`zmq_msg_init_size`, large copies);
//! - header alone, pointing at a caller's buffer that is handed back through the
//!   caller's free function exactly once (`zmq_msg_init_data` with an `ffn`);
//! - a large receive buffer ([`SharedBuf`]) that many messages slice: each
//!   message stores (content, data pointer, length) into the same buffer.

use std::alloc::{self, Layout};
use std::ffi::c_void;
use std::mem::MaybeUninit;
use std::ops::Range;
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::Arc;

use crate::error::{Errno, Result};

use super::large::{self, Large};
use super::pool;
use super::read_buf::ReadBuf;
use super::refcount::RefCount;
use super::Msg;

/// `zmq_free_fn`: gives a zero-copy buffer back to its owner.
pub type FreeFn = unsafe extern "C" fn(data: *mut c_void, hint: *mut c_void);

/// How the storage behind a header goes away when the last reference drops.
enum Release {
    /// Header and bytes were allocated together with this layout.
    Dealloc(Layout),
    /// Header and bytes are a block of this class of the content pool, which
    /// takes it back for the next message of a similar size.
    Pooled(u8),
    /// The header alone was allocated; the bytes are the caller's and go back
    /// through `ffn(data, hint)`.
    Ffn {
        ffn: FreeFn,
        data: *mut c_void,
        hint: *mut c_void,
    },
    /// Header and `cap` bytes allocated together with this layout, offered
    /// back to the [`Recycler`] that made them instead of being freed.
    Recycle {
        layout: Layout,
        cap: usize,
        recycler: Arc<Recycler>,
    },
}

/// The header every shared message points at.
#[repr(C)]
pub(crate) struct Content {
    refcnt: RefCount,
    release: Release,
}

// The pool sizes its blocks for this header (see pool::HEADER_SIZE). (Under
// loom the count is loom's, larger; the loom models do not use the pool.)
#[cfg(not(loom))]
const _: () = assert!(
    std::mem::size_of::<Content>() == pool::HEADER_SIZE
        && std::mem::align_of::<Content>() == pool::HEADER_ALIGN
);

impl Content {
    /// One allocation holding the header followed by `size` bytes.
    /// Returns the header and a pointer to the (uninitialised) bytes.
    /// Bodies of up to [`pool::MAX_POOLED`] bytes come from the pool.
    #[inline]
    pub(crate) fn alloc_with_bytes(size: usize) -> Result<(NonNull<Content>, *mut u8)> {
        let Some(class) = pool::class_of(size) else {
            return Content::alloc_with_bytes_as(size, &large::SENT, Release::Dealloc);
        };
        let header = pool::alloc(class).ok_or(Errno::ENOMEM)?.cast::<Content>();
        // SAFETY: a pool block of `class` starts with room for an aligned
        // `Content` followed by `capacity(class) >= size` bytes.
        unsafe {
            header.as_ptr().write(Content {
                refcnt: RefCount::one(),
                release: Release::Pooled(class as u8),
            });
            Ok((header, Content::bytes_of(header)))
        }
    }

    /// As [`alloc_with_bytes`](Self::alloc_with_bytes), released as
    /// `release(layout)` says.
    fn alloc_with_bytes_as(
        size: usize,
        from: &Large,
        release: impl FnOnce(Layout) -> Release,
    ) -> Result<(NonNull<Content>, *mut u8)> {
        let (layout, offset) = Content::layout_for(size)?;
        // SAFETY: the layout has a non-zero size (it contains the header).
        let raw = unsafe { Content::alloc_raw(layout, from) };
        let header = NonNull::new(raw.cast::<Content>()).ok_or(Errno::ENOMEM)?;
        // SAFETY: `raw` is a fresh allocation of `layout`, which starts with a
        // properly aligned `Content`; the bytes start `offset` further on.
        unsafe {
            header.as_ptr().write(Content {
                refcnt: RefCount::one(),
                release: release(layout),
            });
            Ok((header, raw.add(offset)))
        }
    }

    /// Storage for a header and its bytes: large ones from mapped pages that
    /// are reused (see [`large`]; `from` is [`large::RECEIVED`] for receive
    /// buffers, else [`large::SENT`]), the rest from the allocator.
    ///
    /// # Safety
    /// `layout` has a non-zero size.
    unsafe fn alloc_raw(layout: Layout, from: &Large) -> *mut u8 {
        if layout.size() >= large::MIN {
            from.alloc(layout)
        } else {
            // SAFETY: the caller's promise.
            unsafe { alloc::alloc(layout) }
        }
    }

    /// Give back what [`alloc_raw`](Self::alloc_raw) gave.
    ///
    /// # Safety
    /// `p` came from `alloc_raw(layout)` and nothing refers to it any more.
    unsafe fn dealloc_raw(p: NonNull<u8>, layout: Layout, from: &Large) {
        if layout.size() >= large::MIN {
            // SAFETY: the caller's promise; the size routes it back here.
            unsafe { from.dealloc(p, layout) }
        } else {
            // SAFETY: the caller's promise.
            unsafe { alloc::dealloc(p.as_ptr(), layout) }
        }
    }

    /// The layout of a header followed by `size` bytes, and the bytes' offset.
    fn layout_for(size: usize) -> Result<(Layout, usize)> {
        let (layout, offset) = Layout::new::<Content>()
            .extend(Layout::array::<u8>(size).map_err(|_| Errno::ENOMEM)?)
            .map_err(|_| Errno::ENOMEM)?;
        Ok((layout.pad_to_align(), offset))
    }

    /// The bytes behind a header made by `alloc_with_bytes` or a recycler.
    ///
    /// # Safety
    /// `this` is such a live header.
    unsafe fn bytes_of(this: NonNull<Content>) -> *mut u8 {
        // The offset does not depend on the size (the bytes are u8).
        let offset = Content::layout_for(0).map_or(std::mem::size_of::<Content>(), |(_, o)| o);
        // SAFETY: the bytes start `offset` after the header, inside the
        // allocation.
        unsafe { this.as_ptr().cast::<u8>().add(offset) }
    }

    /// A header for a caller's buffer, released through `ffn(data, hint)`.
    pub(crate) fn alloc_external(
        ffn: FreeFn,
        data: *mut c_void,
        hint: *mut c_void,
    ) -> Result<NonNull<Content>> {
        // The header comes from the pool's smallest class: it is freed on
        // whichever thread drops the message last, like any content.
        let header = pool::alloc(0).ok_or(Errno::ENOMEM)?.cast::<Content>();
        // SAFETY: a pool block starts with room for an aligned `Content`.
        unsafe {
            header.as_ptr().write(Content {
                refcnt: RefCount::one(),
                release: Release::Ffn { ffn, data, hint },
            })
        };
        Ok(header)
    }

    /// Add `n` references at once (see [`SharedBuf::slice`]).
    ///
    /// # Safety
    /// `this` must be a live header on which the caller holds a reference.
    pub(crate) unsafe fn add_refs(this: NonNull<Content>, n: usize) {
        // SAFETY: the caller holds a reference, so the header is alive.
        unsafe { this.as_ref() }.refcnt.add(n);
    }

    /// Drop `n` references held by the caller; the last one frees the
    /// storage, as [`release`](Self::release).
    ///
    /// # Safety
    /// `this` must be a live header and the caller gives up `n` references.
    pub(crate) unsafe fn release_n(this: NonNull<Content>, n: usize) {
        // SAFETY: the caller holds references, so the header is alive.
        if !unsafe { this.as_ref() }.refcnt.release_n(n) {
            return;
        }
        // SAFETY: we held the last references; nothing else can reach the
        // header.
        unsafe { Content::destroy(this) }
    }

    /// Drop one reference; the last one frees the storage (calling the free
    /// function of a zero-copy buffer exactly once, on this thread).
    ///
    /// # Safety
    /// `this` must be a live header and the caller gives up its reference.
    pub(crate) unsafe fn release(this: NonNull<Content>) {
        // SAFETY: the caller holds a reference, so the header is alive.
        if !unsafe { this.as_ref() }.refcnt.release() {
            return;
        }
        // SAFETY: we held the last reference; nothing else can reach the header.
        unsafe { Content::destroy(this) }
    }

    /// Current number of references (tests and `SharedBuf::is_unique`).
    ///
    /// # Safety
    /// `this` must be a live header on which the caller holds a reference.
    pub(crate) unsafe fn refs(this: NonNull<Content>) -> usize {
        // SAFETY: the caller holds a reference, so the header is alive.
        unsafe { this.as_ref() }.refcnt.get()
    }

    /// # Safety
    /// No reference to `this` remains.
    unsafe fn destroy(this: NonNull<Content>) {
        // SAFETY: no reference remains; a recyclable header goes back to its
        // recycler whole (it frees it if it is closed or already holds one).
        if let Release::Recycle { recycler, .. } = unsafe { &this.as_ref().release } {
            let recycler = recycler.clone();
            // SAFETY: as above; ownership passes to the recycler.
            unsafe { recycler.put(this) };
            return;
        }
        // SAFETY: we own the header exclusively.
        unsafe { Content::free(this) }
    }

    /// Free the header and its storage, recyclable or not.
    ///
    /// # Safety
    /// No reference to `this` remains and it is in no recycler.
    unsafe fn free(this: NonNull<Content>) {
        // SAFETY: we own the header exclusively; read it out before freeing.
        let release = unsafe { std::ptr::read(&this.as_ref().release) };
        match release {
            // SAFETY: the header and bytes were allocated with `layout` from
            // the cache named (the recycler's Arc, read out above, drops
            // after this).
            Release::Dealloc(layout) => unsafe {
                Content::dealloc_raw(this.cast(), layout, &large::SENT)
            },
            Release::Recycle { layout, .. } => unsafe {
                Content::dealloc_raw(this.cast(), layout, &large::RECEIVED)
            },
            // SAFETY: the block came from `pool::alloc(class)` and nothing
            // refers to it any more.
            Release::Pooled(class) => unsafe { pool::free(class as usize, this.cast()) },
            Release::Ffn { ffn, data, hint } => {
                // SAFETY: the header came from `pool::alloc(0)` and nothing
                // refers to it any more.
                unsafe { pool::free(0, this.cast()) };
                // SAFETY: the caller of zmq_msg_init_data promised that `ffn`
                // releases `data` given `hint`, callable from any thread; this
                // is the one and only call.
                unsafe { ffn(data, hint) }
            }
        }
    }
}

/// Keeps the storage of the last released large messages of one connection,
/// so that the next ones of a similar size reuse it: no allocator round trip
/// across threads and, above all, no fresh pages for the kernel to fault in
/// and zero for every large message received (the app thread releases, the
/// I/O thread takes).
///
/// Up to [`RECYCLE_BUDGET`] bytes in at most [`RECYCLE_SLOTS`] slots, each
/// swapped atomically: one 1 MiB body, or sixteen of 64 KiB. One slot was
/// enough while the application releases each message before the next one
/// is read; but the reading thread runs ahead by a few messages, and a
/// single slot then sent all but one of them back to the allocator, whose
/// trimmed heap the kernel faulted in again (two processes, tcp, 64 KiB:
/// ~4 faults a message on the receiving side).
pub struct Recycler {
    slots: [AtomicPtr<Content>; RECYCLE_SLOTS],
    closed: AtomicBool,
}

/// The most slots a [`Recycler`] keeps filled.
const RECYCLE_SLOTS: usize = 16;
/// The most bytes of storage a [`Recycler`] keeps (at least one body,
/// whatever its size).
const RECYCLE_BUDGET: usize = 1 << 20;

impl Recycler {
    pub fn new() -> Arc<Recycler> {
        Arc::new(Recycler {
            slots: std::array::from_fn(|_| AtomicPtr::new(ptr::null_mut())),
            closed: AtomicBool::new(false),
        })
    }

    /// Storage for `size` bytes: a recycled one if it fits without wasting
    /// more than half of it, else a new allocation. Returns the header (one
    /// reference) and a pointer to the bytes.
    pub(crate) fn take(self: &Arc<Recycler>, size: usize) -> Result<(NonNull<Content>, *mut u8)> {
        for slot in &self.slots {
            // A relaxed look first: most slots are empty in a stream of
            // bodies that come back one by one.
            if slot.load(Ordering::Relaxed).is_null() {
                continue;
            }
            let Some(c) = NonNull::new(slot.swap(ptr::null_mut(), Ordering::Acquire)) else {
                continue;
            };
            // SAFETY: a header in a slot has no references; it is ours now.
            let cap = unsafe { Recycler::cap_of(c) };
            if cap >= size && cap / 2 <= size {
                // SAFETY: ours alone (see above); the bytes follow the header
                // as alloc_with_bytes laid them out.
                unsafe {
                    c.as_ref().refcnt.reset();
                    return Ok((c, Content::bytes_of(c)));
                }
            }
            // The bodies changed size: what is kept no longer fits.
            // SAFETY: ours alone and out of the slot.
            unsafe { Content::free(c) };
        }
        Content::alloc_with_bytes_as(size, &large::RECEIVED, |layout| Release::Recycle {
            layout,
            cap: size,
            recycler: self.clone(),
        })
    }

    /// The bytes a recyclable header's storage holds (0 for any other).
    ///
    /// # Safety
    /// `c` is a live header that nothing else is changing.
    unsafe fn cap_of(c: NonNull<Content>) -> usize {
        // SAFETY: the caller's promise.
        match unsafe { &c.as_ref().release } {
            Release::Recycle { cap, .. } => *cap,
            _ => 0,
        }
    }

    /// Keep `c` for reuse in a free slot within the budget, or free it
    /// (also once closed).
    ///
    /// # Safety
    /// No reference to `c` remains; ownership passes to the recycler.
    unsafe fn put(&self, c: NonNull<Content>) {
        // SAFETY: ours alone (the caller's promise).
        let cap = unsafe { Recycler::cap_of(c) };
        let usable = (RECYCLE_BUDGET / cap.max(1)).clamp(1, RECYCLE_SLOTS);
        // SeqCst here and in `close`/`drain`: either we see `closed`, or
        // `close`'s drain sees what we put.
        let kept = self.slots[..usable].iter().any(|slot| {
            slot.compare_exchange(
                ptr::null_mut(),
                c.as_ptr(),
                Ordering::SeqCst,
                Ordering::Relaxed,
            )
            .is_ok()
        });
        if !kept {
            // SAFETY: not kept anywhere: ours alone.
            unsafe { Content::free(c) };
            return;
        }
        if self.closed.load(Ordering::SeqCst) {
            self.drain();
        }
    }

    /// The owner is gone: free what is kept and keep nothing from now on
    /// (this also breaks the cycle of a kept header holding the recycler).
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.drain();
    }

    /// How many storages are kept (tests).
    #[cfg(test)]
    pub(crate) fn kept(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| !s.load(Ordering::Acquire).is_null())
            .count()
    }

    fn drain(&self) {
        for slot in &self.slots {
            if let Some(c) = NonNull::new(slot.swap(ptr::null_mut(), Ordering::SeqCst)) {
                // SAFETY: swapped out of the slot: ours alone.
                unsafe { Content::free(c) };
            }
        }
    }
}

/// A refcounted receive buffer that messages are carved out of without a copy.
///
/// The decoder reads network bytes into [`spare_mut`](SharedBuf::spare_mut),
/// [`commit`](SharedBuf::commit)s what it got, and turns each complete frame
/// into a message with [`slice`](SharedBuf::slice) (or [`Msg::from_shared`]).
/// Committed bytes are read-only from then on, because messages on other
/// threads may be reading them; the buffer is freed when the `SharedBuf` and
/// every message sliced from it are gone. When [`is_unique`](SharedBuf::is_unique)
/// says no message refers to it any more, [`clear`](SharedBuf::clear) lets the
/// decoder reuse it from the start instead of allocating a new one.
pub struct SharedBuf {
    content: NonNull<Content>,
    data: *mut u8,
    cap: usize,
    len: usize,
    /// Bytes before this offset are initialised (`len <= init <= cap`); the
    /// rest was never written and is only reachable as `MaybeUninit`.
    init: usize,
    /// References added to the header ahead of need, for the next slices:
    /// the count is raised by [`REF_BATCH`] at a time, not once per message.
    /// Messages are released on the application's thread, so a per-message
    /// increment here moved the count's cache line between the cores twice
    /// per message.
    spare_refs: usize,
}

/// How many references [`SharedBuf::slice`] adds at once.
const REF_BATCH: usize = 64;

// SAFETY: the buffer is owned through an atomic refcount; committed bytes are
// never written again and spare bytes are only reachable through `&mut self`.
unsafe impl Send for SharedBuf {}
// SAFETY: `&SharedBuf` only reads committed bytes and the atomic refcount;
// adding references (slice) takes `&mut self`.
unsafe impl Sync for SharedBuf {}

impl SharedBuf {
    /// A buffer of `cap` bytes, none committed yet. ENOMEM if it cannot be
    /// allocated. The bytes are not zeroed: they are read into through
    /// [`read_buf`](Self::read_buf).
    pub fn with_capacity(cap: usize) -> Result<SharedBuf> {
        let (content, data) = Content::alloc_with_bytes(cap)?;
        Ok(SharedBuf {
            content,
            data,
            cap,
            len: 0,
            init: 0,
            spare_refs: 0,
        })
    }

    /// Total size of the buffer.
    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// Number of committed bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing has been committed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The committed bytes.
    pub fn filled(&self) -> &[u8] {
        // SAFETY: `data..data+len` is inside the allocation, initialised, and
        // never written again while any reference exists.
        unsafe { std::slice::from_raw_parts(self.data, self.len) }
    }

    /// The uncommitted tail, to read into, without zero-filling it. No
    /// message can refer to it.
    pub fn read_buf(&mut self) -> ReadBuf<'_> {
        // SAFETY: `data+len..data+cap` is inside the allocation and only
        // reachable through `&mut self`: slices handed to messages never
        // extend past `len`. As `MaybeUninit` it may be uninitialised; the
        // `ReadBuf` raises `init` only over bytes it saw written.
        let spare = unsafe {
            std::slice::from_raw_parts_mut(
                self.data.add(self.len).cast::<MaybeUninit<u8>>(),
                self.cap - self.len,
            )
        };
        // SAFETY: `init` is this buffer's watermark over the same bytes.
        unsafe { ReadBuf::new(spare, self.len, &mut self.init) }
    }

    /// The uncommitted tail as bytes, zero-filling what was never written
    /// (tests; the receive path uses [`read_buf`](Self::read_buf)).
    pub fn spare_mut(&mut self) -> &mut [u8] {
        self.read_buf().initialize();
        // SAFETY: `data+len..data+cap` is inside the allocation, initialised
        // (just above), and only reachable through `&mut self`.
        unsafe { std::slice::from_raw_parts_mut(self.data.add(self.len), self.cap - self.len) }
    }

    /// Copy `bytes` to the spare tail and commit them.
    ///
    /// # Panics
    /// If they do not fit.
    pub fn extend_from_slice(&mut self, bytes: &[u8]) {
        assert!(
            bytes.len() <= self.cap - self.len,
            "SharedBuf::extend_from_slice past capacity"
        );
        let n = self.read_buf().put_slice(bytes);
        self.commit(n);
    }

    /// How many spare bytes a [`read_buf`](Self::read_buf) recorded as
    /// written (the most [`commit`](Self::commit) accepts).
    pub fn written_spare(&self) -> usize {
        self.init - self.len
    }

    /// Mark the next `n` spare bytes as filled (read-only from now on).
    ///
    /// # Panics
    /// If `n` exceeds the bytes written through [`read_buf`](Self::read_buf)
    /// (and so the spare room).
    pub fn commit(&mut self, n: usize) {
        assert!(
            n <= self.init - self.len,
            "SharedBuf::commit past the written bytes"
        );
        self.len += n;
    }

    /// Drop the first `from` committed bytes by sliding the rest to the
    /// front, when no message refers to the buffer; returns whether it did.
    pub fn compact(&mut self, from: usize) -> bool {
        if from > self.len || !self.is_unique() {
            return false;
        }
        let keep = self.len - from;
        // SAFETY: both ranges are inside the committed (initialised) bytes,
        // and no message refers to them (unique), so writing is allowed;
        // `ptr::copy` handles the overlap.
        unsafe { ptr::copy(self.data.add(from), self.data, keep) };
        self.len = keep;
        true
    }

    /// Whether no message refers to the buffer any more. Only holders add
    /// references, and every holder but messages is `self` (its own and the
    /// spare ones), so the answer cannot turn false behind our back.
    pub fn is_unique(&self) -> bool {
        // SAFETY: `self` holds a reference to the header.
        unsafe { Content::refs(self.content) == 1 + self.spare_refs }
    }

    /// How many references messages hold (tests).
    #[cfg(test)]
    pub fn message_refs(&self) -> usize {
        // SAFETY: `self` holds a reference to the header.
        unsafe { Content::refs(self.content) - 1 - self.spare_refs }
    }

    /// Forget the committed bytes so the buffer can be refilled from the
    /// start. Only possible (and returns true) when [`is_unique`](Self::is_unique).
    pub fn clear(&mut self) -> bool {
        if self.is_unique() {
            self.len = 0;
            true
        } else {
            false
        }
    }

    /// A message holding `range` of the committed bytes. Up to
    /// [`MAX_VSM_SIZE`](super::MAX_VSM_SIZE) bytes are copied inline (cheaper
    /// than a shared reference); larger ranges share the buffer, no copy.
    ///
    /// # Panics
    /// If `range` is not within the committed bytes.
    #[inline]
    pub fn slice(&mut self, range: Range<usize>) -> Msg {
        assert!(
            range.start <= range.end && range.end <= self.len,
            "SharedBuf::slice out of the committed bytes"
        );
        let size = range.end - range.start;
        if size <= super::MAX_VSM_SIZE {
            return Msg::from_slice(&self.filled()[range]);
        }
        if self.spare_refs == 0 {
            // SAFETY: `self` holds a reference, so the header is alive.
            unsafe { Content::add_refs(self.content, REF_BATCH) };
            self.spare_refs = REF_BATCH;
        }
        self.spare_refs -= 1;
        // SAFETY: the range is inside the committed (immutable) bytes, and the
        // message owns one of the spare references.
        unsafe { Msg::from_content(self.content, self.data.add(range.start), size) }
    }
}

impl Drop for SharedBuf {
    fn drop(&mut self) {
        // SAFETY: `self` owns its reference and the spare ones, and gives
        // them all up.
        unsafe { Content::release_n(self.content, 1 + self.spare_refs) }
    }
}

impl std::fmt::Debug for SharedBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedBuf")
            .field("capacity", &self.cap)
            .field("len", &self.len)
            .field("unique", &self.is_unique())
            .finish()
    }
}
