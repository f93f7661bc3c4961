//! The PLAIN, CURVE and NULL+ZAP state machines, server and client, against
//! an honest peer whose traffic the input damages (flipped bytes, cut,
//! dropped, replayed and reordered frames) and a ZAP handler whose answer
//! the input picks. See `zmq::zmtp::harness`: it must never panic, a failed
//! connection stays failed, and no server lets in a client ZAP refused.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zmq::zmtp::harness::mechanism_case(data);
});
