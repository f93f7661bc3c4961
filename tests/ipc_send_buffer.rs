//! An ipc connection keeps the system's default send buffer while it carries
//! small messages, and grows it once a body over 256 KiB goes out (Unix
//! sockets have no autotuning; see LARGE_SNDBUF in src/io/engine.rs). Seen
//! from outside: the SO_SNDBUF of the process's Unix stream sockets, read
//! through /proc/self/fd, before and after a 1 MiB message.

use std::ffi::{c_void, CString};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;

use zmq::capi::ctx::{zmq_ctx_new, zmq_ctx_term};
use zmq::capi::socket::{zmq_bind, zmq_close, zmq_connect, zmq_recv, zmq_send};
use zmq::constants::*;

#[path = "support/capi.rs"]
mod capi;
use capi::socket;

fn int_opt(fd: i32, level: i32, opt: i32) -> Option<i32> {
    let mut v: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: v and len are live and len is v's size; a bad fd only fails.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            level,
            opt,
            (&mut v as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    (rc == 0).then_some(v)
}

/// SO_SNDBUF of every Unix stream socket this process has open.
fn unix_stream_sndbufs() -> Vec<i32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        let Ok(fd) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let unix = int_opt(fd, libc::SOL_SOCKET, libc::SO_DOMAIN) == Some(libc::AF_UNIX);
        let stream = int_opt(fd, libc::SOL_SOCKET, libc::SO_TYPE) == Some(libc::SOCK_STREAM);
        if unix && stream {
            out.extend(int_opt(fd, libc::SOL_SOCKET, libc::SO_SNDBUF));
        }
    }
    out
}

fn send_recv(push: *mut c_void, pull: *mut c_void, size: usize) {
    let out = vec![7u8; size];
    let mut back = vec![0u8; size + 1];
    // SAFETY: live sockets; the buffers hold the sizes passed.
    unsafe {
        assert_eq!(zmq_send(push, out.as_ptr().cast(), size, 0), size as i32);
        assert_eq!(
            zmq_recv(pull, back.as_mut_ptr().cast(), size + 1, 0),
            size as i32
        );
    }
    assert!(back[..size] == out[..]);
}

#[test]
fn ipc_send_buffer_grows_for_large_bodies_only() {
    let default = {
        let (a, _b) = UnixStream::pair().unwrap();
        int_opt(a.as_raw_fd(), libc::SOL_SOCKET, libc::SO_SNDBUF).unwrap()
    };
    let ctx = zmq_ctx_new();
    let pull = socket(ctx, ZMQ_PULL);
    let push = socket(ctx, ZMQ_PUSH);
    let ep = CString::new(format!("ipc:///tmp/zmq-rs-sndbuf-{}", std::process::id())).unwrap();
    // SAFETY: live sockets and a NUL-terminated endpoint.
    unsafe {
        assert_eq!(zmq_bind(pull, ep.as_ptr()), 0);
        assert_eq!(zmq_connect(push, ep.as_ptr()), 0);
    }
    for _ in 0..100 {
        send_recv(push, pull, 1024);
    }
    send_recv(push, pull, 200 * 1024);
    let small = unix_stream_sndbufs();
    assert!(small.len() >= 2, "no ipc connection found: {small:?}");
    assert!(
        small.iter().all(|&b| b <= default),
        "a send buffer grew for small messages: {small:?} (default {default})"
    );
    send_recv(push, pull, 1 << 20);
    let large = unix_stream_sndbufs();
    let grown = large.iter().filter(|&&b| b > default).count();
    assert_eq!(
        grown, 1,
        "the sender's buffer alone grows: {large:?} (default {default})"
    );
    // SAFETY: live sockets and context, each closed once, none used after.
    unsafe {
        assert_eq!(zmq_close(push), 0);
        assert_eq!(zmq_close(pull), 0);
        assert_eq!(zmq_ctx_term(ctx), 0);
    }
}
