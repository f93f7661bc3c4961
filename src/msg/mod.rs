//! Messages: the 64-byte `zmq_msg_t`, its inline (VSM) and shared content, metadata.
//!
//! [`Msg`] *is* the C `zmq_msg_t`: the C API casts a `zmq_msg_t *` to
//! `*mut Msg`. C code may bit-copy a `zmq_msg_t` (libzmq's `zmq_msg_move` does),
//! so a `Msg` holds no pointer into itself: inline bytes are addressed relative
//! to `&self` on every access.
//!
//! Layout (x86_64; the C side sees 64 opaque, 8-aligned bytes):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0  | 8  | metadata: `Option<Arc<Metadata>>` |
//! | 8  | 32 | body: VSM `{data[30], size}` or `{content, data, size}` |
//! | 40 | 16 | group: inline name (≤14 bytes + NUL) or refcounted long name |
//! | 56 | 4  | routing id |
//! | 60 | 1  | kind (0 = closed/invalid) |
//! | 61 | 1  | flags (libzmq's bit values) |
//! | 62 | 1  | command type |
//! | 63 | 1  | check byte: `kind ^ 0xA5`, so stray bytes rarely pass as a message |
//!
//! Kinds: inline VSM (≤ [`MAX_VSM_SIZE`] bytes, no allocation); shared content
//! (one refcounted [`content`] header: bytes allocated with the header, a
//! caller's zero-copy buffer with its free function, or a slice of a
//! [`SharedBuf`]); constant (a caller's buffer with no free function: never
//! copied, never freed); and the bodiless delimiter / join / leave markers the
//! pipes and RADIO/DISH use.

use std::cell::UnsafeCell;
use std::ffi::{c_void, CStr};
use std::fmt;
use std::mem::offset_of;
use std::ops::Range;
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use crate::error::{Errno, Result};

pub mod content;
mod depot;
mod group;
pub(crate) mod large;
pub mod metadata;
mod pool;
pub mod read_buf;
mod refcount;

use content::Content;
pub use content::{FreeFn, Recycler, SharedBuf};
use group::Group;
pub use group::GROUP_MAX_LENGTH;
pub use metadata::Metadata;
pub use read_buf::{MsgFill, ReadBuf};

/// The largest message kept inline in the `zmq_msg_t` (no allocation).
pub const MAX_VSM_SIZE: usize = 30;

const KIND_CLOSED: u8 = 0;
const KIND_VSM: u8 = 101;
const KIND_SHARED: u8 = 102;
const KIND_DELIMITER: u8 = 103;
const KIND_CONST: u8 = 104;
const KIND_JOIN: u8 = 106;
const KIND_LEAVE: u8 = 107;
/// A pipe's note of the connection properties of the messages after it
/// (never seen by users: the reading pipe end keeps it, see `pipe`).
const KIND_METADATA_NOTE: u8 = 108;
const CHECK_XOR: u8 = 0xa5;

/// Internal command a message stands for (libzmq keeps this in flag bits 2-4).
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandType {
    /// An ordinary message.
    None = 0,
    /// ZMTP PING.
    Ping = 1,
    /// ZMTP PONG.
    Pong = 2,
    /// A subscription (XPUB/XSUB, ZMTP 3.1 SUBSCRIBE).
    Subscribe = 3,
    /// An unsubscription (ZMTP 3.1 CANCEL).
    Cancel = 4,
    /// A close command.
    Close = 5,
}

impl CommandType {
    fn from_u8(v: u8) -> CommandType {
        match v {
            1 => CommandType::Ping,
            2 => CommandType::Pong,
            3 => CommandType::Subscribe,
            4 => CommandType::Cancel,
            5 => CommandType::Close,
            _ => CommandType::None,
        }
    }
}

#[repr(C)]
#[derive(Clone, Copy)]
struct Vsm {
    data: [u8; MAX_VSM_SIZE],
    size: u8,
    _pad: u8,
}

/// A reference to bytes outside the message: shared content (with a header)
/// or constant data (no header).
#[repr(C)]
#[derive(Clone, Copy)]
struct Ext {
    content: Option<NonNull<Content>>,
    data: *mut u8,
    size: usize,
    _unused: usize,
}

#[repr(C)]
#[derive(Clone, Copy)]
union Body {
    vsm: Vsm,
    ext: Ext,
}

const EMPTY_VSM: Body = Body {
    vsm: Vsm {
        data: [0; MAX_VSM_SIZE],
        size: 0,
        _pad: 0,
    },
};

