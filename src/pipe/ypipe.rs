//! A single-producer/single-consumer queue of messages (libzmq's ypipe).
//!
//! One thread writes, one thread reads. A write is a plain store into a chunk;
//! only `flush` publishes (one atomic compare-and-swap per batch, e.g. per
//! multipart message). When the reader finds the queue empty it marks itself
//! asleep inside the same atomic (`c`), so the writer's next flush learns it
//! must wake the reader (flush returns false) and the reader never misses an
//! item: that is what lets the steady state run without syscalls.
//!
//! Positions are counted as u64 sequence numbers rather than pointers; `c`
//! holds the position up to which items are published, or ASLEEP.
//!
//! The atomics and cells come from util::sync, so the loom models at the end
//! (scripts/loom.sh) check this very code.

use crate::util::sync::{AtomicPtr, AtomicU64, UnsafeCell};
use crossbeam_utils::CachePadded;
use std::mem::MaybeUninit;
use std::ptr;
use std::sync::atomic::Ordering;

/// Items per chunk: enough that chunk hand-over is rare, small enough that an
/// idle pipe costs little (libzmq's message_pipe_granularity is also 256).
#[cfg(not(loom))]
const CHUNK: usize = 256;
/// Under loom: small, so that a few items cross chunks and recycle them.
#[cfg(loom)]
const CHUNK: usize = 2;
const ASLEEP: u64 = u64::MAX;

// Aligned so that every 64-byte message fills exactly one cache line: the
// reader taking item i never shares a line with the writer filling item i+1.
#[repr(C, align(128))]
struct Chunk<T> {
    slots: [UnsafeCell<MaybeUninit<T>>; CHUNK],
    next: AtomicPtr<Chunk<T>>,
}

impl<T> Chunk<T> {
    fn alloc() -> *mut Chunk<T> {
        let chunk: Box<Chunk<T>> = Box::new(Chunk {
            // SAFETY: an array of (transparent cells of) MaybeUninit needs no
            // initialisation.
            #[cfg(not(loom))]
            slots: unsafe { MaybeUninit::uninit().assume_init() },
            // loom's cells carry state of their own.
            #[cfg(loom)]
            slots: std::array::from_fn(|_| UnsafeCell::new(MaybeUninit::uninit())),
            next: AtomicPtr::new(ptr::null_mut()),
        });
        Box::into_raw(chunk)
    }
}

/// State touched only by the writer.
struct WriterState<T> {
    chunk: *mut Chunk<T>,
    /// Next position to write.
    back: u64,
    /// End of the last complete item written (what the next flush publishes).
    complete: u64,
    /// What the writer last published into `c`.
    published: u64,
}

/// State touched only by the reader.
struct ReaderState<T> {
    chunk: *mut Chunk<T>,
    /// Next position to read.
    front: u64,
    /// Positions below this are known to be published.
    readable: u64,
}

// Each thread's half, and the one word both touch, on cache lines of their
// own: the writer bumps `back` for every item and the reader `front`, and
// sharing a line would move it between the two cores on every message.
pub struct YPipe<T> {
    writer: CachePadded<UnsafeCell<WriterState<T>>>,
    reader: CachePadded<UnsafeCell<ReaderState<T>>>,
    /// Published end position, or ASLEEP when the reader went to sleep.
    c: CachePadded<AtomicU64>,
    /// One recycled chunk handed from the reader back to the writer, so the
    /// steady state allocates nothing.
    spare: AtomicPtr<Chunk<T>>,
}

// SAFETY: the writer and reader halves are each used by one thread at a time
// (the SPSC contract, upheld by the pipe ends owning them); items are handed
// over with release/acquire on `c`. T must be Send to cross threads.
unsafe impl<T: Send> Send for YPipe<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for YPipe<T> {}

