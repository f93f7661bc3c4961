//! Storage for large message bodies: pages mapped for them, and a cache that
//! hands released ones to the next large body of the same size class.
//!
//! Why not the allocator: a queue of large messages is allocated in bursts
//! (credit comes back every half HWM: 500 bodies at once) and released one by
//! one by another thread. glibc serves them from its main heap and gives the
//! heap's top back to the kernel whenever it is free, so a later burst gets
//! fresh pages that the kernel must fault in (and zero, once written) again.
//! Two processes over tcp at 1 MiB, the sending process took 75-150 faults a
//! message, 64 of them the first fill of its queue, and its throughput
//! followed the count from run to run. From here a steady stream of large
//! messages faults its pages in once.
//!
//! What is kept is bounded by what was in use: a released body is kept only
//! while everything mapped stays within the most bytes in use during this
//! period or the one before ([`PERIOD`]); when a period ends, what exceeds
//! the peak of the one just ended is unmapped. So the mapped total never
//! grows past the recent peak in use, and what a burst needed goes back to
//! the kernel within two periods of the bursts stopping (checked on each
//! release), or when a context terminates ([`Large::drain`]).

use std::alloc::Layout;
use std::ptr::{self, NonNull};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Bodies (with their header) of at least this many bytes come from here:
/// glibc's own first threshold for giving an allocation pages of its own.
pub(crate) const MIN: usize = 128 << 10;

/// How long what a burst needed is kept after the bursts stop.
const PERIOD: Duration = Duration::from_secs(1);

/// Distinct size classes kept at once; a body of another class is unmapped
/// when it is released.
const MAX_CLASSES: usize = 8;

/// Size classes per doubling: a body is mapped at most 1/8 larger than asked
/// (address space only: the pages past the body are never touched).
const CLASS_STEPS: usize = 8;

const PAGE: usize = 4096;

/// Mapped storage for large bodies and its cache. There are two, never
/// sharing a mapping: the pages of a body the application filled (or left
/// untouched, as the perf programs do, so that reading them maps the kernel's
/// shared zero page) and those the kernel wrote received bytes into behave
/// differently on reuse. A receive buffer read into pages still mapped to the
/// zero page takes a copy-on-write fault and a TLB flush on every CPU per
/// page: one process sending and receiving 1 MiB bodies through one cache
/// spent a sixth of its time there and ran at half the speed.
pub(crate) struct Large {
    cache: Mutex<Cache>,
    period: Duration,
}

/// Bodies the application allocates (`zmq_msg_init_size`, copies).
pub(crate) static SENT: Large = Large::new(PERIOD);
/// Bodies the decoder reads network bytes into.
pub(crate) static RECEIVED: Large = Large::new(PERIOD);

struct Class {
    len: usize,
    /// Addresses of released mappings of `len` bytes.
    blocks: Vec<usize>,
}

struct Cache {
    classes: Vec<Class>,
    /// Bytes of released mappings kept.
    cached: usize,
    /// Bytes of mappings in use.
    in_use: usize,
    /// The most bytes in use since `period_start`.
    peak: usize,
    /// The most bytes in use in the period before.
    last_peak: usize,
    period_start: Option<Instant>,
}

/// The mapping length for `size` bytes: rounded up to its size class.
fn class_len(size: usize) -> Option<usize> {
    let size = size.max(MIN);
    let top = usize::BITS - 1 - size.leading_zeros();
    let step = (1usize << top) / CLASS_STEPS;
    let len = size.checked_add(step - 1)? / step * step;
    Some(len.checked_add(PAGE - 1)? / PAGE * PAGE)
}

impl Large {
    const fn new(period: Duration) -> Large {
        Large {
            cache: Mutex::new(Cache {
                classes: Vec::new(),
                cached: 0,
                in_use: 0,
                peak: 0,
                last_peak: 0,
                period_start: None,
            }),
            period,
        }
    }

