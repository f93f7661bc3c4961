//! A hostile-peer harness for the security mechanisms, shared by the
//! `mechanism_handshake` fuzz target and the deterministic random-input test
//! that `cargo test` runs.
//!
//! One case runs a connection under test (PLAIN or CURVE, server or client,
//! or NULL with ZAP) against an honest peer of the other side, in memory,
//! while the input bytes decide how the peer's traffic is damaged on the way:
//! bytes flipped, frames cut short, dropped, duplicated (replays), or
//! swapped, and what the ZAP handler answers (nothing, 200, 300, 400, 500,
//! a malformed reply). Whatever happens, nothing may panic, a failed
//! connection must stay failed, and a connection may only become ready if
//! the ZAP answer allowed it.

use std::io::IoSlice;

use super::mechanism::curve::{CurveClient, CurveServer};
use super::mechanism::plain::{PlainClient, PlainServer};
use super::mechanism::{Mechanism, NullMechanism};
use super::zap::{ZapGate, ZapReply};
use super::{Config, Connection, Event, ProtocolError};
use crate::constants as c;
use crate::msg::Msg;

const SERVER_SECRET: [u8; 32] = [0x42; 32];
const CLIENT_SECRET: [u8; 32] = [0x17; 32];

fn public(secret: &[u8; 32]) -> [u8; 32] {
    crate::util::curve_keys::public_key(&x25519_dalek::StaticSecret::from(*secret))
}

fn config(socket_type: i32, as_server: bool) -> Config {
    Config {
        socket_type,
        routing_id: b"h".to_vec(),
        as_server,
        maxmsgsize: 1 << 16,
        metadata: vec![("X-Fuzz".into(), b"1".to_vec())],
        ..Config::default()
    }
}

/// (client, server) mechanisms for `kind` 0..5.
fn pair(kind: u8, enforce: bool) -> (Box<dyn Mechanism>, Box<dyn Mechanism>) {
    let (cc, sc) = (config(c::ZMQ_DEALER, false), config(c::ZMQ_ROUTER, true));
    match kind % 3 {
        0 => (
            Box::new(PlainClient::new(&cc, b"admin", b"secret")),
            Box::new(PlainServer::new(&sc, ZapGate::new(enforce))),
        ),
        1 => (
            Box::new(CurveClient::new(
                &cc,
                public(&CLIENT_SECRET),
                CLIENT_SECRET,
                public(&SERVER_SECRET),
            )),
            Box::new(CurveServer::new(&sc, SERVER_SECRET, ZapGate::new(enforce))),
        ),
        _ => (
            Box::new(NullMechanism::new(&cc)),
            Box::new(NullMechanism::with_zap(&sc, ZapGate::new(enforce))),
        ),
    }
}

/// Everything the connection wants written, consumed.
pub fn take_output(conn: &mut Connection) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let mut s = [IoSlice::new(&[]); 16];
        let n = conn.output(&mut s);
        if n == 0 {
            return out;
        }
        let total: usize = s[..n].iter().map(|x| x.len()).sum();
        for x in &s[..n] {
            out.extend_from_slice(x);
        }
        conn.consume_output(total);
    }
}

fn feed(conn: &mut Connection, mut bytes: &[u8], chunk: usize) -> Result<(), ProtocolError> {
    while !bytes.is_empty() {
        let b = conn.read_buf();
        assert!(!b.is_empty(), "read_buf must never be empty");
        let n = b.len().min(bytes.len()).min(chunk);
        b[..n].copy_from_slice(&bytes[..n]);
        conn.commit_read(n, 0)?;
        bytes = &bytes[n..];
    }
    Ok(())
}

/// A deterministic xorshift64 stream, for random-input tests.
pub fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

/// The input, read a byte at a time (zeros once it runs out).
struct Tape<'a>(&'a [u8]);

impl Tape<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
}

fn zap_answer(choice: u8) -> Result<Option<ZapReply>, ProtocolError> {
    let reply = |status| {
        Ok(Some(ZapReply {
            status,
            user_id: b"fuzz".to_vec(),
            metadata: vec![(b"X-Zap".to_vec(), b"v".to_vec())],
        }))
    };
    match choice % 6 {
        0 => Ok(None),
        1 => reply(200),
        2 => reply(300),
        3 => reply(400),
        4 => reply(500),
        _ => Err(ProtocolError::Mechanism(
            c::ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY,
        )),
    }
}

