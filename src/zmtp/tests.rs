//! Connection tests: byte vectors captured from real libzmq 4.3.4 (see
//! testdata/capture_libzmq.c), malformed input, and pairs of connections
//! talking to each other in memory.

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

// ------------------------------------------------- vectors from real libzmq

#[test]
fn libzmq_greeting_stages_and_ready() {
    let mut conn = Connection::new(Config {
        socket_type: c::ZMQ_DEALER,
        routing_id: b"abc".to_vec(),
        ..Config::default()
    });
    assert_eq!(take_output(&mut conn), hex("ff00000000000000047f"));
    assert!(conn.read_buf().len() >= 64);
    feed(&mut conn, &PEER_SIG[..9]).unwrap();
    assert_eq!(take_output(&mut conn), b"");
    feed(&mut conn, &PEER_SIG[9..]).unwrap();
    assert_eq!(take_output(&mut conn), hex("03"));
    feed(&mut conn, &[3]).unwrap();
    assert_eq!(
        take_output(&mut conn),
        hex("014e554c4c000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000")
    );
    feed(&mut conn, &v3_greeting(1, b"NULL")[11..]).unwrap();
    assert_eq!(
        take_output(&mut conn),
        hex("042c0552454144590b536f636b65742d54797065000000064445414c4552084964656e7469747900000003616263")
    );
    assert!(!conn.is_ready());
    assert!(matches!(
        conn.send(Msg::from_slice(b"x")),
        Err(ProtocolError::NotReady)
    ));
    feed(&mut conn, &ready_frame(&[("Socket-Type", b"ROUTER")])).unwrap();
    assert!(conn.is_ready());
    assert_eq!(conn.peer_version(), Some((3, 1)));
    let mut a = Msg::from_slice(b"A");
    a.set_more(true);
    conn.send(a).unwrap();
    conn.send(Msg::from_slice(&[b'x'; 300])).unwrap();
    let mut want = hex("01014102000000000000012c");
    want.extend_from_slice(&[b'x'; 300]);
    assert_eq!(take_output(&mut conn), want);
}

#[test]
fn libzmq_dealer_bytes_decode_as_peer() {
    // What libzmq's DEALER "abc" sent, fed to our ROUTER.
    let mut wire = hex("ff00000000000000047f03014e554c4c000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000");
    wire.extend_from_slice(&hex("042c0552454144590b536f636b65742d54797065000000064445414c4552084964656e7469747900000003616263"));
    wire.extend_from_slice(&hex("01014102000000000000012c"));
    wire.extend_from_slice(&[b'x'; 300]);
    for chunk in [1, 3, 64, usize::MAX] {
        let mut conn = Connection::new(cfg(c::ZMQ_ROUTER));
        feed_chunked(&mut conn, &wire, 0, chunk).unwrap();
        let ev = events(&mut conn);
        assert_eq!(ev.len(), 3);
        match &ev[0] {
            Event::Ready {
                peer,
                peer_routing_id,
            } => {
                assert_eq!(peer_routing_id.as_deref(), Some(&b"abc"[..]));
                assert_eq!(peer.get(b"Socket-Type"), Some(&b"DEALER"[..]));
                assert_eq!(peer.get(b"Identity"), Some(&b"abc"[..]));
            }
            e => panic!("{e:?}"),
        }
        match (&ev[1], &ev[2]) {
            (Event::Message(a), Event::Message(b)) => {
                assert!(a.more() && a.data() == b"A");
                assert!(!b.more() && b.data() == &[b'x'; 300][..]);
                // The properties came with Ready; the session attaches them.
                assert!(a.metadata().is_none() && b.metadata().is_none());
            }
            e => panic!("{e:?}"),
        }
    }
}

#[test]
fn libzmq_subscriptions_31_and_30() {
    for (minor, sub, cancel) in [
        (
            1,
            "040f09535542534352494245746f706963",
            "040c0643414e43454c746f706963",
        ),
        (0, "000601746f706963", "000600746f706963"),
    ] {
        let mut conn = ready_conn(cfg(c::ZMQ_SUB), minor, "PUB");
        assert_eq!(conn.peer_version(), Some((3, minor)));
        conn.send(Msg::from_slice(b"\x01topic")).unwrap();
        assert_eq!(take_output(&mut conn), hex(sub));
        conn.send(Msg::from_slice(b"\x00topic")).unwrap();
        assert_eq!(take_output(&mut conn), hex(cancel));
    }
    // SUB's READY as libzmq sends it.
    let mut conn = Connection::new(cfg(c::ZMQ_SUB));
    feed(&mut conn, &v3_greeting(1, b"NULL")).unwrap();
    let out = take_output(&mut conn);
    assert_eq!(
        &out[64..],
        &hex("04190552454144590b536f636b65742d5479706500000003535542")[..]
    );
}

#[test]
fn subscription_rules() {
    // Only single-part first parts become commands; XSUB too; not PUB.
    let mut conn = ready_conn(cfg(c::ZMQ_XSUB), 1, "XPUB");
    let mut m = Msg::from_slice(b"\x01a");
    m.set_more(true);
    conn.send(m).unwrap();
    conn.send(Msg::from_slice(b"\x01b")).unwrap();
    assert_eq!(take_output(&mut conn), b"\x01\x02\x01a\x00\x02\x01b");
    conn.send(Msg::from_slice(b"\x01")).unwrap();
    conn.send(Msg::from_slice(b"")).unwrap();
    conn.send(Msg::from_slice(b"\x02x")).unwrap();
    assert_eq!(
        take_output(&mut conn),
        b"\x04\x0a\x09SUBSCRIBE\x00\x00\x00\x02\x02x"
    );
    // A long topic: LONG is decided on the size including the name.
    conn.send(Msg::from_slice(&[1u8; 250])).unwrap();
    let out = take_output(&mut conn);
    assert_eq!(&out[..9], &[6, 0, 0, 0, 0, 0, 0, 1, 3]);
    assert_eq!(out.len(), 9 + 10 + 249);

    let mut conn = ready_conn(cfg(c::ZMQ_PUB), 1, "SUB");
    conn.send(Msg::from_slice(b"\x01t")).unwrap();
    assert_eq!(take_output(&mut conn), b"\x00\x02\x01t");

    // Received SUBSCRIBE/CANCEL commands become 0x01/0x00 parts.
    let mut conn = ready_conn(cfg(c::ZMQ_XPUB), 1, "XSUB");
    feed(
        &mut conn,
        &hex("040f09535542534352494245746f706963040c0643414e43454c746f706963000601746f706963"),
    )
    .unwrap();
    let m = messages(&mut conn);
    assert_eq!(m.len(), 3);
    assert_eq!(m[0].data(), b"\x01topic");
    assert_eq!(m[1].data(), b"\x00topic");
    assert_eq!(m[2].data(), b"\x01topic");
}

