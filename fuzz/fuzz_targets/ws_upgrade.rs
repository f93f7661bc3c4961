//! The WebSocket upgrade, both sides: a server's parse of a client's request
//! head and a client's check of a server's answer, fed through a whole
//! WsConnection (head search across reads, the head limit, what follows the
//! head) as the engine feeds it. A head must be refused or accepted, never
//! panic, and never be buffered past its limit.
//!
//! Byte 0: role (bit 0: 1 server), mechanism (bits 1-2), read chunk
//! (bits 3-7); the rest is the peer's bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zmq::zmtp::mechanism::NullMechanism;
use zmq::zmtp::ws::{handshake, Role, WsConnection};
use zmq::zmtp::Config;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, stream)) = data.split_first() else {
        return;
    };
    let mech = ["NULL", "PLAIN", "CURVE", "NULL"][usize::from(sel >> 1 & 3)];
    // The parsers alone, on the whole input.
    if let Ok(Some(end)) = handshake::head_end(stream) {
        assert!(end <= handshake::MAX_HEAD);
        let _ = handshake::accept_request(&stream[..end], mech);
        let _ = handshake::check_response(&stream[..end], "dGhlIHNhbXBsZSBub25jZQ==", mech);
    }
    // And through a connection, in chunks.
    let config = Config::default();
    let m = Box::new(NullMechanism::new(&config));
    let role = if sel & 1 == 1 {
        Role::Server
    } else {
        Role::Client {
            host: "h".into(),
            path: "/".into(),
        }
    };
    let mut ws = WsConnection::new(config, m, role);
    let chunk = usize::from(sel >> 3) * 97 + 1;
    let mut rest = stream;
    let mut fed = 0usize;
    let mut upgraded = false;
    while !rest.is_empty() {
        let (mut buf, _) = ws.read_spaces();
        let n = buf.put_slice(&rest[..rest.len().min(chunk)]);
        assert!(n > 0, "no room to read into");
        rest = &rest[n..];
        fed += n;
        if ws.commit_read(n, &mut || 0).is_err() {
            return;
        }
        while ws.next_event().is_some() {}
        upgraded |= ws.take_upgraded();
        if !upgraded {
            assert!(fed < handshake::MAX_HEAD + chunk, "a head kept growing");
        }
    }
});
