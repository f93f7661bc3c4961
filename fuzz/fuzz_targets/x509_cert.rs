//! The certificate fields the wss client reads itself (a server's
//! certificate, from the network, before webpki judges it): any bytes parse
//! or fail cleanly, and a parsed certificate's names are matched without
//! a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zmq::transport::tls::{verify, x509};

fuzz_target!(|data: &[u8]| {
    if let Some(info) = x509::parse(data) {
        for host in ["wss.test", "a.b.example.com", "127.0.0.1", "::1", "[::1]", ""] {
            let _ = verify::name_matches(&info, host);
        }
        if let Some(cn) = info.common_names.first() {
            let _ = verify::name_matches(&info, cn);
        }
    }
});
