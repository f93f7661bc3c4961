//! CURVE's steady state does not allocate per message: sealing goes straight
//! into the encoder's batch buffer, and small received MESSAGEs are opened
//! into a reused plaintext buffer (one allocation per 64 KiB at most).
//! Counted with a per-thread counting allocator over in-memory connections.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::IoSlice;

use zmq::constants as c;
use zmq::msg::Msg;
use zmq::zmtp::mechanism::curve::{CurveClient, CurveServer};
use zmq::zmtp::zap::ZapGate;
use zmq::zmtp::{Config, Connection, Event};

struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; the counter is a const-initialised
// thread-local, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(p, layout) }
    }
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.realloc(p, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn public(secret: [u8; 32]) -> [u8; 32] {
    zmq::util::curve_keys::public_key(&x25519_dalek::StaticSecret::from(secret))
}

fn pair() -> (Connection, Connection) {
    let cfg = |t, as_server| Config {
        socket_type: t,
        as_server,
        ..Config::default()
    };
    let (cs, ss) = ([3u8; 32], [9u8; 32]);
    let cm = CurveClient::new(&cfg(c::ZMQ_PUSH, false), public(cs), cs, public(ss));
    let sm = CurveServer::new(&cfg(c::ZMQ_PULL, true), ss, ZapGate::new(false));
    let mut a = Connection::with_mechanism(cfg(c::ZMQ_PUSH, false), Box::new(cm));
    let mut b = Connection::with_mechanism(cfg(c::ZMQ_PULL, true), Box::new(sm));
    let mut wire = Vec::with_capacity(1 << 20);
    for _ in 0..10 {
        if let Some(_req) = b.take_zap_request() {
            b.zap_answer(Ok(None), 0).unwrap();
        }
        transfer(&mut a, &mut b, &mut wire);
        transfer(&mut b, &mut a, &mut wire);
    }
    assert!(a.is_ready() && b.is_ready());
    while a.next_event().is_some() {}
    while b.next_event().is_some() {}
    (a, b)
}

/// Move everything `from` wants written into `to`, through `wire`.
fn transfer(from: &mut Connection, to: &mut Connection, wire: &mut Vec<u8>) {
    wire.clear();
    loop {
        let mut s = [IoSlice::new(&[]); 16];
        let n = from.output(&mut s);
        if n == 0 {
            break;
        }
        let total: usize = s[..n].iter().map(|x| x.len()).sum();
        for x in &s[..n] {
            wire.extend_from_slice(x);
        }
        from.consume_output(total);
    }
    let mut rest = &wire[..];
    while !rest.is_empty() {
        let buf = to.read_buf();
        let k = buf.len().min(rest.len());
        buf[..k].copy_from_slice(&rest[..k]);
        to.commit_read(k, 0).unwrap();
        rest = &rest[k..];
    }
}

static PAYLOAD: [u8; 65536] = [0x5a; 65536];

/// Allocations per message over `n` messages of `size` bytes, after warm-up.
fn allocs_per_message(size: usize, n: usize) -> f64 {
    let (mut a, mut b) = pair();
    let mut wire = Vec::with_capacity(1 << 20);
    let mut round = |a: &mut Connection, b: &mut Connection, count: usize| {
        let mut got = 0;
        for i in 0..count {
            a.send(Msg::from_static(&PAYLOAD[..size])).unwrap();
            if i % 16 == 15 || i + 1 == count {
                transfer(a, b, &mut wire);
                while let Some(ev) = b.next_event() {
                    if let Event::Message(m) = ev {
                        assert_eq!(m.size(), size);
                        assert_eq!(m.data()[size - 1], 0x5a);
                        got += 1;
                    }
                }
            }
        }
        assert_eq!(got, count);
    };
    round(&mut a, &mut b, 2000);
    let before = ALLOCS.with(Cell::get);
    round(&mut a, &mut b, n);
    (ALLOCS.with(Cell::get) - before) as f64 / n as f64
}

#[test]
fn curve_steady_state_does_not_allocate_per_message() {
    // 64 and 1024 bytes: decrypted into the shared plaintext buffer, one
    // buffer per 64 KiB of plaintext (and receive buffers, as with NULL).
    for size in [64, 1024] {
        let per = allocs_per_message(size, 20_000);
        println!("{size} B: {per:.4} allocations per message");
        assert!(
            per < 0.1,
            "{size} B messages: {per} allocations per message"
        );
    }
    // 64 KiB frames are larger than the receive buffer: each arrives in its
    // own message (as without CURVE) and is opened in place, nothing more.
    let per = allocs_per_message(65536, 500);
    println!("65536 B: {per:.4} allocations per message");
    assert!(
        per <= 1.05,
        "64 KiB messages: {per} allocations per message"
    );
}
