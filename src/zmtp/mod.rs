//! ZMTP, sans I/O: greeting, frame codec, commands and security mechanisms.
//!
//! A [`Connection`] is one ZMTP connection's state machine. The engine (in
//! `io/`) reads socket bytes straight into [`Connection::read_buf`], calls
//! [`Connection::commit_read`], drains [`Connection::next_event`], queues
//! outgoing message parts with [`Connection::send`] and writes what
//! [`Connection::output`] hands it with one `writev`. Time comes in as
//! milliseconds; nothing here reads a clock, touches a socket or spawns a
//! thread, so all of it is unit-testable and fuzzable.
//!
//! Wire behaviour follows libzmq 4.3 (see `shared/reference/libzmq-facts.md`
//! section 6): the staged greeting, the downgrade to ZMTP 3.0, 2.0 and 1.0
//! peers, READY properties, socket-type checks, PING/PONG heartbeats.

pub mod codec;
pub mod command;
mod connection;
pub mod greeting;
#[doc(hidden)]
pub mod harness;
pub mod mechanism;
pub mod radio_dish;
pub mod v1;
pub mod ws;
pub mod zap;

#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;

use crate::constants as c;
use crate::msg::{Metadata, Msg};

pub use connection::Connection;

/// What a [`Connection`] needs to know about its local socket.
#[derive(Clone, Debug)]
pub struct Config {
    /// ZMQ_* type of the local socket.
    pub socket_type: i32,
    /// Our ZMQ_ROUTING_ID: sent as "Identity" in READY for REQ/DEALER/ROUTER
    /// (as libzmq does), and as the identity frame to ZMTP 1.0/2.0 peers.
    pub routing_id: Vec<u8>,
    /// Mechanism role (PLAIN/CURVE); NULL ignores it.
    pub as_server: bool,
    /// ZMQ_MAXMSGSIZE: -1 = unlimited; a larger frame fails the connection.
    pub maxmsgsize: i64,
    /// ZMQ_METADATA "X-..." properties sent in READY.
    pub metadata: Vec<(String, Vec<u8>)>,
    /// Receive buffer size (libzmq's in_batch_size, default 8192).
    pub in_batch_size: usize,
    /// ZMQ_HEARTBEAT_IVL in ms, 0 = no heartbeats.
    pub heartbeat_ivl: i32,
    /// ZMQ_HEARTBEAT_TTL in ms (sent in PINGs in tenths of a second).
    pub heartbeat_ttl: i32,
    /// ZMQ_HEARTBEAT_TIMEOUT in ms; -1 = same as the interval, 0 = none.
    pub heartbeat_timeout: i32,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            socket_type: c::ZMQ_PAIR,
            routing_id: Vec::new(),
            as_server: false,
            maxmsgsize: -1,
            metadata: Vec::new(),
            in_batch_size: 8192,
            heartbeat_ivl: 0,
            heartbeat_ttl: 0,
            heartbeat_timeout: -1,
        }
    }
}

/// What a [`Connection`] reports to its engine.
#[derive(Debug)]
pub enum Event {
    /// Handshake finished: the peer's properties (Socket-Type, Identity,
    /// X-..., case-sensitive; empty for ZMTP 1.0/2.0 peers) and the peer's
    /// routing id when it sent a non-empty one.
    Ready {
        peer: Arc<Metadata>,
        peer_routing_id: Option<Vec<u8>>,
    },
    /// One received message part (`more()` as on the wire). SUBSCRIBE/CANCEL
    /// commands arrive as data parts `0x01`+topic / `0x00`+topic.
    Message(Msg),
}

