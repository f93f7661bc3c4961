//! CURVE handshakes and messages between our client and server, and the
//! failures a peer can cause.

use super::crypto::*;
use super::*;
use crate::zmtp::harness::take_output;
use crate::zmtp::{Connection, Event};
use std::io::IoSlice;

struct Keys {
    public: [u8; KEY],
    secret: [u8; KEY],
}

fn keys(seed: u8) -> Keys {
    let secret = [seed; KEY];
    Keys {
        public: crate::util::curve_keys::public_key(&StaticSecret::from(secret)),
        secret,
    }
}

fn cfg(t: i32) -> Config {
    Config {
        socket_type: t,
        routing_id: b"rid".to_vec(),
        metadata: vec![("X-Hello".into(), b"world".to_vec())],
        ..Config::default()
    }
}

fn client(server_public: [u8; KEY]) -> Connection {
    let k = keys(7);
    let config = cfg(c::ZMQ_DEALER);
    let m = CurveClient::new(&config, k.public, k.secret, server_public);
    Connection::with_mechanism(config, Box::new(m))
}

fn server() -> Connection {
    let config = Config {
        as_server: true,
        ..cfg(c::ZMQ_ROUTER)
    };
    let m = CurveServer::new(&config, keys(9).secret, ZapGate::new(false));
    Connection::with_mechanism(config, Box::new(m))
}

fn feed(conn: &mut Connection, mut bytes: &[u8]) -> Result<(), ProtocolError> {
    while !bytes.is_empty() {
        let b = conn.read_buf();
        let n = b.len().min(bytes.len()).min(777);
        b[..n].copy_from_slice(&bytes[..n]);
        conn.commit_read(n, 0)?;
        bytes = &bytes[n..];
    }
    Ok(())
}

/// Move bytes both ways until nothing moves; the first error wins. No
/// ZAP handler is bound.
fn pump(a: &mut Connection, b: &mut Connection) -> Result<(), ProtocolError> {
    pump_with(a, b, |_| None)
}

/// As `pump`, with `zap` answering the server's ZAP requests.
fn pump_with(
    a: &mut Connection,
    b: &mut Connection,
    zap: impl Fn(&ZapRequest) -> Option<ZapReply>,
) -> Result<(), ProtocolError> {
    loop {
        if let Some(req) = b.take_zap_request() {
            b.zap_answer(Ok(zap(&req)), 0)?;
        }
        let ab = take_output(a);
        let ba = take_output(b);
        if ab.is_empty() && ba.is_empty() {
            return Ok(());
        }
        feed(b, &ab)?;
        feed(a, &ba)?;
    }
}

fn messages(conn: &mut Connection) -> Vec<Msg> {
    std::iter::from_fn(|| conn.next_event())
        .filter_map(|e| match e {
            Event::Message(m) => Some(m),
            Event::Ready { .. } => None,
        })
        .collect()
}

fn ready_pair() -> (Connection, Connection) {
    let mut a = client(keys(9).public);
    let mut b = server();
    pump(&mut a, &mut b).unwrap();
    assert!(a.is_ready() && b.is_ready());
    for conn in [&mut a, &mut b] {
        let Some(Event::Ready { peer, .. }) = conn.next_event() else {
            panic!("no Ready event");
        };
        assert_eq!(peer.get(b"X-Hello"), Some(&b"world"[..]));
    }
    (a, b)
}

