//! Unit tests of `Msg`: kinds, refcounts, free functions, buffer slices.

use super::*;
use std::mem::MaybeUninit;
use std::sync::atomic::AtomicUsize;
use std::sync::Mutex;

#[test]
fn empty_and_layout() {
    assert_eq!(std::mem::size_of::<Msg>(), 64);
    assert_eq!(std::mem::align_of::<Msg>(), 8);
    let m = Msg::new();
    assert!(m.is_vsm());
    assert_eq!(m.size(), 0);
    assert!(m.data().is_empty());
    assert!(!m.data_ptr().is_null());
    assert_eq!(m.flags(), 0);
    assert!(!m.more());
    assert!(!m.is_shared());
    assert_eq!(m.routing_id(), 0);
    assert_eq!(m.group().to_bytes(), b"");
    assert!(m.metadata().is_none());
    assert_eq!(m.command_type(), CommandType::None);
}

#[test]
fn vsm_boundary() {
    for n in [0, 1, 29, 30] {
        let m = Msg::with_size(n).unwrap();
        assert!(m.is_vsm(), "{n} bytes stay inline");
        assert_eq!(m.size(), n);
        assert!(m.data().iter().all(|&b| b == 0));
    }
    for n in [31, 33, 34, 4096] {
        let m = Msg::with_size(n).unwrap();
        assert!(!m.is_vsm(), "{n} bytes go to content");
        assert_eq!(m.size(), n);
        assert!(m.data().iter().all(|&b| b == 0));
        assert_eq!(m.content_refs(), Some(1));
    }
}

#[test]
fn with_size_enomem() {
    assert_eq!(Msg::with_size(usize::MAX).unwrap_err(), Errno::ENOMEM);
    assert_eq!(Msg::with_size(usize::MAX - 64).unwrap_err(), Errno::ENOMEM);
    assert_eq!(
        Msg::with_size(isize::MAX as usize).unwrap_err(),
        Errno::ENOMEM
    );
}

#[test]
fn from_slice_copies() {
    let small = b"thirty bytes, exactly, inline.";
    assert_eq!(small.len(), 30);
    let m = Msg::from_slice(small);
    assert!(m.is_vsm());
    assert_eq!(m.data(), small);
    let big = vec![7u8; 31];
    let m = Msg::from_slice(&big);
    assert!(!m.is_vsm());
    assert_eq!(m.data(), &big[..]);
    assert_ne!(m.data_ptr(), big.as_ptr().cast_mut());
}

#[test]
fn clone_shares_content() {
    let mut a = Msg::from_slice(&[1u8; 100]);
    a.set_more(true);
    a.set_routing_id(7);
    let b = a.clone();
    assert_eq!(a.data_ptr(), b.data_ptr(), "no byte copy");
    assert_eq!(a.content_refs(), Some(2));
    assert!(a.is_shared() && b.is_shared());
    assert!(b.more());
    assert_eq!(b.routing_id(), 7);
    drop(b);
    assert_eq!(a.content_refs(), Some(1));
    assert!(a.is_shared(), "SHARED stays set, as in libzmq");

    // Inline messages are copied, not shared.
    let s = Msg::from_slice(b"tiny");
    let t = s.clone();
    assert_ne!(s.data_ptr(), t.data_ptr());
    assert_eq!(t.data(), b"tiny");
    assert!(!s.is_shared() && !t.is_shared());
}

#[test]
fn clones_share_content_with_one_reference_each() {
    let a = Msg::from_slice(&[2u8; 100]);
    let copies: Vec<Msg> = a.clones(49).collect();
    assert_eq!(copies.len(), 49);
    assert_eq!(a.content_refs(), Some(50));
    assert!(a.is_shared());
    for c in &copies {
        assert_eq!(c.data_ptr(), a.data_ptr(), "no byte copy");
        assert!(c.is_shared());
    }
    drop(copies);
    assert_eq!(a.content_refs(), Some(1));
    assert_eq!(a.clones(0).count(), 0);
    assert_eq!(a.content_refs(), Some(1));

    // Inline messages are copied, not shared.
    let s = Msg::from_slice(b"tiny");
    let t: Vec<Msg> = s.clones(3).collect();
    assert!(t.iter().all(|m| m.data() == b"tiny" && !m.is_shared()));
}