/// Why a connection failed. The connection is dead afterwards.
///
/// There is no "bad greeting" error: as in libzmq, bytes that do not start
/// with a versioned signature are taken for an unversioned ZMTP 1.0 peer and
/// fail (or not) in its framing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProtocolError {
    /// The peer asked for another security mechanism.
    MechanismMismatch,
    /// A frame with reserved flag bits set, or a command frame with MORE.
    MalformedFrame,
    /// A frame longer than ZMQ_MAXMSGSIZE, or with a length no process
    /// could hold (2^47 or more, see `codec::MAX_FRAME_SIZE`).
    MessageTooLarge,
    /// A message frame during the handshake, or an unknown / repeated
    /// handshake command.
    UnexpectedCommand,
    /// A malformed command; the value is the ZMQ_PROTOCOL_ERROR_ZMTP_*
    /// code (MALFORMED_COMMAND_READY, _ERROR, _UNSPECIFIED, ...).
    MalformedCommand(i32),
    /// READY/INITIATE properties that do not parse.
    InvalidMetadata,
    /// READY properties that do not parse under the NULL mechanism, which
    /// libzmq reports without a protocol code (just DISCONNECTED).
    MalformedProperties,
    /// The peer's Socket-Type may not talk to ours.
    IncompatibleSocketType,
    /// The peer sent an ERROR command with this reason.
    PeerError(Vec<u8>),
    /// No traffic within the heartbeat timeout or the peer's TTL.
    HeartbeatTimeout,
    /// A ZMTP 1.0/2.0 peer while a security mechanism (or ZAP) is required.
    OldPeerRefused,
    /// A mechanism-specific failure with its ZMQ_PROTOCOL_ERROR_* code.
    Mechanism(i32),
    /// ZAP is required but no handler is bound to inproc://zeromq.zap.01
    /// (libzmq: HANDSHAKE_FAILED_NO_DETAIL with EFAULT).
    ZapUnavailable,
    /// The ZAP handler refused the client with this status code (300, 400,
    /// 500): HANDSHAKE_FAILED_AUTH on the server.
    ZapDenied(u16),
    /// A buffer for the peer's data could not be allocated.
    OutOfMemory,
    /// `send` before the handshake finished, or after a failure.
    NotReady,
    /// The WebSocket upgrade failed (ZWS: libzmq reports
    /// ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED).
    WsHandshake,
    /// The WebSocket peer closed (its close frame was echoed): the
    /// connection ends as if the peer had hung up.
    WsClosed,
}

impl ProtocolError {
    /// The ZMQ_PROTOCOL_ERROR_* value for a HANDSHAKE_FAILED_PROTOCOL monitor
    /// event, or None where the failure has no protocol code (then libzmq
    /// reports only DISCONNECTED).
    ///
    /// libzmq 4.3.4's NULL mechanism fails an incompatible Socket-Type or
    /// unparsable READY properties without a protocol code (checked against
    /// Debian's build by capi-tests/test_hostile_wire.c); PLAIN and CURVE
    /// report INVALID_METADATA for bad properties. Framing faults (reserved
    /// bits, oversized frames) have no code either: libzmq's decoder fails
    /// them before any mechanism sees them.
    pub fn monitor_code(&self) -> Option<i32> {
        match self {
            ProtocolError::MechanismMismatch => Some(c::ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH),
            ProtocolError::UnexpectedCommand => Some(c::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND),
            ProtocolError::MalformedCommand(code) | ProtocolError::Mechanism(code) => Some(*code),
            ProtocolError::InvalidMetadata => Some(c::ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA),
            ProtocolError::WsHandshake => Some(c::ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED),
            _ => None,
        }
    }

    /// For an ERROR command carrying a ZAP status code ("300", "400",
    /// "500"): the code, which libzmq reports as HANDSHAKE_FAILED_AUTH.
    pub fn auth_status(&self) -> Option<i32> {
        match self {
            ProtocolError::ZapDenied(code) => Some(i32::from(*code)),
            ProtocolError::PeerError(r)
                if r.len() == 3
                    && matches!(r[0], b'3'..=b'5')
                    && r[1].is_ascii_digit()
                    && r[2].is_ascii_digit() =>
            {
                Some(r.iter().fold(0, |acc, d| acc * 10 + i32::from(d - b'0')))
            }
            _ => None,
        }
    }

    /// The monitor event (and its value) libzmq emits when the handshake
    /// fails this way: HANDSHAKE_FAILED_AUTH with a ZAP status code,
    /// HANDSHAKE_FAILED_PROTOCOL with a protocol code, NO_DETAIL with EFAULT
    /// for a missing ZAP handler, or nothing (just DISCONNECTED).
    pub fn handshake_event(&self) -> Option<(i32, i64)> {
        if let Some(status) = self.auth_status() {
            return Some((c::ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, i64::from(status)));
        }
        if let Some(code) = self.monitor_code() {
            return Some((c::ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, i64::from(code)));
        }
        if *self == ProtocolError::ZapUnavailable {
            return Some((
                c::ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL,
                i64::from(libc::EFAULT),
            ));
        }
        None
    }

    /// The monitor event for a connection that failed this way, with the
    /// handshake still running or not. After the handshake only a
    /// mechanism's own failures are reported: libzmq's CURVE decoder emits
    /// HANDSHAKE_FAILED_PROTOCOL for a MESSAGE that is malformed, replayed
    /// or does not open, even on an established connection.
    pub fn monitor_event(&self, handshaking: bool) -> Option<(i32, i64)> {
        match self {
            _ if handshaking => self.handshake_event(),
            ProtocolError::Mechanism(code) => {
                Some((c::ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, i64::from(*code)))
            }
            _ => None,
        }
    }

