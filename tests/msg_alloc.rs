//! Small messages never touch the allocator; large ones allocate exactly once
//! and are shared, not copied. Counted with a per-thread counting allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ffi::c_void;
use std::hint::black_box;
use std::ptr;

use zmq::msg::{Msg, SharedBuf};

struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
    static FREES: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; the counters are const-initialised
// thread-locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        FREES.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(p, layout) }
    }
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        FREES.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.realloc(p, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// (allocations, frees) made on this thread while running `f`.
fn count<R>(f: impl FnOnce() -> R) -> (usize, usize, R) {
    let a0 = ALLOCS.with(Cell::get);
    let f0 = FREES.with(Cell::get);
    let r = f();
    (ALLOCS.with(Cell::get) - a0, FREES.with(Cell::get) - f0, r)
}

#[test]
fn small_messages_never_allocate() {
    let payload = [0xabu8; 30];
    let (allocs, frees, _) = count(|| {
        for n in 0..=30 {
            let mut m = black_box(Msg::with_size(n).unwrap());
            assert_eq!(m.size(), n);
            let s = black_box(Msg::from_slice(&payload[..n]));
            let c = black_box(s.clone());
            let t = black_box(m.take());
            drop((m, s, c, t));
        }
        let e = black_box(Msg::new());
        let mut e2 = black_box(e.clone());
        e2.set_more(true);
        e2.set_routing_id(5);
        e2.set_group(b"fourteen bytes").unwrap();
        let e3 = black_box(e2.clone());
        drop((e, e2, e3));
        // SAFETY: a static buffer with no free function: a constant message.
        let k =
            unsafe { Msg::from_raw_parts(payload.as_ptr().cast_mut(), 30, None, ptr::null_mut()) }
                .unwrap();
        drop(black_box(k.clone()));
        drop(Msg::from_static(
            b"static bytes of any length, never copied",
        ));
    });
    assert_eq!((allocs, frees), (0, 0));
}

#[test]
fn large_message_allocates_once_and_clones_for_free() {
    // Bodies of up to 8 KiB come from the content pool. The first message of
    // a size class on a thread allocates its storage (plus, once per process
    // and thread, the class's depot and the thread's cache destructor); none
    // is allocated once storage has been given back.
    let (a, f, m) = count(|| black_box(Msg::with_size(31).unwrap()));
    assert!(
        (1..=3).contains(&a) && f == 0,
        "with_size(31): {a} allocations, {f} frees"
    );

    let (a, f, copies) = count(|| {
        let c1 = black_box(m.clone());
        let c2 = black_box(c1.clone());
        (c1, c2)
    });
    assert_eq!((a, f), (0, 0), "clone shares");

    let (a, f, _) = count(|| drop(copies));
    assert_eq!((a, f), (0, 0), "dropping copies frees nothing");
    let (a, f, _) = count(|| drop(m));
    assert_eq!(
        (a, f),
        (0, 0),
        "the last reference gives the storage to the pool"
    );
    let (a, f, m) = count(|| black_box(Msg::with_size(40).unwrap()));
    assert_eq!((a, f), (0, 0), "the next message of that class reuses it");
    drop(m);

    let mid = vec![1u8; 64 << 10];
    let (a, f, m) = count(|| black_box(Msg::from_slice(&mid)));
    assert_eq!((a, f), (1, 0), "from_slice(64 KiB): one allocation");
    let (a, f, _) = count(|| drop(m));
    assert_eq!(
        (a, f),
        (0, 1),
        "beyond the pool: the last reference frees it"
    );

    // From 128 KiB on, bodies are pages mapped for them and kept for the
    // next one of their size: the allocator is not asked at all (but for
    // the cache's own list, once).
    let big = vec![1u8; 1 << 20];
    let (a, f, m) = count(|| black_box(Msg::from_slice(&big)));
    assert_eq!((a, f), (0, 0), "from_slice(1 MiB): mapped pages");
    let (_, f, _) = count(|| drop(m));
    assert_eq!(f, 0, "the last reference keeps the pages for the next body");
    let (a, f, m) = count(|| black_box(Msg::from_slice(&big)));
    assert_eq!((a, f), (0, 0), "the next 1 MiB body reuses them");
    drop(m);
}

#[test]
fn pooled_sizes_allocate_nothing_in_the_steady_state() {
    for size in [31usize, 64, 100, 256, 1000, 1024, 4000, 8192] {
        drop(Msg::with_size(size).unwrap());
        let (a, f, _) = count(|| {
            for _ in 0..10_000 {
                drop(black_box(Msg::with_size(size).unwrap()));
            }
        });
        assert_eq!((a, f), (0, 0), "{size} B");
    }
}

#[test]
fn storage_freed_on_another_thread_comes_back() {
    // The inproc pattern: this thread allocates, another frees. After the
    // first lists have gone round through the pool's depot, the allocating
    // thread no longer calls the allocator for most messages.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Msg>>(4);
    let consumer = std::thread::spawn(move || {
        for batch in rx {
            drop(batch);
        }
    });
    let rounds = 200;
    let per_round = 64;
    let mut batches = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        batches.push(Vec::with_capacity(per_round));
    }
    let (a, _, _) = count(|| {
        for mut batch in batches {
            for _ in 0..per_round {
                batch.push(Msg::with_size(1024).unwrap());
            }
            tx.send(batch).unwrap();
        }
    });
    drop(tx);
    consumer.join().unwrap();
    let n = rounds * per_round;
    assert!(a < n / 4, "{a} allocations for {n} messages");
}

