//! The NULL mechanism (RFC 23/37): each side sends READY with its
//! properties; ERROR ends the handshake. With ZMQ_ZAP_DOMAIN set, libzmq
//! asks the ZAP handler first and sends READY (or ERROR) once it answered.

use super::{basic_properties, parse_peer_properties, Mechanism, PeerProperties, Status};
use crate::constants as c;
use crate::zmtp::command::{self, ERROR, READY};
use crate::zmtp::zap::{self, Verdict, ZapGate, ZapReply, ZapRequest};
use crate::zmtp::{Config, ProtocolError};

/// NULL security: no authentication, just properties.
pub struct NullMechanism {
    local_type: i32,
    ready: Option<Vec<u8>>,
    ready_sent: bool,
    ready_received: bool,
    error_received: bool,
    peer: PeerProperties,
    /// ZAP, when a domain is set.
    zap: Option<ZapGate>,
    /// The handler refused: ERROR with this code, then fail.
    refused: Option<u16>,
}

impl NullMechanism {
    pub fn new(config: &Config) -> NullMechanism {
        let mut body = Vec::with_capacity(64 + config.routing_id.len());
        command::put_name(&mut body, READY);
        basic_properties(config, &mut body);
        NullMechanism {
            local_type: config.socket_type,
            ready: Some(body),
            ready_sent: false,
            ready_received: false,
            error_received: false,
            peer: PeerProperties::default(),
            zap: None,
            refused: None,
        }
    }

    /// NULL that asks ZAP (ZMQ_ZAP_DOMAIN set) before its READY.
    pub fn with_zap(config: &Config, mut gate: ZapGate) -> NullMechanism {
        gate.ask(b"NULL", Vec::new());
        NullMechanism {
            zap: Some(gate),
            ..NullMechanism::new(config)
        }
    }
}