/// Damage `bytes` as the tape says.
fn damage(tape: &mut Tape, bytes: &mut Vec<u8>, last: &[u8]) {
    let op = tape.byte();
    if bytes.is_empty() {
        return;
    }
    let at = usize::from(tape.byte()) * 7 % bytes.len();
    match op % 8 {
        0..=2 => {}
        3 => bytes[at] ^= tape.byte() | 1,
        4 => bytes.truncate(at),
        5 => {
            // Replay what came before (a stale HELLO, cookie or MESSAGE).
            bytes.splice(0..0, last.iter().copied());
        }
        6 => bytes.drain(..at.min(8)).for_each(drop),
        _ => {
            let tail = bytes.split_off(at);
            bytes.splice(0..0, tail);
        }
    }
}

/// How a case ended.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub client_ready: bool,
    pub server_ready: bool,
    /// Message parts each side received.
    pub delivered: [usize; 2],
}

/// Run one case. `data[0]`: mechanism and which side is under test; then
/// the chunk size, the ZAP answer, and damage operations.
pub fn mechanism_case(data: &[u8]) -> Outcome {
    let mut tape = Tape(data);
    let sel = tape.byte();
    let test_server = sel & 0x08 != 0;
    let enforce = sel & 0x10 != 0;
    let chunk = usize::from(tape.byte() % 64) + 1;
    let answer = zap_answer(tape.byte());
    let allowed = matches!(answer, Ok(Some(ZapReply { status: 200, .. })))
        || (matches!(answer, Ok(None)) && !enforce && sel % 3 != 0);
    let (cm, sm) = pair(sel, enforce);
    let mut client = Connection::with_mechanism(config(c::ZMQ_DEALER, false), cm);
    let mut server = Connection::with_mechanism(config(c::ZMQ_ROUTER, true), sm);
    let mut answer = Some(answer);
    let (mut last_c, mut last_s) = (Vec::new(), Vec::new());
    let mut sent = 0u32;
    let mut delivered = [0usize; 2];
    for _round in 0..24 {
        if let Some(_req) = server.take_zap_request() {
            let a = answer.take().unwrap_or(Ok(None));
            let _ = server.zap_answer(a, 0);
        }
        if client.is_ready() && server.is_ready() && sent < 4 {
            // Messages both ways, some multipart, so MESSAGE boxes flow.
            let mut m = Msg::from_slice(&[tape.byte(); 40]);
            if tape.byte() & 1 == 1 {
                m.set_flags(Msg::MORE);
            }
            let _ = client.send(m);
            let _ = server.send(Msg::from_slice(b"reply"));
            sent += 1;
        }
        let mut c2s = take_output(&mut client);
        let mut s2c = take_output(&mut server);
        if c2s.is_empty() && s2c.is_empty() && (sent >= 4 || !client.is_ready()) {
            break;
        }
        // Damage only the traffic towards the side under test.
        if test_server {
            damage(&mut tape, &mut c2s, &last_c);
        } else {
            damage(&mut tape, &mut s2c, &last_s);
        }
        last_c = c2s.clone();
        last_s = s2c.clone();
        let rs = feed(&mut server, &c2s, chunk);
        let rc = feed(&mut client, &s2c, chunk);
        for (i, (conn, r)) in [(&mut server, rs), (&mut client, rc)]
            .into_iter()
            .enumerate()
        {
            while let Some(ev) = conn.next_event() {
                if let Event::Message(m) = ev {
                    assert!(m.size() <= 1 << 16);
                    delivered[i] += 1;
                }
            }
            if let Err(e) = r {
                // A failed connection stays failed, with the same error,
                // and has a monitor event or none, never a panic.
                let _ = e.handshake_event();
                assert_eq!(conn.error(), Some(&e));
                assert!(conn.send(Msg::from_slice(b"x")).is_err());
                assert!(!conn.is_ready());
            }
        }
    }
    if server.is_ready() {
        assert!(allowed, "the server let in a client ZAP did not allow");
    }
    Outcome {
        client_ready: client.is_ready(),
        server_ready: server.is_ready(),
        delivered,
    }
}