#[test]
fn libzmq_heartbeat_ping_and_pong() {
    let mut conn = ready_conn(
        Config {
            socket_type: c::ZMQ_PUSH,
            heartbeat_ivl: 100,
            heartbeat_ttl: 2000,
            heartbeat_timeout: 5000,
            ..Config::default()
        },
        1,
        "PULL",
    );
    assert_eq!(conn.next_timer(), Some(100));
    conn.on_timer(99).unwrap();
    assert_eq!(take_output(&mut conn), b"");
    conn.on_timer(100).unwrap();
    assert_eq!(take_output(&mut conn), hex("04070450494e470014"));
    assert_eq!(conn.next_timer(), Some(200));
    // PING with a context: PONG echoes it, as libzmq did.
    feed(&mut conn, b"\x04\x0a\x04PING\x00\x00ctx").unwrap();
    assert_eq!(take_output(&mut conn), hex("040804504f4e47637478"));
    assert!(messages(&mut conn).is_empty());
}

#[test]
fn libzmq_v2_peer() {
    let mut conn = Connection::new(Config {
        socket_type: c::ZMQ_PUSH,
        routing_id: b"abc".to_vec(),
        ..Config::default()
    });
    assert_eq!(take_output(&mut conn), hex("ff00000000000000047f"));
    feed(&mut conn, PEER_SIG).unwrap();
    assert_eq!(take_output(&mut conn), hex("03"));
    feed(&mut conn, b"\x01\x07").unwrap();
    assert_eq!(take_output(&mut conn), hex("080003616263"));
    assert_eq!(conn.peer_version(), Some((2, 0)));
    assert!(!conn.is_ready());
    feed(&mut conn, b"\x00\x03pid").unwrap();
    match &events(&mut conn)[..] {
        [Event::Ready {
            peer,
            peer_routing_id,
        }] => {
            assert!(peer.is_empty());
            assert_eq!(peer_routing_id.as_deref(), Some(&b"pid"[..]));
        }
        e => panic!("{e:?}"),
    }
    let mut hi = Msg::from_slice(b"hi");
    hi.set_more(true);
    conn.send(hi).unwrap();
    conn.send(Msg::from_slice(&[b'x'; 300])).unwrap();
    let mut want = hex("0102686902000000000000012c");
    want.extend_from_slice(&[b'x'; 300]);
    assert_eq!(take_output(&mut conn), want);
    // Messages from the 2.0 peer.
    feed(&mut conn, b"\x01\x01a\x00\x01b").unwrap();
    let m = messages(&mut conn);
    assert_eq!(m.len(), 2);
    assert!(m[0].more());
}

#[test]
fn libzmq_v1_unversioned_peer() {
    let mut conn = Connection::new(Config {
        socket_type: c::ZMQ_PUB,
        routing_id: b"abc".to_vec(),
        ..Config::default()
    });
    assert_eq!(take_output(&mut conn), hex("ff00000000000000047f"));
    feed(&mut conn, b"\x01\x00").unwrap();
    assert_eq!(take_output(&mut conn), b"abc");
    assert_eq!(conn.peer_version(), Some((1, 0)));
    let ev = events(&mut conn);
    assert_eq!(ev.len(), 2);
    assert!(matches!(
        &ev[0],
        Event::Ready {
            peer_routing_id: None,
            ..
        }
    ));
    // PUB/XPUB inject a subscribe-all for 1.0 peers.
    assert!(matches!(&ev[1], Event::Message(m) if m.data() == b"\x01"));
    let mut hi = Msg::from_slice(b"hi");
    hi.set_more(true);
    conn.send(hi).unwrap();
    conn.send(Msg::from_slice(&[b'x'; 300])).unwrap();
    let mut want = hex("03016869ff000000000000012d00");
    want.extend_from_slice(&[b'x'; 300]);
    assert_eq!(take_output(&mut conn), want);
}

#[test]
fn v1_versioned_peer_and_long_identity() {
    // Revision 0: 12-byte greeting, then v1 frames with an identity first.
    let mut conn = Connection::new(Config {
        socket_type: c::ZMQ_DEALER,
        routing_id: b"me".to_vec(),
        ..Config::default()
    });
    let mut input = PEER_SIG.to_vec();
    input.extend_from_slice(b"\x00\x05\x04\x00you\x02\x00z");
    feed(&mut conn, &input).unwrap();
    assert_eq!(conn.peer_version(), Some((1, 0)));
    let out = take_output(&mut conn);
    assert_eq!(&out[10..], b"\x03\x05\x03\x00me");
    let ev = events(&mut conn);
    assert!(matches!(&ev[0], Event::Ready { peer_routing_id: Some(id), .. } if id == b"you"));
    assert!(matches!(&ev[1], Event::Message(m) if m.data() == b"z"));

    // Unversioned peer detected by byte 9 bit 0 clear (a long identity).
    let mut conn = Connection::new(cfg(c::ZMQ_PULL));
    let mut input = b"\xff\0\0\0\0\0\0\0\x04\x00abc".to_vec();
    input.extend_from_slice(b"\x03\x00hi");
    feed(&mut conn, &input).unwrap();
    assert_eq!(conn.peer_version(), Some((1, 0)));
    let ev = events(&mut conn);
    assert!(matches!(&ev[0], Event::Ready { peer_routing_id: Some(id), .. } if id == b"abc"));
    assert!(matches!(&ev[1], Event::Message(m) if m.data() == b"hi"));
}

