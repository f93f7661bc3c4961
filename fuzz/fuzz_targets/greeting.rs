//! The greeting parser on raw peer bytes: signature detection (ZMTP 1.0
//! unversioned peers, 2.0, 3.x), the version and mechanism fields, under
//! every mechanism and role (a NULL, PLAIN or CURVE socket meeting a peer
//! that names another mechanism, or none). What follows a valid greeting is
//! the mechanism's input (see `mechanism_raw`). Byte 0 picks the mechanism
//! and role, byte 1 the read chunk size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zmq::zmtp::greeting::{detect, Detect, Protocol};

fuzz_target!(|data: &[u8]| {
    if let Some(peer) = data.get(2..) {
        if detect(peer) == Detect::Versioned && peer.len() > 11 {
            let p = Protocol::from_version(peer[10], peer[11]);
            let _ = (p.version(), p.is_v3());
        }
    }
    zmq::zmtp::harness::raw_peer_case(data, false);
});