#[test]
fn handshake_sizes_and_properties() {
    let mut a = client(keys(9).public);
    let mut b = server();
    // Record both directions of the whole handshake.
    let (mut ab, mut ba) = (Vec::new(), Vec::new());
    loop {
        if let Some(req) = b.take_zap_request() {
            assert_eq!(req.credentials, vec![keys(7).public.to_vec()]);
            b.zap_answer(Ok(None), 0).unwrap();
        }
        let x = take_output(&mut a);
        let y = take_output(&mut b);
        if x.is_empty() && y.is_empty() {
            break;
        }
        feed(&mut b, &x).unwrap();
        feed(&mut a, &y).unwrap();
        ab.extend_from_slice(&x);
        ba.extend_from_slice(&y);
    }
    assert!(a.is_ready() && b.is_ready());
    // Client: greeting, HELLO (200, short frame), INITIATE (long frame).
    let hello = &ab[64..];
    assert_eq!(&hello[..10], b"\x04\xc8\x05HELLO\x01\x00");
    assert!(hello[10..82].iter().all(|&b| b == 0));
    assert_eq!(&hello[114..122], &1u64.to_be_bytes());
    let initiate = &ab[64 + 202..];
    assert_eq!(initiate[0], 0x06);
    assert_eq!(&initiate[9..18], b"\x08INITIATE");
    assert_eq!(&initiate[9 + 105..9 + 113], &2u64.to_be_bytes());
    assert_eq!(initiate.len(), 9 + INITIATE_MIN + 22 + 16 + 17); // + properties
                                                                 // Server: greeting, WELCOME (168), READY.
    assert_eq!(&ba[64..74], b"\x04\xa8\x07WELCOME");
    let ready = &ba[64 + 170..];
    assert_eq!(&ready[2..8], b"\x05READY");
    assert_eq!(&ready[8..16], &1u64.to_be_bytes());
    let Some(Event::Ready {
        peer,
        peer_routing_id,
    }) = b.next_event()
    else {
        panic!()
    };
    assert_eq!(peer.get(b"Socket-Type"), Some(&b"DEALER"[..]));
    assert_eq!(peer_routing_id.as_deref(), Some(&b"rid"[..]));
    let Some(Event::Ready { peer, .. }) = a.next_event() else {
        panic!()
    };
    assert_eq!(peer.get(b"Socket-Type"), Some(&b"ROUTER"[..]));
}

#[test]
fn messages_round_trip() {
    let (mut a, mut b) = ready_pair();
    #[rustfmt::skip]
    let sizes = [0usize, 1, 29, 30, 31, 255, 256, 1000, 65_536, 1 << 20, 3];
    for (i, &s) in sizes.iter().enumerate() {
        let body: Vec<u8> = (0..s).map(|j| (j * 7 + i) as u8).collect();
        let mut m = Msg::from_slice(&body);
        m.set_more(i + 1 < sizes.len());
        a.send(m).unwrap();
        b.send(Msg::from_slice(&body)).unwrap();
    }
    pump(&mut a, &mut b).unwrap();
    let got = messages(&mut b);
    assert_eq!(got.len(), sizes.len());
    for (i, (m, &s)) in got.iter().zip(&sizes).enumerate() {
        let body: Vec<u8> = (0..s).map(|j| (j * 7 + i) as u8).collect();
        assert_eq!(m.data(), &body[..], "part {i}");
        assert_eq!(m.more(), i + 1 < sizes.len());
        assert!(!m.is_command());
    }
    let got = messages(&mut a);
    assert_eq!(got.len(), sizes.len());
    assert!(got.iter().all(|m| !m.more()));
}

#[test]
fn message_frame_as_libzmq_sends_it() {
    let (mut a, mut b) = ready_pair();
    let mut m = Msg::from_slice(b"hi");
    m.set_more(true);
    a.send(m).unwrap();
    let out = take_output(&mut a);
    // Plain frame, flags 0, 33 + 2 bytes: "\x07MESSAGE", nonce 3.
    assert_eq!(&out[..2], &[0x00, 35]);
    assert_eq!(&out[2..10], b"\x07MESSAGE");
    assert_eq!(&out[10..18], &3u64.to_be_bytes());
    feed(&mut b, &out).unwrap();
    let got = messages(&mut b);
    assert_eq!(got[0].data(), b"hi");
    assert!(got[0].more());
    // The server's first MESSAGE nonce follows READY's (1).
    b.send(Msg::from_slice(b"x")).unwrap();
    let out = take_output(&mut b);
    assert_eq!(&out[10..18], &2u64.to_be_bytes());
    // A MESSAGE in a command frame (RFC 25's form) is accepted too.
    let mut cmd = out.clone();
    cmd[0] = 0x04;
    feed(&mut a, &cmd).unwrap();
    assert_eq!(messages(&mut a)[0].data(), b"x");
}