// ---------------------------------------------------------------- malformed

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

#[test]
fn mechanism_mismatch_and_unknown_mechanism() {
    for mech in [&b"PLAIN"[..], b"CURVE", b"FOO", b"NULL\0x", b"null"] {
        let e = handshake_error(c::ZMQ_PAIR, &v3_greeting(1, mech));
        assert_eq!(e, ProtocolError::MechanismMismatch);
        assert_eq!(
            e.monitor_code(),
            Some(c::ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
        );
    }
}

#[test]
fn garbage_greetings() {
    // Not a signature: taken for a 1.0 peer, as libzmq does, and a zero v1
    // length fails at once.
    assert_eq!(
        handshake_error(c::ZMQ_PAIR, b"\x00garbage"),
        ProtocolError::MalformedFrame
    );
    // Versioned signature with a 2^63 frame after a 3.x greeting.
    let mut g = v3_greeting(1, b"NULL");
    g.extend_from_slice(b"\x06\x80\0\0\0\0\0\0\0");
    assert_eq!(
        handshake_error(c::ZMQ_PAIR, &g),
        ProtocolError::MessageTooLarge
    );
    // Reserved flag bits are ignored, as libzmq does: a READY with them
    // completes the handshake.
    let mut conn = Connection::new(cfg(c::ZMQ_PAIR));
    let mut g = v3_greeting(1, b"NULL");
    let mut ready = ready_frame(&[("Socket-Type", b"PAIR")]);
    ready[0] |= 0x40;
    g.extend_from_slice(&ready);
    feed(&mut conn, &g).unwrap();
    assert!(conn.is_ready());
    // HTTP: a 1.0 peer whose "identity" is 70 bytes; no Ready, no error,
    // just waiting (the handshake timer ends it).
    let mut conn = Connection::new(cfg(c::ZMQ_PAIR));
    feed(&mut conn, b"GET / HTTP/1.1\r\n").unwrap();
    assert!(events(&mut conn).is_empty());
    assert!(conn.is_handshaking());
}

#[test]
fn message_where_command_is_due() {
    let mut g = v3_greeting(1, b"NULL");
    g.extend_from_slice(b"\x00\x05hello");
    let e = handshake_error(c::ZMQ_PAIR, &g);
    assert_eq!(e, ProtocolError::UnexpectedCommand);
    assert_eq!(
        e.monitor_code(),
        Some(c::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND)
    );
    // An unknown command during the handshake.
    let mut g = v3_greeting(1, b"NULL");
    g.extend_from_slice(b"\x04\x06\x05HELLO");
    assert_eq!(
        handshake_error(c::ZMQ_PAIR, &g),
        ProtocolError::UnexpectedCommand
    );
    // An empty command body.
    let mut g = v3_greeting(1, b"NULL");
    g.extend_from_slice(b"\x04\x00");
    assert_eq!(
        handshake_error(c::ZMQ_PAIR, &g),
        ProtocolError::UnexpectedCommand
    );
}

#[test]
fn malformed_ready() {
    for bad in [
        &b"\x04\x09\x05READY\x01A\x00"[..], // truncated value length
        b"\x04\x0d\x05READY\x01A\x00\x00\x00\x09x", // value shorter than claimed
        b"\x04\x07\x05READY\x05",           // name cut short
    ] {
        let mut g = v3_greeting(1, b"NULL");
        g.extend_from_slice(bad);
        let e = handshake_error(c::ZMQ_PAIR, &g);
        // libzmq 4.3.4's NULL mechanism reports no protocol code for it.
        assert_eq!(e, ProtocolError::MalformedProperties, "{bad:?}");
        assert_eq!(e.monitor_code(), None);
    }
    // A second READY is unexpected... but only during the handshake; after
    // it, unknown commands are ignored as libzmq does.
    let mut conn = ready_conn(cfg(c::ZMQ_PAIR), 1, "PAIR");
    feed(&mut conn, &ready_frame(&[])).unwrap();
    feed(&mut conn, b"\x04\x06\x05HELLO").unwrap();
    assert!(events(&mut conn).is_empty());
    // ...and so are malformed ones (an empty command, a name running past
    // the body), as libzmq's engine ignores them.
    feed(&mut conn, b"\x04\x00").unwrap();
    feed(&mut conn, b"\x04\x02\x09X").unwrap();
    assert!(events(&mut conn).is_empty());
    assert!(conn.is_ready());
}

#[test]
fn incompatible_socket_type() {
    let mut g = v3_greeting(1, b"NULL");
    g.extend_from_slice(&ready_frame(&[("Socket-Type", b"PUB")]));
    let e = handshake_error(c::ZMQ_PUSH, &g);
    assert_eq!(e, ProtocolError::IncompatibleSocketType);
    assert_eq!(e.monitor_code(), None);
    // Case matters, as in libzmq.
    let mut g = v3_greeting(1, b"NULL");
    g.extend_from_slice(&ready_frame(&[("Socket-Type", b"pull")]));
    assert_eq!(
        handshake_error(c::ZMQ_PUSH, &g),
        ProtocolError::IncompatibleSocketType
    );
    // No Socket-Type at all is accepted, as libzmq does.
    let mut conn = Connection::new(cfg(c::ZMQ_PUSH));
    let mut g = v3_greeting(1, b"NULL");
    g.extend_from_slice(&ready_frame(&[("X-Foo", b"bar")]));
    feed(&mut conn, &g).unwrap();
    assert!(conn.is_ready());
}

#[test]
fn error_command() {
    let mut g = v3_greeting(1, b"NULL");
    g.extend_from_slice(b"\x04\x0a\x05ERROR\x03400");
    let e = handshake_error(c::ZMQ_PAIR, &g);
    assert_eq!(e, ProtocolError::PeerError(b"400".to_vec()));
    assert_eq!(e.auth_status(), Some(400));
    let mut g = v3_greeting(1, b"NULL");
    g.extend_from_slice(b"\x04\x0a\x05ERROR\x03bad");
    assert_eq!(handshake_error(c::ZMQ_PAIR, &g).auth_status(), None);
    let mut g = v3_greeting(1, b"NULL");
    g.extend_from_slice(b"\x04\x0a\x05ERROR\x09400");
    assert_eq!(
        handshake_error(c::ZMQ_PAIR, &g).monitor_code(),
        Some(c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR)
    );
}

#[test]
fn maxmsgsize_and_truncation_after_handshake() {
    let mut conn = ready_conn(
        Config {
            maxmsgsize: 100,
            ..cfg(c::ZMQ_PULL)
        },
        1,
        "PUSH",
    );
    let mut ok = b"\x00\x64".to_vec();
    ok.extend_from_slice(&[0; 100]);
    feed(&mut conn, &ok).unwrap();
    assert_eq!(messages(&mut conn).len(), 1);
    // A truncated frame: nothing happens, no error.
    feed(&mut conn, b"\x00\x0aabc").unwrap();
    assert!(messages(&mut conn).is_empty());
    let mut conn = ready_conn(
        Config {
            maxmsgsize: 100,
            ..cfg(c::ZMQ_PULL)
        },
        1,
        "PUSH",
    );
    let e = feed(&mut conn, b"\x02\0\0\0\0\0\0\0\x65").unwrap_err();
    assert_eq!(e, ProtocolError::MessageTooLarge);
    assert_eq!(e.errno(), libc::EMSGSIZE);
    assert!(!conn.is_ready());
}

#[test]
fn old_peers_refused_when_mechanism_forbids() {
    struct Strict(mechanism::NullMechanism);
    impl mechanism::Mechanism for Strict {
        fn name(&self) -> &'static [u8] {
            b"NULL"
        }
        fn next_handshake_command(&mut self) -> Result<Option<Vec<u8>>, ProtocolError> {
            self.0.next_handshake_command()
        }
        fn process_handshake_command(&mut self, b: &[u8]) -> Result<(), ProtocolError> {
            self.0.process_handshake_command(b)
        }
        fn status(&self) -> mechanism::Status {
            self.0.status()
        }
        fn peer_properties(&self) -> &[(Vec<u8>, Vec<u8>)] {
            self.0.peer_properties()
        }
        fn peer_routing_id(&self) -> Option<&[u8]> {
            self.0.peer_routing_id()
        }
    }
    for input in [&b"\x01\x00"[..], b"\xff\0\0\0\0\0\0\0\x01\x7f\x01\x07"] {
        let config = cfg(c::ZMQ_PAIR);
        let m = Box::new(Strict(mechanism::NullMechanism::new(&config)));
        let mut conn = Connection::with_mechanism(config, m);
        assert_eq!(feed(&mut conn, input), Err(ProtocolError::OldPeerRefused));
    }
}

