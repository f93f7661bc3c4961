//! The ZMTP greeting, sent in stages as libzmq 4.3 sends it.
//!
//! 1. At once: the 10-byte signature `FF | BE64(routing_id_len + 1) | 7F`.
//!    To a ZMTP 1.0 peer this reads as the header of our identity frame.
//! 2. After the peer's signature: the major version `3`.
//! 3. After the peer's revision byte: for revision 0 or 1 (ZMTP 1.0/2.0) our
//!    socket-type byte (completing a 12-byte ZMTP 2.0 greeting); otherwise
//!    minor `1`, the 20-byte mechanism name, as-server `0` and 31 filler
//!    bytes (completing the 64-byte ZMTP 3.x greeting).

/// Length of the signature.
pub const SIGNATURE_SIZE: usize = 10;
/// Length of a ZMTP 1.0 (revision 0) / 2.0 greeting.
pub const V2_GREETING_SIZE: usize = 12;
/// Length of a ZMTP 3.x greeting.
pub const V3_GREETING_SIZE: usize = 64;
/// Offset of the revision (major version) byte.
pub const REVISION_POS: usize = 10;
/// Offset of the minor version byte (3.x).
pub const MINOR_POS: usize = 11;
/// Offset and length of the mechanism name (3.x).
pub const MECHANISM_POS: usize = 12;
pub const MECHANISM_LEN: usize = 20;

/// Revision bytes.
pub const ZMTP_1_0: u8 = 0;
pub const ZMTP_2_0: u8 = 1;
pub const ZMTP_3_X: u8 = 3;

/// The signature we send first.
pub fn signature(routing_id_len: usize) -> [u8; SIGNATURE_SIZE] {
    let mut s = [0u8; SIGNATURE_SIZE];
    s[0] = 0xff;
    s[1..9].copy_from_slice(&(routing_id_len as u64 + 1).to_be_bytes());
    s[9] = 0x7f;
    s
}

/// The rest of a ZMTP 3.x greeting after the major version: minor 1,
/// mechanism, as-server (libzmq always sends 0), filler.
pub fn v3_tail(mechanism: &[u8]) -> [u8; V3_GREETING_SIZE - REVISION_POS - 1] {
    let mut t = [0u8; V3_GREETING_SIZE - REVISION_POS - 1];
    t[0] = 1;
    let n = mechanism.len().min(MECHANISM_LEN);
    t[1..1 + n].copy_from_slice(&mechanism[..n]);
    t
}

/// The mechanism field as it appears on the wire (NUL-padded to 20 bytes).
pub fn mechanism_field(mechanism: &[u8]) -> [u8; MECHANISM_LEN] {
    let mut f = [0u8; MECHANISM_LEN];
    let n = mechanism.len().min(MECHANISM_LEN);
    f[..n].copy_from_slice(&mechanism[..n]);
    f
}

/// What the first bytes from the peer say about its protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detect {
    /// Not enough bytes yet.
    NeedMore,
    /// An unversioned ZMTP 1.0 peer: its bytes are v1 frames from the start.
    Unversioned,
    /// A versioned peer (signature complete and valid).
    Versioned,
}

/// Look at the peer's first bytes (libzmq's rule: a first byte other than
/// 0xFF, or a 10th byte with bit 0 clear, means an unversioned 1.0 peer).
pub fn detect(bytes: &[u8]) -> Detect {
    match bytes.first() {
        None => Detect::NeedMore,
        Some(&b) if b != 0xff => Detect::Unversioned,
        _ if bytes.len() < SIGNATURE_SIZE => Detect::NeedMore,
        _ if bytes[9] & 1 == 0 => Detect::Unversioned,
        _ => Detect::Versioned,
    }
}

/// The protocol spoken with a peer, chosen from its revision (and minor).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// ZMTP 1.0 without a version (libzmq 2.x).
    V1Unversioned,
    /// ZMTP 1.0 with revision 0.
    V1,
    /// ZMTP 2.0 (libzmq 3.2).
    V2,
    /// ZMTP 3.0: subscriptions as messages.
    V30,
    /// ZMTP 3.1 (and any revision libzmq does not know: 2, 4 and up).
    V31,
}

impl Protocol {
    /// Choose from the revision and minor bytes as libzmq does.
    pub fn from_version(revision: u8, minor: u8) -> Protocol {
        match (revision, minor) {
            (ZMTP_1_0, _) => Protocol::V1,
            (ZMTP_2_0, _) => Protocol::V2,
            (ZMTP_3_X, 0) => Protocol::V30,
            _ => Protocol::V31,
        }
    }

    /// (major, minor) of the protocol in use.
    pub fn version(self) -> (u8, u8) {
        match self {
            Protocol::V1Unversioned | Protocol::V1 => (1, 0),
            Protocol::V2 => (2, 0),
            Protocol::V30 => (3, 0),
            Protocol::V31 => (3, 1),
        }
    }

    /// Whether the protocol has a security handshake (ZMTP 3.x).
    pub fn is_v3(self) -> bool {
        matches!(self, Protocol::V30 | Protocol::V31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_bytes() {
        assert_eq!(signature(0), [0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f]);
        assert_eq!(signature(255), [0xff, 0, 0, 0, 0, 0, 0, 1, 0, 0x7f]);
    }

    #[test]
    fn tail_bytes() {
        let t = v3_tail(b"NULL");
        assert_eq!(t.len(), 53);
        assert_eq!(&t[..5], b"\x01NULL");
        assert!(t[5..].iter().all(|&b| b == 0));
    }

    #[test]
    fn detection() {
        assert_eq!(detect(b""), Detect::NeedMore);
        assert_eq!(detect(b"\x01"), Detect::Unversioned);
        assert_eq!(detect(b"\xff\0\0"), Detect::NeedMore);
        assert_eq!(detect(&signature(3)), Detect::Versioned);
        assert_eq!(detect(b"\xff\0\0\0\0\0\0\0\x05\x00"), Detect::Unversioned);
    }

    #[test]
    fn protocol_choice() {
        assert_eq!(Protocol::from_version(0, 9), Protocol::V1);
        assert_eq!(Protocol::from_version(1, 0), Protocol::V2);
        assert_eq!(Protocol::from_version(3, 0), Protocol::V30);
        assert_eq!(Protocol::from_version(3, 1), Protocol::V31);
        assert_eq!(Protocol::from_version(3, 7), Protocol::V31);
        assert_eq!(Protocol::from_version(2, 0), Protocol::V31);
        assert_eq!(Protocol::from_version(4, 0), Protocol::V31);
    }
}
