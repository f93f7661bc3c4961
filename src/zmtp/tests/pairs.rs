//! Pairs of connections talking to each other in memory (every socket
//! type pair, large and multipart messages, heartbeats), and the
//! whole-connection checks that followed them in the one file this came
//! from: random input, a live libzmq REQ, floods, impossible lengths,
//! monitor codes.

use super::*;

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