/// A fan-out's copies are bitwise copies of the message (Msg::copy_shared_to)
/// with references of their own to its metadata and long group: each copy
/// outlives the original and the others, and nothing leaks.
#[test]
fn shared_copies_own_metadata_and_group() {
    let md = Arc::new(Metadata::from_pairs([("Peer-Address", "1.2.3.4")]));
    let long = [b'g'; 100];
    let mut a = Msg::from_slice(&[7u8; 100]);
    a.set_metadata(md.clone());
    a.set_group(&long).unwrap();
    let mut copies: Vec<Msg> = a.clones(3).collect();
    assert_eq!(
        Arc::strong_count(&md),
        5,
        "ours, the original's, three copies'"
    );
    assert_eq!(a.content_refs(), Some(4));
    drop(a);
    let last = copies.pop().unwrap();
    drop(copies);
    assert_eq!(Arc::strong_count(&md), 2);
    assert_eq!(last.content_refs(), Some(1));
    assert_eq!(last.data(), &[7u8; 100][..]);
    assert_eq!(last.group().to_bytes(), &long[..]);
    assert_eq!(
        last.metadata().and_then(|m| m.get(b"Peer-Address")),
        Some(&b"1.2.3.4"[..])
    );
    drop(last);
    assert_eq!(Arc::strong_count(&md), 1);
}

#[test]
fn data_mut_only_when_unique() {
    let mut a = Msg::with_size(64).unwrap();
    a.data_mut().unwrap()[0] = 9;
    let b = a.clone();
    assert!(a.data_mut().is_none());
    drop(b);
    assert_eq!(a.data_mut().unwrap()[0], 9);
    let mut s = Msg::with_size(3).unwrap();
    s.data_mut().unwrap().copy_from_slice(b"abc");
    assert_eq!(s.data(), b"abc");
    assert!(Msg::from_static(b"constant").data_mut().is_none());
}

#[test]
fn take_leaves_empty() {
    let mut a = Msg::from_slice(&[3u8; 50]);
    a.set_flags(Msg::MORE);
    let b = a.take();
    assert_eq!(b.size(), 50);
    assert!(b.more());
    assert_eq!(a.size(), 0);
    assert_eq!(a.flags(), 0);
    assert!(a.is_vsm());
}

#[test]
fn flags_and_commands() {
    let mut m = Msg::new();
    m.set_flags(Msg::COMMAND | Msg::CREDENTIAL);
    assert!(m.is_command() && m.is_credential() && !m.is_routing_id());
    m.reset_flags(Msg::COMMAND);
    assert!(!m.is_command() && m.is_credential());
    m.set_flags(Msg::ROUTING_ID);
    assert!(m.is_routing_id());
    m.set_more(true);
    assert_eq!(m.flags(), Msg::MORE | Msg::CREDENTIAL | Msg::ROUTING_ID);
    m.set_more(false);
    assert!(!m.more());
    m.set_command_type(CommandType::Subscribe);
    assert!(m.is_subscribe() && !m.is_cancel());
    m.set_command_type(CommandType::Cancel);
    assert!(m.is_cancel() && !m.is_subscribe());
    m.set_command_type(CommandType::Ping);
    assert!(m.is_ping());
    m.set_command_type(CommandType::Pong);
    assert!(m.is_pong());
    m.set_command_type(CommandType::Close);
    assert!(m.is_close_cmd());
    assert_eq!(m.clone().command_type(), CommandType::Close);
    m.set_command_type(CommandType::None);
    assert_eq!(m.command_type(), CommandType::None);
    assert!(Msg::delimiter().is_delimiter());
    assert!(Msg::join().is_join());
    assert!(Msg::leave().is_leave());
}

#[test]
fn truncate_and_advance() {
    let mut m = Msg::from_slice(b"\x09SUBSCRIBEtopic");
    m.advance(10);
    assert_eq!(m.data(), b"topic");
    m.truncate(3);
    assert_eq!(m.data(), b"top");
    m.advance(100);
    assert!(m.is_empty());
    let mut big = Msg::from_slice(&(0..100u8).collect::<Vec<_>>());
    let p = big.data_ptr();
    big.advance(10);
    assert_eq!(big.data_ptr(), p.wrapping_add(10));
    assert_eq!(big.data()[0], 10);
    big.truncate(5);
    assert_eq!(big.data(), &[10, 11, 12, 13, 14]);
}