impl Mechanism for NullMechanism {
    fn name(&self) -> &'static [u8] {
        b"NULL"
    }

    fn allows_old_peers(&self) -> bool {
        self.zap.is_none()
    }

    fn next_handshake_command(&mut self) -> Result<Option<Vec<u8>>, ProtocolError> {
        if let Some(code) = self.refused {
            if self.ready.take().is_some() {
                return Ok(Some(zap::error_command(code)));
            }
            return Err(ProtocolError::ZapDenied(code));
        }
        if self.ready_sent || self.zap.as_ref().is_some_and(ZapGate::waiting) {
            return Ok(None);
        }
        self.ready_sent = true;
        Ok(self.ready.take())
    }

    fn process_handshake_command(&mut self, body: &[u8]) -> Result<(), ProtocolError> {
        if self.ready_received || self.error_received {
            return Err(ProtocolError::UnexpectedCommand);
        }
        match command::split(body) {
            Some((READY, data)) => {
                self.ready_received = true;
                // libzmq's NULL mechanism reports no protocol code for bad
                // properties (PLAIN and CURVE report INVALID_METADATA).
                self.peer = parse_peer_properties(data, self.local_type).map_err(|e| match e {
                    ProtocolError::InvalidMetadata => ProtocolError::MalformedProperties,
                    e => e,
                })?;
                Ok(())
            }
            Some((ERROR, data)) => {
                let malformed = ProtocolError::MalformedCommand(
                    c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR,
                );
                let (&len, reason) = data.split_first().ok_or(malformed.clone())?;
                let reason = reason.get(..usize::from(len)).ok_or(malformed)?;
                self.error_received = true;
                Err(ProtocolError::PeerError(reason.to_vec()))
            }
            _ => Err(ProtocolError::UnexpectedCommand),
        }
    }

    fn take_zap_request(&mut self) -> Option<ZapRequest> {
        self.zap.as_mut()?.take_request()
    }

    fn zap_reply(&mut self, reply: Option<ZapReply>) -> Result<(), ProtocolError> {
        let gate = self.zap.as_mut().ok_or(ProtocolError::UnexpectedCommand)?;
        if let Verdict::SendError(code) = gate.answer(reply, false)? {
            self.refused = Some(code);
        }
        Ok(())
    }

    fn zap_properties(&self) -> &[(Vec<u8>, Vec<u8>)] {
        self.zap.as_ref().map_or(&[], ZapGate::properties)
    }

    fn status(&self) -> Status {
        if self.error_received {
            Status::Error
        } else if self.ready_sent && self.ready_received {
            Status::Ready
        } else {
            Status::Handshaking
        }
    }

    fn peer_properties(&self) -> &[(Vec<u8>, Vec<u8>)] {
        &self.peer.props
    }

    fn peer_routing_id(&self) -> Option<&[u8]> {
        self.peer.routing_id.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(t: i32, id: &[u8]) -> Config {
        Config {
            socket_type: t,
            routing_id: id.to_vec(),
            metadata: vec![
                ("X-Zeta".into(), b"z".to_vec()),
                ("X-Alpha".into(), b"a".to_vec()),
                ("X-Alpha".into(), b"dup".to_vec()),
            ],
            ..Config::default()
        }
    }

    #[test]
    fn ready_body_as_libzmq() {
        let mut m = NullMechanism::new(&cfg(c::ZMQ_DEALER, b"me"));
        let b = m.next_handshake_command().unwrap().unwrap();
        let mut want =
            b"\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER\x08Identity\x00\x00\x00\x02me"
                .to_vec();
        want.extend_from_slice(b"\x07X-Alpha\x00\x00\x00\x01a\x06X-Zeta\x00\x00\x00\x01z");
        assert_eq!(b, want);
        assert_eq!(m.next_handshake_command().unwrap(), None);
        // No Identity for other types.
        let mut m = NullMechanism::new(&Config {
            socket_type: c::ZMQ_PUSH,
            ..Config::default()
        });
        assert_eq!(
            m.next_handshake_command().unwrap().unwrap(),
            b"\x05READY\x0bSocket-Type\x00\x00\x00\x04PUSH"
        );
    }

    #[test]
    fn zap_domain_holds_ready_until_the_answer() {
        let reply = |status| {
            Some(ZapReply {
                status,
                user_id: b"anon".to_vec(),
                metadata: vec![],
            })
        };
        let new = || NullMechanism::with_zap(&cfg(c::ZMQ_ROUTER, b""), ZapGate::new(false));
        let mut m = new();
        assert!(!m.allows_old_peers());
        assert_eq!(m.next_handshake_command(), Ok(None));
        let req = m.take_zap_request().unwrap();
        assert_eq!((req.mechanism, req.credentials.len()), (&b"NULL"[..], 0));
        // The peer's READY may arrive while we wait.
        m.process_handshake_command(b"\x05READY\x0bSocket-Type\x00\x00\x00\x03REQ")
            .unwrap();
        assert_eq!(m.status(), Status::Handshaking);
        m.zap_reply(reply(200)).unwrap();
        assert!(m
            .next_handshake_command()
            .unwrap()
            .unwrap()
            .starts_with(b"\x05READY"));
        assert_eq!(m.status(), Status::Ready);
        assert_eq!(m.zap_properties()[0].1, b"anon");

        let mut m = new();
        m.take_zap_request().unwrap();
        m.zap_reply(reply(400)).unwrap();
        assert_eq!(
            m.next_handshake_command(),
            Ok(Some(b"\x05ERROR\x03400".to_vec()))
        );
        assert_eq!(
            m.next_handshake_command(),
            Err(ProtocolError::ZapDenied(400))
        );

        // No handler: NULL proceeds, unless the domain is enforced.
        let mut m = new();
        m.zap_reply(None).unwrap();
        assert!(m.next_handshake_command().unwrap().is_some());
        let mut m = NullMechanism::with_zap(&cfg(c::ZMQ_ROUTER, b""), ZapGate::new(true));
        assert_eq!(m.zap_reply(None), Err(ProtocolError::ZapUnavailable));
        // Without a domain there is nothing to ask.
        let mut m = NullMechanism::new(&cfg(c::ZMQ_ROUTER, b""));
        assert_eq!(m.take_zap_request(), None);
        assert!(m.zap_reply(None).is_err());
    }

    #[test]
    fn peer_ready_and_errors() {
        let mut m = NullMechanism::new(&cfg(c::ZMQ_ROUTER, b""));
        m.next_handshake_command().unwrap();
        assert_eq!(m.status(), Status::Handshaking);
        m.process_handshake_command(
            b"\x05READY\x0bSocket-Type\x00\x00\x00\x03REQ\x08Identity\x00\x00\x00\x03abc",
        )
        .unwrap();
        assert_eq!(m.status(), Status::Ready);
        assert_eq!(m.peer_routing_id(), Some(&b"abc"[..]));
        assert_eq!(m.peer_properties().len(), 2);
        assert_eq!(
            m.process_handshake_command(b"\x05READY"),
            Err(ProtocolError::UnexpectedCommand)
        );

        let mut m = NullMechanism::new(&cfg(c::ZMQ_ROUTER, b""));
        assert_eq!(
            m.process_handshake_command(b"\x05READY\x0bSocket-Type\x00\x00\x00\x03PUB"),
            Err(ProtocolError::IncompatibleSocketType)
        );
        let mut m = NullMechanism::new(&cfg(c::ZMQ_ROUTER, b""));
        assert_eq!(
            m.process_handshake_command(b"\x05ERROR\x03400"),
            Err(ProtocolError::PeerError(b"400".to_vec()))
        );
        assert_eq!(m.status(), Status::Error);
        let mut m = NullMechanism::new(&cfg(c::ZMQ_ROUTER, b""));
        assert_eq!(
            m.process_handshake_command(b"\x05ERROR\x09400"),
            Err(ProtocolError::MalformedCommand(
                c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR
            ))
        );
        let mut m = NullMechanism::new(&cfg(c::ZMQ_ROUTER, b""));
        assert_eq!(
            m.process_handshake_command(b"\x05HELLO"),
            Err(ProtocolError::UnexpectedCommand)
        );
        let mut m = NullMechanism::new(&cfg(c::ZMQ_ROUTER, b""));
        assert_eq!(
            m.process_handshake_command(b"\x05READY\x0bSocket-Type\x00\x00"),
            Err(ProtocolError::MalformedProperties)
        );
    }
}
