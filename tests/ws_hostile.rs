//! Hostile WebSocket peers against a ws:// PULL of ours, through the C API:
//! a raw tcp socket plays a broken or malicious ZWS client while a good PUSH
//! is connected over ws too. Each case checks that the bad connection (and
//! only it) ends, within a bound of time well under ZMQ_HANDSHAKE_IVL where
//! the input itself is at fault, that nothing it sent reaches the socket,
//! and that the good peer is still served. (Against ours only: Debian's
//! libzmq answers a ping of 126 bytes, for one, which RFC 6455 forbids.)

use std::ffi::{c_void, CString};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use zmq::capi::ctx::{zmq_ctx_new, zmq_ctx_term};
use zmq::capi::errors::zmq_errno;
use zmq::capi::socket::{
    zmq_bind, zmq_close, zmq_connect, zmq_getsockopt, zmq_recv, zmq_send, zmq_setsockopt,
};
use zmq::constants::*;

struct Server {
    ctx: *mut c_void,
    pull: *mut c_void,
    push: *mut c_void,
    port: u16,
    seq: u32,
}

fn setopt_int(s: *mut c_void, opt: i32, v: i32) {
    // SAFETY: a live socket; the value outlives the call and its size is given.
    let rc = unsafe { zmq_setsockopt(s, opt, (&v as *const i32).cast(), 4) };
    assert_eq!(rc, 0, "setsockopt {opt}");
}

impl Server {
    /// A PULL bound on ws://127.0.0.1:*/h, and a good PUSH connected.
    fn start(handshake_ivl: i32, maxmsgsize: i64) -> Server {
        let ctx = zmq_ctx_new();
        // SAFETY: ctx is a live context; every pointer passed below is to a
        // live local of the size given.
        unsafe {
            let pull = zmq_socket_checked(ctx, ZMQ_PULL);
            setopt_int(pull, ZMQ_RCVTIMEO, 5000);
            setopt_int(pull, ZMQ_LINGER, 0);
            setopt_int(pull, ZMQ_HANDSHAKE_IVL, handshake_ivl);
            if maxmsgsize >= 0 {
                let rc =
                    zmq_setsockopt(pull, ZMQ_MAXMSGSIZE, (&maxmsgsize as *const i64).cast(), 8);
                assert_eq!(rc, 0);
            }
            let ep = CString::new("ws://127.0.0.1:*/h").unwrap();
            assert_eq!(zmq_bind(pull, ep.as_ptr()), 0);
            let mut buf = [0u8; 256];
            let mut len = buf.len();
            assert_eq!(
                zmq_getsockopt(pull, ZMQ_LAST_ENDPOINT, buf.as_mut_ptr().cast(), &mut len),
                0
            );
            let last = std::str::from_utf8(&buf[..len - 1]).unwrap().to_owned();
            let port: u16 = last
                .rsplit(':')
                .next()
                .unwrap()
                .trim_end_matches("/h")
                .parse()
                .unwrap();
            let push = zmq_socket_checked(ctx, ZMQ_PUSH);
            setopt_int(push, ZMQ_LINGER, 0);
            setopt_int(push, ZMQ_SNDTIMEO, 5000);
            let c = CString::new(last).unwrap();
            assert_eq!(zmq_connect(push, c.as_ptr()), 0);
            let mut s = Server {
                ctx,
                pull,
                push,
                port,
                seq: 0,
            };
            s.good_roundtrip();
            s
        }
    }

    /// The good peer's next message arrives, and nothing else before it.
    fn good_roundtrip(&mut self) {
        let out = format!("good-{}", self.seq);
        self.seq += 1;
        let mut buf = [0u8; 64];
        // SAFETY: live sockets; the buffers outlive the calls.
        unsafe {
            let n = zmq_send(self.push, out.as_ptr().cast(), out.len(), 0);
            assert_eq!(n as usize, out.len());
            let n = zmq_recv(self.pull, buf.as_mut_ptr().cast(), buf.len(), 0);
            assert!(n >= 0, "good peer starved (errno {})", zmq_errno());
            assert_eq!(&buf[..n as usize], out.as_bytes());
            assert_eq!(
                zmq_recv(self.pull, buf.as_mut_ptr().cast(), buf.len(), ZMQ_DONTWAIT),
                -1,
                "something else arrived"
            );
        }
    }

