//! A byte copy that stays inline for the sizes of small messages.
//!
//! A copy whose length is known only at run time goes through libc's
//! `memcpy`: a call through the PLT and a dispatch on the length, ~25
//! instructions before the first byte moves. Message bodies of a few dozen
//! bytes are copied once each way per message (into the encoder's batch on
//! the sending I/O thread, out of the read buffer into pooled storage on the
//! receiving one), so there the dispatch costs more than the copy. Up to
//! [`INLINE_MAX`] bytes are moved here as two overlapping blocks of the
//! largest power of two that fits: a few unaligned loads and stores.

use std::ptr;

/// The longest copy done inline; longer ones go to `memcpy`.
pub const INLINE_MAX: usize = 128;

/// Copy `len` bytes from `src` to `dst`.
///
/// # Safety
/// As `ptr::copy_nonoverlapping`: `src` readable and `dst` writable for
/// `len` bytes, the two ranges disjoint.
#[inline(always)]
pub unsafe fn copy_bytes(src: *const u8, dst: *mut u8, len: usize) {
    // SAFETY (every block below): both blocks of a pair lie inside the
    // `len` bytes the caller vouches for, as the pair's size is at most
    // `len`; unaligned reads and writes need no alignment.
    unsafe {
        if len > INLINE_MAX {
            ptr::copy_nonoverlapping(src, dst, len);
        } else if len >= 64 {
            pair::<64>(src, dst, len);
        } else if len >= 32 {
            pair::<32>(src, dst, len);
        } else if len >= 16 {
            pair::<16>(src, dst, len);
        } else if len >= 8 {
            pair::<8>(src, dst, len);
        } else if len >= 4 {
            pair::<4>(src, dst, len);
        } else if len > 0 {
            // 1 to 3 bytes: first, middle and last cover them all.
            *dst = *src;
            *dst.add(len / 2) = *src.add(len / 2);
            *dst.add(len - 1) = *src.add(len - 1);
        }
    }
}

/// The first and the last `N` of `len` bytes (`N <= len <= 2 * N`), both
/// read before either is written.
///
/// # Safety
/// As [`copy_bytes`], with `N <= len`.
#[inline(always)]
unsafe fn pair<const N: usize>(src: *const u8, dst: *mut u8, len: usize) {
    // SAFETY: see copy_bytes; both blocks end at or before `len`.
    unsafe {
        let head = src.cast::<[u8; N]>().read_unaligned();
        let tail = src.add(len - N).cast::<[u8; N]>().read_unaligned();
        dst.cast::<[u8; N]>().write_unaligned(head);
        dst.add(len - N).cast::<[u8; N]>().write_unaligned(tail);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every length up to past the inline limit, at every offset within
    /// a few words, against a plain slice copy; bytes around the target
    /// stay untouched.
    #[test]
    fn copies_exactly_the_bytes_asked() {
        let src: Vec<u8> = (0..200u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in 0..=INLINE_MAX + 9 {
            for so in 0..9 {
                for d_off in 0..9 {
                    let mut dst = vec![0xEEu8; 200];
                    // SAFETY: both ranges are in bounds and in different
                    // vectors.
                    unsafe { copy_bytes(src.as_ptr().add(so), dst.as_mut_ptr().add(d_off), len) };
                    assert_eq!(&dst[d_off..d_off + len], &src[so..so + len], "len {len}");
                    assert!(dst[..d_off].iter().all(|&b| b == 0xEE), "before, len {len}");
                    assert!(
                        dst[d_off + len..].iter().all(|&b| b == 0xEE),
                        "after, len {len}"
                    );
                }
            }
        }
    }
}
