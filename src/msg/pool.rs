//! Storage pool for message content of up to [`MAX_POOLED`] bytes.
//!
//! A message is typically allocated by one thread (the sender) and freed by
//! another (the receiver, or the I/O thread once the bytes are on the wire).
//! Through malloc that pattern is the slow path of every allocator: glibc's
//! free takes the lock of the sender's arena, contends with the sender's own
//! mallocs, and trims and re-faults the arena's pages as the backlog swings.
//! Here freed storage is kept instead, per size class:
//!
//! - each thread has a small cache per class (two lists of up to
//!   `mag(class)` blocks, as in Bonwick's magazine allocator): taking and
//!   giving a block there is a few plain loads and stores;
//! - a full list moves to the class's depot (msg/depot.rs), a bounded
//!   lock-free queue shared by all threads, where a thread whose cache ran dry picks it up whole:
//!   one atomic operation per `mag(class)` messages, so a producer thread
//!   and a consumer thread trade storage without touching malloc at all;
//! - the depot is bounded (about [`DEPOT_BYTES`] per class); beyond that and
//!   when a thread's cache is unreachable (its thread-locals are being torn
//!   down) storage goes back to the allocator.
//!
//! Free blocks are linked through their own first word; the head of a list in
//! the depot also keeps the list's length in its second word. A block is the
//! content header (see [`HEADER_SIZE`]) followed by the class's capacity of bytes, so it always
//! has room for both words.

use std::alloc::{self, Layout};
use std::cell::Cell;
use std::ptr::{self, NonNull};
use std::sync::OnceLock;

use super::depot::Depot;

/// The header the content layer (msg/content.rs) keeps in front of a
/// block's bytes: its `Content`, whose size and alignment content.rs checks
/// against these at compile time. Stated here rather than imported so the
/// pool does not depend on its user.
pub(crate) const HEADER_SIZE: usize = 40;
pub(crate) const HEADER_ALIGN: usize = 8;

/// Byte capacities of the classes: powers of two and the halves between
/// them, so a block wastes at most a third of itself.
const CAPS: [usize; 15] = [
    64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192,
];
const CLASSES: usize = CAPS.len();

/// The largest message body that comes from the pool.
pub(crate) const MAX_POOLED: usize = CAPS[CLASSES - 1];

/// Bytes of free storage one class's depot may hold, roughly.
const DEPOT_BYTES: usize = 1 << 20;

/// Blocks per cached list: about 32 KiB of storage, at least 4 and at most 64
/// blocks.
const fn mag(class: usize) -> u32 {
    let n = (32 << 10) / CAPS[class];
    if n < 4 {
        4
    } else if n > 64 {
        64
    } else {
        n as u32
    }
}

/// The class holding `size` bytes, if any is big enough.
#[inline]
pub(crate) fn class_of(size: usize) -> Option<usize> {
    if size <= CAPS[0] {
        return Some(0);
    }
    if size > MAX_POOLED {
        return None;
    }
    // size is in (2^p, 2^(p+1)] with p >= 6: the class is 1.5 * 2^p or
    // 2^(p+1), whichever is the first to fit.
    let p = (usize::BITS - 1 - (size - 1).leading_zeros()) as usize;
    let base = 1usize << p;
    let idx = 2 * (p - 6) + if size <= base + base / 2 { 1 } else { 2 };
    Some(idx)
}

/// Bytes a block of `class` offers after its header.
#[cfg(all(test, not(loom)))]
fn capacity(class: usize) -> usize {
    CAPS[class]
}

/// A block of `class`: the header followed by the class's capacity.
#[inline]
fn layout(class: usize) -> Layout {
    // SAFETY: the header's alignment is a power of two, and a header plus
    // at most 8 KiB is far below isize::MAX. (A fallback layout here would
    // free a block with the wrong size.)
    unsafe { Layout::from_size_align_unchecked(HEADER_SIZE + CAPS[class], HEADER_ALIGN) }
}

/// A list of free blocks linked through their first word.
#[derive(Clone, Copy)]
struct List {
    head: *mut u8,
    len: u32,
}

const EMPTY: List = List {
    head: ptr::null_mut(),
    len: 0,
};

impl List {
    /// # Safety
    /// `self` is non-empty and its blocks are free and owned by the caller.
    unsafe fn pop(&mut self) -> *mut u8 {
        let b = self.head;
        // SAFETY: a free block's first word is its link (see module docs).
        self.head = unsafe { b.cast::<*mut u8>().read() };
        self.len -= 1;
        b
    }

    /// # Safety
    /// `b` is a free block of this list's class, owned by the caller.
    unsafe fn push(&mut self, b: *mut u8) {
        // SAFETY: the block is ours and at least two words long.
        unsafe { b.cast::<*mut u8>().write(self.head) };
        self.head = b;
        self.len += 1;
    }

    /// Give every block back to the allocator.
    ///
    /// # Safety
    /// The blocks are free blocks of `class`, owned by the caller.
    unsafe fn release_all(mut self, class: usize) {
        while self.len > 0 {
            // SAFETY: the caller owns these free blocks, allocated with
            // `layout(class)`.
            unsafe { alloc::dealloc(self.pop(), layout(class)) };
        }
    }
}

/// A full list on its way between threads (the depot owns its blocks).
struct Batch(NonNull<u8>);

// SAFETY: a batch is a list of free blocks that nobody else refers to; it is
// handed whole from one thread to another through the queue.
unsafe impl Send for Batch {}

fn depot(class: usize) -> &'static Depot<Batch> {
    static DEPOTS: [OnceLock<Depot<Batch>>; CLASSES] = [const { OnceLock::new() }; CLASSES];
    DEPOTS[class].get_or_init(|| {
        let per_batch = mag(class) as usize * CAPS[class];
        Depot::new((DEPOT_BYTES / per_batch).clamp(4, 64))
    })
}

