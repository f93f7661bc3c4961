//! Connection tests: byte vectors captured from real libzmq 4.3.4 (see
//! testdata/capture_libzmq.c), malformed input, and pairs of connections
//! talking to each other in memory.
//!
//! One file per kind: vectors.rs (bytes from real libzmq), malformed.rs
//! (hostile input), pairs.rs (two connections in memory, and more
//! whole-connection checks), radio_dish.rs, decoding.rs (how a ready
//! connection decodes its reads); the helpers they share are here.

use std::io::IoSlice;

use super::*;
use crate::constants as c;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn cfg(t: i32) -> Config {
    Config {
        socket_type: t,
        ..Config::default()
    }
}

use super::harness::take_output;

/// Feed bytes as the peer, in chunks of at most `chunk`.
fn feed_chunked(
    conn: &mut Connection,
    mut bytes: &[u8],
    now: u64,
    chunk: usize,
) -> Result<(), ProtocolError> {
    while !bytes.is_empty() {
        let b = conn.read_buf();
        assert!(!b.is_empty(), "read_buf must never be empty");
        let n = b.len().min(bytes.len()).min(chunk);
        b[..n].copy_from_slice(&bytes[..n]);
        conn.commit_read(n, now)?;
        bytes = &bytes[n..];
    }
    Ok(())
}

fn feed(conn: &mut Connection, bytes: &[u8]) -> Result<(), ProtocolError> {
    feed_chunked(conn, bytes, 0, usize::MAX)
}

fn events(conn: &mut Connection) -> Vec<Event> {
    std::iter::from_fn(|| conn.next_event()).collect()
}

fn messages(conn: &mut Connection) -> Vec<Msg> {
    events(conn)
        .into_iter()
        .filter_map(|e| match e {
            Event::Message(m) => Some(m),
            Event::Ready { .. } => None,
        })
        .collect()
}

const PEER_SIG: &[u8] = b"\xff\0\0\0\0\0\0\0\x01\x7f";

fn v3_greeting(minor: u8, mechanism: &[u8]) -> Vec<u8> {
    let mut g = PEER_SIG.to_vec();
    g.push(3);
    g.extend_from_slice(&greeting::v3_tail(mechanism));
    g[11] = minor;
    g
}

fn ready_frame(props: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = b"\x05READY".to_vec();
    for (n, v) in props {
        command::put_property(&mut body, n.as_bytes(), v);
    }
    let mut f = Vec::new();
    if body.len() > 255 {
        f.push(6);
        f.extend_from_slice(&(body.len() as u64).to_be_bytes());
    } else {
        f.extend_from_slice(&[4, body.len() as u8]);
    }
    f.extend_from_slice(&body);
    f
}

/// A connection past the handshake with a raw 3.x peer of type `peer`.
fn ready_conn(config: Config, minor: u8, peer: &str) -> Connection {
    let mut conn = Connection::new(config);
    let mut input = v3_greeting(minor, b"NULL");
    input.extend_from_slice(&ready_frame(&[("Socket-Type", peer.as_bytes())]));
    feed(&mut conn, &input).unwrap();
    assert!(conn.is_ready());
    let ev = events(&mut conn);
    assert!(matches!(ev[0], Event::Ready { .. }));
    take_output(&mut conn);
    conn
}

/// Move bytes both ways until nothing moves; `chunk` limits each read.
fn pump(
    a: &mut Connection,
    b: &mut Connection,
    now: u64,
    chunk: usize,
) -> Result<(), ProtocolError> {
    loop {
        let ab = take_output(a);
        let ba = take_output(b);
        if ab.is_empty() && ba.is_empty() {
            return Ok(());
        }
        feed_chunked(b, &ab, now, chunk)?;
        feed_chunked(a, &ba, now, chunk)?;
    }
}

/// The error a connection of `conn_type` fails its handshake with on `input`.
fn handshake_error(conn_type: i32, input: &[u8]) -> ProtocolError {
    let mut conn = Connection::new(cfg(conn_type));
    let e = feed(&mut conn, input).unwrap_err();
    // Dead afterwards: every call repeats the error.
    assert_eq!(conn.commit_read(0, 0), Err(e.clone()));
    assert_eq!(conn.on_timer(0), Err(e.clone()));
    assert_eq!(conn.send(Msg::new()), Err(e.clone()));
    assert_eq!(conn.error(), Some(&e));
    assert!(!conn.is_ready());
    e
}

mod decoding;
mod malformed;
mod pairs;
mod radio_dish;
mod vectors;