/// A ZeroMQ message: exactly the 64 bytes of a C `zmq_msg_t`.
///
/// `Clone` is `zmq_msg_copy` (shares the content, copies no bytes above the
/// inline limit); `Drop` is `zmq_msg_close`.
#[repr(C, align(8))]
pub struct Msg {
    metadata: Option<Arc<Metadata>>,
    /// In an `UnsafeCell` because `zmq_msg_data` hands out a writable pointer to
    /// inline bytes from a shared view of the message.
    body: UnsafeCell<Body>,
    group: Group,
    routing_id: u32,
    kind: u8,
    /// Atomic only so that `clone(&self)` can mark the source SHARED as
    /// libzmq's copy does; accesses are relaxed loads and stores.
    flags: AtomicU8,
    cmd: u8,
    check: u8,
}

const _: () = assert!(std::mem::size_of::<Msg>() == 64);
const _: () = assert!(std::mem::align_of::<Msg>() == 8);
const _: () = assert!(std::mem::size_of::<Body>() == 32);
const _: () = assert!(offset_of!(Msg, body) == 8);
const _: () = assert!(offset_of!(Msg, group) == 40);
const _: () = assert!(offset_of!(Msg, routing_id) == 56);
const _: () = assert!(offset_of!(Msg, kind) == 60);
const _: () = assert!(offset_of!(Msg, flags) == 61);
const _: () = assert!(offset_of!(Msg, check) == 63);

// SAFETY: content and long groups are refcounted atomically and freed by
// whichever thread drops the last reference; free functions given to
// `from_raw_parts` must be callable from any thread (zmq_msg_init_data(3)).
unsafe impl Send for Msg {}
// SAFETY: through `&Msg` the bytes are only read (writing through `data_ptr`
// is the caller's unsafe business), refcounts are atomic and the one write,
// the SHARED flag in `clone`, is an atomic store.
unsafe impl Sync for Msg {}

impl Msg {
    /// "More parts follow" (`ZMQ_MORE`).
    pub const MORE: u8 = 1;
    /// A ZMTP command frame.
    pub const COMMAND: u8 = 2;
    /// Carries the ZAP credential (User-Id) of the connection.
    pub const CREDENTIAL: u8 = 32;
    /// The routing-id frame a connection announced itself with.
    pub const ROUTING_ID: u8 = 64;
    /// The content may be shared with another message (`ZMQ_SHARED`).
    pub const SHARED: u8 = 128;
    /// The largest message kept inline.
    pub const MAX_VSM_SIZE: usize = MAX_VSM_SIZE;
    /// The largest size whose bytes come from the storage pool (msg/pool.rs).
    pub const MAX_POOLED: usize = pool::MAX_POOLED;

    const fn with_kind(kind: u8, body: Body) -> Msg {
        Msg {
            metadata: None,
            body: UnsafeCell::new(body),
            group: Group::empty(),
            routing_id: 0,
            kind,
            flags: AtomicU8::new(0),
            cmd: 0,
            check: kind ^ CHECK_XOR,
        }
    }

    /// An empty message (`zmq_msg_init`).
    pub const fn new() -> Msg {
        Msg::with_kind(KIND_VSM, EMPTY_VSM)
    }

    /// A message of `size` zero bytes (`zmq_msg_init_size`, but initialised).
    /// Up to [`MAX_VSM_SIZE`] bytes allocate nothing; larger sizes allocate
    /// once. ENOMEM if the allocation fails or the size overflows.
    pub fn with_size(size: usize) -> Result<Msg> {
        // SAFETY: the bytes are zeroed right away.
        let m = unsafe { Msg::with_size_uninit(size)? };
        if m.kind == KIND_SHARED {
            // SAFETY: the new content holds `size` writable bytes at `data_ptr`.
            unsafe { m.data_ptr().write_bytes(0, size) };
        }
        Ok(m)
    }

    /// Like [`with_size`](Self::with_size), but large messages' bytes are left
    /// uninitialised, as libzmq's `zmq_msg_init_size` leaves them.
    ///
    /// # Safety
    /// Every byte must be written (through `data_ptr`/`data_mut`) before the
    /// message's bytes are read.
    pub unsafe fn with_size_uninit(size: usize) -> Result<Msg> {
        if size <= MAX_VSM_SIZE {
            let mut m = Msg::new();
            m.body.get_mut().vsm = Vsm {
                data: [0; MAX_VSM_SIZE],
                size: size as u8,
                _pad: 0,
            };
            return Ok(m);
        }
        let (content, data) = Content::alloc_with_bytes(size)?;
        // SAFETY: the message takes over the one reference of the new content,
        // which holds `size` bytes at `data`.
        Ok(unsafe { Msg::from_content(content, data, size) })
    }

