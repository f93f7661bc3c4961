//! UDP datagrams: a RADIO datagram as a DISH reads it (group length, group,
//! body; a group longer than the datagram or than ZMQ_GROUP_MAX_LENGTH is
//! malformed), and the address frames DGRAM parses (an "ip:port" read as
//! libzmq's atoi-based resolve_raw_address does). Round trips must agree:
//! what decodes re-encodes to the same datagram, and a parsed address
//! formats to a frame that parses back to it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zmq::transport::udp::{
    address_frame, decode_group_datagram, encode_group_datagram, parse_address,
};

fuzz_target!(|data: &[u8]| {
    if let Some((group, body)) = decode_group_datagram(data, 255) {
        assert!(group.len() <= 255);
        let mut out = [0u8; zmq::transport::udp::MAX_UDP_MSG];
        if let Some(n) = encode_group_datagram(&mut out, group, body) {
            assert_eq!(&out[..n], data);
        }
    }
    if let Some(addr) = parse_address(data) {
        let frame = address_frame(&addr);
        assert_eq!(parse_address(frame.data()), Some(addr));
    }
});
