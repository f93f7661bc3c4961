//! Two WsConnections joined in memory: the upgrade, each subprotocol, the
//! message path both ways, heartbeats, close, and hostile peers.

use super::frame::{self, mask_in_place, MAX_HEADER, OP_BINARY, OP_CLOSE, OP_PING};
use super::*;
use crate::constants as c;
use crate::zmtp::mechanism::NullMechanism;
use std::io::IoSlice;

fn config(socket_type: i32) -> Config {
    Config {
        socket_type,
        ..Config::default()
    }
}

fn client(socket_type: i32) -> WsConnection {
    let cfg = config(socket_type);
    let mech = Box::new(NullMechanism::new(&cfg));
    WsConnection::new(
        cfg,
        mech,
        Role::Client {
            host: "127.0.0.1".into(),
            path: "/p".into(),
        },
    )
}

fn server(socket_type: i32) -> WsConnection {
    let cfg = config(socket_type);
    let mech = Box::new(NullMechanism::new(&cfg));
    WsConnection::new(cfg, mech, Role::Server)
}

/// All of `from`'s output.
fn drain(from: &mut WsConnection) -> Vec<u8> {
    let mut out = Vec::new();
    while from.has_output() {
        let mut slices = [IoSlice::new(&[]); 16];
        let k = from.output(&mut slices);
        let n: usize = slices[..k].iter().map(|s| s.len()).sum();
        for s in &slices[..k] {
            out.extend_from_slice(s);
        }
        from.consume_output(n);
    }
    out
}

/// Feed `bytes` to `to`, in reads as large as it offers.
fn feed(to: &mut WsConnection, mut bytes: &[u8]) -> Result<(), ProtocolError> {
    loop {
        while to.has_pending_frames() {
            to.commit_read(0, &mut || 0)?;
        }
        if bytes.is_empty() {
            return Ok(());
        }
        let (mut buf, _) = to.read_spaces();
        let n = buf.put_slice(bytes);
        bytes = &bytes[n..];
        to.commit_read(n, &mut || 0)?;
    }
}

fn pump(a: &mut WsConnection, b: &mut WsConnection) {
    for _ in 0..4 {
        let x = drain(a);
        feed(b, &x).unwrap();
        let y = drain(b);
        feed(a, &y).unwrap();
    }
}

fn ready(w: &mut WsConnection) {
    match w.next_event() {
        Some(Event::Ready { .. }) => {}
        e => panic!("not ready: {e:?}"),
    }
}