impl<T> Default for YPipe<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> YPipe<T> {
    pub fn new() -> Self {
        let chunk = Chunk::alloc();
        YPipe {
            writer: CachePadded::new(UnsafeCell::new(WriterState {
                chunk,
                back: 0,
                complete: 0,
                published: 0,
            })),
            reader: CachePadded::new(UnsafeCell::new(ReaderState {
                chunk,
                front: 0,
                readable: 0,
            })),
            c: CachePadded::new(AtomicU64::new(0)),
            spare: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Append an item. `incomplete` items (non-final parts of a multipart
    /// message) are not published by the next flush.
    ///
    /// # Safety
    /// Only the single writer may call this.
    #[inline]
    pub unsafe fn write(&self, item: T, incomplete: bool) {
        // SAFETY: the caller is the only writer.
        self.writer
            .with_mut(|w| unsafe { self.write_as(&mut *w, item, incomplete) })
    }

    #[inline(always)]
    unsafe fn write_as(&self, w: &mut WriterState<T>, item: T, incomplete: bool) {
        // SAFETY: the caller is the only writer; the closure writes the slot.
        unsafe { self.write_in_place_as(w, incomplete, |slot| slot.write(item)) }
    }

    /// Append an item that `fill` writes straight into its slot (which it
    /// must initialise), instead of moving a finished one in.
    ///
    /// # Safety
    /// Only the single writer may call this; `fill` initialises the `T` its
    /// pointer is given.
    #[inline]
    pub unsafe fn write_in_place(&self, incomplete: bool, fill: impl FnOnce(*mut T)) {
        // SAFETY: the caller is the only writer and `fill` initialises the slot.
        self.writer
            .with_mut(|w| unsafe { self.write_in_place_as(&mut *w, incomplete, fill) })
    }

    #[inline(always)]
    unsafe fn write_in_place_as(
        &self,
        w: &mut WriterState<T>,
        incomplete: bool,
        fill: impl FnOnce(*mut T),
    ) {
        let idx = (w.back % CHUNK as u64) as usize;
        // SAFETY: the slot at `back` is not visible to the reader until a flush
        // publishes it, and it was vacated (read) before the chunk was recycled.
        unsafe { (*w.chunk).slots[idx].with_mut(|slot| fill((*slot).as_mut_ptr())) };
        w.back += 1;
        if idx == CHUNK - 1 {
            let mut next = self.spare.swap(ptr::null_mut(), Ordering::Acquire);
            if next.is_null() {
                next = Chunk::alloc();
            } else {
                // SAFETY: a spare chunk is exclusively ours once swapped out.
                unsafe { (*next).next.store(ptr::null_mut(), Ordering::Relaxed) };
            }
            // SAFETY: w.chunk is live (the reader cannot free a chunk before
            // reading past its end, which needs this link).
            unsafe { (*w.chunk).next.store(next, Ordering::Release) };
            w.chunk = next;
        }
        if !incomplete {
            w.complete = w.back;
        }
    }

    /// Publish the complete items written so far. Returns false when the reader
    /// was asleep: the caller must then wake it (send it a command).
    ///
    /// # Safety
    /// Only the single writer may call this.
    #[inline]
    pub unsafe fn flush(&self) -> bool {
        // SAFETY: the caller is the only writer.
        self.writer.with_mut(|w| self.flush_as(unsafe { &mut *w }))
    }

    #[inline(always)]
    fn flush_as(&self, w: &mut WriterState<T>) -> bool {
        if w.published == w.complete {
            return true;
        }
        match self
            .c
            .compare_exchange(w.published, w.complete, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => {
                w.published = w.complete;
                true
            }
            Err(_) => {
                // The reader is asleep (only it ever changes `c` away from our
                // last published value, and only to ASLEEP).
                self.c.store(w.complete, Ordering::Release);
                w.published = w.complete;
                false
            }
        }
    }

    /// Number of items written but not yet published.
    ///
    /// # Safety
    /// Only the single writer may call this.
    pub unsafe fn unflushed(&self) -> u64 {
        // SAFETY: the caller is the only writer.
        self.writer.with(|w| unsafe { (*w).back - (*w).published })
    }

    /// Is an item ready? When not, the reader is marked asleep and the next
    /// flush will report it, so the reader must then wait for a wake-up.
    ///
    /// # Safety
    /// Only the single reader may call this.
    #[inline]
    pub unsafe fn check_read(&self) -> bool {
        // SAFETY: the caller is the only reader.
        self.reader
            .with_mut(|r| self.check_read_as(unsafe { &mut *r }))
    }

    #[inline(always)]
    fn check_read_as(&self, r: &mut ReaderState<T>) -> bool {
        if r.front < r.readable {
            return true;
        }
        // Look before the compare-and-swap: a reader in a stream mostly
        // finds new items, and a plain load takes the line shared where the
        // swap (failing or not) takes it exclusive and, on x86, first drains
        // this thread's store buffer (an I/O thread's writes into the next
        // pipe). One process, 1 B PUSH -> PULL over tcp, one I/O thread,
        // 141 runs each: 10.28M -> 10.75M msg/s.
        let end = self.c.load(Ordering::Acquire);
        if end != ASLEEP && end > r.front {
            r.readable = end;
            return true;
        }
        match self
            .c
            .compare_exchange(r.front, ASLEEP, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => false,
            Err(ASLEEP) => false,
            Err(end) => {
                r.readable = end;
                r.front < end
            }
        }
    }

    /// Take the next item, if one is published.
    ///
    /// # Safety
    /// Only the single reader may call this.
    #[inline]
    pub unsafe fn read(&self) -> Option<T> {
        // SAFETY: the caller is the only reader.
        if !unsafe { self.check_read() } {
            return None;
        }
        // SAFETY: as above; check_read said an item is published.
        Some(unsafe { self.take() })
    }

    /// Take the next item if the reader already knows it is published,
    /// without looking at `c`: a reader that keeps up with its writer would
    /// otherwise pull that line over for every item, and then the writer's
    /// next flush pulls it back.
    ///
    /// # Safety
    /// Only the single reader may call this.
    #[inline]
    pub unsafe fn read_known(&self) -> Option<T> {
        // SAFETY: the caller is the only reader.
        let known = self.reader.with(|r| unsafe { (*r).front < (*r).readable });
        if known {
            // SAFETY: as above; the position is published.
            Some(unsafe { self.take() })
        } else {
            None
        }
    }

    /// # Safety
    /// Only the single reader may call this, for a published position.
    #[inline]
    unsafe fn take(&self) -> T {
        // SAFETY: the caller is the only reader.
        self.reader.with_mut(|r| unsafe { self.take_as(&mut *r) })
    }

    #[inline(always)]
    unsafe fn take_as(&self, r: &mut ReaderState<T>) -> T {
        let idx = (r.front % CHUNK as u64) as usize;
        // SAFETY: positions below `readable` were written and published with
        // release ordering, observed by our acquire in check_read.
        let item = unsafe { (*r.chunk).slots[idx].with(|slot| (*slot).assume_init_read()) };
        r.front += 1;
        if idx == CHUNK - 1 {
            // SAFETY: the writer linked `next` before publishing any position
            // past this chunk, and we just read such a position's predecessor;
            // the writer has already moved on, so it needs this chunk no more.
            let next = unsafe { (*r.chunk).next.load(Ordering::Acquire) };
            let old = std::mem::replace(&mut r.chunk, next);
            let prev = self.spare.swap(old, Ordering::Release);
            if !prev.is_null() {
                // SAFETY: a chunk in `spare` is owned by the pipe alone.
                drop(unsafe { Box::from_raw(prev) });
            }
        }
        item
    }

    /// Peek whether an item is ready without marking the reader asleep.
    ///
    /// # Safety
    /// Only the single reader may call this.
    pub unsafe fn probe(&self) -> bool {
        // SAFETY: the caller is the only reader.
        let (front, readable) = self.reader.with(|r| unsafe { ((*r).front, (*r).readable) });
        if front < readable {
            return true;
        }
        let c = self.c.load(Ordering::Acquire);
        c != ASLEEP && c > front
    }
}

impl<T> Drop for YPipe<T> {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: both halves are ours.
        let (mut chunk, mut pos) = self.reader.with(|r| unsafe { ((*r).chunk, (*r).front) });
        let back = self.writer.with(|w| unsafe { (*w).back });
        // Drop every item still in the queue, published or not.
        while pos < back {
            let idx = (pos % CHUNK as u64) as usize;
            // SAFETY: positions in [front, back) hold initialised items.
            unsafe { (*chunk).slots[idx].with_mut(|slot| (*slot).assume_init_drop()) };
            pos += 1;
            if idx == CHUNK - 1 {
                // SAFETY: the writer linked the next chunk before writing to it.
                let next = unsafe { (*chunk).next.load(Ordering::Acquire) };
                // SAFETY: we own every chunk now.
                drop(unsafe { Box::from_raw(chunk) });
                chunk = next;
            }
        }
        // SAFETY: the remaining chunks are exclusively ours.
        unsafe {
            drop(Box::from_raw(chunk));
            let spare = self.spare.load(Ordering::Acquire);
            if !spare.is_null() {
                drop(Box::from_raw(spare));
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn fifo_and_sleep_protocol() {
        let p = YPipe::<u32>::new();
        unsafe {
            assert!(!p.check_read()); // now asleep
            p.write(1, false);
            assert!(!p.flush(), "flush must report the sleeping reader");
            assert_eq!(p.read(), Some(1));
            assert_eq!(p.read(), None); // asleep again
            p.write(2, true);
            p.write(3, false);
            assert!(!p.flush());
            assert_eq!(p.read(), Some(2));
            p.write(4, false);
            assert!(p.flush(), "reader awake: no wake-up needed");
            assert_eq!(p.read(), Some(3));
            assert_eq!(p.read(), Some(4));
        }
    }

    #[test]
    fn read_known_takes_only_what_the_reader_has_seen_published() {
        let p = YPipe::<u32>::new();
        unsafe {
            p.write(1, false);
            p.write(2, false);
            assert!(p.flush());
            // Nothing seen yet: read_known neither reads nor goes to sleep.
            assert_eq!(p.read_known(), None);
            assert_eq!(p.read(), Some(1)); // sees 1 and 2 published
            p.write(3, false);
            assert!(p.flush(), "the reader never slept");
            assert_eq!(p.read_known(), Some(2));
            assert_eq!(p.read_known(), None); // 3 is not known yet
            assert_eq!(p.read(), Some(3));
            assert_eq!(p.read(), None); // asleep
            p.write(4, false);
            assert!(!p.flush());
            assert_eq!(p.read(), Some(4));
        }
        // The chunk boundary is crossed the same way by both reads.
        let p = YPipe::<usize>::new();
        unsafe {
            for i in 0..3 * CHUNK {
                p.write(i, false);
            }
            p.flush();
            assert_eq!(p.read(), Some(0));
            for i in 1..3 * CHUNK {
                assert_eq!(p.read_known(), Some(i));
            }
            assert_eq!(p.read_known(), None);
        }
    }

    #[test]
    fn incomplete_items_stay_invisible() {
        let p = YPipe::<u32>::new();
        unsafe {
            p.write(1, true);
            p.flush();
            assert_eq!(p.read(), None);
            p.write(2, false);
            p.flush();
            assert_eq!(p.read(), Some(1));
            assert_eq!(p.read(), Some(2));
        }
    }

    #[test]
    fn crosses_chunks_and_drops_leftovers() {
        let p = YPipe::<Box<u64>>::new();
        unsafe {
            for i in 0..1000u64 {
                p.write(Box::new(i), false);
                p.flush();
            }
            for i in 0..700u64 {
                assert_eq!(*p.read().unwrap(), i);
            }
        }
        drop(p); // the other 300 are freed (miri/valgrind would see a leak)
    }

    #[test]
    fn two_threads_no_lost_wakeups() {
        let p = Arc::new(YPipe::<u64>::new());
        let wake = Arc::new(std::sync::Mutex::new(()));
        let cv = Arc::new(std::sync::Condvar::new());
        let n = 200_000u64;
        let (p2, w2, cv2) = (p.clone(), wake.clone(), cv.clone());
        let writer = std::thread::spawn(move || {
            for i in 0..n {
                unsafe { p2.write(i, i % 3 == 0) };
                if i % 3 != 0 && !unsafe { p2.flush() } {
                    let _g = w2.lock().unwrap();
                    cv2.notify_one();
                }
            }
            unsafe { p2.write(n, false) };
            if !unsafe { p2.flush() } {
                let _g = w2.lock().unwrap();
                cv2.notify_one();
            }
        });
        let mut expect = 0;
        while expect <= n {
            match unsafe { p.read() } {
                Some(v) => {
                    assert_eq!(v, expect);
                    expect += 1;
                }
                None => {
                    let g = wake.lock().unwrap();
                    if !unsafe { p.probe() } {
                        let _ = cv.wait_timeout(g, std::time::Duration::from_millis(5));
                    }
                }
            }
        }
        writer.join().unwrap();
    }
}

/// Models of the queue under loom (scripts/loom.sh): every interleaving of
/// a writer and a reader, and every value the memory model lets each atomic
/// load see, within the preemption bound. loom fails a model on a data race
/// on an item slot or a chunk (an `UnsafeCell` touched without a
/// happens-before edge) and on a deadlock (a lost wake-up leaves the reader
/// asleep for good).
#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::{Arc, Notify};
    use loom::thread;

    /// The writer's side of the wake-up protocol: flush, and wake the reader
    /// when flush says it was asleep (the pipe sends ActivateRead there).
    fn writer(p: &YPipe<usize>, wake: &Notify, items: &[(usize, bool)]) {
        for &(v, incomplete) in items {
            // SAFETY: this thread is the only writer.
            unsafe { p.write(v, incomplete) };
            if !incomplete && !unsafe { p.flush() } {
                wake.notify();
            }
        }
    }

    /// The reader's side: read until `n` items came, sleeping on `wake`
    /// whenever the queue is empty (check_read has then marked it asleep).
    fn reader(p: &YPipe<usize>, wake: &Notify, n: usize) -> Vec<usize> {
        let mut got = Vec::new();
        while got.len() < n {
            // SAFETY: this thread is the only reader.
            match unsafe { p.read() } {
                Some(v) => got.push(v),
                None => wake.wait(),
            }
        }
        got
    }

    /// Items written one by one cross two chunk boundaries (CHUNK is 2
    /// under loom), so chunks are linked, handed back through `spare` and
    /// reused while the other side runs; every item arrives once, in order,
    /// and no wake-up is lost.
    #[test]
    fn loom_ypipe_spsc_across_chunks() {
        loom::model(|| {
            let p = Arc::new(YPipe::<usize>::new());
            let wake = Arc::new(Notify::new());
            let (p2, w2) = (p.clone(), wake.clone());
            let t = thread::spawn(move || {
                writer(
                    &p2,
                    &w2,
                    &[(0, false), (1, false), (2, false), (3, false), (4, false)],
                )
            });
            assert_eq!(reader(&p, &wake, 5), [0, 1, 2, 3, 4]);
            t.join().unwrap();
        });
    }

    /// A multipart message is published whole: once the reader sees its
    /// first part, the rest is there without another flush.
    #[test]
    fn loom_ypipe_multipart_published_whole() {
        loom::model(|| {
            let p = Arc::new(YPipe::<usize>::new());
            let wake = Arc::new(Notify::new());
            let (p2, w2) = (p.clone(), wake.clone());
            let t = thread::spawn(move || writer(&p2, &w2, &[(0, true), (1, true), (2, false)]));
            loop {
                // SAFETY: this thread is the only reader.
                match unsafe { p.read() } {
                    Some(first) => {
                        assert_eq!(first, 0);
                        assert_eq!(unsafe { p.read_known() }, Some(1));
                        assert_eq!(unsafe { p.read_known() }, Some(2));
                        break;
                    }
                    None => wake.wait(),
                }
            }
            t.join().unwrap();
        });
    }

    /// Items left in the queue when it is dropped, some read, some
    /// published, some not: the reader's last `probe`/`read` and the drop
    /// (after both threads are done) touch every slot race-free.
    #[test]
    fn loom_ypipe_drop_with_items_left() {
        loom::model(|| {
            let p = Arc::new(YPipe::<usize>::new());
            let p2 = p.clone();
            let t = thread::spawn(move || {
                // SAFETY: this thread is the only writer.
                unsafe {
                    p2.write(0, false);
                    p2.write(1, false);
                    p2.flush();
                    p2.write(2, true);
                }
            });
            // SAFETY: this thread is the only reader.
            if unsafe { p.probe() } {
                assert_eq!(unsafe { p.read() }, Some(0));
            }
            t.join().unwrap();
            drop(p);
        });
    }
}