// ------------------------------------------------------- connection pairs

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

const TYPES: [i32; 20] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16, 17, 18, 19, 20,
];

#[test]
fn every_type_pair_handshakes_or_is_refused() {
    let mut compatible_pairs = 0;
    for &x in &TYPES {
        for &y in &TYPES {
            let ok = compatible(x, socket_type_name(y).as_bytes());
            assert_eq!(
                ok,
                compatible(y, socket_type_name(x).as_bytes()),
                "{x} {y} symmetric"
            );
            let mut a = Connection::new(Config {
                socket_type: x,
                routing_id: b"A-id".to_vec(),
                metadata: vec![("X-Side".into(), b"a".to_vec())],
                ..Config::default()
            });
            let mut b = Connection::new(cfg(y));
            let r = pump(&mut a, &mut b, 0, 100);
            if ok {
                compatible_pairs += 1;
                r.unwrap();
                assert!(a.is_ready() && b.is_ready(), "{x} {y}");
                let ea = events(&mut a);
                let eb = events(&mut b);
                let Event::Ready {
                    peer,
                    peer_routing_id,
                } = &eb[0]
                else {
                    panic!()
                };
                assert_eq!(
                    peer.get(b"Socket-Type"),
                    Some(socket_type_name(x).as_bytes())
                );
                assert_eq!(peer.get(b"X-Side"), Some(&b"a"[..]));
                let sends_id = matches!(x, c::ZMQ_REQ | c::ZMQ_DEALER | c::ZMQ_ROUTER);
                assert_eq!(peer_routing_id.is_some(), sends_id);
                assert!(matches!(
                    &ea[0],
                    Event::Ready {
                        peer_routing_id: None,
                        ..
                    }
                ));
                // A message each way.
                a.send(Msg::from_slice(b"ping")).unwrap();
                b.send(Msg::from_slice(b"pong")).unwrap();
                pump(&mut a, &mut b, 0, 100).unwrap();
                assert_eq!(messages(&mut b)[0].data(), b"ping");
                // SUB/XSUB's 0x01 messages arrive as 0x01 parts either way.
                assert_eq!(messages(&mut a)[0].data(), b"pong");
            } else {
                assert!(r.is_err(), "{x} {y} must be refused");
                let e = a.error().or(b.error()).unwrap();
                assert_eq!(e, &ProtocolError::IncompatibleSocketType);
            }
        }
    }
    assert_eq!(
        compatible_pairs,
        21 + 9,
        "ordered pairs: 21 stable, 9 draft"
    );
}