    /// Make this empty inline message (as from [`new`](Self::new)) hold a
    /// copy of `bytes` (at most [`MAX_VSM_SIZE`]) with `flags`, in place:
    /// the decoder fills a message where it is queued instead of building
    /// one and moving it there.
    #[inline]
    pub(crate) fn fill_vsm(&mut self, bytes: &[u8], flags: u8) {
        debug_assert!(self.kind == KIND_VSM && self.size() == 0 && self.flags() == 0);
        // SAFETY: the body of an inline message is a Vsm (see `kind`).
        let vsm = unsafe { &mut self.body.get_mut().vsm };
        vsm.data[..bytes.len()].copy_from_slice(bytes);
        vsm.size = bytes.len() as u8;
        *self.flags.get_mut() = flags;
    }

    /// Become `msg`, being an empty message from [`Msg::new`] (as
    /// [`fill_vsm`](Self::fill_vsm) expects): there is nothing to release,
    /// so the drop of the old value (a dispatch on its kind) is skipped.
    #[inline]
    pub(crate) fn fill_blank(&mut self, msg: Msg) {
        debug_assert!(self.kind == KIND_VSM && self.size() == 0 && self.flags() == 0);
        debug_assert!(self.metadata().is_none());
        std::mem::forget(std::mem::replace(self, msg));
    }

    /// A copy of `bytes`; at most [`MAX_VSM_SIZE`] bytes allocate nothing.
    ///
    /// # Panics
    /// Aborts like `Vec` if a large copy cannot be allocated; use
    /// [`try_from_slice`](Self::try_from_slice) to get ENOMEM instead.
    pub fn from_slice(bytes: &[u8]) -> Msg {
        match Msg::try_from_slice(bytes) {
            Ok(m) => m,
            Err(_) => std::alloc::handle_alloc_error(
                std::alloc::Layout::array::<u8>(bytes.len())
                    .unwrap_or(std::alloc::Layout::new::<u8>()),
            ),
        }
    }

    /// A copy of `bytes` (`zmq_msg_init_buffer`); ENOMEM if a large copy cannot
    /// be allocated.
    pub fn try_from_slice(bytes: &[u8]) -> Result<Msg> {
        // SAFETY: every byte is written right away.
        let m = unsafe { Msg::with_size_uninit(bytes.len())? };
        // SAFETY: the message has exactly `bytes.len()` writable bytes at
        // `data_ptr`, which cannot overlap a slice we were just given.
        unsafe { crate::util::small_copy::copy_bytes(bytes.as_ptr(), m.data_ptr(), bytes.len()) };
        Ok(m)
    }

    /// A message over a caller's buffer without copying (`zmq_msg_init_data`).
    ///
    /// With `ffn`, the buffer is released by `ffn(data, hint)` exactly once,
    /// on whichever thread drops the last reference. Without it the message is
    /// constant: the buffer is never freed and must outlive every copy.
    /// EFAULT if `data` is NULL with a non-zero size; ENOMEM if the small
    /// header cannot be allocated (then `ffn` is not called: the caller still
    /// owns the buffer).
    ///
    /// # Safety
    /// `data` must be valid for reads (and, if the caller will write through
    /// `data_ptr`, writes) of `size` bytes until `ffn` is called, or forever
    /// when `ffn` is `None`; `ffn` must be safe to call from any thread.
    pub unsafe fn from_raw_parts(
        data: *mut u8,
        size: usize,
        ffn: Option<FreeFn>,
        hint: *mut c_void,
    ) -> Result<Msg> {
        if data.is_null() && size != 0 {
            return Err(Errno::EFAULT);
        }
        let (kind, content) = match ffn {
            None => (KIND_CONST, None),
            Some(f) => (
                KIND_SHARED,
                Some(Content::alloc_external(f, data.cast(), hint)?),
            ),
        };
        Ok(Msg::with_kind(
            kind,
            Body {
                ext: Ext {
                    content,
                    data,
                    size,
                    _unused: 0,
                },
            },
        ))
    }

    /// A constant message over static bytes: no copy, no allocation.
    pub fn from_static(bytes: &'static [u8]) -> Msg {
        // SAFETY: static bytes live forever. They are never written: constant
        // messages give no `data_mut`.
        unsafe {
            Msg::from_raw_parts(
                bytes.as_ptr().cast_mut(),
                bytes.len(),
                None,
                ptr::null_mut(),
            )
        }
        .unwrap_or_default()
    }

    /// A message sharing `range` of a receive buffer (see [`SharedBuf::slice`]).
    pub fn from_shared(buf: &mut SharedBuf, range: Range<usize>) -> Msg {
        buf.slice(range)
    }