    fn cache(&self) -> MutexGuard<'_, Cache> {
        // Every update under the lock is plain arithmetic and pushes that
        // leave the numbers consistent, so a poisoned lock is still usable.
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Storage for `layout` (of at least [`MIN`] bytes, aligned to at most a
    /// page), or null if the kernel refuses.
    pub(crate) fn alloc(&self, layout: Layout) -> *mut u8 {
        debug_assert!(layout.size() >= MIN && layout.align() <= PAGE);
        let Some(len) = class_len(layout.size()) else {
            return ptr::null_mut();
        };
        {
            let mut c = self.cache();
            let c = &mut *c;
            let kept = c.classes.iter_mut().find(|k| k.len == len);
            if let Some(addr) = kept.and_then(|k| k.blocks.pop()) {
                c.cached -= len;
                c.lend(len);
                return addr as *mut u8;
            }
        }
        // SAFETY: a fresh private anonymous mapping; no existing memory is
        // affected.
        let p = unsafe {
            libc::mmap(
                ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return ptr::null_mut();
        }
        self.cache().lend(len);
        p.cast()
    }

    /// Give back storage from [`alloc`](Self::alloc): kept for the next body
    /// of its class, or unmapped.
    ///
    /// # Safety
    /// `p` came from `self.alloc(layout)` and nothing refers to it any more.
    pub(crate) unsafe fn dealloc(&self, p: NonNull<u8>, layout: Layout) {
        let Some(len) = class_len(layout.size()) else {
            return;
        };
        let mut unmap = Vec::new();
        {
            let mut c = self.cache();
            let c = &mut *c;
            let now = Instant::now();
            let start = *c.period_start.get_or_insert(now);
            if now.duration_since(start) >= self.period {
                // A new period: keep no more than the one just ended needed.
                let keep = c.peak.saturating_sub(c.in_use);
                c.evict_beyond(keep, &mut unmap);
                c.last_peak = c.peak;
                c.peak = c.in_use;
                c.period_start = Some(now);
            }
            c.in_use -= len;
            let fits = c.cached + len + c.in_use <= c.peak.max(c.last_peak);
            // A class is made only for a body it will keep.
            match if fits { c.class_for(len) } else { None } {
                Some(class) => {
                    class.blocks.push(p.as_ptr() as usize);
                    c.cached += len;
                }
                _ => unmap.push((p.as_ptr() as usize, len)),
            }
        }
        unmap_all(unmap);
    }

    /// Unmap everything kept (a context terminates: nothing may run for a
    /// while).
    fn drain(&self) {
        let mut unmap = Vec::new();
        self.cache().evict_beyond(0, &mut unmap);
        unmap_all(unmap);
    }

    /// Bytes kept for reuse (tests).
    #[cfg(test)]
    fn cached(&self) -> usize {
        self.cache().cached
    }
}

/// Unmap what both caches keep (a context terminates).
pub(crate) fn release_kept() {
    SENT.drain();
    RECEIVED.drain();
}

impl Cache {
    /// Count `len` more bytes in use.
    fn lend(&mut self, len: usize) {
        self.in_use += len;
        self.peak = self.peak.max(self.in_use);
    }

    /// The class of mappings of `len` bytes, made if there is room for it.
    fn class_for(&mut self, len: usize) -> Option<&mut Class> {
        match self.classes.iter().position(|k| k.len == len) {
            Some(i) => Some(&mut self.classes[i]),
            None if self.classes.len() < MAX_CLASSES => {
                self.classes.push(Class {
                    len,
                    blocks: Vec::new(),
                });
                self.classes.last_mut()
            }
            None => None,
        }
    }

    /// Move kept mappings out (to `unmap`) until at most `keep` bytes stay.
    fn evict_beyond(&mut self, keep: usize, unmap: &mut Vec<(usize, usize)>) {
        for class in &mut self.classes {
            while self.cached > keep {
                let Some(addr) = class.blocks.pop() else {
                    break;
                };
                self.cached -= class.len;
                unmap.push((addr, class.len));
            }
        }
        self.classes.retain(|k| !k.blocks.is_empty());
    }
}

fn unmap_all(unmap: Vec<(usize, usize)>) {
    for (addr, len) in unmap {
        // SAFETY: a mapping of `len` bytes made by `Large::alloc`, out of the
        // cache and referred to by nothing.
        unsafe { libc::munmap(addr as *mut libc::c_void, len) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: usize = 1 << 20;

    fn layout(size: usize) -> Layout {
        Layout::from_size_align(size, 8).unwrap()
    }

    fn take(large: &Large, size: usize) -> NonNull<u8> {
        let p = NonNull::new(large.alloc(layout(size))).expect("mapped");
        // The storage is usable: write its first and last byte.
        // SAFETY: `size` bytes were mapped at `p`.
        unsafe {
            p.as_ptr().write(1);
            p.as_ptr().add(size - 1).write(2);
        }
        p
    }

    #[test]
    fn classes_round_up_by_at_most_an_eighth_and_a_page() {
        for size in [MIN, MIN + 1, MIB, MIB + 40, 3 * MIB + 7, 1 << 30] {
            let len = class_len(size).unwrap();
            assert!(len >= size && len.is_multiple_of(PAGE), "{size} -> {len}");
            assert!(len <= size + size / CLASS_STEPS + PAGE, "{size} -> {len}");
        }
        assert_eq!(class_len(MIB + 40), class_len(MIB + 4000));
        assert_eq!(class_len(usize::MAX), None);
    }

    #[test]
    fn a_released_body_serves_the_next_of_its_class() {
        let large = Large::new(PERIOD);
        let a = take(&large, MIB + 40);
        // SAFETY: from `take` with this size, not used after.
        unsafe { large.dealloc(a, layout(MIB + 40)) };
        assert!(large.cached() >= MIB);
        let b = take(&large, MIB + 100);
        assert_eq!(a, b, "same class, same mapping");
        assert_eq!(large.cached(), 0);
        // SAFETY: as above.
        unsafe { large.dealloc(b, layout(MIB + 100)) };
        large.drain();
        assert_eq!(large.cached(), 0);
    }

    #[test]
    fn a_burst_is_kept_while_it_recurs_and_given_back_when_it_stops() {
        let large = Large::new(PERIOD);
        let size = 256 << 10;
        let burst: Vec<_> = (0..8).map(|_| take(&large, size)).collect();
        let len = class_len(size).unwrap();
        for &p in &burst {
            // SAFETY: from `take` with this size, not used after.
            unsafe { large.dealloc(p, layout(size)) };
        }
        assert_eq!(large.cached(), 8 * len, "all kept: within the peak in use");
        // The next burst is served from the cache: nothing new is mapped.
        let again: Vec<_> = (0..8).map(|_| take(&large, size)).collect();
        let mut a = burst.clone();
        let mut b = again.clone();
        a.sort();
        b.sort();
        assert_eq!(a, b);
        for &p in &again {
            // SAFETY: as above.
            unsafe { large.dealloc(p, layout(size)) };
        }
        // Periods pass with one body in use at a time: the cache shrinks to
        // what that needs.
        let quiet = Large::new(Duration::ZERO);
        let burst: Vec<_> = (0..8).map(|_| take(&quiet, size)).collect();
        for &p in &burst {
            // SAFETY: as above.
            unsafe { quiet.dealloc(p, layout(size)) };
        }
        for _ in 0..8 {
            let p = take(&quiet, size);
            // SAFETY: as above.
            unsafe { quiet.dealloc(p, layout(size)) };
        }
        assert!(
            quiet.cached() <= len,
            "kept {} after quiet periods",
            quiet.cached()
        );
        large.drain();
        quiet.drain();
        assert_eq!(large.cached() + quiet.cached(), 0);
    }

    #[test]
    fn what_is_mapped_stays_within_the_peak_in_use() {
        // Bodies of a new size while others are kept: the kept ones do not
        // pile up beyond the most that was ever in use at once.
        let large = Large::new(PERIOD);
        let mut peak = 0;
        for (i, size) in [MIN, 2 * MIN, 3 * MIN, 5 * MIN, 7 * MIN].iter().enumerate() {
            let held: Vec<_> = (0..=i).map(|_| take(&large, *size)).collect();
            peak = peak.max(held.len() * class_len(*size).unwrap());
            for p in held {
                // SAFETY: from `take` with this size, not used after.
                unsafe { large.dealloc(p, layout(*size)) };
            }
            assert!(
                large.cached() <= peak,
                "kept {} > peak {peak}",
                large.cached()
            );
        }
        large.drain();
    }
}
