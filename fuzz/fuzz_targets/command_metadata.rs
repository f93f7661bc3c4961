//! Command bodies and metadata from a peer: the name/data split, property
//! lists (READY, INITIATE, ZAP metadata: lengths that run past the end, empty
//! names, 4 GiB value claims), the Socket-Type check against every local
//! type, PING/PONG contexts and TTLs, RADIO/DISH JOIN/LEAVE notices, the
//! group-frame pairing of a DISH, and a ZAP reply cut into frames by the
//! input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zmq::msg::Msg;
use zmq::zmtp::command::{parse_properties, ping_ttl_ms, pong, split};
use zmq::zmtp::mechanism::parse_peer_properties;
use zmq::zmtp::radio_dish::{parse_notice, GroupDecoder};
use zmq::zmtp::zap::parse_reply;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    if let Some((name, rest)) = split(body) {
        assert!(name.len() + rest.len() < body.len());
        let _ = ping_ttl_ms(rest);
        let (p, n) = pong(rest);
        assert!(n <= p.len());
        if let Ok(m) = parse_notice(name, rest) {
            assert!(m.group().to_bytes().len() <= 255);
        }
    }
    if let Ok(props) = parse_properties(body) {
        let total: usize = props.iter().map(|(n, v)| n.len() + v.len() + 5).sum();
        assert_eq!(total, body.len());
    }
    let local = i32::from(sel % 21);
    let _ = parse_peer_properties(body, local);

    // The input as frames: each byte below 8 ends a frame (bit 0: MORE).
    let mut frames = Vec::new();
    let mut start = 0;
    for (i, &b) in body.iter().enumerate() {
        if b < 8 {
            let mut m = Msg::from_slice(&body[start..i]);
            if b & 1 == 1 {
                m.set_flags(Msg::MORE);
            }
            frames.push(m);
            start = i + 1;
        }
    }
    let _ = parse_reply(&frames);
    let mut dish = GroupDecoder::default();
    for f in frames {
        match dish.push(f) {
            Ok(Some(m)) => assert!(!m.more()),
            Ok(None) => {}
            Err(_) => break,
        }
    }
});