unsafe extern "C" fn noop_free(_data: *mut c_void, _hint: *mut c_void) {}

#[test]
fn zero_copy_header_is_the_only_allocation() {
    let mut buf = [7u8; 4];
    // SAFETY: `buf` outlives the message (dropped below); the free fn does nothing.
    let (a, _, m) = count(|| unsafe {
        Msg::from_raw_parts(buf.as_mut_ptr(), 4, Some(noop_free), ptr::null_mut()).unwrap()
    });
    assert!(
        a <= 3,
        "at most one header (plus the pool's one-time setup), no copy: {a}"
    );
    let (a, _, c) = count(|| black_box(m.clone()));
    assert_eq!(a, 0);
    let (_, f, _) = count(|| drop((m, c)));
    assert_eq!(f, 0, "the header goes back to the pool");
    // The next zero-copy message reuses that header: nothing is allocated.
    // SAFETY: as above.
    let (a, _, m) = count(|| unsafe {
        Msg::from_raw_parts(buf.as_mut_ptr(), 4, Some(noop_free), ptr::null_mut()).unwrap()
    });
    assert_eq!(a, 0);
    drop(m);
}

#[test]
fn long_group_allocates_once_and_is_shared() {
    let mut m = Msg::new();
    let (a, _, _) = count(|| m.set_group(&[b'g'; 200]).unwrap());
    assert_eq!(a, 1);
    let (a, _, c) = count(|| black_box(m.clone()));
    assert_eq!(a, 0);
    drop(m);
    let (_, f, _) = count(|| drop(c));
    assert_eq!(f, 1);
}

#[test]
fn slicing_a_receive_buffer_allocates_nothing() {
    let mut buf = SharedBuf::with_capacity(8192).unwrap();
    buf.spare_mut()[..8000].fill(3);
    buf.commit(8000);
    let mut msgs = Vec::with_capacity(80);
    let (a, f, _) = count(|| {
        for i in 0..80 {
            // Alternate frames above and below the inline limit.
            let len = if i % 2 == 0 { 100 } else { 20 };
            msgs.push(buf.slice(i * 100..i * 100 + len));
        }
    });
    assert_eq!((a, f), (0, 0));
    assert!(msgs.iter().all(|m| m.size() == 100 || m.size() == 20));
    let (a, f, _) = count(|| {
        for m in &msgs {
            black_box(m.clone());
        }
    });
    assert_eq!((a, f), (0, 0));
    drop(msgs);
    let (_, f, _) = count(|| drop(buf));
    assert_eq!(f, 0, "the last holder gives the buffer to the pool");
    let (a, _, again) = count(|| SharedBuf::with_capacity(8192).unwrap());
    assert_eq!(a, 0, "the next receive buffer reuses it");
    drop(again);
}
