//! RADIO/DISH: group frames on the wire and between connections.

use super::*;

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