    /// # Safety
    /// The message takes over one reference to `content`, and `data..data+size`
    /// must stay valid while the content lives.
    pub(crate) unsafe fn from_content(
        content: NonNull<Content>,
        data: *mut u8,
        size: usize,
    ) -> Msg {
        Msg::with_kind(
            KIND_SHARED,
            Body {
                ext: Ext {
                    content: Some(content),
                    data,
                    size,
                    _unused: 0,
                },
            },
        )
    }

    /// The pipe delimiter (marks the end of a pipe's messages).
    pub const fn delimiter() -> Msg {
        Msg::with_kind(KIND_DELIMITER, EMPTY_VSM)
    }

    /// A DISH "join group" notice (set the group with [`set_group`](Self::set_group)).
    pub const fn join() -> Msg {
        Msg::with_kind(KIND_JOIN, EMPTY_VSM)
    }

    /// A DISH "leave group" notice.
    pub const fn leave() -> Msg {
        Msg::with_kind(KIND_LEAVE, EMPTY_VSM)
    }

    /// A note for a pipe's reader: the messages after it came from a
    /// connection with these properties.
    pub fn metadata_note(metadata: Arc<Metadata>) -> Msg {
        let mut m = Msg::with_kind(KIND_METADATA_NOTE, EMPTY_VSM);
        m.metadata = Some(metadata);
        m
    }

    fn ext(&self) -> Option<Ext> {
        match self.kind {
            // SAFETY: these kinds keep the `ext` variant in the body.
            KIND_SHARED | KIND_CONST => Some(unsafe { (*self.body.get()).ext }),
            _ => None,
        }
    }

    /// The whole inline buffer of an inline message (its `size()` bytes,
    /// then whatever the rest holds), None for any other kind: a copy of a
    /// fixed 30 bytes is a few vector moves where one of `size()` bytes is a
    /// call to memcpy.
    #[inline]
    pub fn inline_buf(&self) -> Option<&[u8; MAX_VSM_SIZE]> {
        if self.kind != KIND_VSM {
            return None;
        }
        // SAFETY: an inline message keeps the `vsm` variant, all of whose
        // bytes are initialised.
        Some(unsafe { &(*self.body.get()).vsm.data })
    }

    /// The message bytes.
    pub fn data(&self) -> &[u8] {
        match self.ext() {
            Some(e) if e.size != 0 => {
                // SAFETY: shared content or constant data holds `size` readable
                // bytes at `data` for as long as this message lives.
                unsafe { std::slice::from_raw_parts(e.data, e.size) }
            }
            Some(_) => &[],
            None => {
                // SAFETY: the other kinds keep the `vsm` variant in the body.
                let v = unsafe { &(*self.body.get()).vsm };
                &v.data[..(v.size as usize).min(MAX_VSM_SIZE)]
            }
        }
    }

    /// The message bytes, writable when no other message can see them: inline
    /// messages always, shared content only while this message holds the only
    /// reference, constant data never (it may be read-only memory).
    pub fn data_mut(&mut self) -> Option<&mut [u8]> {
        match self.ext() {
            Some(e) => {
                let content = e.content?;
                // SAFETY: we hold a reference to the content.
                if unsafe { Content::refs(content) } != 1 {
                    return None;
                }
                if e.size == 0 {
                    return Some(&mut []);
                }
                // SAFETY: the only reference is ours and we hold it mutably.
                Some(unsafe { std::slice::from_raw_parts_mut(e.data, e.size) })
            }
            None => {
                // SAFETY: the other kinds keep the `vsm` variant in the body.
                let v = unsafe { &mut self.body.get_mut().vsm };
                Some(&mut v.data[..(v.size as usize).min(MAX_VSM_SIZE)])
            }
        }
    }

    /// Pointer to the bytes (`zmq_msg_data`). For an inline message it points
    /// into `self`, so it moves with the message. NULL only for a constant
    /// message made from a NULL pointer and size 0.
    pub fn data_ptr(&self) -> *mut u8 {
        match self.ext() {
            Some(e) => e.data,
            // SAFETY: taking the address of the inline bytes reads nothing; the
            // UnsafeCell makes writes through the pointer legitimate.
            None => unsafe { ptr::addr_of_mut!((*self.body.get()).vsm.data) }.cast(),
        }
    }

    /// Number of bytes (`zmq_msg_size`).
    pub fn size(&self) -> usize {
        match self.ext() {
            Some(e) => e.size,
            // SAFETY: the other kinds keep the `vsm` variant in the body.
            None => unsafe { (*self.body.get()).vsm.size as usize },
        }
    }