    /// The errno libzmq leaves behind for this failure (the value of a
    /// HANDSHAKE_FAILED_NO_DETAIL event).
    pub fn errno(&self) -> i32 {
        match self {
            ProtocolError::MessageTooLarge => libc::EMSGSIZE,
            ProtocolError::HeartbeatTimeout => libc::ETIMEDOUT,
            ProtocolError::OutOfMemory => libc::ENOMEM,
            ProtocolError::IncompatibleSocketType => libc::EINVAL,
            ProtocolError::ZapUnavailable => libc::EFAULT,
            ProtocolError::NotReady => libc::EAGAIN,
            _ => libc::EPROTO,
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::MechanismMismatch => f.write_str("security mechanism mismatch"),
            ProtocolError::MalformedFrame => f.write_str("malformed frame"),
            ProtocolError::MessageTooLarge => f.write_str("frame exceeds the maximum size"),
            ProtocolError::UnexpectedCommand => f.write_str("unexpected command"),
            ProtocolError::MalformedCommand(code) => write!(f, "malformed command ({code:#x})"),
            ProtocolError::InvalidMetadata | ProtocolError::MalformedProperties => {
                f.write_str("invalid metadata")
            }
            ProtocolError::IncompatibleSocketType => f.write_str("incompatible socket type"),
            ProtocolError::PeerError(r) => {
                write!(f, "peer sent ERROR: {}", String::from_utf8_lossy(r))
            }
            ProtocolError::HeartbeatTimeout => f.write_str("heartbeat timeout"),
            ProtocolError::OldPeerRefused => {
                f.write_str("ZMTP 1.0/2.0 peer refused: security is required")
            }
            ProtocolError::Mechanism(code) => write!(f, "mechanism error ({code:#x})"),
            ProtocolError::ZapUnavailable => f.write_str("no ZAP handler"),
            ProtocolError::ZapDenied(code) => write!(f, "refused by ZAP ({code})"),
            ProtocolError::OutOfMemory => f.write_str("out of memory"),
            ProtocolError::NotReady => f.write_str("connection not ready"),
            ProtocolError::WsHandshake => f.write_str("WebSocket upgrade failed"),
            ProtocolError::WsClosed => f.write_str("WebSocket closed by the peer"),
        }
    }
}

impl std::error::Error for ProtocolError {}

/// The socket-type names used in READY's Socket-Type, indexed by ZMQ_* value.
const SOCKET_TYPE_NAMES: [&str; 21] = [
    "PAIR", "PUB", "SUB", "REQ", "REP", "DEALER", "ROUTER", "PULL", "PUSH", "XPUB", "XSUB",
    "STREAM", "SERVER", "CLIENT", "RADIO", "DISH", "GATHER", "SCATTER", "DGRAM", "PEER", "CHANNEL",
];

/// The Socket-Type name of a ZMQ_* socket type ("" for unknown values).
pub fn socket_type_name(socket_type: i32) -> &'static str {
    usize::try_from(socket_type)
        .ok()
        .and_then(|i| SOCKET_TYPE_NAMES.get(i))
        .copied()
        .unwrap_or("")
}

/// Whether a local socket of type `local` accepts a peer announcing
/// `peer_socket_type` (exact, case-sensitive compare, as libzmq).
pub fn compatible(local: i32, peer_socket_type: &[u8]) -> bool {
    let ok: &[&str] = match local {
        0 => &["PAIR"],
        1 => &["SUB", "XSUB"],
        2 => &["PUB", "XPUB"],
        3 => &["REP", "ROUTER"],
        4 => &["REQ", "DEALER"],
        5 => &["REP", "DEALER", "ROUTER"],
        6 => &["REQ", "DEALER", "ROUTER"],
        7 => &["PUSH"],
        8 => &["PULL"],
        9 => &["SUB", "XSUB"],
        10 => &["PUB", "XPUB"],
        12 => &["CLIENT"],
        13 => &["SERVER"],
        14 => &["DISH"],
        15 => &["RADIO"],
        16 => &["SCATTER"],
        17 => &["GATHER"],
        18 => &["DGRAM"],
        19 => &["PEER"],
        20 => &["CHANNEL"],
        _ => &[],
    };
    ok.iter().any(|n| n.as_bytes() == peer_socket_type)
}
