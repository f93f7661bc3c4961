//! Malformed and hostile input: each costs the connection, with the
//! error libzmq reports.

use super::*;

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