#[test]
fn group_on_message() {
    let mut m = Msg::new();
    m.set_group(b"weather").unwrap();
    assert_eq!(m.group().to_bytes(), b"weather");
    let long = [b'g'; 200];
    m.set_group(&long).unwrap();
    let c = m.clone();
    assert_eq!(c.group().as_ptr(), m.group().as_ptr(), "long group shared");
    drop(m);
    assert_eq!(c.group().to_bytes(), &long[..]);
    let mut m = Msg::new();
    assert_eq!(m.set_group(&[b'x'; 256]), Err(Errno::EINVAL));
    m.set_group(&[b'x'; 255]).unwrap();
}

#[test]
fn metadata_shared_by_copies() {
    let md = Arc::new(Metadata::from_pairs([
        ("Socket-Type", "PUB"),
        ("__fd", "12"),
    ]));
    let mut m = Msg::from_slice(b"x");
    m.set_metadata(md.clone());
    let c = m.clone();
    assert_eq!(Arc::strong_count(&md), 3);
    assert_eq!(c.metadata().unwrap().get(b"Socket-Type"), Some(&b"PUB"[..]));
    drop(m);
    drop(c);
    assert_eq!(Arc::strong_count(&md), 1);
    let mut m = Msg::new();
    m.set_metadata(md.clone());
    m.reset_metadata();
    assert!(m.metadata().is_none());
    assert_eq!(Arc::strong_count(&md), 1);
}

// ---- free functions ----

struct FfnLog {
    calls: AtomicUsize,
    threads: Mutex<Vec<std::thread::ThreadId>>,
}

unsafe extern "C" fn free_boxed(data: *mut c_void, hint: *mut c_void) {
    // SAFETY: the tests pass a leaked Box<[u8; 64]> as data and an FfnLog
    // that outlives the message as hint.
    unsafe {
        drop(Box::from_raw(data.cast::<[u8; 64]>()));
        let log = &*(hint as *const FfnLog);
        log.calls.fetch_add(1, Ordering::SeqCst);
        log.threads
            .lock()
            .unwrap()
            .push(std::thread::current().id());
    }
}

fn new_log() -> Box<FfnLog> {
    Box::new(FfnLog {
        calls: AtomicUsize::new(0),
        threads: Mutex::new(Vec::new()),
    })
}

/// A zero-copy message over a fresh boxed buffer; `log` must outlive it.
fn zero_copy(log: &FfnLog, size: usize) -> Msg {
    let buf = Box::into_raw(Box::new([5u8; 64])).cast::<u8>();
    // SAFETY: the buffer is valid until free_boxed releases it.
    unsafe {
        Msg::from_raw_parts(
            buf,
            size,
            Some(free_boxed),
            log as *const FfnLog as *mut c_void,
        )
    }
    .unwrap()
}

#[test]
fn ffn_once_either_order() {
    for first_original in [true, false] {
        let log = new_log();
        let a = zero_copy(&log, 64);
        assert!(!a.is_vsm() && !a.is_shared());
        let b = a.clone();
        let c = b.clone();
        assert_eq!(a.content_refs(), Some(3));
        if first_original {
            drop(a);
            drop(c);
            assert_eq!(log.calls.load(Ordering::SeqCst), 0);
            drop(b);
        } else {
            drop(c);
            drop(b);
            assert_eq!(log.calls.load(Ordering::SeqCst), 0);
            drop(a);
        }
        assert_eq!(log.calls.load(Ordering::SeqCst), 1);
    }
}

#[test]
fn ffn_small_is_still_zero_copy() {
    let log = new_log();
    let m = zero_copy(&log, 3);
    assert!(!m.is_vsm(), "init_data never copies, even small buffers");
    assert_eq!(m.data(), &[5, 5, 5]);
    drop(m);
    assert_eq!(log.calls.load(Ordering::SeqCst), 1);
}

