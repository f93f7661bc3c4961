//! Arbitrary bytes from a ZMTP peer into a `Connection`: greeting,
//! downgrade, handshake, framing, commands, heartbeats. It must never panic
//! and never hold more memory than the frame lengths it accepted.
//!
//! Input layout: byte 0 picks the local socket type, byte 1 the read chunk
//! size and options; byte 2 chooses a prefix (nothing, a ZMTP 3.1 or 3.0
//! NULL greeting, a greeting + READY) so the fuzzer reaches the later states
//! quickly; the rest is the peer's bytes.
#![no_main]

use std::io::IoSlice;

use libfuzzer_sys::fuzz_target;
use zmq::msg::Msg;
use zmq::zmtp::{Config, Connection};

const TYPES: [i32; 20] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16, 17, 18, 19, 20];

fn greeting(minor: u8) -> Vec<u8> {
    let mut g = vec![0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, minor];
    g.extend_from_slice(b"NULL");
    g.resize(64, 0);
    g
}

fn drain_output(conn: &mut Connection) {
    loop {
        let mut s = [IoSlice::new(&[]); 8];
        let n = conn.output(&mut s);
        if n == 0 {
            return;
        }
        let total: usize = s[..n].iter().map(|x| x.len()).sum();
        conn.consume_output(total);
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let socket_type = TYPES[data[0] as usize % TYPES.len()];
    let chunk = usize::from(data[1] & 0x3f) + 1;
    let config = Config {
        socket_type,
        routing_id: b"fuzz".to_vec(),
        maxmsgsize: if data[1] & 0x40 != 0 { 1 << 16 } else { -1 },
        in_batch_size: if data[1] & 0x80 != 0 { 64 } else { 8192 },
        heartbeat_ivl: 10,
        heartbeat_ttl: 1000,
        heartbeat_timeout: 30,
        ..Config::default()
    };
    let mut peer = Vec::new();
    match data[2] % 4 {
        1 => peer = greeting(1),
        2 => peer = greeting(0),
        3 => {
            peer = greeting(1);
            let name = zmq::zmtp::socket_type_name(socket_type);
            let peer_type = TYPES
                .iter()
                .map(|&t| zmq::zmtp::socket_type_name(t))
                .find(|n| zmq::zmtp::compatible(socket_type, n.as_bytes()))
                .unwrap_or(name);
            let mut body = b"\x05READY\x0bSocket-Type".to_vec();
            body.extend_from_slice(&(peer_type.len() as u32).to_be_bytes());
            body.extend_from_slice(peer_type.as_bytes());
            peer.extend_from_slice(&[4, body.len() as u8]);
            peer.extend_from_slice(&body);
        }
        _ => {}
    }
    peer.extend_from_slice(&data[3..]);

    let mut conn = Connection::new(config);
    let mut now = 0u64;
    let mut rest = &peer[..];
    while !rest.is_empty() {
        let buf = conn.read_buf();
        assert!(!buf.is_empty());
        let n = buf.len().min(chunk).min(rest.len());
        buf[..n].copy_from_slice(&rest[..n]);
        rest = &rest[n..];
        now += 3;
        if conn.commit_read(n, now).is_err() {
            break;
        }
        while conn.next_event().is_some() {}
        if conn.is_ready() {
            let _ = conn.send(Msg::from_slice(b"\x01topic"));
        }
        if let Some(t) = conn.next_timer() {
            if t <= now && conn.on_timer(now).is_err() {
                break;
            }
        }
        drain_output(&mut conn);
    }
});