#[test]
fn large_and_multipart_messages_between_connections() {
    let mut a = Connection::new(cfg(c::ZMQ_DEALER));
    let mut b = Connection::new(Config {
        in_batch_size: 1000,
        ..cfg(c::ZMQ_ROUTER)
    });
    pump(&mut a, &mut b, 0, usize::MAX).unwrap();
    events(&mut a);
    events(&mut b);
    #[rustfmt::skip]
    let sizes = [0usize, 1, 29, 30, 31, 500, 999, 1000, 1024, 4096, 65_536, 1 << 20, (1 << 20) + 1, 3 << 20, 7];
    for round in 0..2 {
        for (i, &s) in sizes.iter().enumerate() {
            let body: Vec<u8> = (0..s).map(|j| (j * 31 + i) as u8).collect();
            let mut m = Msg::from_slice(&body);
            m.set_more(i + 1 < sizes.len());
            a.send(m).unwrap();
        }
        // Odd read sizes in the second round.
        pump(&mut a, &mut b, 0, if round == 0 { usize::MAX } else { 333 }).unwrap();
        let got = messages(&mut b);
        assert_eq!(got.len(), sizes.len());
        for (i, (m, &s)) in got.iter().zip(&sizes).enumerate() {
            let body: Vec<u8> = (0..s).map(|j| (j * 31 + i) as u8).collect();
            assert_eq!(m.data(), &body[..], "part {i}");
            assert_eq!(m.more(), i + 1 < sizes.len());
            assert_eq!(m.is_vsm(), s <= Msg::MAX_VSM_SIZE);
        }
    }
}

#[test]
fn many_small_messages_batch_into_few_slices() {
    let mut a = ready_conn(cfg(c::ZMQ_PUSH), 1, "PULL");
    let mut n = 0;
    while a.want_more_output() {
        a.send(Msg::from_slice(b"0123456789")).unwrap();
        n += 1;
    }
    assert!(n > 500);
    let mut s = [IoSlice::new(&[]); 4];
    assert_eq!(a.output(&mut s), 1, "one buffer for all small frames");
    assert_eq!(s[0].len(), n * 12);
}

#[test]
fn heartbeats_between_connections() {
    let hb = |t| Config {
        heartbeat_ivl: 100,
        heartbeat_ttl: 1000,
        heartbeat_timeout: 300,
        ..cfg(t)
    };
    let mut a = Connection::new(hb(c::ZMQ_PAIR));
    let mut b = Connection::new(cfg(c::ZMQ_PAIR));
    pump(&mut a, &mut b, 1000, usize::MAX).unwrap();
    assert_eq!(a.next_timer(), Some(1100));
    assert_eq!(b.next_timer(), None);
    a.on_timer(1100).unwrap();
    assert_eq!(a.next_timer(), Some(1200), "next PING");
    // B receives the PING: answers PONG and arms the TTL (1000 ms).
    pump(&mut a, &mut b, 1110, usize::MAX).unwrap();
    assert_eq!(b.next_timer(), Some(2110));
    // The PONG reached A and cancelled its timeout.
    a.on_timer(1200).unwrap();
    assert_eq!(a.next_timer(), Some(1300));
    // Now B goes silent: A's timeout (300 ms after the PING) fires.
    take_output(&mut a);
    a.on_timer(1300).unwrap();
    a.on_timer(1400).unwrap();
    a.on_timer(1499).unwrap();
    assert_eq!(a.on_timer(1500), Err(ProtocolError::HeartbeatTimeout));
    assert_eq!(a.next_timer(), None);
    // And B's TTL expires without traffic from A.
    assert_eq!(b.on_timer(2110), Err(ProtocolError::HeartbeatTimeout));

    // Any message cancels the TTL.
    let mut a = Connection::new(hb(c::ZMQ_PAIR));
    let mut b = Connection::new(cfg(c::ZMQ_PAIR));
    pump(&mut a, &mut b, 0, usize::MAX).unwrap();
    a.on_timer(100).unwrap();
    pump(&mut a, &mut b, 100, usize::MAX).unwrap();
    assert_eq!(b.next_timer(), Some(1100));
    a.send(Msg::from_slice(b"alive")).unwrap();
    pump(&mut a, &mut b, 200, usize::MAX).unwrap();
    assert_eq!(b.next_timer(), None);
    // Timeout 0 disables it; -1 means the interval.
    let mut a = Connection::new(Config {
        heartbeat_timeout: 0,
        ..hb(c::ZMQ_PAIR)
    });
    let mut b = Connection::new(cfg(c::ZMQ_PAIR));
    pump(&mut a, &mut b, 0, usize::MAX).unwrap();
    for t in 1..50 {
        a.on_timer(t * 100).unwrap();
    }
    let mut a = Connection::new(Config {
        heartbeat_timeout: -1,
        ..hb(c::ZMQ_PAIR)
    });
    let mut b = Connection::new(cfg(c::ZMQ_PAIR));
    pump(&mut a, &mut b, 0, usize::MAX).unwrap();
    a.on_timer(100).unwrap();
    assert_eq!(a.on_timer(200), Err(ProtocolError::HeartbeatTimeout));
}

#[test]
fn short_ping_gets_a_pong() {
    let mut conn = ready_conn(cfg(c::ZMQ_PAIR), 1, "PAIR");
    let before = conn.pending_output();
    feed(&mut conn, b"\x04\x05\x04PING").unwrap();
    // "\x04\x05\x04PONG": an empty context, no TTL timer.
    assert_eq!(conn.pending_output(), before + 7);
    assert_eq!(conn.next_timer(), None);
}