#[test]
fn null_pair_moves_messages_of_every_size_both_ways() {
    let (mut cl, mut sv) = (client(c::ZMQ_DEALER), server(c::ZMQ_ROUTER));
    let req = drain(&mut cl);
    assert!(req.starts_with(b"GET /p HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
    assert!(
        String::from_utf8_lossy(&req).contains("Sec-WebSocket-Protocol: ZWS2.0/NULL,ZWS2.0\r\n")
    );
    feed(&mut sv, &req).unwrap();
    pump(&mut cl, &mut sv);
    ready(&mut cl);
    ready(&mut sv);
    assert!(cl.is_ready() && sv.is_ready());
    assert_eq!(sv.peer_version(), Some((3, 1)));
    for size in [
        0usize,
        1,
        30,
        125,
        126,
        1023,
        1024,
        65535,
        65536,
        1 << 20,
        3 << 20,
    ] {
        let body: Vec<u8> = (0..size).map(|i| (i * 7 % 256) as u8).collect();
        let mut first = Msg::from_slice(b"head");
        first.set_more(true);
        cl.send(first).unwrap();
        cl.send(Msg::from_slice(&body)).unwrap();
        sv.send(Msg::from_slice(&body)).unwrap();
        pump(&mut cl, &mut sv);
        let a = sv.next_message().unwrap();
        assert!(a.more());
        assert_eq!(a.data(), b"head");
        let b = sv.next_message().unwrap();
        assert!(!b.more());
        assert_eq!(b.data(), &body[..], "{size} to the server");
        let m = cl.next_message().unwrap();
        assert_eq!(m.data(), &body[..], "{size} to the client");
    }
}

#[test]
fn client_frames_are_masked_server_frames_are_not() {
    let (mut cl, mut sv) = (client(c::ZMQ_PAIR), server(c::ZMQ_PAIR));
    pump(&mut cl, &mut sv);
    ready(&mut cl);
    ready(&mut sv);
    cl.send(Msg::from_slice(b"abc")).unwrap();
    let wire = drain(&mut cl);
    assert_eq!(wire[0], 0x82);
    assert_eq!(wire[1], 0x80 | 4, "masked, flags byte + 3");
    sv.send(Msg::from_slice(b"abc")).unwrap();
    assert_eq!(drain(&mut sv), b"\x82\x04\x00abc");
}

#[test]
fn bare_zws_exchanges_routing_ids() {
    // A browser-like client offering only "ZWS2.0": no READY, each side's
    // first message is its routing id.
    let mut sv = server(c::ZMQ_ROUTER);
    let req = handshake::request("/", "h", "dGhlIHNhbXBsZSBub25jZQ==", "ZWS2.0");
    feed(&mut sv, &req).unwrap();
    let out = drain(&mut sv);
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.contains("Sec-WebSocket-Protocol: ZWS2.0\r\n"),
        "{text}"
    );
    // After the answer: our (empty) routing id message.
    assert!(out.ends_with(b"\x82\x01\x00"));
    let key = [9, 8, 7, 6];
    let frame_bytes = |payload: &[u8]| {
        let mut h = [0u8; MAX_HEADER];
        let n = frame::header(OP_BINARY, payload.len() as u64, Some(key), &mut h);
        let mut v = h[..n].to_vec();
        let at = v.len();
        v.extend_from_slice(payload);
        mask_in_place(&mut v[at..], key, 0);
        v
    };
    feed(&mut sv, &frame_bytes(b"\x00peer")).unwrap();
    match sv.next_event() {
        Some(Event::Ready {
            peer_routing_id, ..
        }) => assert_eq!(peer_routing_id.as_deref(), Some(&b"peer"[..])),
        e => panic!("{e:?}"),
    }
    // No mechanism: the session treats it as libzmq does a ZMTP 2.0 peer.
    assert_eq!(sv.peer_version(), Some((2, 0)));
    feed(&mut sv, &frame_bytes(b"\x00hello")).unwrap();
    assert_eq!(sv.next_message().unwrap().data(), b"hello");
}

#[test]
fn ping_gets_pong_and_close_is_echoed_then_ends() {
    let (mut cl, mut sv) = (client(c::ZMQ_PAIR), server(c::ZMQ_PAIR));
    pump(&mut cl, &mut sv);
    let key = [1, 2, 3, 4];
    let control = |op: u8, payload: &[u8]| {
        let mut h = [0u8; MAX_HEADER];
        let n = frame::header(op, payload.len() as u64, Some(key), &mut h);
        let mut v = h[..n].to_vec();
        let at = v.len();
        v.extend_from_slice(payload);
        mask_in_place(&mut v[at..], key, 0);
        v
    };
    feed(&mut sv, &control(OP_PING, b"xy")).unwrap();
    assert_eq!(drain(&mut sv), b"\x8a\x02xy");
    let e = feed(&mut sv, &control(OP_CLOSE, b"\x03\xe8")).unwrap_err();
    assert_eq!(e, ProtocolError::WsClosed);
    assert_eq!(drain(&mut sv), b"\x88\x02\x03\xe8");
}

#[test]
fn heartbeat_is_a_websocket_ping() {
    let mut cfg = config(c::ZMQ_PAIR);
    cfg.heartbeat_ivl = 10;
    let mech = Box::new(NullMechanism::new(&cfg));
    let mut sv = WsConnection::new(cfg, mech, Role::Server);
    let mut cl = client(c::ZMQ_PAIR);
    pump(&mut cl, &mut sv);
    let t = sv.next_timer().expect("heartbeat armed");
    sv.on_timer(t).unwrap();
    assert_eq!(drain(&mut sv), b"\x89\x00");
    // No answer within the timeout (the interval): the connection fails.
    let t = sv.next_timer().unwrap();
    assert_eq!(sv.on_timer(t + 10), Err(ProtocolError::HeartbeatTimeout));
}

#[test]
fn hostile_upgrades_end_the_connection() {
    // Endless header: refused once the head cannot fit, never buffered on.
    let mut sv = server(c::ZMQ_PAIR);
    let mut r = Ok(());
    let mut fed = 0;
    let line = b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    feed(&mut sv, b"GET / HTTP/1.1\r\n").unwrap();
    while r.is_ok() && fed < 10 * MAX_HEAD {
        r = feed(&mut sv, line);
        fed += line.len();
    }
    assert_eq!(r, Err(ProtocolError::WsHandshake));
    assert!(fed <= MAX_HEAD + line.len());
    // A head that ends, but past the limit, across two reads.
    let mut sv = server(c::ZMQ_PAIR);
    let filler = format!("X-Filler: {}\r\n", "a".repeat(MAX_HEAD - 100));
    feed(&mut sv, format!("GET / HTTP/1.1\r\n{filler}").as_bytes()).unwrap();
    let rest = String::from_utf8(handshake::request(
        "/",
        "h",
        "dGhlIHNhbXBsZSBub25jZQ==",
        "ZWS2.0",
    ))
    .unwrap()
    .replace("GET / HTTP/1.1\r\n", "");
    assert_eq!(
        feed(&mut sv, rest.as_bytes()),
        Err(ProtocolError::WsHandshake)
    );
    // Not HTTP at all (a ZMTP greeting).
    let mut sv = server(c::ZMQ_PAIR);
    let mut greeting = vec![0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f];
    greeting.extend_from_slice(b"\r\n\r\n");
    assert_eq!(feed(&mut sv, &greeting), Err(ProtocolError::WsHandshake));
    // A client whose server answers 200.
    let mut cl = client(c::ZMQ_PAIR);
    drain(&mut cl);
    assert_eq!(
        feed(&mut cl, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
        Err(ProtocolError::WsHandshake)
    );
}

#[test]
fn unmasked_client_frame_ends_the_connection() {
    let (mut cl, mut sv) = (client(c::ZMQ_PAIR), server(c::ZMQ_PAIR));
    pump(&mut cl, &mut sv);
    assert_eq!(
        feed(&mut sv, b"\x82\x02\x00x"),
        Err(ProtocolError::MalformedFrame)
    );
    // And stays failed.
    assert!(sv.commit_read(0, &mut || 0).is_err());
}

#[test]
fn decode_batch_pauses_and_resumes() {
    let (mut cl, mut sv) = (client(c::ZMQ_PAIR), server(c::ZMQ_PAIR));
    sv.set_decode_batch(2);
    pump(&mut cl, &mut sv);
    ready(&mut sv);
    for i in 0..5u8 {
        cl.send(Msg::from_slice(&[i])).unwrap();
    }
    let wire = drain(&mut cl);
    let (mut buf, _) = sv.read_spaces();
    let n = buf.put_slice(&wire);
    sv.commit_read(n, &mut || 0).unwrap();
    assert!(sv.has_pending_frames());
    let mut got = Vec::new();
    loop {
        while let Some(m) = sv.next_message() {
            got.push(m.data()[0]);
        }
        if !sv.has_pending_frames() {
            break;
        }
        sv.commit_read(0, &mut || 0).unwrap();
    }
    assert_eq!(got, [0, 1, 2, 3, 4]);
}

/// A SUB's subscription goes out as a message with its 0x01 byte (libzmq's
/// ws encoder writes it so), not as a SUBSCRIBE command.
#[test]
fn subscriptions_are_messages() {
    let (mut cl, mut sv) = (client(c::ZMQ_SUB), server(c::ZMQ_PUB));
    pump(&mut cl, &mut sv);
    ready(&mut cl);
    ready(&mut sv);
    cl.send(Msg::from_slice(b"\x01topic")).unwrap();
    let wire = drain(&mut cl);
    // Masked: header 2 + key 4, then flags 0 and the body, unmasked here.
    let key = [wire[2], wire[3], wire[4], wire[5]];
    let mut payload = wire[6..].to_vec();
    mask_in_place(&mut payload, key, 0);
    assert_eq!(payload, b"\x00\x01topic");
    feed(&mut sv, &wire).unwrap();
    assert_eq!(sv.next_message().unwrap().data(), b"\x01topic");
}