#[test]
fn ffn_on_the_thread_that_drops_last() {
    let log = new_log();
    let a = zero_copy(&log, 64);
    let b = a.clone();
    drop(a);
    let t = std::thread::spawn(move || {
        assert_eq!(b.data()[0], 5);
        drop(b);
        std::thread::current().id()
    });
    let tid = t.join().unwrap();
    assert_eq!(log.calls.load(Ordering::SeqCst), 1);
    assert_eq!(*log.threads.lock().unwrap(), vec![tid]);
}

#[test]
fn ffn_many_threads_once() {
    let log = new_log();
    let m = zero_copy(&log, 64);
    let copies: Vec<Msg> = (0..16).map(|_| m.clone()).collect();
    drop(m);
    let handles: Vec<_> = copies
        .into_iter()
        .map(|c| std::thread::spawn(move || drop(c)))
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(log.calls.load(Ordering::SeqCst), 1);
}

#[test]
fn constant_messages() {
    static BYTES: [u8; 100] = [1; 100];
    let p = BYTES.as_ptr().cast_mut();
    // SAFETY: static bytes outlive the message; never written.
    let m = unsafe { Msg::from_raw_parts(p, 100, None, ptr::null_mut()) }.unwrap();
    assert!(m.is_const() && m.is_shared());
    assert_eq!(m.data_ptr(), p, "no copy");
    let c = m.clone();
    assert_eq!(c.data_ptr(), p);
    assert!(c.is_shared());
    let s = Msg::from_static(b"hi");
    assert!(s.is_const());
    assert_eq!(s.data(), b"hi");
    // NULL with size 0 is fine; NULL with a size is refused.
    // SAFETY: no bytes are referenced.
    let z = unsafe { Msg::from_raw_parts(ptr::null_mut(), 0, None, ptr::null_mut()) }.unwrap();
    assert!(z.data_ptr().is_null());
    assert!(z.data().is_empty());
    // SAFETY: refused before anything is read.
    let e = unsafe { Msg::from_raw_parts(ptr::null_mut(), 5, None, ptr::null_mut()) };
    assert_eq!(e.unwrap_err(), Errno::EFAULT);
}

// ---- slices of a shared receive buffer ----

#[test]
fn shared_buf_slices() {
    let mut buf = SharedBuf::with_capacity(1000).unwrap();
    assert_eq!(buf.capacity(), 1000);
    assert!(buf.is_empty() && buf.is_unique());
    for (i, b) in buf.spare_mut()[..300].iter_mut().enumerate() {
        *b = i as u8;
    }
    buf.commit(300);
    assert_eq!(buf.len(), 300);
    assert_eq!(buf.spare_mut().len(), 700);

    let a = buf.slice(0..100);
    let b = Msg::from_shared(&mut buf, 100..250);
    let small = buf.slice(250..260);
    assert!(!a.is_vsm() && !b.is_vsm());
    assert!(small.is_vsm(), "small frames are copied inline");
    assert_eq!(a.data_ptr().cast_const(), buf.filled().as_ptr(), "no copy");
    assert_eq!(b.data_ptr().cast_const(), buf.filled()[100..].as_ptr());
    assert_eq!(a.data()[99], 99);
    assert_eq!(b.data()[0], 100);
    assert_eq!(small.data()[0], 250);
    assert!(!a.is_shared(), "a slice is not a copy of another message");
    assert_eq!(buf.message_refs(), 2);
    assert!(!buf.is_unique());
    assert!(!buf.clear());

    // Keep reading into the tail while messages hold the head.
    buf.spare_mut()[0] = 0xee;
    buf.commit(1);
    assert_eq!(buf.filled()[300], 0xee);

    // Messages outlive the buffer handle and free it last.
    let t = std::thread::spawn(move || {
        assert_eq!(b.data()[149], 249);
        drop(b);
    });
    t.join().unwrap();
    assert_eq!(buf.message_refs(), 1);
    let a2 = a.clone();
    drop(a);
    assert!(!buf.is_unique());
    drop(a2);
    assert!(buf.is_unique());
    assert!(buf.clear());
    assert!(buf.is_empty());

    buf.spare_mut()[..40].fill(1);
    buf.commit(40);
    let last = buf.slice(0..40);
    drop(buf);
    assert_eq!(last.data(), &[1; 40]);
    assert_eq!(
        last.content_refs(),
        Some(1),
        "the buffer gave back its spare references"
    );
}