/// Raw bytes from a peer into a connection running any mechanism (NULL,
/// NULL with ZAP, PLAIN or CURVE, either role): the greeting parser and,
/// with `greeting` set, each mechanism's command parsers (HELLO, WELCOME,
/// INITIATE, READY, ERROR ...) on arbitrary input, which the damaged honest
/// traffic of [`mechanism_case`] rarely reaches. `data[0]` picks the
/// mechanism and role, `data[1]` the read chunk size; the rest is the peer's
/// bytes, after a ZMTP 3.0 or 3.1 greeting naming the mechanism when
/// `greeting` is set. Whatever arrives, nothing panics, a failed connection
/// stays failed, and no message is larger than the bytes that came in.
pub fn raw_peer_case(data: &[u8], greeting: bool) {
    let mut tape = Tape(data);
    let sel = tape.byte();
    let chunk = usize::from(tape.byte() % 64) + 1;
    let as_server = sel & 0x08 != 0;
    let cfg = config(
        if as_server {
            c::ZMQ_ROUTER
        } else {
            c::ZMQ_DEALER
        },
        as_server,
    );
    let (cm, sm) = pair(sel % 3, sel & 0x10 != 0);
    let (mechanism, name): (Box<dyn Mechanism>, &[u8]) = match (sel % 3, as_server) {
        (0, _) => (if as_server { sm } else { cm }, b"PLAIN"),
        (1, _) => (if as_server { sm } else { cm }, b"CURVE"),
        (_, true) => (sm, b"NULL"),
        (_, false) => (cm, b"NULL"),
    };
    let mut conn = Connection::with_mechanism(cfg, mechanism);
    let mut peer = Vec::new();
    if greeting {
        peer.extend_from_slice(&[0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, sel >> 7]);
        peer.extend_from_slice(name);
        peer.resize(32, 0);
        peer.push(u8::from(!as_server));
        peer.resize(64, 0);
    }
    peer.extend_from_slice(tape.0);
    let total = peer.len();
    // One chunk at a time, answering ZAP and draining between chunks.
    for piece in peer.chunks(chunk) {
        let r = feed(&mut conn, piece, chunk);
        if conn.take_zap_request().is_some() {
            let ok = ZapReply {
                status: 200,
                user_id: b"u".to_vec(),
                metadata: Vec::new(),
            };
            let _ = conn.zap_answer(Ok(Some(ok)), 0);
        }
        while let Some(ev) = conn.next_event() {
            if let Event::Message(m) = ev {
                assert!(m.size() <= total);
            }
        }
        if let Err(e) = r {
            let _ = e.handshake_event();
            assert_eq!(conn.error(), Some(&e));
            assert!(!conn.is_ready());
            break;
        }
        take_output(&mut conn);
    }
}

#[cfg(test)]
mod tests {
    /// The fuzz target's cases from a fixed xorshift stream: a few thousand
    /// damaged handshakes and message exchanges of every mechanism.
    #[test]
    fn random_hostile_peers_never_panic() {
        let mut next = super::xorshift(0x9e37_79b9_7f4a_7c15);
        for _ in 0..3000 {
            let len = (next() % 64) as usize;
            let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            super::mechanism_case(&data);
        }
    }

    use super::{mechanism_case, Outcome};

    /// The `greeting` and `mechanism_raw` fuzz targets' cases from a fixed
    /// stream: random peer bytes against every mechanism and role.
    #[test]
    fn random_raw_peers_never_panic() {
        let mut next = super::xorshift(0x2545_f491_4f6c_dd1d);
        for i in 0..4000 {
            let len = (next() % 160) as usize;
            let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            super::raw_peer_case(&data, i % 2 == 0);
        }
    }

    /// Undamaged traffic with a 200 from ZAP gets both sides ready and the
    /// messages through; a 400 or an enforced domain without a handler
    /// keeps the server shut.
    #[test]
    fn undamaged_cases_follow_zap() {
        for sel in 0..3u8 {
            // chunk 64, ZAP 200, then "no damage" operations.
            let mut data = vec![sel, 63, 1];
            data.extend([0u8; 60]);
            assert_eq!(
                mechanism_case(&data),
                Outcome {
                    client_ready: true,
                    server_ready: true,
                    delivered: [4, 4],
                },
                "mechanism {sel}"
            );
            data[2] = 3; // 400
            let o = mechanism_case(&data);
            assert!(!o.server_ready && !o.client_ready, "{sel}: {o:?}");
            data[2] = 0; // no handler
            data[0] = sel | 0x10; // enforced
            assert!(!mechanism_case(&data).server_ready);
            data[0] = sel; // no handler, not enforced: only PLAIN refuses
            assert_eq!(mechanism_case(&data).server_ready, sel != 0);
        }
    }
}