    /// Whether the message has no bytes.
    pub fn is_empty(&self) -> bool {
        self.size() == 0
    }

    /// Drop all but the first `len` bytes (no effect if already shorter).
    pub fn truncate(&mut self, len: usize) {
        let kind = self.kind;
        let body = self.body.get_mut();
        match kind {
            // SAFETY: these kinds keep the `ext` variant in the body.
            KIND_SHARED | KIND_CONST => unsafe { body.ext.size = body.ext.size.min(len) },
            // SAFETY: the other kinds keep the `vsm` variant in the body.
            _ => unsafe { body.vsm.size = (body.vsm.size as usize).min(len) as u8 },
        }
    }

    /// Drop the first `n` bytes (all of them if `n` is larger), e.g. a command
    /// name in front of its body. Shared content is not copied.
    pub fn advance(&mut self, n: usize) {
        let kind = self.kind;
        let body = self.body.get_mut();
        match kind {
            KIND_SHARED | KIND_CONST => {
                // SAFETY: these kinds keep the `ext` variant in the body.
                let e = unsafe { &mut body.ext };
                let n = n.min(e.size);
                // SAFETY: stays inside (or one past the end of) the same bytes.
                e.data = unsafe { e.data.add(n) };
                e.size -= n;
            }
            _ => {
                // SAFETY: the other kinds keep the `vsm` variant in the body.
                let v = unsafe { &mut body.vsm };
                let size = v.size as usize;
                let n = n.min(size);
                v.data.copy_within(n..size, 0);
                v.size = (size - n) as u8;
            }
        }
    }

    /// The flag bits (`MORE`, `COMMAND`, `CREDENTIAL`, `ROUTING_ID`, `SHARED`).
    pub fn flags(&self) -> u8 {
        self.flags.load(Ordering::Relaxed)
    }

    /// Set the given flag bits (others unchanged).
    pub fn set_flags(&mut self, flags: u8) {
        *self.flags.get_mut() |= flags;
    }

    /// Clear the given flag bits.
    pub fn reset_flags(&mut self, flags: u8) {
        *self.flags.get_mut() &= !flags;
    }

    /// More parts follow.
    pub fn more(&self) -> bool {
        self.flags() & Msg::MORE != 0
    }

    /// Set or clear `MORE`.
    pub fn set_more(&mut self, more: bool) {
        if more {
            self.set_flags(Msg::MORE)
        } else {
            self.reset_flags(Msg::MORE)
        }
    }

    /// A ZMTP command frame.
    pub fn is_command(&self) -> bool {
        self.flags() & Msg::COMMAND != 0
    }

    /// Carries the connection's ZAP credential.
    pub fn is_credential(&self) -> bool {
        self.flags() & Msg::CREDENTIAL != 0
    }

    /// The `ROUTING_ID` flag is set (not the numeric routing id).
    pub fn is_routing_id(&self) -> bool {
        self.flags() & Msg::ROUTING_ID != 0
    }

    /// The command this message stands for.
    pub fn command_type(&self) -> CommandType {
        CommandType::from_u8(self.cmd)
    }

    /// Mark the message as a command (or `CommandType::None` to clear).
    pub fn set_command_type(&mut self, cmd: CommandType) {
        self.cmd = cmd as u8;
    }

    /// A PING command.
    pub fn is_ping(&self) -> bool {
        self.command_type() == CommandType::Ping
    }

    /// A PONG command.
    pub fn is_pong(&self) -> bool {
        self.command_type() == CommandType::Pong
    }

    /// A subscription.
    pub fn is_subscribe(&self) -> bool {
        self.command_type() == CommandType::Subscribe
    }

    /// An unsubscription.
    pub fn is_cancel(&self) -> bool {
        self.command_type() == CommandType::Cancel
    }

    /// A close command.
    pub fn is_close_cmd(&self) -> bool {
        self.command_type() == CommandType::Close
    }

    /// The numeric routing id (CLIENT/SERVER, PEER), 0 when unset.
    pub fn routing_id(&self) -> u32 {
        self.routing_id
    }

    /// Set the numeric routing id (the C API refuses 0; here 0 clears it).
    pub fn set_routing_id(&mut self, id: u32) {
        self.routing_id = id;
    }

    /// The RADIO/DISH group, empty when unset (`zmq_msg_group`).
    pub fn group(&self) -> &CStr {
        self.group.as_cstr()
    }

    /// Set the group. EINVAL above [`GROUP_MAX_LENGTH`] bytes or with a NUL
    /// byte inside; ENOMEM if a long name cannot be allocated. Up to 14 bytes
    /// are stored inline; longer names in one allocation shared by copies.
    pub fn set_group(&mut self, group: &[u8]) -> Result<()> {
        self.group.set(group)
    }