#[test]
fn compatibility_table() {
    assert!(compatible(c::ZMQ_REQ, b"ROUTER"));
    assert!(compatible(c::ZMQ_DEALER, b"DEALER"));
    assert!(!compatible(c::ZMQ_REQ, b"REQ"));
    assert!(!compatible(c::ZMQ_PUB, b"PUB"));
    assert!(compatible(c::ZMQ_XPUB, b"SUB"));
    assert!(!compatible(c::ZMQ_STREAM, b"STREAM"));
    assert!(!compatible(99, b"PAIR"));
    assert!(!compatible(-1, b""));
    assert_eq!(socket_type_name(c::ZMQ_XSUB), "XSUB");
    assert_eq!(socket_type_name(20), "CHANNEL");
    assert_eq!(socket_type_name(21), "");
}

/// Random bytes never panic and memory stays bounded (the fuzz target runs
/// the same thing much longer).
#[test]
fn random_input_never_panics() {
    let mut next = harness::xorshift(0x1234_5678_9abc_def0);
    for _ in 0..2000 {
        let mut conn = Connection::new(Config {
            maxmsgsize: 1 << 20,
            ..cfg(c::ZMQ_ROUTER)
        });
        // Start with a valid greeting half the time so the deeper states run.
        let mut input = if next().is_multiple_of(2) {
            v3_greeting((next() % 3) as u8, b"NULL")
        } else {
            Vec::new()
        };
        let len = (next() % 200) as usize;
        input.extend((0..len).map(|_| next() as u8));
        let _ = feed_chunked(&mut conn, &input, 0, (next() % 17 + 1) as usize);
        let _ = conn.send(Msg::from_slice(b"x"));
        let _ = conn.on_timer(1_000_000);
        events(&mut conn);
        take_output(&mut conn);
    }
}

/// Our ROUTER-side Connection over real TCP against Debian's libzmq REQ.
/// Run with `ZMTP_REQ_PEER=/tmp/req_peer cargo test --release -- --ignored live_libzmq`
/// after building testdata/req_peer.c.
#[test]
#[ignore]
fn live_libzmq_req() {
    use std::io::{Read, Write};
    let peer = std::env::var("ZMTP_REQ_PEER").expect("ZMTP_REQ_PEER");
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let ep = format!("tcp://{}", l.local_addr().unwrap());
    let child = std::process::Command::new(peer).arg(ep).spawn().unwrap();
    let (mut s, _) = l.accept().unwrap();
    let mut conn = Connection::new(cfg(c::ZMQ_ROUTER));
    let mut request = Vec::new();
    'outer: loop {
        let out = take_output(&mut conn);
        s.write_all(&out).unwrap();
        let n = s.read(conn.read_buf()).unwrap();
        assert!(n > 0, "peer closed");
        conn.commit_read(n, 0).unwrap();
        while let Some(ev) = conn.next_event() {
            match ev {
                Event::Ready {
                    peer,
                    peer_routing_id,
                } => {
                    assert_eq!(peer.get(b"Socket-Type"), Some(&b"REQ"[..]));
                    assert_eq!(peer_routing_id.as_deref(), Some(&b"req-1"[..]));
                }
                Event::Message(m) => {
                    let more = m.more();
                    request.push(m);
                    if !more {
                        break 'outer;
                    }
                }
            }
        }
    }
    assert_eq!(request.len(), 2);
    assert!(request[0].is_empty());
    assert_eq!(request[1].data(), b"hello");
    let mut delim = Msg::new();
    delim.set_more(true);
    conn.send(delim).unwrap();
    conn.send(Msg::from_slice(&[7u8; 70000])).unwrap();
    // writev straight from the output slices.
    while conn.has_output() {
        let n = {
            let mut sl = [IoSlice::new(&[]); 8];
            let k = conn.output(&mut sl);
            s.write_vectored(&sl[..k]).unwrap()
        };
        conn.consume_output(n);
    }
    let status = child.wait_with_output().unwrap().status;
    assert!(status.success(), "{status:?}");
}

/// A peer that sends PINGs and never reads gets at most a batch of PONGs
/// queued, not one per PING.
#[test]
fn ping_flood_output_is_bounded() {
    let mut conn = ready_conn(cfg(c::ZMQ_PULL), 1, "PUSH");
    take_output(&mut conn);
    let mut pings = Vec::new();
    for _ in 0..100_000 {
        pings.extend_from_slice(b"\x04\x17\x04PING\x00\x00abcdefghijklmnop");
    }
    feed_chunked(&mut conn, &pings, 0, 4096).unwrap();
    assert!(conn.pending_output() < 2 * codec::OUT_BATCH_SIZE);
    assert!(conn.is_ready());
    // Once written, PONGs are answered again.
    take_output(&mut conn);
    feed(&mut conn, b"\x04\x07\x04PING\x00\x00").unwrap();
    assert_eq!(take_output(&mut conn), b"\x04\x05\x04PONG");
}

/// Claims no process could hold fail at once, in every framing, also
/// where the handshake is due; a large claim that could be held waits
/// without committing memory for it.
#[test]
fn impossible_frame_lengths() {
    for hdr in [
        &b"\x02\x80\0\0\0\0\0\0\0"[..],
        b"\x03\x7f\xff\xff\xff\xff\xff\xff\xff",
        b"\x02\0\0\x80\0\0\0\0\0",
    ] {
        let mut conn = ready_conn(cfg(c::ZMQ_PULL), 1, "PUSH");
        assert_eq!(feed(&mut conn, hdr), Err(ProtocolError::MessageTooLarge));
        let mut g = v3_greeting(1, b"NULL");
        g.extend_from_slice(hdr);
        g[64] |= 0x04; // as a command where READY is due
        g[64] &= !0x01;
        assert_eq!(
            handshake_error(c::ZMQ_PULL, &g),
            ProtocolError::MessageTooLarge
        );
    }
    // ZMTP 1.0 long lengths: 0 is malformed, 2^63 too large.
    assert_eq!(
        handshake_error(c::ZMQ_PULL, b"\xff\0\0\0\0\0\0\0\0\x7e"),
        ProtocolError::MalformedFrame
    );
    assert_eq!(
        handshake_error(c::ZMQ_PULL, b"\xff\x80\0\0\0\0\0\0\0\0"),
        ProtocolError::MessageTooLarge
    );
    let mut conn = ready_conn(cfg(c::ZMQ_PULL), 1, "PUSH");
    feed(&mut conn, b"\x02\0\0\0\x10\0\0\0\0abc").unwrap();
    assert!(conn.is_ready() && events(&mut conn).is_empty());
}