/// Hand a list to the depot, or to the allocator if the depot is full.
///
/// # Safety
/// The list's blocks are free blocks of `class`, owned by the caller.
unsafe fn retire(list: List, class: usize) {
    let Some(head) = NonNull::new(list.head) else {
        return;
    };
    // SAFETY: the head is ours; its second word records the list's length.
    unsafe {
        head.as_ptr()
            .cast::<usize>()
            .add(1)
            .write(list.len as usize)
    };
    if let Err(Batch(_)) = depot(class).push(Batch(head)) {
        // SAFETY: still ours: the depot refused it.
        unsafe { list.release_all(class) };
    }
}

/// One thread's cache: a current and a previous list per class.
struct Cache {
    cur: [Cell<List>; CLASSES],
    prev: [Cell<List>; CLASSES],
}

impl Drop for Cache {
    fn drop(&mut self) {
        for class in 0..CLASSES {
            for cell in [&self.cur[class], &self.prev[class]] {
                // SAFETY: the cache owns its free blocks; it is going away.
                unsafe { retire(cell.replace(EMPTY), class) };
            }
        }
    }
}

thread_local! {
    static CACHE: Cache = const {
        Cache {
            cur: [const { Cell::new(EMPTY) }; CLASSES],
            prev: [const { Cell::new(EMPTY) }; CLASSES],
        }
    };
}

/// A block of `class` (uninitialised as far as the caller is concerned), or
/// None if no memory is left.
#[inline]
pub(crate) fn alloc(class: usize) -> Option<NonNull<u8>> {
    let cached = CACHE
        .try_with(|c| {
            let mut cur = c.cur[class].get();
            if cur.len == 0 {
                let prev = c.prev[class].replace(EMPTY);
                cur = if prev.len > 0 {
                    prev
                } else if let Some(Batch(head)) = depot(class).pop() {
                    // SAFETY: the batch is ours now; retire wrote its length.
                    let len = unsafe { head.as_ptr().cast::<usize>().add(1).read() };
                    List {
                        head: head.as_ptr(),
                        len: len as u32,
                    }
                } else {
                    return ptr::null_mut();
                };
            }
            // SAFETY: non-empty, and this thread's cache owns its blocks.
            let b = unsafe { cur.pop() };
            c.cur[class].set(cur);
            b
        })
        .unwrap_or(ptr::null_mut());
    if let Some(b) = NonNull::new(cached) {
        return Some(b);
    }
    // SAFETY: the layout has a non-zero size (it contains the header).
    NonNull::new(unsafe { alloc::alloc(layout(class)) })
}

/// Give back a block that [`alloc`] returned for `class`.
///
/// # Safety
/// `b` came from `alloc(class)` (on any thread) and nothing refers to it.
#[inline]
pub(crate) unsafe fn free(class: usize, b: NonNull<u8>) {
    let kept = CACHE.try_with(|c| {
        let mut cur = c.cur[class].get();
        if cur.len >= mag(class) {
            // Keep the full list as `prev`; one kept there already moves on
            // to the depot.
            let full = c.prev[class].replace(cur);
            // SAFETY: this thread's cache owned `full`'s blocks.
            unsafe { retire(full, class) };
            cur = EMPTY;
        }
        // SAFETY: the caller gives us the block.
        unsafe { cur.push(b.as_ptr()) };
        c.cur[class].set(cur);
    });
    if kept.is_err() {
        // This thread's cache is gone (thread-locals being destroyed).
        // SAFETY: the block was allocated with `layout(class)`.
        unsafe { alloc::dealloc(b.as_ptr(), layout(class)) };
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn classes_are_the_first_that_fit() {
        assert_eq!(class_of(0), Some(0));
        assert_eq!(class_of(31), Some(0));
        assert_eq!(class_of(64), Some(0));
        for size in 1..=MAX_POOLED {
            let c = class_of(size).unwrap();
            assert!(capacity(c) >= size, "{size} -> {}", capacity(c));
            if c > 0 {
                assert!(capacity(c - 1) < size, "{size}: class {c} is not the first");
            }
        }
        assert_eq!(class_of(MAX_POOLED + 1), None);
    }

    #[test]
    fn storage_is_reused_within_a_thread() {
        let c = class_of(1000).unwrap();
        let a = alloc(c).unwrap();
        // SAFETY: from alloc(c), unused.
        unsafe { free(c, a) };
        let b = alloc(c).unwrap();
        assert_eq!(a, b);
        // SAFETY: as above.
        unsafe { free(c, b) };
    }

    #[test]
    fn storage_moves_from_the_freeing_thread_to_the_allocating_one() {
        // A producer allocates, a consumer frees: after the first lists have
        // made the round trip through the depot the producer gets back
        // storage the consumer released.
        let c = class_of(3000).unwrap();
        let n = mag(c) as usize * 8;
        let first: Vec<usize> = (0..n)
            .map(|_| alloc(c).unwrap().as_ptr() as usize)
            .collect();
        let sent = first.clone();
        std::thread::spawn(move || {
            for p in sent {
                // SAFETY: from alloc(c) on the other thread, unused.
                unsafe { free(c, NonNull::new(p as *mut u8).unwrap()) };
            }
        })
        .join()
        .unwrap();
        let again: Vec<usize> = (0..n)
            .map(|_| alloc(c).unwrap().as_ptr() as usize)
            .collect();
        let reused = again.iter().filter(|p| first.contains(p)).count();
        assert!(reused >= n / 2, "only {reused} of {n} blocks came back");
        for p in again {
            // SAFETY: from alloc(c), unused.
            unsafe { free(c, NonNull::new(p as *mut u8).unwrap()) };
        }
    }
}