    /// The connection's properties, if the message came from a connection.
    pub fn metadata(&self) -> Option<&Arc<Metadata>> {
        self.metadata.as_ref()
    }

    /// Attach connection properties (replacing any).
    pub fn set_metadata(&mut self, metadata: Arc<Metadata>) {
        self.metadata = Some(metadata);
    }

    /// Detach connection properties.
    pub fn reset_metadata(&mut self) {
        self.metadata = None;
    }

    /// `ZMQ_SHARED`: a constant message, or content that was copied (the flag
    /// stays set on both sides, as in libzmq, even after the copy is gone).
    pub fn is_shared(&self) -> bool {
        self.kind == KIND_CONST || self.flags() & Msg::SHARED != 0
    }

    /// Stored inline in the message.
    pub fn is_vsm(&self) -> bool {
        self.kind == KIND_VSM
    }

    /// Constant data (a caller's buffer without free function).
    pub fn is_const(&self) -> bool {
        self.kind == KIND_CONST
    }

    /// The pipe delimiter.
    pub fn is_delimiter(&self) -> bool {
        self.kind == KIND_DELIMITER
    }

    /// A pipe's metadata note.
    #[inline]
    pub fn is_metadata_note(&self) -> bool {
        self.kind == KIND_METADATA_NOTE
    }

    /// Take the properties out of a message (a metadata note's, or one
    /// about to be reused).
    pub fn take_metadata(&mut self) -> Option<Arc<Metadata>> {
        self.metadata.take()
    }

    /// A DISH join notice.
    pub fn is_join(&self) -> bool {
        self.kind == KIND_JOIN
    }

    /// A DISH leave notice.
    pub fn is_leave(&self) -> bool {
        self.kind == KIND_LEAVE
    }

    /// Move the message out, leaving an empty one (`zmq_msg_move`).
    /// `*self = new`, skipping the release work when `self` owns nothing
    /// (the usual case on the receive path: an empty message to fill).
    #[inline]
    pub fn replace_with(&mut self, new: Msg) {
        if self.kind == KIND_VSM && self.metadata.is_none() && !self.group.is_long() {
            // SAFETY: an inline message without metadata or long group owns
            // no resources, so overwriting it without dropping leaks nothing.
            unsafe { std::ptr::write(self, new) }
        } else {
            *self = new;
        }
    }

    /// Dropping this message would release nothing: no content reference,
    /// metadata or long group name.
    #[inline]
    fn owns_nothing(&self) -> bool {
        self.kind != KIND_SHARED && self.metadata.is_none() && !self.group.is_long()
    }

    /// Write an inline message of `size` zero bytes (at most
    /// [`MAX_VSM_SIZE`]) straight into `p` (`zmq_msg_init_size`'s fast path;
    /// stores straight into the caller's `zmq_msg_t`, no temporary).
    ///
    /// # Safety
    /// `p` is aligned and valid for writes of 64 bytes; whatever it held is
    /// overwritten without being dropped.
    #[inline]
    pub unsafe fn write_vsm(p: *mut Msg, size: usize) {
        debug_assert!(size <= MAX_VSM_SIZE);
        let body = Body {
            vsm: Vsm {
                data: [0; MAX_VSM_SIZE],
                size: size.min(MAX_VSM_SIZE) as u8,
                _pad: 0,
            },
        };
        // SAFETY: the caller's promise.
        unsafe { Msg::write_fresh(p, KIND_VSM, body) };
    }

    /// Write a fresh message of `kind` with `body` at `p`, field by field,
    /// so the stores go straight to `p` rather than through a temporary on
    /// the stack.
    ///
    /// # Safety
    /// As [`write_vsm`](Self::write_vsm); `body` is the variant `kind` uses,
    /// and what it holds (a content reference) passes to the message.
    #[inline(always)]
    unsafe fn write_fresh(p: *mut Msg, kind: u8, body: Body) {
        // SAFETY: the caller's promise.
        unsafe {
            ptr::addr_of_mut!((*p).metadata).write(None);
            ptr::addr_of_mut!((*p).body).write(UnsafeCell::new(body));
            ptr::addr_of_mut!((*p).group).write(Group::empty());
            ptr::addr_of_mut!((*p).routing_id).write(0);
            ptr::addr_of_mut!((*p).kind).write(kind);
            ptr::addr_of_mut!((*p).flags).write(AtomicU8::new(0));
            ptr::addr_of_mut!((*p).cmd).write(0);
            ptr::addr_of_mut!((*p).check).write(kind ^ CHECK_XOR);
        }
    }