#[test]
fn shared_buf_adds_references_in_batches() {
    // More slices than one batch of spare references: every message keeps
    // its bytes, the buffer is unique again only when all are gone, and the
    // last holder frees it (Miri/valgrind would see a leak or a double free).
    let mut buf = SharedBuf::with_capacity(64 * 200).unwrap();
    for (i, b) in buf.spare_mut()[..64 * 200].iter_mut().enumerate() {
        *b = (i / 64) as u8;
    }
    buf.commit(64 * 200);
    let mut msgs: Vec<Msg> = (0..200).map(|i| buf.slice(i * 64..i * 64 + 64)).collect();
    assert_eq!(buf.message_refs(), 200);
    for (i, m) in msgs.iter().enumerate() {
        assert_eq!(m.data(), &[i as u8; 64][..]);
    }
    let half = msgs.split_off(100);
    drop(msgs);
    assert_eq!(buf.message_refs(), 100);
    assert!(!buf.is_unique() && !buf.clear());
    let t = std::thread::spawn(move || drop(half));
    t.join().unwrap();
    assert!(buf.is_unique() && buf.clear());
    buf.extend_from_slice(&[9; 40]);
    let survivor = buf.slice(0..40);
    drop(buf);
    assert_eq!(survivor.data(), &[9; 40]);
    assert_eq!(survivor.content_refs(), Some(1));
}

#[test]
#[should_panic]
fn shared_buf_slice_out_of_range() {
    let mut buf = SharedBuf::with_capacity(10).unwrap();
    buf.extend_from_slice(&[0; 5]);
    let _ = buf.slice(0..6);
}

// ---- the raw (C API) view ----

#[test]
fn raw_close_and_validity() {
    let mut slot = MaybeUninit::<Msg>::zeroed();
    let p = slot.as_mut_ptr();
    // SAFETY: `slot` is 64 aligned bytes, zeroed, then holds a message.
    unsafe {
        assert!(!Msg::is_live(p), "zeroed bytes are not a message");
        p.write(Msg::from_slice(&[1; 200]));
        (*p).set_more(true);
        assert!(Msg::is_live(p));
        Msg::close_in_place(p);
        assert!(!Msg::is_live(p));
        assert_eq!(
            Msg::peek_flags(p) & Msg::MORE,
            Msg::MORE,
            "flags survive close"
        );
        p.write(Msg::from_static(b"c"));
        assert!(Msg::peek_shared(p));
        Msg::close_in_place(p);
        assert!(!Msg::peek_shared(p));
    }
    let garbage = MaybeUninit::<[u8; 64]>::new([0xff; 64]);
    // SAFETY: 64 readable, aligned-enough bytes (checked below).
    unsafe {
        let g = garbage.as_ptr().cast::<Msg>();
        if g.is_aligned() {
            assert!(!Msg::is_live(g));
        }
    }
}

#[test]
fn msg_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Msg>();
    check::<SharedBuf>();
    check::<Metadata>();
}

// ---- reading into memory that was never zero-filled ----

#[test]
fn shared_buf_commits_only_written_bytes() {
    use super::ReadBuf;
    let mut buf = SharedBuf::with_capacity(100).unwrap();
    {
        let mut rb: ReadBuf<'_> = buf.read_buf();
        assert_eq!(rb.len(), 100);
        assert_eq!(rb.initialized(), 0);
        assert_eq!(rb.put_slice(b"hello"), 5);
        assert_eq!(rb.initialized(), 5);
    }
    buf.commit(5);
    assert_eq!(buf.filled(), b"hello");
    // A fresh region starts after the committed bytes, uninitialised.
    assert_eq!(buf.read_buf().initialized(), 0);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| buf.commit(1)));
    assert!(
        r.is_err(),
        "committing bytes nobody wrote must not expose them"
    );
    // After `clear` the old bytes count as written again (they were).
    assert!(buf.clear());
    assert_eq!(buf.read_buf().initialized(), 5);
    buf.commit(5);
    assert_eq!(buf.filled(), b"hello");
    // Compaction keeps the tail.
    assert!(buf.compact(3));
    assert_eq!(buf.filled(), b"lo");
    buf.extend_from_slice(&[1; 40]);
    let m = buf.slice(2..42);
    assert!(!buf.compact(1), "a message holds the buffer");
    drop(m);
    assert!(buf.compact(1));
    assert_eq!(buf.len(), 41);
}

