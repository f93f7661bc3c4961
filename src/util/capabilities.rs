//! What `zmq_has` reports: the one table of optional features this build supports.
//!
//! The names are libzmq's, compared exactly (case-sensitive). The table grows
//! with later work: flip an entry to `true` in the same change that makes the
//! feature work (pgm/norm/tipc/vmci transports, GSSAPI).

/// (capability, supported). Names not listed are unknown and reported absent.
pub const CAPABILITIES: &[(&str, bool)] = &[
    ("ipc", true),
    // The CURVE mechanism (src/zmtp/mechanism/curve.rs), not just the keys.
    ("curve", true),
    ("draft", true), // the draft API is always exported
    // pgm, norm: decided at run time, by whether OpenPGM / libnorm load
    // (capi's zmq_has asks transport::{pgm,norm}::available; util cannot
    // name transport).
    ("pgm", false),
    ("tipc", false),
    ("norm", false),
    // Decided in `has`: present exactly when libgssapi_krb5 loads.
    ("gssapi", false),
    ("vmci", false),
    // ZMTP over WebSocket (src/transport/ws.rs, src/zmtp/ws/), and over
    // TLS (src/transport/tls/); libzmq spells both in capitals, so "ws"
    // and "wss" are unknown there as here.
    ("WS", true),
    ("WSS", true),
];

/// Whether this build supports `capability`.
pub fn has(capability: &[u8]) -> bool {
    if capability == b"gssapi" {
        return super::gssapi::available();
    }
    CAPABILITIES
        .iter()
        .any(|&(name, on)| on && name.as_bytes() == capability)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        assert!(has(b"ipc"));
        assert!(has(b"curve"));
        assert!(has(b"draft"));
        // libgssapi_krb5 is installed here (scripts/deps.sh: libkrb5-dev).
        assert!(has(b"gssapi"));
        assert!(has(b"WS"));
        assert!(has(b"WSS"));
        for absent in ["pgm", "tipc", "norm", "vmci"] {
            assert!(!has(absent.as_bytes()), "{absent}");
        }
        for unknown in [
            "", "IPC", "Curve", "ws", "wss", "ipc ", "tcp", "udp", "inproc",
        ] {
            assert!(!has(unknown.as_bytes()), "{unknown:?}");
        }
    }
}
