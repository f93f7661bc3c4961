//! One I/O thread serving several connections takes turns between them: a
//! pump that has written its turn's worth of bytes yields and is pumped
//! again after the thread's other events (src/io/turns.rs). Through the C
//! API, both ends of every connection on one context with one I/O thread:
//! streams far larger than a turn arrive whole and in order, in both
//! directions at once (two writers yielding in the same rounds), and a
//! socket closed while its session waits for a turn goes away cleanly. A
//! yielded session that never got its next turn would stall the stream
//! (the receive timeout fails the test). The messages mix sizes on both
//! sides of the 256 KiB past which a shared thread writes each body's head
//! and rest apart (src/io/engine.rs, LARGE_HEAD), with small ones queued
//! in front of large ones.

use std::ffi::{c_void, CString};
use std::thread;

use zmq::capi::ctx::{zmq_ctx_new, zmq_ctx_term};
use zmq::capi::socket::{zmq_bind, zmq_close, zmq_connect, zmq_getsockopt, zmq_recv, zmq_send};
use zmq::constants::*;

#[path = "support/capi.rs"]
mod capi;
use capi::socket;

/// Messages per stream (about 21 MiB a stream, 21 turns), and the largest.
const COUNT: u32 = 96;
const SIZE: usize = 600 * 1024 + 1;

/// The size of message `i`: a turn's worth, a small one, a large one with
/// a split body, one just past the receive buffer.
fn size_of(i: u32) -> usize {
    match i % 4 {
        0 => 256 * 1024,
        1 => 100,
        2 => SIZE,
        _ => 9000,
    }
}

struct Sock(*mut c_void);
// SAFETY: a zmq socket is used by one thread at a time; each is handed to
// the thread that uses it and never touched by another meanwhile.
unsafe impl Send for Sock {}

/// Bind `pull` to `endpoint` and return the endpoint it got (tcp port).
fn bind(s: *mut c_void, endpoint: &str) -> CString {
    let ep = CString::new(endpoint).unwrap();
    // SAFETY: a live socket and a NUL-terminated endpoint.
    assert_eq!(unsafe { zmq_bind(s, ep.as_ptr()) }, 0, "bind {endpoint}");
    let mut buf = [0u8; 256];
    let mut len = buf.len();
    // SAFETY: buf and len are live and len is buf's size.
    let rc = unsafe { zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, buf.as_mut_ptr().cast(), &mut len) };
    assert_eq!(rc, 0);
    CString::new(&buf[..len - 1]).unwrap()
}

fn connect(s: *mut c_void, ep: &CString) {
    // SAFETY: a live socket and a NUL-terminated endpoint.
    assert_eq!(unsafe { zmq_connect(s, ep.as_ptr()) }, 0);
}

/// Message `i` of stream `tag`: every byte says which it is.
fn fill(buf: &mut [u8], tag: u8, i: u32) {
    for (k, b) in buf.iter_mut().enumerate() {
        *b = tag ^ (i as u8).wrapping_add((k % 251) as u8);
    }
}

fn send_stream(s: Sock, tag: u8) {
    let mut buf = vec![0u8; SIZE];
    for i in 0..COUNT {
        let n = size_of(i);
        fill(&mut buf[..n], tag, i);
        // SAFETY: a live socket; buf holds at least n bytes.
        let rc = unsafe { zmq_send(s.0, buf.as_ptr().cast(), n, 0) };
        assert_eq!(rc, n as i32, "send {i}");
    }
}

fn recv_stream(s: Sock, tag: u8) {
    let mut buf = vec![0u8; SIZE + 1];
    let mut want = vec![0u8; SIZE];
    for i in 0..COUNT {
        // SAFETY: a live socket; buf holds SIZE + 1 bytes.
        let rc = unsafe { zmq_recv(s.0, buf.as_mut_ptr().cast(), SIZE + 1, 0) };
        let n = size_of(i);
        assert_eq!(
            rc, n as i32,
            "stream {tag} message {i}: stalled or wrong size"
        );
        fill(&mut want[..n], tag, i);
        assert!(buf[..n] == want[..n], "stream {tag} message {i} differs");
    }
}

