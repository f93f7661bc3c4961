//! Byte vectors captured from real libzmq 4.3.4 (see
//! testdata/capture_libzmq.c): greetings, handshakes, subscriptions,
//! heartbeats, ZMTP 2.0 and 1.0 peers.

use super::*;

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
