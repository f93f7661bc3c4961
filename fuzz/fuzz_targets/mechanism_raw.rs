//! Each mechanism's command parsers on raw peer bytes after a valid ZMTP
//! 3.0/3.1 greeting that names it: NULL (READY, ERROR), NULL with ZAP, PLAIN
//! (HELLO, WELCOME, INITIATE, READY, ERROR) and CURVE (HELLO, WELCOME,
//! INITIATE, READY, ERROR, MESSAGE boxes), server and client. Unlike
//! `mechanism_handshake`, whose input damages an honest peer's traffic,
//! here every byte after the greeting is the fuzzer's.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zmq::zmtp::harness::raw_peer_case(data, true);
});