#[test]
fn tampered_box_fails() {
    let (mut a, mut b) = ready_pair();
    a.send(Msg::from_slice(b"secret payload")).unwrap();
    let mut out = take_output(&mut a);
    let last = out.len() - 1;
    out[last] ^= 1;
    assert_eq!(
        feed(&mut b, &out),
        Err(ProtocolError::Mechanism(
            c::ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
        ))
    );
}

#[test]
fn replayed_nonce_fails() {
    let (mut a, mut b) = ready_pair();
    a.send(Msg::from_slice(b"once")).unwrap();
    let out = take_output(&mut a);
    feed(&mut b, &out).unwrap();
    assert_eq!(
        feed(&mut b, &out),
        Err(ProtocolError::Mechanism(
            c::ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE
        ))
    );
}

#[test]
fn short_or_foreign_message_fails() {
    let (_, mut b) = ready_pair();
    assert_eq!(
        feed(&mut b, b"\x00\x05hello"),
        Err(ProtocolError::Mechanism(
            c::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND
        ))
    );
    let (_, mut b) = ready_pair();
    assert_eq!(
        feed(&mut b, b"\x00\x0a\x07MESSAGE\x00\x09"),
        Err(ProtocolError::Mechanism(
            c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE
        ))
    );
}

#[test]
fn wrong_server_key_is_refused() {
    let mut a = client(keys(10).public);
    let mut b = server();
    assert_eq!(
        pump(&mut a, &mut b),
        Err(ProtocolError::Mechanism(
            c::ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
        ))
    );
    assert!(!a.is_ready() && !b.is_ready());
}

#[test]
fn zap_is_asked_with_the_client_key() {
    let answer = |status| {
        move |req: &ZapRequest| {
            assert_eq!(req.mechanism, b"CURVE");
            assert_eq!(req.credentials, vec![keys(7).public.to_vec()]);
            Some(ZapReply {
                status,
                user_id: b"carol".to_vec(),
                metadata: vec![(b"X-Hello".to_vec(), b"zap".to_vec())],
            })
        }
    };
    let (mut a, mut b) = (client(keys(9).public), server());
    pump_with(&mut a, &mut b, answer(200)).unwrap();
    assert!(a.is_ready() && b.is_ready());
    let peer = std::iter::from_fn(|| b.next_event())
        .find_map(|e| match e {
            Event::Ready { peer, .. } => Some(peer),
            Event::Message(_) => None,
        })
        .unwrap();
    assert_eq!(peer.get(b"User-Id"), Some(&b"carol"[..]));
    // The handler's value wins over the client's own X-Hello.
    assert_eq!(peer.get(b"X-Hello"), Some(&b"zap"[..]));

    // 400: ERROR "400" to the client, HANDSHAKE_FAILED_AUTH on both.
    let (mut a, mut b) = (client(keys(9).public), server());
    assert_eq!(
        pump_with(&mut a, &mut b, answer(400)),
        Err(ProtocolError::ZapDenied(400))
    );
    assert_eq!(
        feed(&mut a, &take_output(&mut b)),
        Err(ProtocolError::PeerError(b"400".to_vec()))
    );
    assert!(!a.is_ready() && !b.is_ready());

    // Enforced domain and no handler: refused, NO_DETAIL/EFAULT.
    let config = Config {
        as_server: true,
        ..cfg(c::ZMQ_ROUTER)
    };
    let m = CurveServer::new(&config, keys(9).secret, ZapGate::new(true));
    let mut b = Connection::with_mechanism(config, Box::new(m));
    let mut a = client(keys(9).public);
    let err = pump(&mut a, &mut b).unwrap_err();
    assert_eq!(err, ProtocolError::ZapUnavailable);
    assert_eq!(
        err.handshake_event(),
        Some((c::ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, libc::EFAULT as i64))
    );
}

