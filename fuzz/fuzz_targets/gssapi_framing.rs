//! The GSSAPI mechanism's framing and state machines (INITIATE tokens,
//! READY, wrapped MESSAGEs) on the fuzzer's bytes, server or client, with a
//! stand-in GSS-API context (no Kerberos): honest commands and hostile ones
//! interleaved, then MESSAGE frames after the handshake, and every ZAP
//! answer. Nothing may panic; a server may only become ready after ZAP's 200.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zmq::zmtp::mechanism::gssapi::harness::framing_case(data);
});