/// The receive buffer stays small until the handshake is over, then grows
/// to in_batch_size; bytes that arrived with the handshake's end survive
/// the switch.
#[test]
fn small_buffer_during_handshake() {
    let mut conn = Connection::new(cfg(c::ZMQ_PULL));
    assert!(conn.read_buf().len() <= codec::HANDSHAKE_IN_BATCH);
    let mut g = v3_greeting(1, b"NULL");
    g.extend_from_slice(&ready_frame(&[("Socket-Type", b"PUSH")]));
    g.extend_from_slice(b"\x00\x03one\x00\x03two");
    feed(&mut conn, &g).unwrap();
    assert!(conn.is_ready());
    let m = messages(&mut conn);
    assert_eq!(m.len(), 2);
    assert_eq!(m[1].data(), b"two");
    assert!(conn.read_buf().len() > codec::HANDSHAKE_IN_BATCH);
    // A READY larger than the handshake buffer still goes through.
    let mut conn = Connection::new(cfg(c::ZMQ_PULL));
    let big = vec![b'v'; 2000];
    let mut g = v3_greeting(1, b"NULL");
    g.extend_from_slice(&ready_frame(&[("Socket-Type", b"PUSH"), ("X-Big", &big)]));
    g.extend_from_slice(b"\x00\x02ok");
    feed_chunked(&mut conn, &g, 0, 100).unwrap();
    assert!(conn.is_ready());
    assert_eq!(messages(&mut conn)[0].data(), b"ok");
}

#[test]
fn monitor_events_for_failures() {
    use ProtocolError as P;
    let proto = c::ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL;
    let crypto = c::ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC;
    assert_eq!(
        P::ZapDenied(400).monitor_event(true),
        Some((c::ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400))
    );
    assert_eq!(
        P::PeerError(b"500".to_vec()).monitor_event(true),
        Some((c::ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 500))
    );
    assert_eq!(
        P::ZapUnavailable.monitor_event(true),
        Some((c::ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, libc::EFAULT as i64))
    );
    assert_eq!(
        P::Mechanism(crypto).monitor_event(false),
        Some((proto, crypto as i64))
    );
    assert_eq!(
        P::UnexpectedCommand.monitor_event(true),
        Some((proto, c::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND as i64))
    );
    assert_eq!(P::UnexpectedCommand.monitor_event(false), None);
    assert_eq!(P::MalformedFrame.monitor_event(true), None);
    assert_eq!(P::HeartbeatTimeout.monitor_event(false), None);
}

// ------------------------------------------------------------- RADIO/DISH

#[test]
fn radio_dish_wire_bytes() {
    // DISH -> RADIO: joins and leaves are JOIN/LEAVE commands.
    let mut dish = ready_conn(cfg(c::ZMQ_DISH), 1, "RADIO");
    let mut join = Msg::join();
    join.set_group(b"weather").unwrap();
    dish.send(join).unwrap();
    let mut leave = Msg::leave();
    leave.set_group(b"news").unwrap();
    dish.send(leave).unwrap();
    let mut want = b"\x04\x0c\x04JOINweather".to_vec();
    want.extend_from_slice(b"\x04\x0a\x05LEAVEnews");
    assert_eq!(take_output(&mut dish), want);
    // RADIO -> DISH: the group frame (MORE) then the body.
    let mut body = b"\x01\x07weather".to_vec();
    body.extend_from_slice(b"\x00\x04rain");
    feed(&mut dish, &body).unwrap();
    let got = messages(&mut dish);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].data(), b"rain");
    assert_eq!(got[0].group().to_bytes(), b"weather");
    assert!(!got[0].more());

    let mut radio = ready_conn(cfg(c::ZMQ_RADIO), 1, "DISH");
    let mut m = Msg::from_slice(b"rain");
    m.set_group(b"weather").unwrap();
    radio.send(m).unwrap();
    assert_eq!(take_output(&mut radio), body);
    feed(&mut radio, &want).unwrap();
    let got = messages(&mut radio);
    assert_eq!(got.len(), 2);
    assert!(got[0].is_join() && got[0].group().to_bytes() == b"weather");
    assert!(got[1].is_leave() && got[1].group().to_bytes() == b"news");
}

#[test]
fn radio_dish_between_connections() {
    let mut radio = Connection::new(cfg(c::ZMQ_RADIO));
    let mut dish = Connection::new(cfg(c::ZMQ_DISH));
    pump(&mut radio, &mut dish, 0, 7).unwrap();
    events(&mut radio);
    events(&mut dish);
    let long = vec![b'g'; 255];
    let mut join = Msg::join();
    join.set_group(&long).unwrap();
    dish.send(join).unwrap();
    for (g, body) in [
        (&b""[..], &b"empty-group"[..]),
        (&long[..], &[9u8; 100][..]),
    ] {
        let mut m = Msg::from_slice(body);
        m.set_group(g).unwrap();
        radio.send(m).unwrap();
    }
    pump(&mut radio, &mut dish, 0, 7).unwrap();
    let notices = messages(&mut radio);
    assert_eq!(notices.len(), 1);
    assert!(notices[0].is_join());
    assert_eq!(notices[0].group().to_bytes(), &long[..]);
    let got = messages(&mut dish);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].data(), b"empty-group");
    assert_eq!(got[0].group().to_bytes(), b"");
    assert_eq!(got[1].data(), &[9u8; 100][..]);
    assert_eq!(got[1].group().to_bytes(), &long[..]);
}