    /// Write a new message of `size` uninitialised bytes (more than
    /// MAX_VSM_SIZE) at `p`, as `with_size_uninit` builds one, but field by
    /// field in place (`zmq_msg_init_size`'s path for pooled sizes: no
    /// 64-byte temporary moved through return values).
    ///
    /// # Safety
    /// As [`write_vsm`](Self::write_vsm); every byte must be written before
    /// it is read, as for `with_size_uninit`.
    #[inline]
    pub unsafe fn write_sized(p: *mut Msg, size: usize) -> Result<()> {
        let (content, data) = Content::alloc_with_bytes(size)?;
        let body = Body {
            ext: Ext {
                content: Some(content),
                data,
                size,
                _unused: 0,
            },
        };
        // SAFETY: the caller's promise; the message takes over the one
        // reference of the new content, which holds `size` bytes at `data`.
        unsafe { Msg::write_fresh(p, KIND_SHARED, body) };
        Ok(())
    }

    /// Is this an empty inline message that owns nothing?
    #[inline]
    pub fn is_blank(&self) -> bool {
        self.kind == KIND_VSM
            && self.size() == 0
            && self.metadata.is_none()
            && !self.group.is_long()
    }

    pub fn take(&mut self) -> Msg {
        std::mem::take(self)
    }

    #[cfg(test)]
    fn content_refs(&self) -> Option<usize> {
        let c = self.ext()?.content?;
        // SAFETY: we hold a reference.
        Some(unsafe { Content::refs(c) })
    }

    // ---- raw access for the C API, where the bytes may not be a live message ----

    /// Whether `p` holds a live message, as libzmq's `check()`: the kind byte is
    /// a valid kind and the check byte matches. Only those two bytes are read.
    ///
    /// # Safety
    /// `p` must be non-null, aligned, and valid for reads of 64 bytes.
    pub unsafe fn is_live(p: *const Msg) -> bool {
        // SAFETY: the caller guarantees 64 readable bytes at `p`.
        let (kind, check) = unsafe {
            (
                ptr::addr_of!((*p).kind).read(),
                ptr::addr_of!((*p).check).read(),
            )
        };
        matches!(
            kind,
            KIND_VSM | KIND_SHARED | KIND_DELIMITER | KIND_CONST | KIND_JOIN | KIND_LEAVE
        ) && check == kind ^ CHECK_XOR
    }

    /// The flags byte, live message or not (libzmq reads it unchecked, so a
    /// closed message still answers `zmq_msg_more` with its last flags).
    ///
    /// # Safety
    /// As [`is_live`](Self::is_live).
    pub unsafe fn peek_flags(p: *const Msg) -> u8 {
        // SAFETY: the caller guarantees 64 readable bytes at `p`.
        unsafe { ptr::addr_of!((*p).flags).cast::<u8>().read() }
    }

    /// `ZMQ_SHARED` from the raw bytes, live message or not (as libzmq).
    ///
    /// # Safety
    /// As [`is_live`](Self::is_live).
    pub unsafe fn peek_shared(p: *const Msg) -> bool {
        // SAFETY: the caller guarantees 64 readable bytes at `p`.
        unsafe {
            (Msg::is_live(p) && ptr::addr_of!((*p).kind).read() == KIND_CONST)
                || Msg::peek_flags(p) & Msg::SHARED != 0
        }
    }

    /// The routing id field, live message or not (as libzmq).
    ///
    /// # Safety
    /// As [`is_live`](Self::is_live).
    pub unsafe fn peek_routing_id(p: *const Msg) -> u32 {
        // SAFETY: the caller guarantees 64 readable bytes at `p`.
        unsafe { ptr::addr_of!((*p).routing_id).read() }
    }

    /// Release a live message in place and mark it closed (`zmq_msg_close`).
    /// The flags byte is kept, as libzmq keeps it.
    ///
    /// # Safety
    /// `p` must point at a live message (see [`is_live`](Self::is_live)) that
    /// nothing else will drop; afterwards it must not be used as a `Msg` until
    /// re-initialised with `ptr::write`.
    pub unsafe fn close_in_place(p: *mut Msg) {
        // SAFETY: the caller guarantees a live message that we may drop; one
        // that owns nothing needs no drop (the common case: a small message).
        unsafe {
            if !(*p).owns_nothing() {
                ptr::drop_in_place(p);
            }
            ptr::addr_of_mut!((*p).kind).write(KIND_CLOSED);
            ptr::addr_of_mut!((*p).check).write(KIND_CLOSED);
        }
    }
}