#[test]
fn low_order_keys_are_refused() {
    assert_eq!(precompute(&[0; KEY], &[5; KEY]).err(), Some(crypto_error()));
    let mut one = [0u8; KEY];
    one[0] = 1;
    assert!(precompute(&one, &[5; KEY]).is_err());
}

/// Drive a server mechanism by hand with hostile commands.
#[test]
fn hostile_handshake_commands() {
    let config = Config {
        as_server: true,
        ..cfg(c::ZMQ_ROUTER)
    };
    let new = || CurveServer::new(&config, keys(9).secret, ZapGate::new(false));
    let code = |m: &mut CurveServer, body: &[u8]| match m.process_handshake_command(body) {
        Err(ProtocolError::Mechanism(code)) => code,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        code(&mut new(), b"\x05HELL"),
        c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED
    );
    assert_eq!(
        code(&mut new(), b"\x05READY\x00"),
        c::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND
    );
    assert_eq!(
        code(&mut new(), b"\x05HELLO\x01\x00"),
        c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO
    );
    let mut hello = vec![0u8; HELLO_SIZE];
    hello[..8].copy_from_slice(b"\x05HELLO\x02\x00");
    assert_eq!(
        code(&mut new(), &hello),
        c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO
    );
    hello[6] = 1;
    // C' all zeros: low-order, refused like libsodium does.
    assert_eq!(
        code(&mut new(), &hello),
        c::ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
    );
    // A valid C' with a garbage box.
    hello[80..112].copy_from_slice(&keys(3).public);
    assert_eq!(
        code(&mut new(), &hello),
        c::ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
    );

    // A good HELLO, then INITIATEs with a bad cookie / short body.
    let k = keys(7);
    let mut cl = CurveClient::new(&cfg(c::ZMQ_DEALER), k.public, k.secret, keys(9).public);
    let hello = cl.next_handshake_command().unwrap().unwrap();
    let mut s = new();
    s.process_handshake_command(&hello).unwrap();
    let welcome = s.next_handshake_command().unwrap().unwrap();
    cl.process_handshake_command(&welcome).unwrap();
    let initiate = cl.next_handshake_command().unwrap().unwrap();
    let mut bad_cookie = initiate.clone();
    bad_cookie[40] ^= 0x80;
    assert_eq!(
        code(&mut s, &bad_cookie),
        c::ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
    );
    let mut s2 = new();
    s2.process_handshake_command(&hello).unwrap();
    s2.next_handshake_command().unwrap();
    assert_eq!(
        code(&mut s2, &initiate[..200]),
        c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE
    );
    // The cookie of another connection does not open here.
    assert_eq!(
        code(&mut s2, &initiate),
        c::ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
    );
}