#[test]
fn radio_dish_malformed_input() {
    // A group frame without MORE.
    let mut dish = ready_conn(cfg(c::ZMQ_DISH), 1, "RADIO");
    assert_eq!(
        feed(&mut dish, b"\x00\x01g"),
        Err(ProtocolError::MalformedFrame)
    );
    // A group frame over 255 bytes.
    let mut dish = ready_conn(cfg(c::ZMQ_DISH), 1, "RADIO");
    let mut f = vec![0x03u8];
    f.extend_from_slice(&256u64.to_be_bytes());
    f.extend_from_slice(&[b'g'; 256]);
    assert_eq!(feed(&mut dish, &f), Err(ProtocolError::MalformedFrame));
    // A body with MORE.
    let mut dish = ready_conn(cfg(c::ZMQ_DISH), 1, "RADIO");
    assert_eq!(
        feed(&mut dish, b"\x01\x01g\x01\x01b"),
        Err(ProtocolError::MalformedFrame)
    );
    // JOIN with a group over 255 bytes, or a NUL inside.
    let malformed =
        ProtocolError::MalformedCommand(c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED);
    let mut radio = ready_conn(cfg(c::ZMQ_RADIO), 1, "DISH");
    let mut f = vec![0x06u8];
    f.extend_from_slice(&(5u64 + 256).to_be_bytes());
    f.extend_from_slice(b"\x04JOIN");
    f.extend_from_slice(&[b'g'; 256]);
    assert_eq!(feed(&mut radio, &f), Err(malformed.clone()));
    let mut radio = ready_conn(cfg(c::ZMQ_RADIO), 1, "DISH");
    assert_eq!(feed(&mut radio, b"\x04\x08\x05LEAVEa\0"), Err(malformed));
    // Other commands and plain messages from a DISH are not notices.
    let mut radio = ready_conn(cfg(c::ZMQ_RADIO), 1, "DISH");
    feed(&mut radio, b"\x04\x06\x05HELLO\x00\x01x").unwrap();
    let got = messages(&mut radio);
    assert_eq!(got.len(), 1);
    assert!(!got[0].is_join() && !got[0].is_leave());
}

/// With a decode batch, a read of many frames is decoded a batch at a time:
/// the rest waits in the receive buffer until `commit_read(0, ..)`, in
/// order, and a bad frame further on still fails the connection.
#[test]
fn decode_batch_bounds_queued_events() {
    let mut conn = ready_conn(cfg(c::ZMQ_PULL), 1, "PUSH");
    conn.set_decode_batch(4);
    let mut wire = Vec::new();
    for i in 0..10u8 {
        wire.extend_from_slice(&[0, 1, i]);
    }
    feed(&mut conn, &wire).unwrap();
    let mut got = Vec::new();
    loop {
        let batch = messages(&mut conn);
        assert!(batch.len() <= 4, "{}", batch.len());
        got.extend(batch.into_iter().map(|m| m.data()[0]));
        if !conn.has_pending_frames() {
            break;
        }
        conn.commit_read(0, 0).unwrap();
    }
    assert_eq!(got, (0..10).collect::<Vec<u8>>());
    // A frame claiming 2^47 bytes behind a full batch fails once reached.
    let mut conn = ready_conn(cfg(c::ZMQ_PULL), 1, "PUSH");
    conn.set_decode_batch(2);
    feed(
        &mut conn,
        b"\x00\x01a\x00\x01b\x00\x01c\x02\0\0\x80\0\0\0\0\0",
    )
    .unwrap();
    assert_eq!(messages(&mut conn).len(), 2);
    assert!(conn.has_pending_frames());
    assert_eq!(conn.commit_read(0, 0), Err(ProtocolError::MessageTooLarge));
    assert_eq!(messages(&mut conn).len(), 1);
}

#[test]
fn frames_around_the_inline_limit_with_commands_between() {
    // Sizes on both sides of the 30-byte inline limit, short and long
    // frames, MORE flags and a PING between data frames, fed whole and in
    // awkward chunks: the in-place small-frame path and the general one
    // must agree.
    let sizes = [0usize, 1, 29, 30, 31, 255, 256, 70_000];
    let mut wire = Vec::new();
    for (i, &n) in sizes.iter().enumerate() {
        let more = i % 3 == 1;
        let body: Vec<u8> = (0..n).map(|k| (k * 7 + i) as u8).collect();
        if n < 256 {
            wire.extend_from_slice(&[u8::from(more), n as u8]);
        } else {
            wire.push(2 | u8::from(more));
            wire.extend_from_slice(&(n as u64).to_be_bytes());
        }
        wire.extend_from_slice(&body);
        if i == 3 {
            wire.extend_from_slice(b"\x04\x0a\x04PING\x00\x00ctx");
        }
    }
    for chunk in [1, 7, 33, usize::MAX] {
        let mut conn = ready_conn(cfg(c::ZMQ_PULL), 1, "PUSH");
        feed_chunked(&mut conn, &wire, 0, chunk).unwrap();
        let m = messages(&mut conn);
        assert_eq!(m.len(), sizes.len(), "chunk {chunk}");
        for (i, (msg, &n)) in m.iter().zip(&sizes).enumerate() {
            let body: Vec<u8> = (0..n).map(|k| (k * 7 + i) as u8).collect();
            assert_eq!(msg.data(), &body[..], "chunk {chunk} frame {i}");
            assert_eq!(msg.more(), i % 3 == 1);
            assert!(!msg.is_command());
            assert_eq!(msg.is_vsm(), n <= Msg::MAX_VSM_SIZE);
        }
        assert_eq!(take_output(&mut conn), hex("040804504f4e47637478"));
    }
}