fn two_way(endpoint: &str) {
    let ctx = zmq_ctx_new();
    // Two PUSH -> PULL streams, opposite ways over two connections, on the
    // context's one I/O thread: four sessions, two of them writing.
    let pull_a = socket(ctx, ZMQ_PULL);
    let push_a = socket(ctx, ZMQ_PUSH);
    let pull_b = socket(ctx, ZMQ_PULL);
    let push_b = socket(ctx, ZMQ_PUSH);
    let ep_a = bind(pull_a, &endpoint.replace('#', "a"));
    let ep_b = bind(pull_b, &endpoint.replace('#', "b"));
    connect(push_a, &ep_a);
    connect(push_b, &ep_b);
    let (pa, pb) = (Sock(push_a), Sock(push_b));
    let (ra, rb) = (Sock(pull_a), Sock(pull_b));
    let senders = [
        thread::spawn(move || send_stream(pa, b'a')),
        thread::spawn(move || send_stream(pb, b'b')),
    ];
    let receivers = [
        thread::spawn(move || recv_stream(ra, b'a')),
        thread::spawn(move || recv_stream(rb, b'b')),
    ];
    for t in senders.into_iter().chain(receivers) {
        t.join().unwrap();
    }
    // SAFETY: live sockets and context, each closed once, none used after.
    unsafe {
        for s in [pull_a, push_a, pull_b, push_b] {
            assert_eq!(zmq_close(s), 0);
        }
        assert_eq!(zmq_ctx_term(ctx), 0);
    }
}

#[test]
fn streams_both_ways_on_one_io_thread_tcp() {
    two_way("tcp://127.0.0.1:*");
}

#[test]
fn streams_both_ways_on_one_io_thread_ipc() {
    let dir = std::env::temp_dir();
    let path = dir.join(format!("zmq-rs-turns-{}-#.ipc", std::process::id()));
    two_way(&format!("ipc://{}", path.display()));
    for t in ["a", "b"] {
        let _ = std::fs::remove_file(path.to_string_lossy().replace('#', t));
    }
}

/// A PUSH closed (LINGER 0) in the middle of a stream, while its session
/// is likely waiting for another turn: the thread drops it and carries on
/// with the other connection, and the context ends.
#[test]
fn a_session_closed_while_it_waits_for_a_turn() {
    let ctx = zmq_ctx_new();
    let pull_a = socket(ctx, ZMQ_PULL);
    let push_a = socket(ctx, ZMQ_PUSH);
    let pull_b = socket(ctx, ZMQ_PULL);
    let push_b = socket(ctx, ZMQ_PUSH);
    let ep_a = bind(pull_a, "tcp://127.0.0.1:*");
    let ep_b = bind(pull_b, "tcp://127.0.0.1:*");
    connect(push_a, &ep_a);
    connect(push_b, &ep_b);
    let mut buf = vec![0u8; SIZE];
    for i in 0..8 {
        fill(&mut buf, b'a', i);
        // SAFETY: a live socket; buf holds SIZE bytes.
        assert_eq!(
            unsafe { zmq_send(push_a, buf.as_ptr().cast(), SIZE, 0) },
            SIZE as i32
        );
    }
    // The first message is through: the rest is being written in turns.
    let mut got = vec![0u8; SIZE + 1];
    // SAFETY: a live socket; got holds SIZE + 1 bytes.
    assert_eq!(
        unsafe { zmq_recv(pull_a, got.as_mut_ptr().cast(), SIZE + 1, 0) },
        SIZE as i32
    );
    // SAFETY: a live socket, not used after.
    assert_eq!(unsafe { zmq_close(push_a) }, 0);
    let (pb, rb) = (Sock(push_b), Sock(pull_b));
    let sender = thread::spawn(move || send_stream(pb, b'b'));
    recv_stream(rb, b'b');
    sender.join().unwrap();
    // SAFETY: live sockets and context, each closed once, none used after.
    unsafe {
        for s in [pull_a, pull_b, push_b] {
            assert_eq!(zmq_close(s), 0);
        }
        assert_eq!(zmq_ctx_term(ctx), 0);
    }
}