#[test]
fn client_error_handling() {
    let k = keys(7);
    let new = || CurveClient::new(&cfg(c::ZMQ_DEALER), k.public, k.secret, keys(9).public);
    let mut cl = new();
    cl.next_handshake_command().unwrap();
    assert_eq!(
        cl.process_handshake_command(b"\x05ERROR\x03400"),
        Err(ProtocolError::PeerError(b"400".to_vec()))
    );
    assert_eq!(cl.status(), Status::Error);
    let mut cl = new();
    cl.next_handshake_command().unwrap();
    assert_eq!(
        cl.process_handshake_command(b"\x05ERROR\x09400"),
        Err(ProtocolError::Mechanism(
            c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR
        ))
    );
    let mut cl = new();
    cl.next_handshake_command().unwrap();
    assert_eq!(
        cl.process_handshake_command(b"\x07WELCOMEshort"),
        Err(crypto_error())
    );
    let mut cl = new();
    cl.next_handshake_command().unwrap();
    assert_eq!(
        cl.process_handshake_command(b"\x05READY0123456789012345678901234567890"),
        Err(proto(c::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND))
    );
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// RFC 26's box: NaCl crypto_box, Poly1305 tag first, here built with
/// the RustCrypto AEAD's one-shot API (which produces NaCl's layout).
fn rfc_box(public: &[u8; KEY], secret: &[u8; KEY], n: &[u8; 24], plain: &[u8]) -> Vec<u8> {
    use crypto_box::aead::generic_array::GenericArray;
    use crypto_box::aead::Aead;
    use crypto_box::{PublicKey, SalsaBox, SecretKey};
    let b = SalsaBox::new(&PublicKey::from(*public), &SecretKey::from(*secret));
    b.encrypt(GenericArray::from_slice(n), plain).unwrap()
}

/// HELLO for fixed keys, against RFC 26's layout built independently
/// and against a frozen vector (so a change of primitives or layout
/// cannot pass unnoticed; interop checks libzmq accepts it).
#[test]
fn known_answer_hello() {
    let (server, transient) = (keys(9), keys(5));
    let k = keys(7);
    let mut cl = CurveClient::new(&cfg(c::ZMQ_DEALER), k.public, k.secret, server.public);
    cl.set_transient(transient.secret);
    let hello = cl.next_handshake_command().unwrap().unwrap();
    let mut want = b"\x05HELLO\x01\x00".to_vec();
    want.extend_from_slice(&[0; 72]);
    want.extend_from_slice(&transient.public);
    want.extend_from_slice(&1u64.to_be_bytes());
    let n = nonce(b"CurveZMQHELLO---", &1u64.to_be_bytes());
    want.extend(rfc_box(&server.public, &transient.secret, &n, &[0; 64]));
    assert_eq!(hello, want);
    assert_eq!(
        &hello[120..],
        &unhex(concat!(
            "85bd2811bc9a69beee665ed97a9ab87af00e1f8845fb7081e13268",
            "b960f1c2a226735c2521c1ef4f6ba4fbe7d71e835b10b6a9054b48",
            "7e9d564d71c70294f82e9f92a5b708ec45319feb18f9766e40fc"
        ))[..]
    );
}

/// A MESSAGE box for fixed short-term keys and nonce.
#[test]
fn known_answer_message() {
    let (a, b) = (keys(5), keys(6));
    let mut codec = MessageCodec::new(
        precompute(&b.public, &a.secret).unwrap(),
        MESSAGE_PREFIX_C,
        MESSAGE_PREFIX_S,
        1,
        0,
    );
    let mut m = Msg::from_slice(b"hello");
    m.set_flags(Msg::MORE);
    let mut enc = Encoder::new();
    codec.encode_into(&m, &mut enc).unwrap();
    let mut out = [IoSlice::new(&[]); 4];
    let k = enc.output(&mut out);
    let wire: Vec<u8> = out[..k].iter().flat_map(|s| s.iter().copied()).collect();
    let mut want = vec![0x00, 38];
    want.extend_from_slice(b"\x07MESSAGE");
    want.extend_from_slice(&1u64.to_be_bytes());
    let n = nonce(b"CurveZMQMESSAGEC", &1u64.to_be_bytes());
    want.extend(rfc_box(&b.public, &a.secret, &n, b"\x01hello"));
    assert_eq!(wire, want);
    assert_eq!(
        &wire[18..],
        &unhex("234d3c988f994ebba29dae8d72de21ec2e460247a952")[..]
    );
    // The peer's codec opens it, MORE restored.
    let mut peer = MessageCodec::new(
        precompute(&a.public, &b.secret).unwrap(),
        MESSAGE_PREFIX_S,
        MESSAGE_PREFIX_C,
        1,
        0,
    );
    let got = peer.decode(Msg::from_slice(&wire[2..])).unwrap();
    assert_eq!(got.data(), b"hello");
    assert!(got.more());
}
