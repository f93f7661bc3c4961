//! Security mechanisms: the handshake that runs after a ZMTP 3.x greeting,
//! and, for mechanisms that protect messages (CURVE), the per-message
//! transform afterwards.
//!
//! A mechanism sees only command bodies (`name-length | name | data`); the
//! connection frames them. The handshake is driven by two calls: the
//! connection asks [`Mechanism::next_handshake_command`] for anything to send
//! (after the greeting and after every command it feeds in), and feeds every
//! received command to [`Mechanism::process_handshake_command`]. When
//! [`Mechanism::status`] turns `Ready`, the connection reports the peer's
//! properties and switches to messages. A server mechanism waiting on its
//! ZAP handler (see `zmtp::zap`) hands out a request through
//! [`Mechanism::take_zap_request`] and returns `None` from
//! `next_handshake_command` until [`Mechanism::zap_reply`] brings the answer.

pub mod curve;
pub mod gssapi;
pub mod null;
pub mod plain;

use crate::constants as c;
use crate::msg::Msg;

use super::codec::Encoder;
use super::command::{self, IDENTITY, SOCKET_TYPE};
use super::zap::{ZapReply, ZapRequest};
use super::{compatible, socket_type_name, Config, ProtocolError};

pub use null::NullMechanism;

/// Where a mechanism's handshake stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Handshaking,
    Ready,
    Error,
}

/// A ZMTP security mechanism (NULL now; PLAIN and CURVE fit the same shape).
pub trait Mechanism: Send {
    /// The mechanism name for the greeting ("NULL", "PLAIN", "CURVE").
    fn name(&self) -> &'static [u8];

    /// Whether ZMTP 1.0/2.0 peers may connect: only NULL without ZAP
    /// (RFC 23/37; libzmq refuses them when ZAP is enabled).
    fn allows_old_peers(&self) -> bool {
        false
    }

    /// The next handshake command body to send, if one is due now.
    fn next_handshake_command(&mut self) -> Result<Option<Vec<u8>>, ProtocolError>;

    /// One received handshake command body.
    fn process_handshake_command(&mut self, body: &[u8]) -> Result<(), ProtocolError>;

    /// Where the handshake stands.
    fn status(&self) -> Status;

    /// The peer's properties from its READY/INITIATE, in wire order (the
    /// connection keeps the first of repeated names, as libzmq's map does).
    fn peer_properties(&self) -> &[(Vec<u8>, Vec<u8>)];

    /// The routing id the peer announced ("Identity"), if non-empty.
    fn peer_routing_id(&self) -> Option<&[u8]>;

    /// A ZAP request waiting to be sent to the handler (handed out once).
    fn take_zap_request(&mut self) -> Option<ZapRequest> {
        None
    }

    /// The ZAP handler's answer to that request; `None` when no handler is
    /// bound. Afterwards the connection asks for handshake commands again.
    fn zap_reply(&mut self, reply: Option<ZapReply>) -> Result<(), ProtocolError> {
        let _ = reply;
        Err(ProtocolError::UnexpectedCommand)
    }

    /// User-Id and the handler's metadata after a 200 (libzmq puts them on
    /// every message, ahead of the peer's own properties).
    fn zap_properties(&self) -> &[(Vec<u8>, Vec<u8>)] {
        &[]
    }

    /// Whether [`encode`](Self::encode)/[`decode`](Self::decode) change
    /// messages (CURVE's MESSAGE boxes); when false the connection skips them.
    fn transforms_messages(&self) -> bool {
        false
    }

    /// Queue an outgoing message part (flags included) after the handshake,
    /// transformed, as one frame of `out`.
    fn encode_into(&mut self, msg: &Msg, out: &mut Encoder) -> Result<(), ProtocolError> {
        out.push_frame(msg.more(), msg.is_command(), b"", msg.clone());
        Ok(())
    }

    /// Unwrap a received frame after the handshake.
    fn decode(&mut self, msg: Msg) -> Result<Msg, ProtocolError> {
        Ok(msg)
    }
}

/// The properties libzmq sends in READY (and PLAIN/CURVE INITIATE): the
/// Socket-Type, the Identity for REQ/DEALER/ROUTER (empty allowed), then the
/// ZMQ_METADATA properties in name order (libzmq keeps them in a std::map,
/// first value of a name wins).
pub fn basic_properties(config: &Config, out: &mut Vec<u8>) {
    command::put_property(
        out,
        SOCKET_TYPE.as_bytes(),
        socket_type_name(config.socket_type).as_bytes(),
    );
    if matches!(
        config.socket_type,
        c::ZMQ_REQ | c::ZMQ_DEALER | c::ZMQ_ROUTER
    ) {
        command::put_property(out, IDENTITY.as_bytes(), &config.routing_id);
    }
    let mut app: Vec<&(String, Vec<u8>)> = config.metadata.iter().collect();
    app.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    app.dedup_by(|later, earlier| later.0 == earlier.0);
    for (name, value) in app {
        command::put_property(out, name.as_bytes(), value);
    }
}

/// The peer's properties after a successful parse.
#[derive(Default, Debug)]
pub struct PeerProperties {
    pub props: Vec<(Vec<u8>, Vec<u8>)>,
    pub routing_id: Option<Vec<u8>>,
}

/// Parse READY/INITIATE properties as libzmq does: check every Socket-Type
/// against the local type, take "Identity" as the peer's routing id, keep
/// everything (case-sensitive names).
pub fn parse_peer_properties(
    data: &[u8],
    local_type: i32,
) -> Result<PeerProperties, ProtocolError> {
    let mut out = PeerProperties::default();
    for (name, value) in command::parse_properties(data)? {
        if name == SOCKET_TYPE.as_bytes() && !compatible(local_type, value) {
            return Err(ProtocolError::IncompatibleSocketType);
        }
        if name == IDENTITY.as_bytes() && out.routing_id.is_none() && !value.is_empty() {
            out.routing_id = Some(value.to_vec());
        }
        out.props.push((name.to_vec(), value.to_vec()));
    }
    Ok(out)
}