#[test]
fn msg_fill_hands_out_only_complete_messages() {
    use super::MsgFill;
    let mut f = MsgFill::new(1000).unwrap();
    assert_eq!(f.extend_from_slice(&[7u8; 600]), 600);
    f.commit(100); // nothing recorded as written: ignored
    assert_eq!(f.filled(), 600);
    let mut f = f.finish().expect_err("incomplete");
    {
        let mut rb = f.read_buf();
        assert_eq!(rb.len(), 400);
        rb.initialize()[..].fill(9);
    }
    f.commit(400);
    f.set_flags(Msg::MORE);
    let Ok(m) = f.finish() else {
        panic!("complete");
    };
    assert_eq!(m.size(), 1000);
    assert!(m.more());
    assert_eq!(&m.data()[598..602], &[7, 7, 9, 9]);
}

/// A message of `size` bytes of `byte`, read in as the decoder reads a large
/// body, with storage from `r`.
fn recycled(r: &std::sync::Arc<super::Recycler>, size: usize, byte: u8) -> Msg {
    let mut f = super::MsgFill::with_recycler(size, r).unwrap();
    f.read_buf().initialize().fill(byte);
    f.commit(size);
    let Ok(m) = f.finish() else {
        panic!("complete")
    };
    m
}

#[test]
fn recycler_keeps_several_bodies_within_its_budget() {
    use super::Recycler;
    use std::collections::HashSet;
    let r = Recycler::new();
    let fill = |size: usize| recycled(&r, size, 5);
    // A reader ahead of the application by four 64 KiB bodies: all four
    // storages come back for the next four.
    let first: Vec<Msg> = (0..4).map(|_| fill(65536)).collect();
    let kept: HashSet<usize> = first.iter().map(|m| m.data_ptr() as usize).collect();
    drop(first);
    assert_eq!(r.kept(), 4);
    let again: Vec<Msg> = (0..4).map(|_| fill(65536)).collect();
    let reused: HashSet<usize> = again.iter().map(|m| m.data_ptr() as usize).collect();
    assert_eq!(reused, kept);
    assert!(again.iter().all(|m| m.data().iter().all(|&x| x == 5)));
    drop(again);
    // Bodies of 1 MiB: one is kept, the other goes back to the allocator
    // (its address may come back from there, so count only what is kept).
    let big: Vec<Msg> = (0..2).map(|_| fill(1 << 20)).collect();
    drop(big);
    assert_eq!(r.kept(), 1, "the budget holds one 1 MiB body");
    r.close();
    assert_eq!(r.kept(), 0);
}

#[test]
fn recycler_reuses_released_large_storage() {
    use super::Recycler;
    let r = Recycler::new();
    let fill = |size: usize| recycled(&r, size, 3);
    let a = fill(100_000);
    let pa = a.data_ptr();
    let b = fill(100_000);
    assert_ne!(b.data_ptr(), pa, "a is still alive");
    drop(a);
    let c = fill(80_000);
    assert_eq!(c.data_ptr(), pa, "a's storage comes back");
    assert_eq!(c.size(), 80_000);
    assert!(c.data().iter().all(|&x| x == 3));
    let mut c = c;
    let c2 = c.clone();
    assert!(c.data_mut().is_none(), "shared by a clone");
    drop(c2);
    assert!(c.data_mut().is_some(), "ours alone again");
    drop(c);
    // Too small for the kept storage: a new allocation, the old one freed
    // (the allocator may hand back the same address, so no pointer check).
    let d = fill(1000);
    assert_eq!(d.size(), 1000);
    drop(b);
    r.close();
    // Released after close: freed at once (valgrind/miri would see a leak).
    drop(d);
    let e = fill(100_000);
    drop(e);
}