impl Default for Msg {
    fn default() -> Msg {
        Msg::new()
    }
}

impl Clone for Msg {
    /// `zmq_msg_copy`: shared content gets one more reference and both sides
    /// are flagged SHARED; inline and constant messages are bit-copied.
    fn clone(&self) -> Msg {
        self.add_shares(1);
        // SAFETY: the reference the copy holds was just added.
        unsafe { self.copy_shared() }
    }
}

impl Msg {
    /// `n` copies of this message, as `n` clones, with the references to
    /// shared content added in one step (see [`add_shares`](Self::add_shares)).
    /// The fan-out itself writes its copies in place (`copy_shared_to`).
    #[cfg(test)]
    pub fn clones(&self, n: usize) -> impl Iterator<Item = Msg> + '_ {
        self.add_shares(n);
        // SAFETY: each copy takes one of the `n` references added above.
        (0..n).map(|_| unsafe { self.copy_shared() })
    }

    /// Add `n` references to shared content (if any) for copies about to be
    /// made with [`copy_shared_to`](Self::copy_shared_to), and flag the
    /// content as shared: a PUB's fan-out to `n` pipes pays one atomic
    /// operation per message, not one per subscriber.
    pub(crate) fn add_shares(&self, n: usize) {
        if n == 0 {
            return;
        }
        if let Some(Ext {
            content: Some(c), ..
        }) = self.ext()
        {
            // SAFETY: we hold a reference to the content.
            unsafe { Content::add_refs(c, n) };
            let flags = self.flags();
            if flags & Msg::SHARED == 0 {
                // A plain store: only clones (which all set this same bit) can
                // run concurrently with us; flag changes need `&mut self`.
                self.flags.store(flags | Msg::SHARED, Ordering::Relaxed);
            }
        }
    }

    /// A copy of this message that takes over a reference to its content.
    ///
    /// # Safety
    /// As [`copy_shared_to`](Self::copy_shared_to).
    unsafe fn copy_shared(&self) -> Msg {
        let mut copy = std::mem::MaybeUninit::<Msg>::uninit();
        // SAFETY: `copy` is writable; the caller's reference goes to it.
        unsafe {
            self.copy_shared_to(copy.as_mut_ptr());
            copy.assume_init()
        }
    }

    /// Write a copy of this message, which takes over a reference to its
    /// content, to `dst` (a pipe slot): the 64 bytes go in one block copy.
    /// Built field by field and moved, the copy went through the stack
    /// twice on its way, and loads that straddled the fields' smaller stores
    /// could not be served from the store buffer: a PUB's send to 50
    /// subscribers spent most of its time stalled there.
    ///
    /// # Safety
    /// A reference for the copy was added through `add_shares`, not yet
    /// taken by another copy; `dst` is valid for writing a `Msg` (whatever
    /// it holds is overwritten, not dropped).
    #[inline(always)]
    pub(crate) unsafe fn copy_shared_to(&self, dst: *mut Msg) {
        // SAFETY: the caller vouches for `dst`. A bitwise copy duplicates
        // the body's content reference (the caller's, added by add_shares),
        // the metadata and the group; the two forgotten clones below give
        // the copy references of its own to those. `flags` is only ever
        // changed through `&mut self` or to the value it already holds
        // (add_shares), so reading it as bytes races with nothing.
        unsafe { ptr::copy_nonoverlapping(self as *const Msg, dst, 1) };
        std::mem::forget(self.metadata.clone());
        std::mem::forget(self.group.clone());
    }
}

impl Drop for Msg {
    fn drop(&mut self) {
        if let Some(Ext {
            content: Some(c), ..
        }) = self.ext()
        {
            // SAFETY: this message owns one reference and gives it up.
            unsafe { Content::release(c) }
        }
        // metadata and group drop themselves.
    }
}

impl fmt::Debug for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            KIND_VSM => "vsm",
            KIND_SHARED => "shared",
            KIND_CONST => "const",
            KIND_DELIMITER => "delimiter",
            KIND_JOIN => "join",
            KIND_LEAVE => "leave",
            KIND_METADATA_NOTE => "metadata-note",
            _ => "invalid",
        };
        let mut d = f.debug_struct("Msg");
        d.field("kind", &kind)
            .field("size", &self.size())
            .field("flags", &format_args!("{:#04x}", self.flags()));
        if self.cmd != 0 {
            d.field("command", &self.command_type());
        }
        if self.routing_id != 0 {
            d.field("routing_id", &self.routing_id);
        }
        if !self.group().is_empty() {
            d.field("group", &self.group());
        }
        d.finish()
    }
}

#[cfg(test)]
mod tests;
