//! The RADIO/DISH group of a message: 16 bytes inside the `zmq_msg_t`.
//!
//! Up to 14 bytes live inline (NUL-terminated, so `zmq_msg_group` can return a
//! pointer into the message); longer names (up to `ZMQ_GROUP_MAX_LENGTH`, 255)
//! go into one refcounted allocation shared by every copy of the message.

use std::alloc::{self, Layout};
use std::ffi::CStr;
use std::ptr::NonNull;
use std::sync::atomic::{fence, AtomicUsize, Ordering};

use crate::error::{Errno, Result};

/// The longest group name (`ZMQ_GROUP_MAX_LENGTH`).
pub const GROUP_MAX_LENGTH: usize = 255;

/// Longest name kept inline: 15 bytes of room, one of them for the NUL.
const INLINE_MAX: usize = 14;

/// Tag byte of a long (heap) group; inline groups store their length there.
const LONG_TAG: u8 = 0xff;

/// A heap group name shared by message copies.
struct LongGroup {
    refcnt: AtomicUsize,
    /// Name bytes followed by a NUL.
    name: [u8; GROUP_MAX_LENGTH + 1],
}

#[repr(C)]
#[derive(Clone, Copy)]
struct Inline {
    /// Length of the name, 0..=14.
    len: u8,
    /// Name bytes followed by a NUL.
    name: [u8; INLINE_MAX + 1],
}

#[repr(C)]
#[derive(Clone, Copy)]
struct Long {
    /// Always `LONG_TAG`.
    tag: u8,
    _pad: [u8; 7],
    ptr: NonNull<LongGroup>,
}

#[repr(C)]
union Repr {
    inline: Inline,
    long: Long,
}

/// A message's group. Cloning shares a long name (refcount); dropping releases it.
#[repr(C)]
pub(crate) struct Group(Repr);

const _: () = assert!(std::mem::size_of::<Group>() == 16);
const _: () = assert!(std::mem::align_of::<Group>() == 8);

impl Group {
    /// The empty group.
    pub(crate) const fn empty() -> Group {
        Group(Repr {
            inline: Inline {
                len: 0,
                name: [0; INLINE_MAX + 1],
            },
        })
    }

    /// Does dropping this group release anything?
    pub(crate) fn is_long(&self) -> bool {
        self.long().is_some()
    }

    fn long(&self) -> Option<NonNull<LongGroup>> {
        // SAFETY: the first byte is initialised in both variants.
        if unsafe { self.0.inline.len } == LONG_TAG {
            // SAFETY: the tag says the long variant is active.
            Some(unsafe { self.0.long.ptr })
        } else {
            None
        }
    }

    /// The name as a C string (what `zmq_msg_group` returns), valid as long as
    /// the group is not changed or dropped.
    pub(crate) fn as_cstr(&self) -> &CStr {
        let bytes: &[u8] = match self.long() {
            // SAFETY: we hold a reference to the long group, so it is alive;
            // its name is NUL-terminated.
            Some(p) => unsafe { &(*p.as_ptr()).name },
            // SAFETY: not long, so the inline variant is active.
            None => unsafe { &self.0.inline.name },
        };
        // Names never contain a NUL (checked by `set`) and are NUL-terminated.
        CStr::from_bytes_until_nul(bytes).unwrap_or_default()
    }

    /// Replace the name. EINVAL if it is longer than 255 bytes or contains a
    /// NUL (it could not be returned as a C string); ENOMEM if a long name
    /// cannot be allocated. On error the group is unchanged.
    pub(crate) fn set(&mut self, name: &[u8]) -> Result<()> {
        if name.len() > GROUP_MAX_LENGTH || name.contains(&0) {
            return Err(Errno::EINVAL);
        }
        let new = if name.len() <= INLINE_MAX {
            let mut inline = Inline {
                len: name.len() as u8,
                name: [0; INLINE_MAX + 1],
            };
            inline.name[..name.len()].copy_from_slice(name);
            Group(Repr { inline })
        } else {
            let layout = Layout::new::<LongGroup>();
            // SAFETY: `LongGroup` has a non-zero size.
            let raw = unsafe { alloc::alloc(layout) }.cast::<LongGroup>();
            let ptr = NonNull::new(raw).ok_or(Errno::ENOMEM)?;
            let mut long = LongGroup {
                refcnt: AtomicUsize::new(1),
                name: [0; GROUP_MAX_LENGTH + 1],
            };
            long.name[..name.len()].copy_from_slice(name);
            // SAFETY: fresh, aligned allocation for one `LongGroup`.
            unsafe { ptr.as_ptr().write(long) };
            Group(Repr {
                long: Long {
                    tag: LONG_TAG,
                    _pad: [0; 7],
                    ptr,
                },
            })
        };
        *self = new; // drops (releases) the old name
        Ok(())
    }
}

impl Clone for Group {
    fn clone(&self) -> Group {
        match self.long() {
            Some(p) => {
                // SAFETY: we hold a reference, so the long group is alive.
                let old = unsafe { p.as_ref() }.refcnt.fetch_add(1, Ordering::Relaxed);
                if old > isize::MAX as usize {
                    std::process::abort();
                }
                Group(Repr {
                    long: Long {
                        tag: LONG_TAG,
                        _pad: [0; 7],
                        ptr: p,
                    },
                })
            }
            // SAFETY: not long, so the inline variant is active (and plain bytes).
            None => Group(Repr {
                inline: unsafe { self.0.inline },
            }),
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        if let Some(p) = self.long() {
            // SAFETY: we hold a reference, so the long group is alive.
            if unsafe { p.as_ref() }.refcnt.fetch_sub(1, Ordering::Release) == 1 {
                fence(Ordering::Acquire);
                // SAFETY: that was the last reference; it was allocated with this layout.
                unsafe { alloc::dealloc(p.as_ptr().cast(), Layout::new::<LongGroup>()) }
            }
        }
    }
}

// SAFETY: a long group is immutable and refcounted atomically.
unsafe impl Send for Group {}
// SAFETY: as above; `&Group` only reads and adds references atomically.
unsafe impl Sync for Group {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_and_long() {
        let mut g = Group::empty();
        assert_eq!(g.as_cstr().to_bytes(), b"");
        g.set(b"fourteen chars").unwrap();
        assert!(g.long().is_none());
        assert_eq!(g.as_cstr().to_bytes(), b"fourteen chars");
        g.set(b"fifteen chars!!").unwrap();
        assert!(g.long().is_some());
        assert_eq!(g.as_cstr().to_bytes(), b"fifteen chars!!");
        let c = g.clone();
        // SAFETY: test peek at the live long group.
        assert_eq!(
            unsafe { c.long().unwrap().as_ref() }
                .refcnt
                .load(Ordering::Relaxed),
            2
        );
        drop(g);
        assert_eq!(c.as_cstr().to_bytes(), b"fifteen chars!!");
        let max = vec![b'x'; GROUP_MAX_LENGTH];
        let mut g = Group::empty();
        g.set(&max).unwrap();
        assert_eq!(g.as_cstr().to_bytes(), &max[..]);
        assert_eq!(g.set(&[b'y'; GROUP_MAX_LENGTH + 1]), Err(Errno::EINVAL));
        assert_eq!(g.as_cstr().to_bytes(), &max[..], "unchanged on error");
        assert_eq!(g.set(b"a\0b"), Err(Errno::EINVAL));
        g.set(b"short").unwrap();
        assert_eq!(g.as_cstr().to_bytes(), b"short");
    }
}