    fn raw(&self) -> TcpStream {
        let s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_nodelay(true).unwrap();
        s
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SAFETY: the sockets and context are ours and closed once.
        unsafe {
            zmq_close(self.push);
            zmq_close(self.pull);
            zmq_ctx_term(self.ctx);
        }
    }
}

/// zmq_socket, checked.
///
/// # Safety
/// `ctx` is a live context.
unsafe fn zmq_socket_checked(ctx: *mut c_void, t: i32) -> *mut c_void {
    // SAFETY: as the caller promises.
    let s = unsafe { zmq::capi::socket::zmq_socket(ctx, t) };
    assert!(!s.is_null());
    s
}

/// A masked client frame.
fn frame(b0: u8, payload: &[u8]) -> Vec<u8> {
    let key = [0x37, 0xfa, 0x21, 0x3d];
    let mut v = vec![b0];
    match payload.len() {
        n if n <= 125 => v.push(0x80 | n as u8),
        n if n <= 0xFFFF => {
            v.push(0x80 | 126);
            v.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            v.push(0x80 | 127);
            v.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    v.extend_from_slice(&key);
    v.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    v
}

const REQUEST: &str = "GET /h HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\
    Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
    Sec-WebSocket-Protocol: ZWS2.0\r\nSec-WebSocket-Version: 13\r\n\r\n";

/// Upgrade with bare ZWS 2.0 and send our (empty) routing id: from here on
/// messages count.
fn upgraded(s: &Server) -> TcpStream {
    let mut t = s.raw();
    t.write_all(REQUEST.as_bytes()).unwrap();
    let mut got = Vec::new();
    let mut b = [0u8; 512];
    t.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = t.read(&mut b).unwrap();
        assert!(n > 0, "closed during the upgrade");
        got.extend_from_slice(&b[..n]);
    }
    assert!(got.starts_with(b"HTTP/1.1 101 "));
    t.write_all(&frame(0x82, &[0])).unwrap();
    t
}

/// The server ends `t` within `within`: reads see the end (or a reset).
/// Whatever it sent first (an echoed close) is returned.
fn ends(mut t: TcpStream, within: Duration) -> Vec<u8> {
    let start = Instant::now();
    t.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let mut seen = Vec::new();
    let mut b = [0u8; 4096];
    loop {
        match t.read(&mut b) {
            Ok(0) => return seen,
            Ok(n) => seen.extend_from_slice(&b[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return seen,
            Err(_) => {}
        }
        assert!(
            start.elapsed() < within,
            "the hostile connection is still open after {within:?}"
        );
    }
}

const SOON: Duration = Duration::from_millis(1500);

#[test]
fn bad_frames_end_only_their_connection() {
    let mut s = Server::start(20_000, -1);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("unmasked", vec![0x82, 0x02, 0x00, b'x']),
        ("ping of 126 bytes", frame(0x89, &[0; 126])),
        ("fragmented ping", frame(0x09, b"x")),
        ("text frame", frame(0x81, b"\0x")),
        ("reserved bit", frame(0xC2, b"\0x")),
        ("empty binary", frame(0x82, b"")),
        ("stray continuation", frame(0x80, b"\0x")),
        ("64-bit length, top bit", {
            let mut v = vec![0x82, 0x80 | 127];
            v.extend_from_slice(&(1u64 << 63).to_be_bytes());
            v.extend_from_slice(&[0; 4]);
            v
        }),
    ];
    for (name, bytes) in cases {
        let mut t = upgraded(&s);
        // A whole message first: it is delivered, what follows is not.
        t.write_all(&frame(0x82, b"\0before")).unwrap();
        t.write_all(&bytes).unwrap();
        t.write_all(&frame(0x82, b"\0after")).unwrap();
        ends(t, SOON);
        let mut buf = [0u8; 64];
        // SAFETY: a live socket; the buffer outlives the call.
        let n = unsafe { zmq_recv(s.pull, buf.as_mut_ptr().cast(), 64, 0) };
        assert_eq!(&buf[..n.max(0) as usize], b"before", "{name}");
        s.good_roundtrip();
    }
}

#[test]
fn close_mid_message_is_echoed_and_delivers_nothing() {
    let mut s = Server::start(20_000, -1);
    let mut t = upgraded(&s);
    t.write_all(&frame(0x82, b"\x01part one")).unwrap();
    t.write_all(&frame(0x88, b"\x03\xe8bye")).unwrap();
    let seen = ends(t, SOON);
    assert!(
        seen.ends_with(b"\x88\x05\x03\xe8bye"),
        "close not echoed: {seen:?}"
    );
    s.good_roundtrip();
}

#[test]
fn oversized_and_lying_lengths() {
    // Over ZMQ_MAXMSGSIZE: refused at the header.
    let mut s = Server::start(20_000, 1000);
    let mut t = upgraded(&s);
    let mut h = vec![0x82, 0x80 | 126];
    h.extend_from_slice(&2000u16.to_be_bytes());
    h.extend_from_slice(&[1, 2, 3, 4]);
    t.write_all(&h).unwrap();
    ends(t, SOON);
    s.good_roundtrip();
    drop(s);

    // 1 TiB announced, 8 MiB sent: memory follows what was sent.
    let mut s = Server::start(20_000, -1);
    let rss0 = rss_bytes();
    let mut t = upgraded(&s);
    let mut h = vec![0x82, 0x80 | 127];
    h.extend_from_slice(&(1u64 << 40).to_be_bytes());
    h.extend_from_slice(&[0; 4]);
    t.write_all(&h).unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..8 {
        t.write_all(&chunk).unwrap();
    }
    std::thread::sleep(Duration::from_millis(300));
    let grown = rss_bytes().saturating_sub(rss0);
    assert!(grown < 128 << 20, "RSS grew by {grown} bytes");
    s.good_roundtrip();
    drop(t);
    s.good_roundtrip();
}

#[test]
fn hostile_upgrades_are_bounded() {
    let mut s = Server::start(20_000, -1);
    // Endless headers: refused after the head limit, not at the timer.
    let mut t = s.raw();
    t.write_all(b"GET / HTTP/1.1\r\n").unwrap();
    let line = format!("X-Filler: {}\r\n", "a".repeat(1000));
    let start = Instant::now();
    for _ in 0..64 {
        if t.write_all(line.as_bytes()).is_err() {
            break;
        }
    }
    ends(t, SOON);
    assert!(start.elapsed() < SOON);
    s.good_roundtrip();
    // One huge header line.
    let mut t = s.raw();
    let _ = t.write_all(format!("GET / HTTP/1.1\r\nX: {}", "b".repeat(100_000)).as_bytes());
    ends(t, SOON);
    s.good_roundtrip();
    // Not HTTP at all: a ZMTP greeting, then the blank line a parser waits for.
    let mut t = s.raw();
    t.write_all(b"\xff\0\0\0\0\0\0\0\x01\x7f\x03\x01NULL\r\n\r\n")
        .unwrap();
    ends(t, SOON);
    s.good_roundtrip();
    // A request for another subprotocol.
    let mut t = s.raw();
    t.write_all(REQUEST.replace("ZWS2.0", "chat").as_bytes())
        .unwrap();
    ends(t, SOON);
    s.good_roundtrip();
}

#[test]
fn slowloris_upgrade_ends_at_the_handshake_interval() {
    let mut s = Server::start(500, -1);
    let mut t = s.raw();
    let start = Instant::now();
    let mut closed = false;
    for b in REQUEST.as_bytes().iter().take(60) {
        if t.write_all(&[*b]).is_err() {
            closed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(40));
    }
    if !closed {
        ends(t, Duration::from_secs(2));
    }
    let took = start.elapsed();
    assert!(took < Duration::from_secs(3), "slowloris lasted {took:?}");
    s.good_roundtrip();
}

/// Resident memory of this process.
fn rss_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}
